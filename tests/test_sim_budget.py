"""Bounded work: the simulator's cost estimate (sim/budget.py) against real runs, and its ceilings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from transcaspian.model import load_scenario
from transcaspian.model.errors import UserError
from transcaspian.model.scenario import Scenario
from transcaspian.sim import KernelModel, SimOptions, check_budget, compile_scenario, estimate, simulate
from transcaspian.sim.inputs import prepare
from transcaspian.sim.kernel import array_caps, first_samples, memory_bytes
from transcaspian.sim.kernel.run import KernelModel as _KM
from transcaspian.sim.kernel.state import new_state

#: Between the first arrays of the run below at growth 1e-4 and those it grows to (bytes).
GROWN_CEILING = 580_000


def _tiny(tiny_dict: dict[str, Any], **demand: Any) -> Scenario:
    tiny_dict["demand"][0].update(demand)
    return Scenario.from_dict(tiny_dict)


@pytest.mark.parametrize("name", ["baseline-2024", "target-2030", "tiny"])
def test_estimated_events_within_a_factor_3_of_the_kernel(name: str, tiny_dict: dict[str, Any]) -> None:
    sc = Scenario.from_dict(tiny_dict) if name == "tiny" else load_scenario(name)
    cm = compile_scenario(sc)
    opts = SimOptions(years=1, replications=3, seed=1, workers=1)
    est = estimate(cm, opts)
    res = simulate(sc, opts)
    real = float(res["replications"]["events"].sum())
    assert real > 0
    assert 1 / 3 <= est.events_total / real <= 3, (est.events_total, real)
    released_trains = sum(float(u) / f.units_per_train for f, u in
                          zip(cm.flows, res["throughput"]["released_units"], strict=True))
    assert est.trains_per_replication == pytest.approx(released_trains, rel=0.1)
    assert res.meta["estimated_events"] == est.events_total


def test_tiny_estimate_by_hand(tiny_dict: dict[str, Any]) -> None:
    """10,000 TEU / 100 per train = 100 trains a year; 2 vessels crossing 450 km at 11 kn."""
    cm = compile_scenario(Scenario.from_dict(tiny_dict))
    est = estimate(cm, SimOptions(years=2, replications=4, workers=1, warmup_days=0))
    assert est.trains_per_replication == pytest.approx(200.0)
    cycle = cm.vessels[0].crossing_h + (4 + 3) / 2
    assert est.voyages_per_replication == pytest.approx(2 * 2 * 8760 / cycle)
    steps = 1 + sum(1 for c in cm.chained[0] if not c)
    assert est.events_per_replication == pytest.approx(200 * steps + 4 * est.voyages_per_replication)
    assert est.events_total == pytest.approx(4 * est.events_per_replication)
    assert est.simulated_years == 8.0 and est.workers == 1


def test_memory_estimate_matches_the_arrays_allocated(tiny_dict: dict[str, Any]) -> None:
    """memory_bytes counts the state arrays new_state allocates (bar fixed per-node/vessel rows)."""
    cm = compile_scenario(_tiny(tiny_dict, annual_units=1_000_000.0))
    model = _KM(cm)
    prep = prepare(cm, 8760.0, np.random.SeedSequence(1))
    n_rel = prep.releases[0].size
    caps = array_caps(n_rel, 2, len(cm.groups), False)
    inp = model._inputs(prep, 8760.0, 0.0, False)
    st = new_state(model.net, inp, caps)

    def nbytes(x: Any) -> int:
        return x.nbytes if isinstance(x, np.ndarray) else sum(nbytes(y) for y in x)

    allocated = nbytes(st) + inp.samp.nbytes * 2 + 9 * 8 * n_rel
    assert memory_bytes(caps, first_samples(n_rel) * len(cm.dists), n_rel) == pytest.approx(allocated,
                                                                                            rel=0.02)


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"replications": 1_000_000}, "max_events", "1,000,000 simulated years"),
    ({"years": 50, "replications": 10_000}, "max_events", "500,000 simulated years"),
])
def test_runs_beyond_the_event_ceiling_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    cm = compile_scenario(load_scenario("baseline-2024"))
    with pytest.raises(UserError) as err:
        check_budget(cm, SimOptions(**values))
    (p,) = err.value.problems
    assert p.field == field and words in p.message and "option max_events" in p.message
    assert "2e+09" in p.message
    # the ceiling is raised by the option it names
    assert check_budget(cm, SimOptions(**values, max_events=10**14)).events_total > 2e9


def test_a_demand_releasing_too_many_trains_is_refused(tiny_dict: dict[str, Any]) -> None:
    """Validation refuses an unphysical demand first; the budget refuses a long run of a big one."""
    with pytest.raises(UserError) as err:
        _tiny(tiny_dict, annual_units=1e12)
    assert "annual_units" in str(err.value)
    sc = _tiny(tiny_dict, annual_units=1e6, units_per_train=1)   # 1e6 trains a year
    with pytest.raises(UserError) as err:
        simulate(sc, SimOptions(years=5, replications=1, workers=1))
    fields = {p.field: p.message for p in err.value.problems}
    assert set(fields) == {"max_trains", "max_memory_gb"}
    assert "flow 'd1'" in fields["max_trains"] and "4,000,000" in fields["max_trains"]
    assert "8 GB" in fields["max_memory_gb"]


def test_a_one_unit_train_just_over_the_ceiling(tiny_dict: dict[str, Any]) -> None:
    """1e6 one-TEU trains a year for 5 years: 5e6 trains > 4e6 and ~10 GB of arrays (~2 kB a train)."""
    cm = compile_scenario(_tiny(tiny_dict, annual_units=1e6, units_per_train=1))
    with pytest.raises(UserError) as err:
        check_budget(cm, SimOptions(years=5, replications=1, workers=1, warmup_days=0))
    assert [p.field for p in err.value.problems] == ["max_trains", "max_memory_gb"]
    est = check_budget(cm, SimOptions(years=5, replications=1, workers=1, warmup_days=0, max_trains=10**7,
                                      max_memory_gb=16.0))
    assert est.trains_per_replication == pytest.approx(5e6)
    assert 9e9 < est.memory_per_worker_bytes < 11e9


def test_kernel_arrays_never_grow_past_the_memory_ceiling(tiny_dict: dict[str, Any]) -> None:
    cm = compile_scenario(_tiny(tiny_dict, annual_units=100_000.0))
    with pytest.raises(UserError) as err:
        KernelModel(cm, max_bytes=1e6).run(8760.0, 1)
    (p,) = err.value.problems
    assert p.field == "max_memory_gb" and "ceiling is 0.001 GB" in p.message
    # growth after an overflow is checked too: start from arrays far too small
    model = KernelModel(cm, max_bytes=GROWN_CEILING)
    model.growth = [1e-4, 1.0, 1.0]
    with pytest.raises(UserError):
        model.run(8760.0, 1)
    assert model.growth[0] > 1e-4
