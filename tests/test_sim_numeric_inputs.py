"""Engines fail cleanly: a number the simulator cannot use ends as a UserError naming its element.

Each case is a value today's validation accepts (non-finite, or beyond any physical range).
When the schema's bounds refuse one at validation instead, the refusal must name the same
element; either way no traceback reaches the user.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from transcaspian.model.errors import UserError
from transcaspian.model.scenario import Scenario
from transcaspian.sim import SimOptions, compile_scenario, simulate
from transcaspian.sim.compile import dist_problem

INF = math.inf
CLOSURES = {"closure_duration_h": {"dist": "fixed", "value": 10}, "source": "s1"}

CASES: dict[str, tuple[str, int | None, dict[str, Any], str, str]] = {
    # name: (component, index or None to append, patch, problem id, problem field)
    "annual_units inf": ("demand", 0, {"annual_units": INF}, "d1", "annual_units"),
    "units_per_train inf": ("demand", 0, {"units_per_train": INF}, "d1", "units_per_train"),
    "tonnes_per_unit inf": ("commodities", 0, {"tonnes_per_unit": INF}, "container", "tonnes_per_unit"),
    "node capacity inf": ("nodes", 0, {"capacity_trains_per_day": INF,
                                       "dwell_h": {"dist": "fixed", "value": 2}}, "a",
                          "capacity_trains_per_day"),
    "lognormal mean inf": ("nodes", 0, {"capacity_trains_per_day": 5,
                                        "dwell_h": {"dist": "lognormal", "mean": INF, "p90": INF}}, "a",
                           "dwell_h"),
    "empirical weight nan": ("nodes", 0, {"dwell_h": {"dist": "empirical", "values": [1, 2],
                                                      "weights": [math.nan, 1]}}, "a", "dwell_h"),
    "empirical value inf": ("nodes", 0, {"dwell_h": {"dist": "empirical", "values": [1, INF],
                                                     "weights": [0.5, 0.5]}}, "a", "dwell_h"),
    "uniform high inf": ("nodes", 0, {"dwell_h": {"dist": "uniform", "low": 0, "high": INF}}, "a", "dwell_h"),
    "rail speed 1e-300": ("links", 0, {"speed_kmh": 1e-300}, "a-pa", "distance_km / speed_kmh"),
    "rail distance inf": ("links", 0, {"distance_km": INF}, "a-pa", "distance_km / speed_kmh"),
    "vessel capacity inf": ("vessels", 0, {"capacity": {"teu": INF}}, "v1", "capacity.teu"),
    "vessel speed 1e-300": ("vessels", 0, {"speed_kn": 1e-300}, "v1", "speed_kn (crossing of service f1)"),
    "port time inf": ("nodes", 1, {"port_time_h": INF}, "pa", "port_time_h"),
    "closures inf": ("weather", None, {"id": "w1", "node": "pa", "closures_per_month": [INF] * 12,
                                       **CLOSURES}, "w1", "closures_per_month[0]"),
    "closures 1e20 (Poisson lam too large)": (
        "weather", None, {"id": "w1", "node": "pa", "closures_per_month": [1e20] * 12, **CLOSURES}, "w1",
        "closures_per_month[0]"),
}


def _patched(tiny_dict: dict[str, Any], comp: str, index: int | None,
             patch: dict[str, Any]) -> dict[str, Any]:
    d = copy.deepcopy(tiny_dict)
    if index is None:
        d.setdefault(comp, []).append(patch)
    else:
        d[comp][index].update(patch)
    return d


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_number_the_simulator_cannot_use_names_its_element(case: str, tiny_dict: dict[str, Any]) -> None:
    comp, index, patch, cid, fld = CASES[case]
    d = _patched(tiny_dict, comp, index, patch)
    with pytest.raises(UserError) as err:
        simulate(Scenario.from_dict(d), SimOptions(years=0.25, replications=1, workers=1))
    where = [(p.component, p.id) for p in err.value.problems]
    assert (comp, cid) in where or any(p.id == cid for p in err.value.problems), err.value
    if err.value.what.startswith("scenario 'tiny' (cannot be simulated)"):
        assert (comp, cid, fld) in [(p.component, p.id, p.field) for p in err.value.problems]
        assert {p.id for p in err.value.problems} == {cid}


def test_every_problem_is_reported_together(tiny_dict: dict[str, Any]) -> None:
    d = _patched(tiny_dict, "demand", 0, {"units_per_train": INF})
    d["vessels"][0]["capacity"] = {"teu": INF}
    with pytest.raises(UserError) as err:
        compile_scenario(Scenario.from_dict(d))
    found = {(p.id, p.field) for p in err.value.problems}
    assert found >= {("d1", "units_per_train"), ("v1", "capacity.teu")}


@pytest.mark.parametrize(("spec", "words"), [
    (("fixed", math.nan, 0.0, 0.0, (), ()), "finite"),
    (("triangular", 0.0, 1.0, INF, (), ()), "finite"),
    (("lognormal", 800.0, 1.0, 0.0, (), ()), "lognormal"),
    (("empirical", 0.0, 0.0, 0.0, (1.0, 2.0), (0.5, -0.5)), "weights"),
    (("empirical", 0.0, 0.0, 0.0, (), ()), "weights"),
    (("uniform", 0.0, 1e12, 0.0, (), ()), "beyond"),
])
def test_dist_problem(spec: Any, words: str) -> None:
    why = dist_problem(spec)
    assert why is not None and words in why


def test_sound_distributions_pass() -> None:
    assert dist_problem(("lognormal", 1.0, 0.5, 0.0, (), ())) is None
    assert dist_problem(("empirical", 0.0, 0.0, 0.0, (1.0, 2.0), (0.25, 0.75))) is None
