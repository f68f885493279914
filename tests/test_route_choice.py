"""Route-choice logit (transcaspian.analysis.route_choice): calibration, monotonicity, elasticity, IIA."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transcaspian.analysis.cba import value_of_time_usd_per_t_day
from transcaspian.analysis.route_choice import (
    Logit,
    generalised_cost_usd_per_t,
    response_factor,
    theta_from_elasticity,
)

NAMES = ["corridor", "north", "sea", "air", "south"]
costs = st.floats(min_value=50.0, max_value=3000.0)
thetas = st.floats(min_value=1e-4, max_value=0.05)


@st.composite
def markets(draw: st.DrawFn) -> tuple[dict[str, float], dict[str, float]]:
    """Generalised costs (USD/t) and observed shares of 2-5 alternatives, 'corridor' first."""
    n = draw(st.integers(min_value=2, max_value=5))
    gc = {k: draw(costs) for k in NAMES[:n]}
    weights = [draw(st.floats(min_value=0.01, max_value=1.0)) for _ in range(n)]
    return gc, {k: w / sum(weights) for k, w in zip(gc, weights, strict=True)}


GC = {"corridor": 300.0, "north": 280.0, "sea": 200.0}
SHARES = {"corridor": 0.1, "north": 0.3, "sea": 0.6}


# --- hand cases -----------------------------------------------------------------------------------

def test_value_of_time_and_generalised_cost_hand_case() -> None:
    vot = value_of_time_usd_per_t_day(1000.0, 0.08)
    assert vot == pytest.approx(0.219, abs=5e-4)
    assert generalised_cost_usd_per_t(250.0, 20.0, vot) == pytest.approx(250.0 + 20 * 80 / 365)


def test_shares_hand_case() -> None:
    m = Logit(theta_per_usd=0.01, asc={"a": 0.0, "b": 0.0})
    s = m.shares({"a": 100.0, "b": 200.0})
    assert s["a"] == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert sum(s.values()) == pytest.approx(1.0)


def test_shares_stable_at_large_costs() -> None:
    s = Logit(theta_per_usd=1.0, asc={"a": 0.0, "b": 0.0}).shares({"a": 1e5, "b": 1e5 + 1})
    assert s["a"] == pytest.approx(1 / (1 + math.exp(-1.0)))


def test_calibrate_first_constant_is_zero() -> None:
    m = Logit.calibrate(GC, SHARES, theta_per_usd=0.01)
    assert m.asc["corridor"] == 0.0
    assert list(m.asc) == list(GC)


@pytest.mark.parametrize(
    ("shares", "message"),
    [({"corridor": 0.0, "north": 0.4, "sea": 0.6}, "'corridor'"),
     ({"corridor": 0.5, "north": -0.1, "sea": 0.6}, "'north'"),
     ({"corridor": 0.1, "north": 0.3, "sea": 0.5}, "sum to"),
     ({"corridor": 0.4, "north": 0.6}, "missing \\['sea'\\]"),
     ({"corridor": 0.1, "north": 0.3, "sea": 0.5, "air": 0.1}, "unexpected \\['air'\\]")],
)
def test_calibrate_rejects_bad_shares(shares: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Logit.calibrate(GC, shares, theta_per_usd=0.01)


def test_shares_reject_other_alternatives() -> None:
    m = Logit.calibrate(GC, SHARES, theta_per_usd=0.01)
    with pytest.raises(ValueError, match="missing \\['sea'\\]"):
        m.shares({"corridor": 1.0, "north": 2.0})


def test_negative_theta_rejected() -> None:
    with pytest.raises(ValueError, match="theta"):
        Logit(theta_per_usd=-0.01, asc={"a": 0.0})


def test_elasticity_hand_case() -> None:
    m = Logit.calibrate(GC, SHARES, theta_per_usd=0.01)
    assert m.elasticity(GC, "corridor") == pytest.approx(-0.01 * 300 * 0.9)
    assert theta_from_elasticity(-2.7, 300.0, 0.1) == pytest.approx(0.01)


@pytest.mark.parametrize(("e", "gc", "share"), [(0.5, 300.0, 0.1), (-1.0, 0.0, 0.1), (-1.0, 300.0, 1.0)])
def test_theta_from_elasticity_rejects(e: float, gc: float, share: float) -> None:
    with pytest.raises(ValueError):
        theta_from_elasticity(e, gc, share)


def test_response_factor_hand_case() -> None:
    m = Logit.calibrate(GC, SHARES, theta_per_usd=0.01)
    assert response_factor(m, GC, GC, "corridor") == pytest.approx(1.0)
    # corridor 50 USD/t cheaper: its odds against the rest grow by exp(0.5)
    new = 0.1 * math.exp(0.5) / (0.1 * math.exp(0.5) + 0.9)
    assert response_factor(m, GC, {**GC, "corridor": 250.0}, "corridor") == pytest.approx(new / 0.1)


# --- properties -----------------------------------------------------------------------------------

@given(market=markets(), theta=thetas)
def test_calibration_reproduces_observed_shares(market: tuple[dict, dict], theta: float) -> None:
    gc, observed = market
    s = Logit.calibrate(gc, observed, theta).shares(gc)
    for k in gc:
        assert s[k] == pytest.approx(observed[k], rel=1e-9)


@given(market=markets(), theta=thetas, cut=st.floats(min_value=0.0, max_value=0.9))
def test_cheaper_corridor_never_loses_share(market: tuple[dict, dict], theta: float, cut: float) -> None:
    gc, observed = market
    m = Logit.calibrate(gc, observed, theta)
    cheaper = {**gc, "corridor": gc["corridor"] * (1 - cut)}
    assert m.shares(cheaper)["corridor"] >= m.shares(gc)["corridor"] * (1 - 1e-12)
    assert response_factor(m, gc, cheaper, "corridor") >= 1 - 1e-12


@given(market=markets(), theta=thetas)
def test_elasticity_equals_finite_difference(market: tuple[dict, dict], theta: float) -> None:
    gc, observed = market
    m = Logit.calibrate(gc, observed, theta)
    h = 1e-6
    up = m.shares({**gc, "corridor": gc["corridor"] * (1 + h)})["corridor"]
    down = m.shares({**gc, "corridor": gc["corridor"] * (1 - h)})["corridor"]
    numeric = (math.log(up) - math.log(down)) / (math.log1p(h) - math.log1p(-h))
    assert m.elasticity(gc, "corridor") == pytest.approx(numeric, rel=1e-5, abs=1e-8)


@given(market=markets().filter(lambda m: len(m[0]) >= 3), theta=thetas, new_gc=costs)
def test_iia_other_ratios_unchanged(market: tuple[dict, dict], theta: float, new_gc: float) -> None:
    gc, observed = market
    m = Logit.calibrate(gc, observed, theta)
    before, after = m.shares(gc), m.shares({**gc, "corridor": new_gc})
    assert after["north"] / after["sea"] == pytest.approx(before["north"] / before["sea"], rel=1e-9)


@given(market=markets(), theta=thetas)
def test_theta_from_elasticity_round_trips(market: tuple[dict, dict], theta: float) -> None:
    gc, observed = market
    m = Logit.calibrate(gc, observed, theta)
    e = m.elasticity(gc, "corridor")
    assert theta_from_elasticity(e, gc["corridor"], observed["corridor"]) == pytest.approx(theta, rel=1e-9)
