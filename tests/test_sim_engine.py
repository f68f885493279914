"""Simulator behaviour: determinism, outputs, vessel rules, weather, sea level, CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from reference.builders import SRC, node, rail, sea_scenario
from typer.testing import CliRunner

from transcaspian.cli import register_all
from transcaspian.model import Scenario
from transcaspian.model.physics import voyage_payload_factor
from transcaspian.sim import (
    EVENTS,
    SimOptions,
    compile_scenario,
    rep_seed,
    run_replication,
    simulate,
    tracking_log,
)
from transcaspian.sim.montecarlo import Aggregate

YEAR_H = 8760.0
REQUIRED = {
    "transit_times": ["origin", "destination", "commodity", "direction", "lots", "p50_h", "p90_h",
                      "p95_h", "mean_h", "mean_h_ci95"],
    "waiting_by_node": ["node", "wait_h_mean_per_unit", "tonne_hours_waited", "share_of_total"],
    "throughput": ["flow", "direction", "commodity", "units", "tonnes", "units_ci95"],
    "transit_histogram": ["origin", "destination", "bin_lo_h", "bin_hi_h", "count"],
}


def test_same_seed_same_numbers_whatever_the_workers(tiny_dict: dict[str, Any]) -> None:
    sc = Scenario.from_dict(tiny_dict)
    one = simulate(sc, {"years": 0.5, "replications": 6, "seed": 3, "workers": 1})
    two = simulate(sc, {"years": 0.5, "replications": 6, "seed": 3, "workers": 2})
    for name, df in one.tables.items():
        pd.testing.assert_frame_equal(df, two.tables[name], check_exact=True)
    other = simulate(sc, {"years": 0.5, "replications": 6, "seed": 4, "workers": 1})
    assert not other["throughput"].equals(one["throughput"])


def test_result_tables_and_meta(tmp_path: Path, tiny_dict: dict[str, Any]) -> None:
    sc = Scenario.from_dict(tiny_dict)
    res = simulate(sc, SimOptions(years=1, replications=5, seed=1, track=True))
    for name, cols in REQUIRED.items():
        assert set(cols) <= set(res[name].columns), name
    tt = res["transit_times"].iloc[0]
    assert tt["p50_h"] <= tt["p90_h"] <= tt["p95_h"]
    assert 30 < tt["mean_h"] < 150 and tt["mean_h_ci95"] > 0
    hist = res["transit_histogram"]
    assert hist["count"].sum() == pytest.approx(res["throughput"]["units"].sum() * 5)
    assert res["waiting_by_node"]["share_of_total"].sum() == pytest.approx(1.0)
    assert set(res["tracking"]["event"]) <= set(EVENTS)
    written = res.write(tmp_path / "out", "parquet")
    names = {p.name for p in written}
    assert {"transit_times.parquet", "waiting_by_node.parquet", "throughput.parquet",
            "transit_histogram.parquet", "meta.json"} <= names
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert {"scenario", "scenario_hash", "version", "seed", "years", "replications"} <= set(meta)
    assert meta["options"] == {"years": 1.0, "replications": 5, "seed": 1, "workers": None,
                               "warmup_days": 30.0, "track": True, "max_events": 2_000_000_000,
                               "max_trains": 4_000_000, "max_memory_gb": 8.0}
    back = pd.read_parquet(tmp_path / "out" / "transit_times.parquet")
    assert back["p90_h"].iloc[0] == pytest.approx(tt["p90_h"])


def test_memory_stays_flat(tiny_dict: dict[str, Any]) -> None:
    """The aggregate keeps fixed-size arrays; only one small row per replication grows."""
    cm = compile_scenario(Scenario.from_dict(tiny_dict))
    agg = Aggregate(cm, YEAR_H / 4)
    sizes = []
    for i in range(12):
        agg.add(run_replication(cm, YEAR_H / 4, rep_seed(1, i)))
        sizes.append(agg.hist.nbytes + agg.queue_sum.nbytes
                     + sum(np.asarray(m.s).nbytes for m in agg.m.values()))
    assert len(set(sizes[1:])) == 1
    assert len(agg.rows) == 12


def test_tracking_log_is_consistent(tiny_dict: dict[str, Any]) -> None:
    log = tracking_log(Scenario.from_dict(tiny_dict), years=1.0, seed=2)
    for _, g in log.groupby("lot"):
        assert g["time_h"].is_monotonic_increasing
    delivered = log[log["event"] == "DELIVER"]
    released = log[log["event"] == "RELEASE"]
    assert delivered["units"].sum() <= released["units"].sum()
    assert (log["event"] == "LOAD").sum() >= len(delivered)


def ferry_scenario(wagons_per_train: float = 30.0, trucks_per_convoy: float = 40.0) -> Scenario:
    """Wagons and trucks share one ferry deck (50 wagons or 44 trucks)."""
    d: dict[str, Any] = {
        "name": "ferry", "year": 2024, "price_year": 2024, "sources": SRC,
        "commodities": [
            {"id": "grain", "name": "G", "unit": "wagon", "category": "dry_bulk", "tonnes_per_unit": 65,
             "source": "s1"},
            {"id": "trucks", "name": "T", "unit": "truck", "category": "roro", "tonnes_per_unit": 20,
             "source": "s1"}],
        "nodes": [node("a"), node("pa", "seaport", port_time_h=2.0), node("pb", "seaport", port_time_h=2.0)],
        "links": [rail("a", "pa", km=100.0, paths=20.0),
                  {"id": "road", "from": "a", "to": "pa", "mode": "road", "distance_km": 100.0,
                   "speed_kmh": 60.0, "trucks_per_day": 2000.0, "source": "s1"}],
        "services": [{"id": "fy", "name": "Ferry", "kind": "rail_ferry", "from": "pa", "to": "pb",
                      "distance_km": 400.0, "policy": "load_and_go", "min_fill_share": 0.95,
                      "max_wait_h": 24.0, "source": "s1"}],
        "vessels": [{"id": "fv", "name": "F", "service": "fy", "count": 1,
                     "capacity": {"wagon": 50, "truck": 44}, "deadweight_t": 5000, "speed_kn": 12,
                     "design_draft_m": 4.0, "tonnes_per_cm": 15, "source": "s1"}],
        "routes": [{"id": "rw", "nodes": ["a", "pa", "pb"]}, {"id": "rt", "nodes": ["a", "pa", "pb"]}],
        "demand": [
            {"id": "w", "origin": "a", "destination": "pb", "commodity": "grain", "direction": "westbound",
             "annual_units": wagons_per_train * 12, "units_per_train": wagons_per_train,
             "arrivals": "regular", "route_options": [{"route": "rw", "share": 1}], "source": "s1"},
            {"id": "t", "origin": "a", "destination": "pb", "commodity": "trucks", "direction": "westbound",
             "annual_units": trucks_per_convoy * 12, "units_per_train": trucks_per_convoy,
             "arrivals": "regular", "route_options": [{"route": "rt", "share": 1}], "source": "s1"}],
    }
    return Scenario.from_dict(d)


def test_mixed_load_shares_the_deck_and_splits_lots() -> None:
    """30 wagons fill 60% of the deck; only floor(0.4 x 44) = 17 of 40 trucks fit: the lot splits."""
    log = tracking_log(ferry_scenario(), years=0.05, seed=1)
    splits = log[log["event"] == "SPLIT"]
    assert not splits.empty
    first = splits.iloc[0]
    assert first["flow"] == "t" and first["units"] == 17
    rep = run_replication(compile_scenario(ferry_scenario()), YEAR_H, 1)
    fill = rep.voyage_fill[0, 0] / rep.voyages[0, 0]
    assert fill <= 1.0 + 1e-9
    wag, trk = rep.voyage_units[0, 0, 1], rep.voyage_units[0, 0, 2]
    assert wag / 50 + trk / 44 <= rep.voyages[0, 0] + 1e-9


def test_sea_level_cuts_payload_like_the_shared_arithmetic() -> None:
    sc = sea_scenario(sea_level_m=-0.6, max_draft_m=4.5)
    cm = compile_scenario(sc)
    v = sc.get("vessels", "v1")
    expected = voyage_payload_factor(v, sc.get("nodes", "pa"), sc.get("nodes", "pb"), -0.6)
    assert cm.vessels[0].payload_factor == pytest.approx(expected)
    assert 0 < expected < 1
    assert cm.vessels[0].cap[0] == pytest.approx(300 * expected)


def test_scheduled_service_sails_on_its_timetable() -> None:
    """Two vessels, one departure a week from each end: 53 slots in a year (t = 0, 168, ...)."""
    sc = sea_scenario(policy="scheduled", departures_per_week=1.0, vessels=2, annual_units=5000.0)
    rep = run_replication(compile_scenario(sc), YEAR_H, 1)
    assert rep.voyages[0, 0] in (52, 53)
    assert rep.voyages[0, 1] in (52, 53)


def test_weather_closures_hold_vessels() -> None:
    sc = sea_scenario(closures_per_month=2.0, closure_h=48.0, handling_per_h=50.0)
    res = simulate(sc, SimOptions(years=1, replications=4, seed=1))
    w = res["weather"].iloc[0]
    assert w["port"] == "pa"
    assert 15 < w["closures_per_year"] < 35
    assert w["closed_h_per_year"] == pytest.approx(w["closures_per_year"] * 48, rel=0.15)
    assert w["vessel_hours_lost_per_year"] > 0


def test_finite_yard_holds_trains_at_the_gate() -> None:
    """A yard of 150 TEU admits one 100-TEU train at a time: trains wait at the gate (the
    time from ARRIVE to GATE_IN at the port), which they never do with an unlimited yard."""
    base = dict(annual_units=20000.0, vessels=1, min_fill=0.9, max_wait_h=96.0)

    def gate_wait(sc: Scenario) -> float:
        log = tracking_log(sc, years=1.0, seed=4)
        at = log[log["place"] == "pa"]
        arrive = at[at["event"] == "ARRIVE"].groupby("lot")["time_h"].first()
        gate = at[at["event"] == "GATE_IN"].groupby("lot")["time_h"].first()
        return float((gate - arrive.reindex(gate.index)).sum())

    assert gate_wait(sea_scenario(yard_teu=150.0, **base)) > 24.0
    assert gate_wait(sea_scenario(**base)) == 0.0


def test_cli_simulate_prints_transit_and_waits(tmp_path: Path) -> None:
    app = register_all()
    tiny = Path(__file__).parent / "data" / "tiny.yaml"
    out = tmp_path / "sim"
    result = CliRunner().invoke(app, ["simulate", str(tiny), "--replications", "4", "--years", "0.5",
                                      "--seed", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    # header cells wrap at spaces ("P50" over "d"); the title carries the unit
    assert "Transit time, main origin-destination pairs (days)" in result.output
    assert re.search(r"P50 ┃ P90 ┃ P95 ┃ mean", result.output), result.output
    assert "Where cargo waits" in result.output
    assert (out / "transit_times.parquet").exists() and (out / "meta.json").exists()
    meta = json.loads((out / "meta.json").read_text())
    assert meta["replications"] == 4 and meta["seed"] == 2


def test_cli_reports_bad_scenario(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nyear: 2024\nprice_year: 2024\nnodes: [{id: x}]\n")
    result = CliRunner().invoke(register_all(), ["simulate", str(bad), "-n", "1"])
    assert result.exit_code == 2
