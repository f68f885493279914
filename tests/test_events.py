"""Dated events (``events:``): schema and validation, the window arithmetic of model/events.py,
capacity as lost availability, and the simulator at those dates (hand-computed oracles,
conservation, off-hire)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from reference.builders import line_scenario, sea_scenario
from test_sim_kernel import tables_compiled_and_plain

from transcaspian.analysis import capacity, element_capacities
from transcaspian.model import Scenario, load_scenario
from transcaspian.model import events as ev
from transcaspian.model.errors import ScenarioError
from transcaspian.model.io import write_csv_dir
from transcaspian.model.physics import port_closed_share, vessel_cycle
from transcaspian.sim import compile_scenario, run_replication, tracking_log
from transcaspian.sim.inputs import prepare

A = {"assumption": "test"}
YEAR_H = 8760.0


def with_events(sc: Scenario, events: list[dict[str, Any]], **vessel_patch: Any) -> Scenario:
    """The scenario with ``events`` added (and fields of every vessel class patched)."""
    d = sc.to_dict()
    d["events"] = [{**A, **e} for e in events]
    for v in d.get("vessels", []):
        v.update(vessel_patch)
    return Scenario.from_dict(d)


def event(eid: str, kind: str, element: str, start: str, end: str, **kw: Any) -> dict[str, Any]:
    return {"id": eid, "kind": kind, "element": element, "start": start, "end": end, **kw}


AKTAU_JAN = event("aktau-jan", "port_closed", "aktau", "2024-01-01", "2024-01-14")


# -- schema and validation -------------------------------------------------------------------
def test_days_are_inclusive_and_hours_count_from_the_scenario_year() -> None:
    s = with_events(load_scenario("baseline-2024"), [AKTAU_JAN])
    e = s.doc.events[0]
    assert e.days == 14
    assert ev.window_h(e, 2024) == (0.0, 336.0)
    (w,) = ev.windows(s)
    assert (w.kind, w.element, w.hours) == ("port_closed", "aktau", 336.0)


def test_bad_events_are_reported_together_naming_each_field() -> None:
    d = load_scenario("baseline-2024").to_dict()
    d["events"] = [{**A, **e} for e in [
        event("a", "port_closed", "dostyk", "2024-01-01", "2024-01-02"),          # not a seaport
        event("b", "berth_out", "aktau-ferry", "2024-01-01", "2024-01-02", count=2),   # 1 berth
        event("c", "section_closed", "btc", "2024-01-01", "2024-01-02"),         # a pipeline
        event("d", "border_closed", "aktau", "2024-01-01", "2024-01-02"),        # a seaport
        event("e", "demand_surge", "nope", "2024-01-01", "2024-01-02", factor=2.0),
        event("f", "vessel_out", "zarifa-aliyeva", "2024-01-05", "2024-01-01"),  # end before start
        event("g", "vessel_out", "zarifa-aliyeva", "2024-12-30", "2025-01-03"),  # not in 2024
        event("h", "port_closed", "aktau", "2024-01-01", "2024-01-02", factor=2.0),
        event("i", "vessel_out", "bsf-poti-700", "2024-01-01", "2024-01-02", count=3)]]
    with pytest.raises(ScenarioError) as exc:
        Scenario.from_dict(d)
    where = {(p.id, p.field) for p in exc.value.problems}
    assert {("a", "element"), ("b", "count"), ("c", "element"), ("d", "element"), ("e", "element"),
            ("g", "end"), ("i", "count")} <= where
    assert {"f", "h"} <= {p.id for p in exc.value.problems}
    text = str(exc.value)
    assert "before start" in text and "not in the scenario year 2024" in text
    assert "factor applies to demand_surge only" in text and "unknown demand flow 'nope'" in text


def test_dates_must_be_iso_dates() -> None:
    d = load_scenario("baseline-2024").to_dict()
    d["events"] = [{**A, **event("x", "port_closed", "aktau", "1/1/2024", "2024-01-02")}]
    with pytest.raises(ScenarioError, match="YYYY-MM-DD"):
        Scenario.from_dict(d)


def test_overlay_adds_events_and_round_trips(tmp_path: Path) -> None:
    over = {"name": "aktau-jan", "extends": "baseline-2024", "title": "Aktau closed 1-14 January",
            "add": {"events": [{**AKTAU_JAN, "assumption": "stress test"}]}}
    path = tmp_path / "aktau-jan.yaml"
    path.write_text(yaml.safe_dump(over), encoding="utf-8")
    s = load_scenario(path, strict=True)
    assert [e.id for e in s.doc.events] == ["aktau-jan"]
    assert s.hash != load_scenario("baseline-2024").hash
    again = Scenario.from_dict(yaml.safe_load(yaml.safe_dump(s.to_dict())))
    assert again.hash == s.hash
    # unquoted YAML dates (read as dates) mean the same
    text = path.read_text(encoding="utf-8").replace("'2024-01-01'", "2024-01-01")
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).hash == s.hash
    write_csv_dir(s.doc, tmp_path / "csv")          # and through a CSV folder
    assert load_scenario(tmp_path / "csv").hash == s.hash


# -- the window arithmetic -------------------------------------------------------------------
def test_port_closure_combines_with_weather_month_by_month() -> None:
    """14 days closed in January at a port whose weather closes it 10 % of every month:
    January is closed 1 - 0.9 x (1 - 336/730), other months 10 %; the year's share is the mean."""
    w = {"id": "w", "node": "pa", "closures_per_month": [1] * 12, "closure_duration_h": 73, **A}
    base = sea_scenario()
    d = base.to_dict()
    d["weather"] = [w]
    stormy = Scenario.from_dict(d)
    closed = with_events(stormy, [event("x", "port_closed", "pa", "2024-01-01", "2024-01-14")])
    jan = 1 - 0.9 * (1 - 336 / 730)
    assert port_closed_share(stormy, "pa") == pytest.approx(0.1)
    assert port_closed_share(closed, "pa") == pytest.approx((jan + 11 * 0.1) / 12)
    # two overlapping closures count once
    twice = with_events(base, [event("x", "port_closed", "pa", "2024-01-01", "2024-01-14"),
                               event("y", "port_closed", "pa", "2024-01-08", "2024-01-21")])
    assert port_closed_share(twice, "pa") == pytest.approx(21 * 24 / YEAR_H)


