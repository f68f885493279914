"""The one simulator kernel: plain Python equals compiled, array growth, the tracking log,
options as data and the port's formation wait."""

from __future__ import annotations

import doctest
import importlib
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from reference.builders import sea_scenario

from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import UserError
from transcaspian.sim import KernelModel, SimOptions, compile_scenario, rep_seed, simulate, tracking_log

YEAR_H = 8760.0
_SNIPPET = """
import pickle, sys
from transcaspian.model import Scenario
from transcaspian.sim import simulate
sc = Scenario.from_dict(pickle.load(open(sys.argv[1], "rb")))
res = simulate(sc, {"years": 0.25, "replications": 2, "seed": 3, "workers": 1, "track": True})
pickle.dump(res.tables, open(sys.argv[2], "wb"))
"""


def tables_compiled_and_plain(scenario: dict[str, Any], tmp_path: Path) -> dict[str, dict]:
    """The result tables of :data:`_SNIPPET` on ``scenario``, compiled (``"0"``) and under
    NUMBA_DISABLE_JIT=1 (``"1"``), each run in its own process."""
    scen = tmp_path / "scen.pkl"
    scen.write_bytes(pickle.dumps(scenario))
    tables = {}
    for jit in ("0", "1"):
        out = tmp_path / f"out{jit}.pkl"
        env = {**os.environ, "NUMBA_DISABLE_JIT": jit}
        subprocess.run([sys.executable, "-c", _SNIPPET, str(scen), str(out)], env=env, check=True,
                       cwd=Path(__file__).parent)
        tables[jit] = pickle.loads(out.read_bytes())
    return tables


def test_plain_python_kernel_gives_identical_tables(tmp_path: Path, tiny_dict: dict[str, Any]) -> None:
    """The same kernel under NUMBA_DISABLE_JIT=1 (plain Python) and compiled: same tables."""
    tables = tables_compiled_and_plain(tiny_dict, tmp_path)
    assert tables["0"].keys() == tables["1"].keys()
    for name, df in tables["0"].items():
        pd.testing.assert_frame_equal(df, tables["1"][name], check_exact=True)
    assert tables["0"]["tracking"]["event"].isin(["LOAD", "DISCHARGE"]).any()


def test_kernel_grows_its_arrays_without_changing_results() -> None:
    """Tiny preallocations force overflow-and-rerun: the numbers must not change."""
    cm = compile_scenario(load_scenario("baseline-2024"))
    a = KernelModel(cm).run(YEAR_H, rep_seed(4, 0), warmup_h=720.0, track=True)
    small = KernelModel(cm)
    small.growth = [1e-4, 1e-3, 1e-3]
    b = small.run(YEAR_H, rep_seed(4, 0), warmup_h=720.0, track=True)
    assert small.growth[0] > 1e-4 and small.growth[1] > 1e-3 and small.growth[2] > 1e-3
    np.testing.assert_array_equal(a.delivered_units, b.delivered_units)
    np.testing.assert_array_equal(a.od_unit_h, b.od_unit_h)
    np.testing.assert_array_equal(a.node_wait_tonne_h, b.node_wait_tonne_h)
    for key in ("done", "turn_h", "anchor_h", "trains", "dwell_h", "dwell_count", "queue_max"):
        np.testing.assert_array_equal(getattr(a.ports, key), getattr(b.ports, key))
    pd.testing.assert_frame_equal(a.log, b.log)
    assert a.events == b.events > 10000


def _log() -> tuple[pd.DataFrame, Any]:
    sc = sea_scenario(annual_units=60000.0, units_per_train=70.0, vessels=2, capacity=250.0,
                      closures_per_month=3.0, closure_h=30.0, handling_per_h=40.0, yard_teu=400.0,
                      border=True)
    cm = compile_scenario(sc)
    return tracking_log(cm, years=1.0, seed=11), KernelModel(cm).run(YEAR_H, rep_seed(11, 0))


