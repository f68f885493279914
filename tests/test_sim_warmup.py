"""Steady state (issue 9 item 7): Welch's method, the warm-up before the measured window, and
statistics that count only the window."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from transcaspian.model import Scenario, load_scenario
from transcaspian.sim import KernelModel, SimOptions, compile_scenario, rep_seed, simulate, tracking_log
from transcaspian.sim.options import DEFAULT_WARMUP_DAYS
from transcaspian.sim.warmup import stationary, welch_curve, welch_warmup


def test_welch_finds_a_known_transient() -> None:
    """y = 50 (1 - exp(-t / 8)) + noise: within 5 % of the level from t = 8 ln 20 = 24 days."""
    rng = np.random.default_rng(3)
    days = np.arange(300.0)
    series = 50.0 * (1.0 - np.exp(-days / 8.0)) + rng.normal(0.0, 4.0, (40, days.size))
    w = welch_warmup(series, window=10, tol=0.05)
    assert 20 <= w.day <= 30
    assert w.level == pytest.approx(50.0, rel=0.01)
    assert welch_curve(series, 10).size == days.size - 10


def test_welch_curve_is_the_centred_moving_average() -> None:
    y = np.array([[1.0, 2.0, 6.0, 4.0, 5.0, 9.0]])
    assert welch_curve(y, 2).tolist() == [1.0, 3.0, 3.6, 5.2]   # (1), (1+2+6)/3, (1..5)/5, (2..9)/5


def test_stationary_keeps_the_mean_rates() -> None:
    cm = compile_scenario(load_scenario("baseline-2024"))
    flat = stationary(cm)
    for f, g in zip(cm.flows, flat.flows, strict=True):
        assert len(set(g.seasonality)) == 1
        assert sum(g.seasonality) == pytest.approx(sum(f.seasonality))
    assert cm.flows[0].seasonality != flat.flows[0].seasonality or len(set(cm.flows[0].seasonality)) == 1


def _regular(tiny: dict[str, Any]) -> Scenario:
    """Regular trains on a 7,500-km rail link (150 h at 50 km/h), then the feeder."""
    tiny["demand"][0]["arrivals"] = "regular"
    tiny["links"][0]["distance_km"] = 7500
    return Scenario.from_dict(tiny)


def test_uncongested_scenario_delivers_its_demand(tiny_dict: dict[str, Any]) -> None:
    """Regular trains on an uncongested corridor: with the default warm-up the measured year
    delivers its demand (within one train of 100 TEU, 1 %); from an empty start it misses
    what is still on the way at the year's end (a transit of > 150 h of 8,760: > 1.7 %)."""
    sc = _regular(tiny_dict)
    warm = simulate(sc, {"years": 1, "replications": 4, "workers": 1})
    cold = simulate(sc, {"years": 1, "replications": 4, "workers": 1, "warmup_days": 0})
    assert warm.meta["options"]["warmup_days"] == DEFAULT_WARMUP_DAYS
    w, c = warm.meta["window"], cold.meta["window"]
    assert w["served_share"] == pytest.approx(1.0, abs=0.01)
    assert w["released_share"] == pytest.approx(1.0, abs=0.01)
    assert c["served_share"] < w["served_share"] - 0.015
    assert w["in_transit_units"] > 0 and w["in_transit_t"] == pytest.approx(w["in_transit_units"] * 12)


def test_baseline_served_share_rises_with_the_warm_up() -> None:
    sc = load_scenario("baseline-2024")
    opts = {"years": 1, "replications": 6, "workers": 1, "seed": 3}
    warm = simulate(sc, opts).meta["window"]
    cold = simulate(sc, {**opts, "warmup_days": 0}).meta["window"]
    assert warm["served_share"] > cold["served_share"] + 0.01
    assert warm["demand_t"] == pytest.approx(cold["demand_t"])


def test_statistics_count_only_the_window(tiny_dict: dict[str, Any]) -> None:
    """Same replication, with its tracking log: the window's released and delivered units are
    the log's RELEASE / DELIVER rows at or after the warm-up; voyages are its departures."""
    sc = Scenario.from_dict(tiny_dict)
    cm = compile_scenario(sc)
    opts = SimOptions(years=0.5, warmup_days=40)
    log = tracking_log(cm, years=0.5, seed=2, warmup_days=40)
    rep = KernelModel(cm).run(opts.horizon_h, rep_seed(2, 0), opts.warmup_h)
    w = opts.warmup_h
    rel, dlv = log[log["event"] == "RELEASE"], log[log["event"] == "DELIVER"]
    assert rep.created_units.sum() == pytest.approx(rel.loc[rel["time_h"] >= w, "units"].sum())
    assert rep.delivered_units.sum() == pytest.approx(dlv.loc[dlv["time_h"] >= w, "units"].sum())
    assert rep.od_units.sum() == pytest.approx(rep.delivered_units.sum())
    assert rel["time_h"].min() < w < log["time_h"].max() <= opts.horizon_h
    assert rep.window_h == pytest.approx(0.5 * 8760.0)
    assert rep.queue_daily.shape[0] == int(np.ceil(0.5 * 365))


def test_examples_run() -> None:
    """The Examples sections of sim.warmup run as doctests."""
    import doctest

    import transcaspian.sim.warmup as mod

    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0
