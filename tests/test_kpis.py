"""KPI computations (transcaspian.calibration.kpis) on the tiny two-port scenario, by hand.

tiny: a -rail- pa ~feeder f1~ pb; 2 vessels of 300 TEU at 11 kn over 450 km; port times
4 h (pa) and 3 h (pb), no berths (handling 0 h), no weather, drafts deep enough (payload
factor 1); demand 10,000 TEU/yr of 12 t from a to pb.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from transcaspian.analysis import QuoteOptions, capacity, quote
from transcaspian.calibration import KPI_ENGINES, model_kpis
from transcaspian.calibration.kpis import row_engine
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.observed import KPIS
from transcaspian.sim import SimOptions, simulate

CROSSING_H = 450 / (11 * 1.852)  # 22.09 h
VOYAGES = 10_000 / 300  # loaded crossings pa -> pb the demand needs a year


def observed(rows: list[tuple[str, str, float]], tol: float = 10.0) -> pd.DataFrame:
    """Observed rows in the vocabulary's columns."""
    return pd.DataFrame([{"kpi": k, "element": e, "year": 2024, "value": v, "unit": KPIS[k].unit,
                          "tolerance_pct": tol, "note": ""} for k, e, v in rows])


TINY_FILE = Path(__file__).parent / "data" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY_FILE)


def test_every_kpi_of_the_vocabulary_has_an_engine() -> None:
    assert set(KPI_ENGINES) == set(KPIS)
    assert row_engine("corridor_t", "auto") == "capacity"
    assert row_engine("transit_days", "capacity") == "capacity"
    assert row_engine("leg_days", "sim") == "capacity"


def test_capacity_kpis_by_hand(tiny: Scenario) -> None:
    rows = [("corridor_t", "titr", 120_000), ("flow_t", "d1", 120_000),
            ("port_throughput_t", "pa", 120_000), ("port_teu", "pb", 10_000), ("port_wagons", "pa", 1),
            ("service_t", "f1", 120_000), ("vessel_crossings", "v1", 2 * VOYAGES / 2),
            ("port_vessel_calls", "pb", VOYAGES), ("vessel_turnaround_h", "pa", 4.0),
            ("vessel_turnaround_h", "pb/v1", 3.0), ("leg_days", "pa>pb", CROSSING_H / 24),
            ("leg_days", "a>pa", 300 / 50 / 24)]
    out = model_kpis(tiny, observed(rows), engine="capacity")
    assert out["engine"].eq("capacity").all()
    expected = [v if k != "port_wagons" else 0.0 for k, _, v in rows]
    assert out["modelled"].tolist() == pytest.approx(expected, rel=1e-6)
    assert out["error_pct"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    assert not out["within"].iloc[4]  # 0 wagons against 1 observed: -100 %


def test_error_and_tolerance(tiny: Scenario) -> None:
    out = model_kpis(tiny, observed([("corridor_t", "titr", 100_000), ("corridor_t", "titr", 150_000)],
                                    tol=20.0), engine="capacity")
    assert out["error_pct"].tolist() == pytest.approx([20.0, -20.0])
    assert out["within"].tolist() == [True, True]
    out = model_kpis(tiny, observed([("corridor_t", "titr", 150_000)], tol=19.9), engine="capacity")
    assert not out["within"].iloc[0]


def test_unavailable_rows_say_why(tiny: Scenario) -> None:
    out = model_kpis(tiny, observed([("vessel_turnaround_h", "a", 1.0)]), engine="capacity")
    assert math.isnan(out["modelled"].iloc[0])
    assert out["model_note"].iloc[0] == "no vessel class calls at a"
    assert not out["within"].iloc[0]


def test_stretches_and_static_transit_come_from_the_quote(tiny: Scenario) -> None:
    q = quote(tiny, QuoteOptions.build(origin="a", destination="pb", cargo="1 TEU container", k=1))
    days = float(q["options"].query("kind == 'corridor'")["transit_days"].iloc[0])
    out = model_kpis(tiny, observed([("leg_days", "a>pb", 1.0), ("transit_days", "a>pb", 1.0)]),
                     engine="capacity")
    assert out["modelled"].tolist() == pytest.approx([days, days])
    # rail 6 h + the sea crossing at least
    assert days > (6 + CROSSING_H) / 24


def test_results_given_are_used(tiny: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    res = capacity(tiny)

    def fail(*a: Any, **k: Any) -> None:
        raise AssertionError("the engine ran again")

    monkeypatch.setattr("transcaspian.calibration.kpis.capacity", fail)
    out = model_kpis(tiny, observed([("corridor_t", "titr", 1.0)]), capacity_result=res)
    assert out["modelled"].iloc[0] == pytest.approx(120_000)


def test_sim_kpis_agree_with_the_simulator_tables(tiny: Scenario) -> None:
    res = simulate(tiny, SimOptions(years=1, replications=2, seed=4, workers=1))
    rows = [("corridor_t", "titr", 1), ("flow_t", "d1", 1), ("port_teu", "pa", 1), ("port_teu", "pb", 1),
            ("port_throughput_t", "pb", 1), ("service_t", "f1", 1), ("vessel_crossings", "v1", 1),
            ("port_vessel_calls", "pb", 1), ("vessel_turnaround_h", "pb", 1),
            ("vessel_turnaround_h", "pa/v1", 1), ("transit_days", "a>pb", 1)]
    out = model_kpis(tiny, observed(rows), engine="sim", sim_result=res).set_index(["kpi", "element"])
    m = out["modelled"]
    tp, vv, pp = res["throughput"], res["vessel_voyages"], res["port_performance"]
    delivered_t = float(tp["tonnes"].sum())
    teu = float(vv["teu_carried"].sum())
    assert m["corridor_t", "titr"] == pytest.approx(delivered_t)
    assert m["flow_t", "d1"] == pytest.approx(delivered_t)
    # one service, one sea leg: each TEU is loaded at pa and discharged at pb
    assert m["port_teu", "pa"] == pytest.approx(teu) and m["port_teu", "pb"] == pytest.approx(teu)
    assert m["port_throughput_t", "pb"] == pytest.approx(12 * teu)
    assert m["service_t", "f1"] == pytest.approx(12 * teu)
    assert m["vessel_crossings", "v1"] == pytest.approx(vv["voyages"].sum() / 2)
    pb = pp[(pp["port"] == "pb") & (pp["vessel"] == "all")].iloc[0]
    assert m["port_vessel_calls", "pb"] == pytest.approx(pb["calls"])
    assert m["vessel_turnaround_h", "pb"] == pytest.approx(pb["turnaround_h_mean"])
    # no berths, no weather: a call at pb lasts at least its 3 h port time
    assert m["vessel_turnaround_h", "pb"] >= 3.0
    tt = res["transit_times"].iloc[0]
    assert m["transit_days", "a>pb"] == pytest.approx(tt["mean_h"] / 24)
    # the transit includes the sea crossing
    assert m["transit_days", "a>pb"] > CROSSING_H / 24