# -- capacity --------------------------------------------------------------------------------
def test_capacity_of_a_port_closed_14_days_drops_by_the_closed_share() -> None:
    """No weather: the feeder's availability falls from 1 to 1 - 336/8760 and its voyages with it."""
    base = sea_scenario(handling_per_h=50.0)
    closed = with_events(base, [event("x", "port_closed", "pa", "2024-01-01", "2024-01-14")])
    assert vessel_cycle(closed, "v1").availability == pytest.approx(1 - 336 / YEAR_H)
    e0 = element_capacities(base).set_index(["element_id", "direction"])["capacity"]
    e1 = element_capacities(closed).set_index(["element_id", "direction"])["capacity"]
    assert e1[("v1", "forward")] / e0[("v1", "forward")] == pytest.approx(1 - 14 / 365)
    assert e1[("b-pa", "both")] == e0[("b-pa", "both")]     # handling alongside is not stopped


def test_vessel_out_reduces_voyages_by_count_times_days() -> None:
    base = sea_scenario(vessels=3)
    out = with_events(base, [event("dock", "vessel_out", "v1", "2024-03-01", "2024-04-29", count=2)])
    days = 60
    ratio = vessel_cycle(out, "v1").round_trips_per_year / vessel_cycle(base, "v1").round_trips_per_year
    assert ratio == pytest.approx(1 - 2 * days / (3 * 365))
    assert "in service (events)" in vessel_cycle(out, "v1").arithmetic


