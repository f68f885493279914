"""The through tariff as a lever: quote --through-tariff and the tariff scan (analysis/tariff_scan.py)."""

from __future__ import annotations

import itertools

import pytest
from typer.testing import CliRunner

from transcaspian.analysis import QuoteOptions, TariffScanOptions, capacity, quote, tariff_scan
from transcaspian.analysis.tables import QUOTE, TARIFF
from transcaspian.analysis.tariff import parse_through_tariff
from transcaspian.cli import register_all
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import UserError

ROUTE = "r-xian-constanta-dostyk-aktau-poti"
TT = "tt-xian-constanta-teu"
FLOW = "d-xian-constanta-teu"
app = register_all()
runner = CliRunner()


def scenario(market: bool = True, hand_tariff: bool = False) -> Scenario:
    """baseline-2024, optionally with a container value and a market on the Xi'an - Constanta flow,
    optionally with a two-party through tariff of 1,000 USD/TEU (rail 60 % costing 540, port 40 %)."""
    d = load_scenario("baseline-2024").doc.to_dict()
    d["markets"] = []   # the built-in market is replaced by the test's (or none)
    if market:
        for c in d["commodities"]:
            if c["id"] == "container":
                c["value_usd_per_t"] = 20_000.0
        d["markets"] = [{"id": "cn-eu", "name": "China - Europe", "flows": [FLOW],
                         "alternatives": ["ref-sea-suez", "ref-northern-rail"], "corridor_share": 0.1,
                         "cost_elasticity": -1.5, "interest_rate": 0.08, "assumption": "test"}]
    if hand_tariff:
        d["through_tariffs"] = [{"id": TT, "route": ROUTE, "unit": "teu", "usd_per_unit": 1000.0,
                                 "shares": {"rail": 0.6, "port": 0.4}, "costs_usd_per_unit": {"rail": 540.0},
                                 "assumption": "test"}]
    return Scenario.from_dict(d)


@pytest.fixture(scope="module")
def with_market() -> Scenario:
    return scenario()


def test_parse_through_tariff_forms():
    assert parse_through_tariff("2500/FEU") == (1250.0, "teu")
    assert parse_through_tariff("1250/TEU") == (1250.0, "teu")
    assert parse_through_tariff("1800/wagon") == (1800.0, "wagon")
    assert parse_through_tariff("60/tonne") == (60.0, "tonne")
    assert parse_through_tariff(" 2500 USD / feu ") == (1250.0, "teu")
    for bad, words in (("2500", "expected AMOUNT/UNIT"), ("2500/FUE", "unknown unit 'FUE'"),
                       ("0/FEU", "positive"), ("-5/TEU", "expected AMOUNT/UNIT")):
        with pytest.raises(UserError) as e:
            parse_through_tariff(bad)
        assert len(e.value.problems) == 1 and e.value.problems[0].field == "through_tariff"
        assert words in e.value.problems[0].message


def test_quote_prices_the_through_route_at_the_level(with_market):
    q = quote(with_market, QuoteOptions.build(origin="xian", destination="constanta", cargo="2 FEU", k=3,
                                              through_tariff="2500/FEU"))
    assert QUOTE.problems(q) == []
    opts = q["options"].set_index("option")
    tp = q["through_parties"]
    on_tt = set(tp["option"])
    assert on_tt and all(opts.loc[o, "route"] == ROUTE for o in on_tt)
    for o in on_tt:
        assert opts.loc[o, "price_usd"] == pytest.approx(1250.0 * 4)           # 2 FEU = 4 TEU
        rows = tp[tp["option"] == o]
        assert rows["revenue_usd"].sum() == pytest.approx(5000.0)
        assert rows["revenue_usd"].tolist() == pytest.approx((rows["share"] * 1250.0 * 4).tolist())
    dr = q["demand_response"]
    assert list(dr["market"]) == ["cn-eu"]
    r = dr.iloc[0]
    assert r["tariff_usd_per_t"] == pytest.approx(125.0)                       # 1,250 USD/TEU / 10 t
    assert (r["response"] > 1) == (r["tariff_usd_per_t"] < r["tariff_usd_per_t_today"])
    assert r["tonnes"] == pytest.approx(r["response"] * r["tonnes_today"])


def test_tonnes_fall_as_the_level_rises(with_market):
    res = tariff_scan(with_market, TariffScanOptions.build(route=TT, levels="1500:4000:250", unit="FEU"))
    assert TARIFF.problems(res) == []
    lv = res["levels"]
    assert res.meta["market"] == "cn-eu"
    assert all(a > b for a, b in itertools.pairwise(lv["tonnes"]))
    assert all(a > b for a, b in itertools.pairwise(lv["response"]))
    assert lv["usd_per_unit"].tolist() == pytest.approx([x / 2 for x in lv["level"]])   # FEU = 2 TEU