def test_tracking_log_conserves_units_from_release_to_delivery() -> None:
    """Released units = delivered + in progress (from the log), per flow; the log and the
    statistics of the same replication agree."""
    log, rep = _log()
    rel = log[log["event"] == "RELEASE"]
    dlv = log[log["event"] == "DELIVER"]
    assert rel["units"].sum() == pytest.approx(rep.created_units.sum())
    assert dlv["units"].sum() == pytest.approx(rep.delivered_units.sum())
    assert rel["units"].sum() == pytest.approx(dlv["units"].sum() + rep.wip_units.sum())
    # every lot's units at release equal the units of its descendants' first events
    first = log.drop_duplicates("lot")
    children = first[first["parent"] >= 0].groupby("parent")["units"].sum()
    assert (children > 0).all()
    for _, g in log.groupby("lot"):
        assert g["time_h"].is_monotonic_increasing


def test_split_lots_carry_their_parent() -> None:
    log, _ = _log()
    splits = log[log["event"] == "SPLIT"]
    assert not splits.empty
    first = log.drop_duplicates("lot").set_index("lot")
    released = set(log.loc[log["event"] == "RELEASE", "lot"])
    for lot, parent in zip(splits["lot"], splits["parent"], strict=True):
        assert parent != -1 and parent < lot
        assert first.loc[lot, "parent"] == parent
        assert first.loc[lot, "event"] == "SPLIT"
        assert lot not in released
    assert (first.loc[sorted(released), "parent"] == -1).all()
    # a split lot keeps its parent's flow
    flows = first["flow"].astype(str)
    assert (flows.loc[splits["lot"]].to_numpy() == flows.loc[splits["parent"]].to_numpy()).all()


@pytest.mark.parametrize(("values", "field"), [
    ({"years": 0}, "years"), ({"years": 51}, "years"), ({"replications": 0}, "replications"),
    ({"replications": 1_000_001}, "replications"), ({"seed": -1}, "seed"), ({"workers": 0}, "workers"),
    ({"workers": 10_000}, "workers"), ({"warmup_days": -1}, "warmup_days"),
    ({"warmup_days": 3651}, "warmup_days"), ({"years": float("inf")}, "years"),
    ({"engine": "python"}, "engine"),
])
def test_bad_options_name_the_parameter(values: dict[str, Any], field: str,
                                        tiny_dict: dict[str, Any]) -> None:
    with pytest.raises(UserError) as err:
        simulate(Scenario.from_dict(tiny_dict), values)
    assert [p.field for p in err.value.problems] == [field]


def test_options_are_recorded(tiny_dict: dict[str, Any]) -> None:
    res = simulate(Scenario.from_dict(tiny_dict), SimOptions(years=0.25, replications=2, workers=1,
                                                             warmup_days=10.0))
    assert res.meta["options"] == {"years": 0.25, "replications": 2, "seed": 1, "workers": 1,
                                   "warmup_days": 10.0, "track": False, "max_events": 2_000_000_000,
                                   "max_trains": 4_000_000, "max_memory_gb": 8.0}


def _formation_scenario(wait_h: float | None) -> Scenario:
    """A 30-TEU feeder brings 100-TEU trains' units across in parts: onward trains wait."""
    sc = sea_scenario(annual_units=2000.0, units_per_train=100.0, capacity=30.0, vessels=1,
                      min_fill=0.5, arrivals="regular")
    if wait_h is None:
        return sc
    d = sc.to_dict()
    for n in d["nodes"]:
        if n["id"] == "pb":
            n["formation_max_wait_h"] = wait_h
    return Scenario.from_dict(d)


def test_formation_wait_is_a_port_field() -> None:
    """The port's formation_max_wait_h (72 h when empty) bounds the wait for an onward train."""
    default = compile_scenario(_formation_scenario(None))
    short = compile_scenario(_formation_scenario(6.0))
    assert default.formation_wait_h and set(default.formation_wait_h) == {72.0}
    assert set(short.formation_wait_h) == {6.0}
    pb = default.nodes.index("pb")
    waits = []
    for cm in (default, short):
        rep = KernelModel(cm).run(YEAR_H, rep_seed(1, 0))
        waits.append(rep.node_wait_unit_h[pb] / rep.node_units[pb])
    assert waits[1] < waits[0]
    assert waits[1] <= 6.0 + 1e-9


@pytest.mark.parametrize("module", ["transcaspian.sim", "transcaspian.sim.options", "transcaspian.sim.budget",
                                    "transcaspian.sim.compile", "transcaspian.sim.kernel.run"])
def test_examples_run(module: str) -> None:
    """The Examples sections of the simulator's public functions run as doctests."""
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