def test_berths_sections_borders_and_demand_lose_what_their_events_take() -> None:
    base = sea_scenario(handling_per_h=50.0, border=True)
    s = with_events(base, [
        event("b", "berth_out", "b-pa", "2024-02-01", "2024-02-10"),              # 1 of 1 berth, 10 days
        event("r", "section_closed", "a-x", "2024-05-01", "2024-05-03"),          # 3 days
        event("x", "border_closed", "x", "2024-06-01", "2024-06-01"),             # 1 day
        event("u", "demand_surge", "*", "2024-01-01", "2024-01-14", factor=2.0)])
    e0 = element_capacities(base).set_index(["element_id", "direction"])["capacity"]
    e1 = element_capacities(s).set_index(["element_id", "direction"])
    assert e1.loc[("b-pa", "both"), "capacity"] == pytest.approx(e0[("b-pa", "both")] * (1 - 10 / 365))
    for direction in ("forward", "reverse"):
        assert e1.loc[("a-x", direction), "capacity"] == pytest.approx(e0[("a-x", direction)] * (1 - 3 / 365))
    assert e1.loc[("x", "both"), "capacity"] == pytest.approx(e0[("x", "both")] * (1 - 1 / 365))
    assert "open (events)" in e1.loc[("a-x", "forward"), "arithmetic"]
    flows = capacity(s)["flows"].set_index("flow")
    assert flows.loc["d1", "demand_units"] == pytest.approx(10000 * (1 + 14 / 365))
    assert ev.surged_annual_units(s, s.doc.demand[0]) == pytest.approx(10000 * (1 + 14 / 365))


# -- the simulator ---------------------------------------------------------------------------
def deterministic(events: list[dict[str, Any]]) -> Scenario:
    """The hand-computed corridor of test_sim_oracles: one feeder, regular trains every 730 h."""
    sc = sea_scenario(arrivals="regular", annual_units=1200.0, units_per_train=100.0, vessels=1,
                      min_fill=0.2, handling_per_h=50.0, border=True)
    return with_events(sc, events) if events else sc


def first_delivery(sc: Scenario) -> tuple[float, dict[str, float]]:
    log = tracking_log(sc, years=1.0, seed=1)
    first = log[log["lot"] == 1]
    times = dict(zip(first["event"].astype(str) + "@" + first["place"].astype(str), first["time_h"],
                     strict=False))
    return times["DELIVER@d"], times


CROSSING = 450.0 / (11 * 1.852)
ARRIVE_PB = 12.0 + CROSSING          # the feeder reaches pb (34.09 h)


@pytest.mark.parametrize("kind,element", [("port_closed", "pb"), ("berth_out", "b-pb")])
def test_closure_delays_cargo_arriving_in_it_by_the_remaining_closure(kind: str, element: str) -> None:
    """pb closed (or its one berth out) on 2 January, hours 24-48: the feeder reaching pb at
    34.09 h waits at anchor until 48 h, then port time 3 h + discharge 2 h, onward train 4 h."""
    plain, _ = first_delivery(deterministic([]))
    assert plain == pytest.approx(ARRIVE_PB + 3 + 2 + 4)
    t, times = first_delivery(deterministic([event("x", kind, element, "2024-01-02", "2024-01-02")]))
    assert t == pytest.approx(48.0 + 3 + 2 + 4)
    assert t - plain == pytest.approx(48.0 - ARRIVE_PB)
    assert times["ARRIVE@pb"] == pytest.approx(ARRIVE_PB)
    assert times["DISCHARGE@pb"] == pytest.approx(53.0)


def test_port_closed_at_the_start_holds_the_first_berthing() -> None:
    """pa closed on 1 January (0-24 h): the feeder berths at 24 h, port time 4 h, then loads the
    lot that gated in at 10 h (2 h) and sails at 30 h (was 12 h)."""
    t, times = first_delivery(deterministic([event("x", "port_closed", "pa", "2024-01-01", "2024-01-01")]))
    assert times["DEPART@pa"] == pytest.approx(30.0)
    assert t == pytest.approx(30.0 + CROSSING + 3 + 2 + 4)


