"""Quotes: cargo parsing, hand-computed transit time / tariff / through tariff, ranking,
queue-wait arithmetic, reference routes and the `transcaspian quote` command."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from typer.testing import CliRunner

from transcaspian.analysis import CapacityOptions, QuoteOptions, RoutePlanner, capacity, parse_cargo, quote
from transcaspian.analysis.routes import RHO_MAX, queue_wait_h
from transcaspian.cli import register_all
from transcaspian.model import Scenario
from transcaspian.model.errors import UserError

A = {"assumption": "test"}
SEA_S1_H = 400 / (10 * 1.852)     # crossing of v1 (h)
SEA_S2_H = 500 / (13.5 * 1.852)   # crossing of v2 (h)


def ask(s: Scenario, origin: str, destination: str, cargo: str = "1 FEU",
        planner: RoutePlanner | None = None, simulation: Any = None, **kw: Any):
    """quote() with options built from keyword arguments."""
    return quote(s, QuoteOptions.build(origin=origin, destination=destination, cargo=cargo, **kw),
                 planner=planner, simulation=simulation)


def corridor_dict() -> dict[str, Any]:
    """Origin o -> border b -> port p1 (scheduled s1) or p3 (load-and-go s2) -> p2 -> d."""

    def node(i: str, kind: str, **kw: Any) -> dict[str, Any]:
        return {"id": i, "name": i.upper(), "country": kw.pop("country", "KZ"), "lat": 43.0, "lon": 51.0,
                "kind": kind, **kw, **A}

    def rail(i: str, a: str, b: str, km: float, kmh: float, tpd: float = 10) -> dict[str, Any]:
        return {"id": i, "from": a, "to": b, "mode": "rail", "distance_km": km, "speed_kmh": kmh,
                "gauge_mm": 1520, "trains_per_day": tpd, "emission_factor": "rail", **A}

    def vessel(i: str, svc: str, kn: float, count: int = 1) -> dict[str, Any]:
        return {"id": i, "name": i, "service": svc, "count": count, "capacity": {"teu": 200},
                "deadweight_t": 4000, "speed_kn": kn, "design_draft_m": 4.0, "tonnes_per_cm": 10, **A}

    return {
        "name": "mini", "year": 2024, "price_year": 2024,
        "commodities": [{"id": "container", "name": "C", "unit": "teu", "category": "container",
                         "tonnes_per_unit": 12, **A},
                        {"id": "grain", "name": "G", "unit": "wagon", "category": "dry_bulk",
                         "tonnes_per_unit": 65, **A},
                        {"id": "crude-oil", "name": "O", "unit": "tonne", "category": "liquid_bulk",
                         "tonnes_per_unit": 1, **A}],
        "nodes": [node("o", "terminal", country="CN"),
                  node("b", "border", dwell_h=5, capacity_trains_per_day=4),
                  node("p1", "seaport", port_time_h=4, max_draft_m=5, emission_factor="port"),
                  node("p3", "seaport", port_time_h=2, max_draft_m=5, emission_factor="port"),
                  node("p2", "seaport", port_time_h=6, max_draft_m=5, country="AZ", emission_factor="port"),
                  node("d", "terminal", country="GE")],
        "berths": [{"id": "p1-c", "node": "p1", "kind": "container", "count": 1,
                    "handling_per_h": {"teu": 25}, **A},
                   {"id": "p2-c", "node": "p2", "kind": "container", "count": 2,
                    "handling_per_h": {"teu": 20}, **A},
                   {"id": "p3-c", "node": "p3", "kind": "container", "count": 1,
                    "handling_per_h": {"teu": 50}, **A}],
        "links": [rail("o-b", "o", "b", 500, 50, 8), rail("b-p1", "b", "p1", 400, 40),
                  rail("b-p3", "b", "p3", 600, 60), rail("p2-d", "p2", "d", 300, 50)],
        "services": [{"id": "s1", "name": "S1", "kind": "container_feeder", "from": "p1", "to": "p2",
                      "distance_km": 400, "policy": "scheduled", "departures_per_week": 3,
                      "emission_factor": "ship1", **A},
                     {"id": "s2", "name": "S2", "kind": "container_feeder", "from": "p3", "to": "p2",
                      "distance_km": 500, "policy": "load_and_go", "min_fill_share": 0.5, "max_wait_h": 24,
                      "emission_factor": "ship2", **A}],
        "vessels": [vessel("v1", "s1", 10, count=2), vessel("v2", "s2", 13.5)],
        "routes": [{"id": "r1", "nodes": ["o", "b", "p1", "p2", "d"]},
                   {"id": "r3", "nodes": ["o", "b", "p3", "p2", "d"]}],
        "demand": [],
        "tariffs": [
            {"id": "t-ob", "element": "o-b", "unit": "teu", "usd_per_unit_km": 0.5, "party": "ktz", **A},
            {"id": "t-bp1", "element": "b-p1", "unit": "teu", "usd_per_unit_km": 0.5, "party": "ktz", **A},
            {"id": "t-bp3", "element": "b-p3", "unit": "teu", "usd_per_unit_km": 0.5, "party": "ktz", **A},
            {"id": "t-s1", "element": "s1", "unit": "teu", "usd_per_unit": 400, "party": "line1", **A},
            {"id": "t-s2", "element": "s2", "unit": "teu", "usd_per_unit": 600, "party": "line2", **A},
            {"id": "t-p2", "element": "p2", "unit": "teu", "usd_per_unit": 50, "party": "port-az", **A},
            {"id": "t-p2d", "element": "p2-d", "unit": "teu", "usd_per_unit_km": 0.4, "party": "ady", **A},
            {"id": "t-wagon", "element": "o-b", "unit": "wagon", "usd_per_unit": 999, "party": "ktz", **A}],
        "through_tariffs": [{"id": "tt1", "route": "r1", "unit": "teu", "usd_per_unit": 900,
                             "shares": {"ktz": 0.5, "line1": 0.3, "port-az": 0.2}, **A}],
        "emission_factors": [
            {"id": "rail", "category": "rail diesel", "kind": "transport", "wtw_g_per_tkm": 20,
             "ttw_g_per_tkm": 16, **A},
            {"id": "ship1", "category": "feeder", "kind": "transport", "wtw_g_per_tkm": 50,
             "ttw_g_per_tkm": 44, **A},
            {"id": "ship2", "category": "feeder", "kind": "transport", "wtw_g_per_tkm": 30,
             "ttw_g_per_tkm": 25, **A},
            {"id": "port", "category": "port terminal", "kind": "hub", "wtw_kg_per_t": 2, "ttw_kg_per_t": 1.5,
             **A}],
        "references": [{"id": "northern", "name": "Northern rail", "kind": "rail", "via": "Russia",
                        "origin": "China", "destination": "Europe", "distance_km": 11000,
                        "transit_days_low": 18, "transit_days_high": 22, "cost_usd_per_feu_low": 3000,
                        "cost_usd_per_feu_high": 4000, "emission_factor": "rail", **A}],
    }


def corridor(**changes: Any) -> Scenario:
    d = copy.deepcopy(corridor_dict())
    d.update(changes)
    return Scenario.from_dict(d)


# -- cargo ---------------------------------------------------------------------------------
def test_parse_cargo_forms():
    s = corridor()
    c = parse_cargo(s, "2 FEU")
    assert (c.commodity, c.unit, c.units, c.tonnes) == ("container", "teu", 4.0, 48.0)
    assert parse_cargo(s, "10 teu").units == 10
    c = parse_cargo(s, "500 t crude-oil")
    assert (c.commodity, c.unit, c.units, c.tonnes) == ("crude-oil", "tonne", 500.0, 500.0)
    c = parse_cargo(s, "3 wagons grain")
    assert (c.unit, c.units, c.tonnes) == ("wagon", 3.0, 195.0)
    assert parse_cargo(s, "130 t grain").units == pytest.approx(2.0)   # mass converted to wagons
    assert parse_cargo(s, "2FEU").units == 4.0


def test_parse_cargo_reports_every_problem():
    s = corridor()
    with pytest.raises(UserError) as e:
        parse_cargo(s, "2 FOO grian")
    text = str(e.value)
    assert "unknown cargo unit 'FOO'" in text and "unknown commodity 'grian'" in text
    assert "did you mean 'grain'" in text
    with pytest.raises(UserError, match="no commodity handled in truck"):
        parse_cargo(s, "1 truck")
    with pytest.raises(UserError, match="handled in tonne, not wagon"):
        parse_cargo(s, "3 wagons crude-oil")
    with pytest.raises(UserError, match="expected QUANTITY UNIT"):
        parse_cargo(s, "lots")


# -- queueing arithmetic -------------------------------------------------------------------
def test_queue_wait_mm1_and_cap():
    assert queue_wait_h(0.5, 1, 6.0) == (pytest.approx(6.0), False)       # rho/(1-rho) s
    assert queue_wait_h(0.0, 3, 6.0) == (0.0, False)
    w2, _ = queue_wait_h(0.5, 2, 6.0)                                      # Sakasegawa, c = 2
    assert w2 == pytest.approx(0.5 ** (math.sqrt(6) - 1) / (2 * 0.5) * 6.0)
    w, sat = queue_wait_h(1.7, 1, 1.0)
    assert sat and w == pytest.approx(RHO_MAX / (1 - RHO_MAX))


# -- quote arithmetic ----------------------------------------------------------------------
def test_quote_times_costs_by_hand():
    s = corridor()
    r = ask(s, "o", "d", "2 FEU", k=5, by="time")
    opts = r["options"]
    corr = opts[opts["kind"] == "corridor"].set_index("route")
    assert list(corr.index) == ["r3", "r1"]            # p3 is faster
    # via p1: rail 10 + border 5 + rail 10 + p1 (4 + 200/25) + half headway 56/2
    #         + sea + p2 (6 + 200/20) + rail 6
    t1 = 10 + 5 + 10 + (4 + 8) + 28 + SEA_S1_H + (6 + 10) + 6
    # via p3: rail 10 + 5 + 600/60 + p3 (2 + 200/50) + half of max_wait 24 + sea + p2 16 + 6
    t3 = 10 + 5 + 10 + (2 + 4) + 12 + SEA_S2_H + 16 + 6
    assert corr.loc["r1", "transit_h"] == pytest.approx(t1)
    assert corr.loc["r3", "transit_h"] == pytest.approx(t3)
    assert corr.loc["r1", "moving_h"] == pytest.approx(10 + 10 + SEA_S1_H + 6)
    assert corr.loc["r1", "dwell_h"] == pytest.approx(5 + 12 + 16)
    assert corr.loc["r1", "wait_h"] == pytest.approx(28)
    assert corr.loc["r1", "transit_days"] == pytest.approx(t1 / 24)
    # tariffs for 4 TEU: (250 + 200 + 400 + 50 + 120) x 4 and (250 + 300 + 600 + 50 + 120) x 4
    assert corr.loc["r1", "cost_usd"] == pytest.approx(4080)
    assert corr.loc["r3", "cost_usd"] == pytest.approx(5280)
    assert corr.loc["r1", "through_tariff_usd"] == pytest.approx(3600)
    assert corr.loc["r3", "through_tariff_usd"] is None or math.isnan(corr.loc["r3", "through_tariff_usd"])
    assert corr.loc["r1", "distance_km"] == 500 + 400 + 400 + 300
    # legs sum to the option and carry the cumulative columns
    legs = r["legs"][r["legs"]["option"] == "opt2"]
    assert legs["time_h"].sum() == pytest.approx(t1)
    assert legs["cum_cost_usd"].iloc[-1] == pytest.approx(4080)
    assert legs["cum_distance_km"].iloc[-1] == 1600


def test_quote_party_shares_and_ranking_by_cost():
    s = corridor()
    r = ask(s, "o", "d", "2 FEU", k=1, by="cost")
    assert list(r["options"].query("kind == 'corridor'")["route"]) == ["r1"]
    p = r["parties"].set_index("party")
    assert p.loc["ktz", "leg_sum_usd"] == pytest.approx(4 * 450)
    assert p.loc["ktz", "through_usd"] == pytest.approx(1800)
    assert p.loc["line1", "through_usd"] == pytest.approx(1080)
    assert p["leg_sum_share"].sum() == pytest.approx(1.0)
    assert p["through_usd"].sum() == pytest.approx(3600)
    t = r["tariffs"]
    assert set(t["tariff"]) == {"t-ob", "t-bp1", "t-s1", "t-p2", "t-p2d"}     # wagon rate not applied


def test_quote_ranking_by_co2e_and_references():
    s = corridor()
    r = ask(s, "o", "d", "2 FEU", k=2, by="co2e")
    opts = r["options"]
    corr = opts[opts["kind"] == "corridor"]
    # 48 t: r3 = 480 + 576 + 720 + 288 + hubs p3, p2 (2 x 96) = 2256; r1 = 480 + 384 + 960 + 288 + 192
    assert list(corr["route"]) == ["r3", "r1"]
    assert list(corr["co2e_wtw_kg"]) == pytest.approx([2256, 2304])
    ref = opts[opts["kind"] == "reference"].iloc[0]
    assert ref["transit_days"] == 20 and ref["cost_usd"] == pytest.approx(7000)
    assert (ref["cost_usd_low"], ref["cost_usd_high"]) == (6000, 8000)
    assert ref["co2e_wtw_kg"] == pytest.approx(48 * 11000 * 20 / 1000)
    assert ref["co2e_ttw_kg"] == pytest.approx(48 * 11000 * 16 / 1000)
    assert r.meta["scenario"] == "mini" and len(r.meta["scenario_hash"]) == 64 and "version" in r.meta


def test_queue_waits_follow_utilisation():
    """A flow of 1 train/day (50 TEU) on r1: border rho = 1/4, rail o-b rho = 1/8."""
    flow = {"id": "f", "origin": "o", "destination": "d", "commodity": "container", "direction": "westbound",
            "annual_units": 365 * 50, "units_per_train": 50, "route_options": [{"route": "r1", "share": 1}],
            **A}
    s = corridor(demand=[flow])
    # utilisation against the paths on paper (the practical basis would add the UIC 406 ceiling)
    planner = RoutePlanner(s, capacity(s, CapacityOptions.build(basis="theoretical")))
    assert planner.utilisation("border", "b") == pytest.approx(0.25)
    assert planner.utilisation("rail_section", "o-b") == pytest.approx(1 / 8)
    r = ask(s, "o", "d", "1 FEU", k=5, planner=planner)
    legs = r["legs"]
    one = legs[legs["option"] == "opt1"]   # r3 still fastest
    b = one[one["node"] == "b"].iloc[0]
    assert b["wait_h"] == pytest.approx(0.25 / 0.75 * 6.0)       # s = 24/4 h
    ob = one[one["element"] == "o-b"].iloc[0]
    assert ob["wait_h"] == pytest.approx((1 / 8) / (7 / 8) * 3.0)  # s = 24/8 h
    # the scheduled sailing on r1 (3 a week, 56 h apart; 2 vessels can sail more often, so the
    # timetable sets the departures): half the interval + the split-lot wait (a vessel's last
    # lot is split: 50 of 200 TEU, half of it waits the next sailing: 50 / 200 / 2 x 56 h)
    # + berth queue + the random queue of vessel loads (rho = 18,250 / (156 x 200), 2 vessels
    # as servers of one effective cycle each, Kingman's (ca^2 + cs^2) / 2 with ca^2 = 50 / 200)
    two = legs[legs["option"] == "opt2"]
    p1 = two[two["node"] == "p1"].iloc[0]
    lane = planner.congestion.lanes[("p1", "p2")]
    rho = 365 * 50 / (8760 / 56 * 200)
    assert lane.rho == pytest.approx(rho)
    cycle = planner.congestion.cycle_h["v1"]
    queue = rho ** (math.sqrt(2 * 3) - 1) / (2 * (1 - rho)) * cycle * (0.25 + 0.1) / 2
    assert lane.backlog_unit["teu"] == pytest.approx(queue)
    berth = planner.utilisation("berth", "p1-c")
    assert berth == pytest.approx(365 * 50 / 25 / 8760)
    split = 50 / 200 / 2 * 56
    assert p1["wait_h"] == pytest.approx(28 + split + queue + berth / (1 - berth) * 8)
    assert not p1["saturated"]
    # at p2 the 50-TEU lots fill the 50-TEU onward train at once; only split lots wait
    p2 = two[two["node"] == "p2"].iloc[0]
    assert p2["wait_h"] == pytest.approx(split + planner._berth_wait(s.get("vessels", "v1"), "p2", 10.0)[0])
    assert "onward train of 50 teu" in p2["detail"]


def test_planner_reuse_and_unknown_nodes():
    s = corridor()
    planner = RoutePlanner(s, capacity(s))
    a = ask(s, "o", "d", "1 TEU", planner=planner)["options"]
    b = ask(s, "o", "d", "1 TEU", planner=planner)["options"]
    assert a.equals(b)
    with pytest.raises(UserError) as e:
        QuoteOptions.build(origin="o", destination="d", k=0, by="speed")
    assert sorted(p.field for p in e.value.problems) == ["by", "k"]
    with pytest.raises(UserError) as e:
        QuoteOptions.build(origin="o", destination="d", k=21)
    assert [p.field for p in e.value.problems] == ["k"]
    with pytest.raises(UserError) as e:
        ask(s, "oo", "dd", "2 FUE")
    text = str(e.value)
    for part in ("unknown node 'oo'", "did you mean 'o'", "unknown node 'dd'", "unknown cargo unit 'FUE'"):
        assert part in text
    assert [p.field for p in e.value.problems] == ["cargo", "origin", "destination"]
    assert "--" not in "".join(p.field for p in e.value.problems)
    with pytest.raises(UserError, match="no itinerary carries wagon") as e:
        ask(s, "o", "d", "1 wagon grain")
    assert e.value.problems[0].field == "destination"


def test_bulk_cargo_quote_has_no_container_references():
    d = corridor_dict()
    d["vessels"][0]["capacity"] = {"teu": 200, "wagon": 30}
    d["tariffs"].append({"id": "t-s1-w", "element": "s1", "unit": "wagon", "usd_per_unit": 700,
                         "party": "line1", **A})
    s = Scenario.from_dict(d)
    r = ask(s, "o", "d", "130 t grain")
    opts = r["options"]
    assert list(opts["kind"]) == ["corridor"] and opts.iloc[0]["route"] == "r1"
    assert r.meta["units"] == pytest.approx(2.0) and r.meta["tonnes"] == pytest.approx(130.0)
    # wagons: 999 flat on o-b (wagon rate) + 700 on s1, x 2 wagons; CO2e per tonne scales with 130 t
    assert opts.iloc[0]["cost_usd"] == pytest.approx(2 * (999 + 700))
    assert opts.iloc[0]["co2e_wtw_kg"] == pytest.approx(2304 / 48 * 130)


# -- CLI -----------------------------------------------------------------------------------
app = register_all()
runner = CliRunner()


def test_cli_quote_json_and_exit_codes(write_yaml):
    path = write_yaml(corridor_dict())
    r = runner.invoke(app, ["quote", str(path), "--from", "o", "--to", "d", "--cargo", "2 FEU", "-k", "2",
                            "--format", "json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["meta"]["scenario"] == "mini" and len(data["meta"]["scenario_hash"]) == 64
    opts = data["tables"]["options"]
    assert [o["kind"] for o in opts] == ["corridor", "corridor", "reference"]
    assert opts[0]["route"] == "r3"
    r = runner.invoke(app, ["quote", str(path), "--from", "x", "--to", "d"], catch_exceptions=False)
    assert r.exit_code == 2 and "unknown node 'x'" in r.output and "Traceback" not in r.output
    assert "--from: unknown node 'x'" in r.output and "origin" not in r.output
    r = runner.invoke(app, ["quote", str(path), "--from", "o", "--to", "d", "--cargo", "two FEU"],
                      catch_exceptions=False)
    assert r.exit_code == 2 and "--cargo: cannot read cargo" in r.output
    r = runner.invoke(app, ["quote", str(path), "--from", "o", "--to", "d", "-k", "0"],
                      catch_exceptions=False)
    assert r.exit_code == 2 and "-k: " in r.output and "greater than or equal to 1" in r.output
    r = runner.invoke(app, ["quote", str(path), "--from", "o", "--to", "o"], catch_exceptions=False)
    assert r.exit_code == 2 and "--to: origin and destination are the same node" in r.output
    r = runner.invoke(app, ["quote", str(path), "--from", "o", "--to", "d", "--legs"], catch_exceptions=False)
    assert r.exit_code == 0 and "Northern" in r.output and "moving" in r.output
    r = runner.invoke(app, ["quote", str(path), "--from", "o", "--to", "d", "--tcd"], catch_exceptions=False)
    assert r.exit_code == 0 and "CPMM TFI1" in r.output and "speed_with_delay_kmh" in r.output
    r = runner.invoke(app, ["quote", str(path), "--from", "o", "--to", "d", "--format", "csv"],
                      catch_exceptions=False)
    assert r.exit_code == 0 and "scenario=mini" in r.stderr  # metadata off the CSV stream
    import io

    import pandas as pd

    assert "transit_days" in pd.read_csv(io.StringIO(r.stdout)).columns  # plain CSV


def test_simulation_of_another_scenario_names_the_parameter():
    from transcaspian.model.results import Result

    s = corridor()
    other = Result({"scenario": "elsewhere", "scenario_hash": "0" * 64}, {})
    with pytest.raises(UserError) as e:
        ask(s, "o", "d", simulation=other)
    assert [p.field for p in e.value.problems] == ["simulation"]


def test_quote_options_are_recorded_and_frozen():
    opts = QuoteOptions.build(origin="o", destination="d", cargo="2 FEU", k=2, by="cost")
    r = quote(corridor(), opts)
    assert r.meta["options"] == {"origin": "o", "destination": "d", "cargo": "2 FEU", "k": 2, "by": "cost",
                                 "through_tariff": None}
    assert list(r["options"]["option"][:2]) == ["opt1", "opt2"]
    with pytest.raises(Exception, match="frozen"):
        opts.k = 5
    with pytest.raises(UserError) as e:
        QuoteOptions.build(origin="o", destination="d", k=True)
    assert e.value.problems[0].field == "k"


def test_cli_quote_runs_the_simulator_itself(write_yaml, tmp_path):
    path = write_yaml(corridor_dict())
    r = runner.invoke(app, ["quote", str(path), "--from", "o", "--to", "d", "--simulate", "1"],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "1 replications of a year, seed 1" in r.output
    r = runner.invoke(app, ["quote", str(path), "--from", "o", "--to", "d", "--simulate", "1"],
                      catch_exceptions=False)   # the second time from the cache
    assert r.exit_code == 0 and "using the cached simulation" in r.output
    r = runner.invoke(app, ["quote", str(path), "--from", "o", "--to", "d", "--simulate", "-1"],
                      catch_exceptions=False)
    assert r.exit_code == 2 and "--simulate takes a number of replications >= 0" in r.output


def test_report_headline_uses_the_quote_and_the_simulation_beside_it():
    """The headline's days are the quote's expected days; with a simulation its P50/P90 sit beside."""
    from transcaspian.model import load_scenario
    from transcaspian.report.sections.itineraries import run_quotes
    from transcaspian.report.sections.summary import headline_section
    from transcaspian.sim import SimOptions, simulate

    s = load_scenario("baseline-2024")
    cap = capacity(s)
    quotes = run_quotes(s, cap, n=1, k=1)
    c, q = quotes[0]
    sim = simulate(s, SimOptions(years=0.2, replications=2, seed=1, workers=1))
    html = str(headline_section(s, cap, quotes, sim).html)
    assert f"{q.meta['expected_days']:.1f} days" in html
    tt = sim["transit_times"]
    row = tt[(tt.origin == c.origin) & (tt.destination == c.destination)].iloc[0]
    assert f"simulated P50 {row['p50_h'] / 24:.1f}" in html
    assert ("saturated" in html) == bool(q.meta["expected_saturated"])


def test_fluid_backlog_and_batch_waits_by_hand():
    from transcaspian.analysis.congestion import batch_wait_h, erlang_min_h, fluid_backlog_wait_h

    # rho 2: arrivals at t wait t, served while 2 t <= 8760: mean over t in [0, 4380] = 2190 h
    assert fluid_backlog_wait_h(2.0, [1.0] * 12) == pytest.approx(2190, rel=2e-3)
    # below 1 with a peak month at 1.2 x 12 / 12.2 of the mean: only that month queues
    season = [1.0] * 11 + [1.2]
    assert 0 < fluid_backlog_wait_h(0.9, season) < fluid_backlog_wait_h(0.95, season)
    assert fluid_backlog_wait_h(0.8, season) == 0.0
    # lots of 50 for a train of 100 at 1 unit/h: the second lot after 50 h; mean over 2 lots = 25 h
    assert batch_wait_h(1.0, 50, 100, 72) == pytest.approx(25)
    # at 0.5 unit/h the second lot would need 100 h: the train leaves at 72 h with on average
    # k = 0.72 lots after the first, each waiting 36 h on average: (72 + 0.72 x 36) / 1.72
    assert batch_wait_h(0.5, 50, 100, 72) == pytest.approx((72 + 0.72 * 36) / 1.72)
    assert erlang_min_h(2, 0.1, 1e6) == pytest.approx(20, rel=1e-3)   # mean of Erlang(2, 0.1)
