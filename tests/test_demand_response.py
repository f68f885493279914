"""Demand that responds: a market's logit calibrated on the scenario year (analysis/demand.py)."""

from __future__ import annotations

import itertools
import math

import pytest

from transcaspian.analysis import QuoteOptions, quote
from transcaspian.analysis.demand import (
    CORRIDOR,
    CorridorTerms,
    calibrate_market,
    corridor_terms,
    response,
)
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import UserError

VALUE_USD_PER_T = 20_000.0
RATE = 0.08


def market_scenario(alternatives=("ref-sea-suez", "ref-northern-rail"), share=0.1, elasticity=-1.5,
                    value=VALUE_USD_PER_T) -> Scenario:
    """baseline-2024 with a container value and one market on the Xi'an - Constanta flow."""
    d = load_scenario("baseline-2024").doc.to_dict()
    for c in d["commodities"]:
        if c["id"] == "container":
            c["value_usd_per_t"] = value
    d["markets"] = [{"id": "cn-eu", "name": "China - Europe containers", "flows": ["d-xian-constanta-teu"],
                     "alternatives": list(alternatives), "corridor_share": share,
                     "cost_elasticity": elasticity, "interest_rate": RATE, "assumption": "test"}]
    return Scenario.from_dict(d)


@pytest.fixture(scope="module")
def scen() -> Scenario:
    return market_scenario()


@pytest.fixture(scope="module")
def market(scen):
    return calibrate_market(scen, "cn-eu")


def test_corridor_terms_are_the_quotes(scen):
    t = corridor_terms(scen, "cn-eu")
    q = quote(scen, QuoteOptions.build(origin="xian", destination="constanta", cargo="1 TEU container",
                                       k=1, by="time"))
    best = q["options"].iloc[0]
    assert t.od == ("xian", "constanta") and t.commodity == "container" and t.unit == "teu"
    assert t.route == best["route"]
    assert t.days == pytest.approx(q.meta["expected_days"])
    # the price is what the flow pays today: each route option at its share, priced as the quote
    # prices that route (its through tariff if it has one, else its leg tariffs), 10 t per TEU
    flow = next(d for d in scen.doc.demand if d.id == "d-xian-constanta-teu")
    qr = quote(scen, QuoteOptions.build(origin="xian", destination="constanta", cargo="1 TEU container",
                                        k=20, by="time"))["options"]
    paid = 0.0
    for o in flow.route_options:
        row = qr[qr["route"] == o.route].iloc[0]
        paid += o.share * row["price_usd"]
    assert t.tariff_usd_per_t == pytest.approx(paid / 10.0)
    assert t.basis.startswith("route shares")
    given = corridor_terms(scen, "cn-eu", 1250.0)
    assert given.tariff_usd_per_t == pytest.approx(125.0) and given.basis == "given level"
    assert given.days == t.days


def test_calibration_year_reproduces_its_volume(scen, market):
    t = market.terms
    assert response(market, t.tariff_usd_per_t, t.days) == 1.0          # exactly
    assert market.logit.shares(market.gc_calibration)[CORRIDOR] == pytest.approx(0.1, abs=1e-12)
    flow = next(d for d in scen.doc.demand if d.id == "d-xian-constanta-teu")
    assert market.volume_t == pytest.approx(flow.annual_units * 10.0)
    assert market.vot_usd_per_t_day == pytest.approx(VALUE_USD_PER_T * RATE / 365)


def test_cheaper_or_faster_carries_more(market):
    t = market.terms
    tariffs = [0.5 * t.tariff_usd_per_t, 0.8 * t.tariff_usd_per_t, t.tariff_usd_per_t,
               1.2 * t.tariff_usd_per_t, 2.0 * t.tariff_usd_per_t]
    by_tariff = [response(market, x, t.days) for x in tariffs]
    assert all(a > b for a, b in itertools.pairwise(by_tariff))
    by_days = [response(market, t.tariff_usd_per_t, d) for d in (10.0, 15.0, t.days, 30.0)]
    assert all(a > b for a, b in itertools.pairwise(by_days))
    assert by_tariff[0] < 1.0 / 0.1                                        # a share stays below 1


def test_elasticity_at_calibration_is_the_markets(market):
    t = market.terms
    gc = market.gc_calibration[CORRIDOR]
    h = 1e-4 * t.tariff_usd_per_t
    up = response(market, t.tariff_usd_per_t + h, t.days)
    down = response(market, t.tariff_usd_per_t - h, t.days)
    elasticity = (math.log(up) - math.log(down)) / (math.log(gc + h) - math.log(gc - h))
    assert elasticity == pytest.approx(-1.5, rel=1e-6)


def test_two_alternatives_by_hand():
    scen = market_scenario(alternatives=("ref-sea-suez",), share=0.2, elasticity=-2.0)
    terms = CorridorTerms(tariff_usd_per_t=150.0, days=20.0, od=("xian", "constanta"),
                          commodity="container", unit="teu", tonnes_per_unit=10.0)
    m = calibrate_market(scen, "cn-eu", terms)
    vot = 20_000 * 0.08 / 365                                              # 4.3836 USD/t/day
    gc_c = 150.0 + 20.0 * vot
    gc_s = (1500 + 2000) / 2 / (2 * 10.0) + (28 + 40) / 2 * vot            # ref-sea-suez mid
    theta = 2.0 / (gc_c * (1 - 0.2))
    assert m.gc_calibration == pytest.approx({CORRIDOR: gc_c, "ref-sea-suez": gc_s})
    assert m.theta_per_usd == pytest.approx(theta)
    assert m.shares == pytest.approx({CORRIDOR: 0.2, "ref-sea-suez": 0.8})
    # s' = 1 / (1 + (1 - s)/s x exp(theta (GC' - GC))), response = s' / s
    new = 1 / (1 + 0.8 / 0.2 * math.exp(theta * (120.0 - 150.0))) / 0.2
    assert response(m, 120.0, 20.0) == pytest.approx(new, rel=1e-12)
    assert new == pytest.approx(1.2763, abs=1e-4)                        # by hand: 1/(1 + 4 e^-0.3156)/0.2


def test_a_market_that_cannot_be_calibrated_is_named():
    with pytest.raises(UserError) as e:
        calibrate_market(market_scenario(value=None), "cn-eu")
    assert "value_usd_per_t" in str(e.value.problems[0]) and e.value.problems[0].field == "market"
    with pytest.raises(UserError) as e:
        corridor_terms(market_scenario(), "cn-ue")
    assert "unknown market 'cn-ue'" in str(e.value.problems[0])