def test_revenue_per_party_is_share_times_level_times_units():
    s = scenario(market=False)
    res = tariff_scan(s, TariffScanOptions.build(route=ROUTE, levels=[2000, 3000], unit="FEU"))
    fr = capacity(s)["flow_routes"]
    units = fr[fr["route"] == ROUTE]["units"].sum()                           # TEU/yr on the route
    assert res["levels"]["units"].tolist() == pytest.approx([units, units])   # no market: fixed
    p = res["parties"].set_index(["level", "party"])
    assert p.loc[(3000.0, "ktz"), "revenue_usd"] == pytest.approx(0.328 * 1500.0 * units)
    assert p.loc[(2000.0, "kmtf"), "revenue_usd"] == pytest.approx(0.139 * 1000.0 * units)
    assert p.loc[(2000.0, "ktz"), "cost_usd_per_unit"] == 401.0               # declared in baseline-2024
    assert p.loc[(2000.0, "ktz"), "cost_basis"] == "declared"
    assert res["levels"]["revenue_usd"].tolist() == pytest.approx([1000.0 * units, 1500.0 * units])


def test_the_chosen_level_by_hand():
    # rail 60 % costs 540/TEU (declared), port 40 % costs 0.4 x 1000 x 0.85 = 340/TEU (cost ratio).
    # Levels 1600, 1800, 2000 USD/FEU = 800, 900, 1000 USD/TEU: rail 480 | 540 | 600, port 320 | 360 | 400
    # -> 1600 fails both, 1800 and 2000 cover; with a market the cheaper 1800 carries more.
    s = scenario(market=True, hand_tariff=True)
    res = tariff_scan(s, TariffScanOptions.build(route=TT, levels="1600,1800,2000", unit="FEU"))
    lv = res["levels"]
    assert lv["all_cover"].tolist() == [False, True, True]
    assert lv.loc[0, "short"] == "port, rail"
    p = res["parties"].set_index(["level", "party"])
    assert p.loc[(1800.0, "port"), "cost_usd_per_unit"] == pytest.approx(340.0)
    assert p.loc[(1800.0, "port"), "cost_basis"] == "cost ratio"
    summary = res["summary"].iloc[0]
    assert summary["chosen_level"] == 1800.0
    assert summary["chosen_tonnes"] == pytest.approx(lv.loc[1, "tonnes"])
    change = (lv.loc[1, "tonnes"] / summary["tonnes_today"] - 1) * 100
    tonnes = f"{lv.loc[1, 'tonnes']:,.0f}"
    assert res.meta["answer"] == ("the level carrying the most cargo while every party covers its costs: "
                                  f"1,800 USD/FEU, {tonnes} t/yr ({change:+.1f} % on today's)")
    none = tariff_scan(s, TariffScanOptions.build(route=TT, levels="1000,1200", unit="FEU"))
    assert none["summary"]["chosen_level"].isna().all()
    assert none.meta["answer"].startswith("no level covers every party's costs: port, rail are short")
    assert "from 1,800 USD/FEU" in none.meta["answer"]                      # rail: 540 / 0.6 = 900/TEU


def test_cli_through_tariff_errors_exit_2_with_one_message():
    for bad, words in (("2500", "cannot read the through tariff '2500'"),
                       ("2500/FUE", "unknown unit 'FUE'")):
        r = runner.invoke(app, ["quote", "baseline-2024", "--from", "xian", "--to", "constanta",
                                "--simulate", "0", "--through-tariff", bad], catch_exceptions=False)
        assert r.exit_code == 2, r.output
        assert "1 problem in the command" in r.output and f"--through-tariff: {words}" in r.output
        assert "through_tariff" not in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["quote", "baseline-2024", "--from", "xian", "--to", "constanta",
                            "--simulate", "0", "--through-tariff", "1800/wagon"], catch_exceptions=False)
    assert r.exit_code == 2 and "--through-tariff: the through tariff is per wagon" in r.output


def test_cli_tariff_prints_the_answer():
    r = runner.invoke(app, ["tariff", "baseline-2024", "--route", TT, "--levels", "2500:3000:250"],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    # the built-in market responds: 2,500 leaves KMTF and the Black Sea line short of their costs
    assert "the level carrying the most cargo while every party covers its costs: 2,750 USD/FEU" in r.output
    r = runner.invoke(app, ["tariff", "baseline-2024", "--route", TT, "--levels", "3000:2000:250"],
                      catch_exceptions=False)
    assert r.exit_code == 2 and "--levels: " in r.output
    r = runner.invoke(app, ["tariff", "baseline-2024", "--route", "nope"], catch_exceptions=False)
    assert r.exit_code == 2 and "--route: no through tariff 'nope'" in r.output
