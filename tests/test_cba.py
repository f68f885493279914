"""Appraisal arithmetic (transcaspian.analysis.cba): hand cases and numpy-financial as an oracle."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from transcaspian.analysis.cba import (
    Appraisal,
    appraise,
    benefit_cost_ratio,
    discount_factors,
    irr,
    npv,
    payback_year,
    residual_value,
    value_of_time_usd_per_t_day,
)

money = st.floats(min_value=1.0, max_value=1000.0, allow_nan=False)
signed = st.one_of(st.just(0.0), money, money.map(lambda x: -x))  # no subnormals: np.roots overflows on them


def sign_changes(flows: list[float]) -> int:
    s = np.sign([f for f in flows if f != 0])
    return int(np.sum(s[1:] != s[:-1]))


# --- hand cases -----------------------------------------------------------------------------------

def test_npv_hand_case() -> None:
    assert npv(0.10, [-100, 60, 60]) == pytest.approx(-100 + 60 / 1.1 + 60 / 1.21, abs=1e-12)
    assert npv(0.10, [-100, 60, 60]) == pytest.approx(4.1322314, abs=1e-6)


def test_npv_at_zero_rate_is_the_sum() -> None:
    assert npv(0.0, [-5, 2, 3.5]) == pytest.approx(0.5)


def test_discount_factors_base_year() -> None:
    df = discount_factors([2023, 2024, 2026], 2024, 0.05)
    assert df == pytest.approx([1.05, 1.0, 1 / 1.05**2])


def test_discount_factors_reject_rate_minus_one() -> None:
    with pytest.raises(ValueError, match="> -1"):
        discount_factors([2024], 2024, -1.0)


def test_irr_hand_cases() -> None:
    assert irr([-100, 110]) == pytest.approx(0.10, abs=1e-12)
    assert irr([-100, 0, 121]) == pytest.approx(0.10, abs=1e-12)
    assert irr([-100, 100]) == pytest.approx(0.0, abs=1e-12)
    assert irr([-100, 50]) == pytest.approx(-0.5, abs=1e-12)


@pytest.mark.parametrize("flows", [[100, 10], [-100, -10], [0, 0], [-100], [0, -5, 0]])
def test_irr_nan_without_sign_change(flows: list[float]) -> None:
    assert math.isnan(irr(flows))


def test_irr_nan_without_root_in_interval() -> None:
    # -1 + 1000/(1+r): root at r = 999, outside (-0.99, 10)
    assert math.isnan(irr([-1, 1000]))
    # root at r = -0.995
    assert math.isnan(irr([-1000, 5]))


def test_irr_several_roots_closest_to_zero() -> None:
    # -1 + 5/(1+r) - 6/(1+r)^2 = 0 -> 1/(1+r) in {1/2, 1/3} -> r in {1, 2}
    assert irr([-1, 5, -6]) == pytest.approx(1.0, abs=1e-10)
    # roots at r = 0.1 and r = 0.2 (x = 1/1.1, 1/1.2)
    x1, x2 = 1 / 1.1, 1 / 1.2
    assert irr([1, -(x1 + x2) / (x1 * x2), 1 / (x1 * x2)]) == pytest.approx(0.1, abs=1e-10)


def test_benefit_cost_ratio() -> None:
    assert benefit_cost_ratio(150.0, 100.0) == pytest.approx(1.5)
    assert benefit_cost_ratio(0.0, 80.0) == 0.0
    assert math.isnan(benefit_cost_ratio(10.0, 0.0))


def test_payback_hand_case() -> None:
    years = [2024, 2025, 2026, 2027]
    # cumulative -100, -60, 0, 10: paid back in 2026 (>= 0)
    assert payback_year(years, [-100, 40, 60, 10]) == 2026
    # discounted at 10%: -100, -63.6, -14.0, -6.5: never
    assert payback_year(years, [-100, 40, 60, 10], rate=0.10) is None
    # discounted at 10%: -100 + 60/1.1 + 60/1.21 = +4.13 in 2026
    assert payback_year(years[:3], [-100, 60, 60], rate=0.10) == 2026


def test_payback_needs_a_negative_first() -> None:
    assert payback_year([2024, 2025], [0, 5]) is None
    assert payback_year([2024, 2025, 2026], [5, -10, 6]) == 2026
    assert payback_year([2024, 2025], [-5, -1]) is None


def test_residual_value_hand_case() -> None:
    # in service 2030-2059 = 30 of 40 years: a quarter is left
    assert residual_value(100.0, 2030, 40, 2059) == pytest.approx(25.0)
    assert residual_value(100.0, 2030, 30, 2059) == 0.0
    assert residual_value(100.0, 2030, 20, 2059) == 0.0
    assert residual_value(100.0, 2060, 40, 2059) == pytest.approx(100.0)
    with pytest.raises(ValueError, match="lifetime"):
        residual_value(100.0, 2030, 0, 2059)


def test_appraise_hand_case() -> None:
    a = appraise([2024, 2025, 2026], [100, 0, 0], [0, 60, 60], 0.10, 2024)
    assert isinstance(a, Appraisal)
    assert a.pv_costs_musd == pytest.approx(100.0)
    assert a.pv_benefits_musd == pytest.approx(60 / 1.1 + 60 / 1.21)
    assert a.npv_musd == pytest.approx(4.1322314, abs=1e-6)
    assert a.bcr == pytest.approx((60 / 1.1 + 60 / 1.21) / 100)
    # 60x^2 + 60x - 100 = 0, x = 1/(1+r)
    x = (-60 + math.sqrt(60**2 + 4 * 60 * 100)) / 120
    assert a.eirr == pytest.approx(1 / x - 1, abs=1e-10)
    assert a.payback_year == 2026


def test_appraise_base_year_scales_present_values_not_eirr() -> None:
    years, costs, benefits = [2026, 2027, 2028, 2029], [50, 50, 5, 5], [0, 0, 70, 70]
    a = appraise(years, costs, benefits, 0.05, 2026)
    b = appraise(years, costs, benefits, 0.05, 2024)
    assert b.npv_musd == pytest.approx(a.npv_musd / 1.05**2)
    assert b.bcr == pytest.approx(a.bcr)
    assert b.eirr == pytest.approx(a.eirr)


def test_appraise_rejects_bad_years() -> None:
    with pytest.raises(ValueError, match="consecutive"):
        appraise([2024, 2026], [1, 0], [0, 2], 0.05, 2024)
    with pytest.raises(ValueError, match="same length"):
        appraise([2024, 2025], [1, 0, 0], [0, 2], 0.05, 2024)


def test_value_of_time_hand_case() -> None:
    assert value_of_time_usd_per_t_day(1000.0, 0.08) == pytest.approx(80 / 365)
    assert round(value_of_time_usd_per_t_day(1000.0, 0.08), 3) == 0.219


# --- numpy-financial as an oracle -----------------------------------------------------------------

@given(rate=st.floats(min_value=-0.5, max_value=2.0), flows=st.lists(signed, min_size=1, max_size=40))
def test_npv_matches_numpy_financial(rate: float, flows: list[float]) -> None:
    assert npv(rate, flows) == pytest.approx(float(npf.npv(rate, flows)), rel=1e-9, abs=1e-6)


def check_against_numpy_financial(flows: list[float]) -> None:
    theirs = float(npf.irr(flows))
    assume(math.isfinite(theirs) and -0.98 < theirs < 9.9)
    ours = irr(flows)
    assert math.isfinite(ours)
    assert ours == pytest.approx(theirs, abs=1e-6)


@settings(max_examples=300)
@given(outlay=money, returns=st.lists(money, min_size=1, max_size=30))
def test_irr_conventional_flows_match_numpy_financial(outlay: float, returns: list[float]) -> None:
    check_against_numpy_financial([-outlay, *returns])


@settings(max_examples=300, derandomize=True)
@given(head=st.lists(money, min_size=1, max_size=7), tail=st.lists(money, min_size=1, max_size=8),
       lender=st.booleans())
def test_irr_mixed_flows_with_one_sign_change_match_numpy_financial(head: list[float], tail: list[float],
                                                                    lender: bool) -> None:
    """Outflows then inflows (an investor), or inflows then outflows (a lender): one sign change,
    built so, not filtered (a filter rejects too many draws for hypothesis' health check)."""
    flows = [*(-x for x in head), *tail] if not lender else [*head, *(-x for x in tail)]
    assert sign_changes(flows) == 1
    check_against_numpy_financial(flows)


@given(outlay=money, returns=st.lists(money, min_size=1, max_size=30))
def test_irr_is_a_root(outlay: float, returns: list[float]) -> None:
    r = irr([-outlay, *returns])
    if math.isfinite(r):
        assert npv(r, [-outlay, *returns]) == pytest.approx(0.0, abs=1e-6 * (outlay + sum(returns)))