def test_closed_section_and_border_hold_trains_until_they_reopen() -> None:
    """One train an hour (regular) over 100 km at 50 km/h: trains released while the section is
    closed (day 2, 24-48 h) enter it at 48 h and arrive at 50 h; the others take 2 h."""
    sc = line_scenario(1.0, arrivals="regular")
    closed = with_events(sc, [event("x", "section_closed", "o-d", "2024-01-02", "2024-01-02")])
    log = tracking_log(closed, years=4 / 365, seed=1)
    rel = log[log["event"] == "RELEASE"].set_index("lot")["time_h"]
    dlv = log[log["event"] == "DELIVER"].set_index("lot")["time_h"]
    transit = (dlv - rel.loc[dlv.index]).to_numpy()
    t0 = rel.loc[dlv.index].to_numpy()
    in_window = (t0 >= 24) & (t0 < 48)
    assert in_window.sum() == 24
    np.testing.assert_allclose(dlv.to_numpy()[in_window], 50.0, atol=1e-3)
    np.testing.assert_allclose(transit[~in_window], 2.0, atol=1e-3)
    # a border with one channel and a 0.5 h dwell, closed on day 2
    sc = line_scenario(1.0, arrivals="regular", border={"capacity_trains_per_day": 48.0, "dwell_h": 0.5})
    closed = with_events(sc, [event("x", "border_closed", "x", "2024-01-02", "2024-01-02")])
    log = tracking_log(closed, years=4 / 365, seed=1)
    leave = np.sort(log[(log["event"] == "DEPART") & (log["place"] == "x")]["time_h"].to_numpy())
    assert not ((leave > 24.0) & (leave < 48.0)).any()
    # the 24 trains held queue through the one channel, 0.5 h each, from 48 h
    np.testing.assert_allclose(leave[leave > 48.0][:24], 48.5 + 0.5 * np.arange(24), atol=1e-9)


def test_demand_surge_releases_the_extra_trains_capacity_counts() -> None:
    """One train an hour (regular); twice as many during 1-14 January: 8,760 + 336 trains."""
    sc = with_events(line_scenario(1.0, arrivals="regular"),
                     [event("u", "demand_surge", "f", "2024-01-01", "2024-01-14", factor=2.0)])
    rep = run_replication(compile_scenario(sc), YEAR_H, 1)
    assert rep.created_units.sum() == 8760 + 336
    flows = capacity(sc)["flows"]
    assert flows["demand_units"].iloc[0] == pytest.approx(8760 + 336)


def test_vessel_out_keeps_the_vessel_idle_after_discharge() -> None:
    """One feeder out 1 March - 29 April: no sailing between its first discharge in the window
    and the window's end, and about 60 days fewer of voyages than without."""
    sc = sea_scenario(annual_units=100000.0, units_per_train=100.0, vessels=1, handling_per_h=60.0)
    out = with_events(sc, [event("dock", "vessel_out", "v1", "2024-03-01", "2024-04-29")])
    a, b = ev.window_h(out.doc.events[0], 2024)
    log = tracking_log(out, years=1.0, seed=3)
    sail = np.sort(log[(log["event"] == "DEPART") & log["place"].isin(["pa", "pb"])]["time_h"].unique())
    cycle_bound = 2 * (CROSSING + 60.0)      # crossing plus waits: far less than the window
    assert not ((sail > a + cycle_bound) & (sail < b)).any()
    voyages = [run_replication(compile_scenario(x), YEAR_H, 3).voyages.sum() for x in (sc, out)]
    assert voyages[1] / voyages[0] == pytest.approx(1 - 60 / 365, abs=0.03)


def test_offhire_windows_one_a_year_per_vessel_with_common_random_numbers() -> None:
    sc = with_events(sea_scenario(vessels=2), [], offhire_days_per_year=20.0)
    cm = compile_scenario(sc)
    prep = prepare(cm, 2 * YEAR_H, np.random.SeedSequence(4))
    assert len(prep.vessel_out) == 2
    for spans in prep.vessel_out:
        assert [round(b - a, 9) for a, b in spans] == [480.0, 480.0]
        assert spans[0][0] >= 0 and spans[0][1] <= YEAR_H
        assert YEAR_H <= spans[1][0] <= 2 * YEAR_H - 480
    longer = with_events(sea_scenario(vessels=2), [], offhire_days_per_year=30.0)
    again = prepare(compile_scenario(longer), 2 * YEAR_H, np.random.SeedSequence(4))
    # same draws: a longer off-hire starts at the same share of the free part of the year
    u20 = prep.vessel_out[0][0][0] / (YEAR_H - 480)
    u30 = again.vessel_out[0][0][0] / (YEAR_H - 720)
    assert u20 == pytest.approx(u30)
    # the other inputs do not move
    np.testing.assert_array_equal(prep.releases[0], again.releases[0])


def test_offhire_cuts_voyages_by_about_the_share_off_hire() -> None:
    sc = sea_scenario(annual_units=150000.0, units_per_train=100.0, vessels=2, handling_per_h=60.0)
    off = with_events(sc, [], offhire_days_per_year=36.5)
    v0 = np.mean([run_replication(compile_scenario(sc), YEAR_H, r).voyages.sum() for r in range(3)])
    v1 = np.mean([run_replication(compile_scenario(off), YEAR_H, r).voyages.sum() for r in range(3)])
    assert v1 / v0 == pytest.approx(0.9, abs=0.035)


def test_units_are_conserved_with_every_kind_of_event() -> None:
    sc = sea_scenario(annual_units=40000.0, units_per_train=50.0, vessels=2, handling_per_h=40.0,
                      closures_per_month=2.0, closure_h=24.0, yard_teu=600.0, border=True)
    s = with_events(sc, [
        event("p", "port_closed", "pb", "2024-02-01", "2024-02-07"),
        event("b", "berth_out", "b-pa", "2024-03-01", "2024-03-05"),
        event("v", "vessel_out", "v1", "2024-04-01", "2024-04-20"),
        event("r", "section_closed", "a-x", "2024-05-01", "2024-05-02"),
        event("x", "border_closed", "x", "2024-06-01", "2024-06-02"),
        event("u", "demand_surge", "*", "2024-07-01", "2024-07-31", factor=1.5)], offhire_days_per_year=10.0)
    cm = compile_scenario(s)
    for r in range(3):
        rep = run_replication(cm, YEAR_H, r)
        assert rep.wip_units.sum() > 0 and rep.delivered_units.sum() > 0
        np.testing.assert_allclose(rep.created_units, rep.delivered_units + rep.wip_units, rtol=1e-12)
    assert not math.isnan(float(capacity(s)["summary"]["served_share"].iloc[0]))


def test_an_event_applies_in_the_year_it_is_dated_only() -> None:
    """Two simulated years: the surge of 1-14 January adds 336 trains once, and the port
    closure is among year 1's closures only."""
    sc = with_events(line_scenario(1.0, arrivals="regular"),
                     [event("u", "demand_surge", "f", "2024-01-01", "2024-01-14", factor=2.0)])
    rep = run_replication(compile_scenario(sc), 2 * YEAR_H, 1)
    assert rep.created_units.sum() == 2 * 8760 + 336
    closed = with_events(sea_scenario(), [event("x", "port_closed", "pb", "2024-01-01", "2024-01-14")])
    cm = compile_scenario(closed)
    prep = prepare(cm, 2 * YEAR_H, np.random.SeedSequence(1))
    pb = cm.nodes.index("pb")
    assert list(zip(prep.w_starts[pb], prep.w_ends[pb], strict=True)) == [(0.0, 336.0)]


def test_plain_python_kernel_equals_compiled_with_events(tmp_path: Path) -> None:
    """The kernel under NUMBA_DISABLE_JIT=1 and compiled give the same tables with every kind of
    event and off-hire (the snippet of test_sim_kernel: 0.25 years, 2 replications)."""
    sc = sea_scenario(annual_units=40000.0, units_per_train=50.0, vessels=2, handling_per_h=40.0,
                      closures_per_month=2.0, closure_h=24.0, border=True)
    s = with_events(sc, [
        event("p", "port_closed", "pb", "2024-01-10", "2024-01-16"),
        event("b", "berth_out", "b-pa", "2024-02-01", "2024-02-05"),
        event("v", "vessel_out", "v1", "2024-01-20", "2024-02-10"),
        event("r", "section_closed", "a-x", "2024-02-15", "2024-02-16"),
        event("x", "border_closed", "x", "2024-03-01", "2024-03-02"),
        event("u", "demand_surge", "*", "2024-03-05", "2024-03-20", factor=1.5)], offhire_days_per_year=10.0)
    tables = tables_compiled_and_plain(s.to_dict(), tmp_path)
    for name, df in tables["0"].items():
        pd.testing.assert_frame_equal(df, tables["1"][name], check_exact=True)
