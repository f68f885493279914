"""The capacity LP of every project built, as the planning MILP's yearly block.

The rows and routing columns are those of the capacity engine's LP on the scenario with
every candidate project at its most units (so every element any plan may have exists). A
configuration (projects in service, year) changes only the rows' right-hand sides: an
element's capacity in the full structure's terms is its capacity there x the ratio of
what the element carries in the configuration to what it carries with everything built
(units per year; absent elements carry nothing). A project's effect is the change of
those right-hand sides when it is added (the first unit of a modular option), measured in
the target year on top of the committed projects and what it requires. Effects are linear
and additive in the MILP; the planner checks every plan with the exact engine.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from transcaspian.analysis.capacity import CapacityModel, Element, build_model, capacity_elements, sparse_rows
from transcaspian.model import Scenario

#: Right-hand side changes smaller than this share of the row's full capacity are noise.
EFFECT_TOL = 1e-6


@dataclass
class Structure:
    """The full capacity LP: matrices, the element of each row, each column's flow and tonnes."""

    model: CapacityModel
    row_keys: list[tuple | None]
    full_rhs: np.ndarray
    full_units: dict[tuple, tuple[float, dict[str, float]]]
    A_ub: sparse.csr_array
    A_pool: sparse.csr_array | None
    flows: list[str]
    column_flow: list[str]
    column_tonnes: np.ndarray

    @property
    def n_x(self) -> int:
        return self.model.n_vars


def _matrix(rows: list[dict[int, float]], n: int) -> sparse.csr_array:
    return sparse_rows(rows, n) if rows else sparse.csr_array((0, n))


def _carrying(elements: list[Element]) -> dict[tuple, tuple[float, dict[str, float]]]:
    return {e.key: (e.capacity, dict(e.units)) for e in elements if e.constrained}


def build_structure(full: Scenario) -> Structure:
    """The capacity LP of ``full`` (every project built) as a reusable structure."""
    model = build_model(full)
    keys = [model.elements[i].key if i >= 0 else None for i in model.cap_rows]
    cols = model.columns
    flows = list(dict.fromkeys(c.flow for c in cols))
    return Structure(model, keys, np.array([b for _, b in model.ub], float),
                     _carrying(model.elements), _matrix([r for r, _ in model.ub], model.n_vars),
                     _matrix(model.eq, model.n_vars) if model.eq else None, flows,
                     [c.flow for c in cols], np.array([c.demand_units * c.tonnes_per_unit for c in cols]))


def _ratio(config: tuple[float, dict[str, float]] | None, full: tuple[float, dict[str, float]]) -> float:
    if config is None:
        return 0.0
    cap_c, units_c = config
    cap_f, units_f = full
    common = [u for u in units_f if u in units_c and units_f[u] > 0]
    if common:
        return units_c[common[0]] / units_f[common[0]]
    return cap_c / cap_f if cap_f > 0 else 0.0


def row_capacity(structure: Structure, scenario: Scenario) -> np.ndarray:
    """Right-hand sides of the full structure's rows for the configuration ``scenario``."""
    carrying = _carrying(capacity_elements(scenario))
    rhs = structure.full_rhs.copy()
    for i, key in enumerate(structure.row_keys):
        if key is not None:
            rhs[i] = structure.full_rhs[i] * _ratio(carrying.get(key), structure.full_units[key])
    return rhs


def effect(structure: Structure, without: np.ndarray, with_: np.ndarray) -> dict[int, float]:
    """Rows whose right-hand side a project raises, and by how much (per unit)."""
    out: dict[int, float] = {}
    for i in np.flatnonzero(np.abs(with_ - without) > EFFECT_TOL * np.maximum(1.0, structure.full_rhs)):
        out[int(i)] = float(with_[i] - without[i])
    return out


def flow_rows(structure: Structure) -> sparse.csr_array:
    """One row per flow (in ``structure.flows`` order) summing its columns' shares."""
    index = {f: k for k, f in enumerate(structure.flows)}
    rows: dict[int, dict[int, float]] = defaultdict(dict)
    for j, f in enumerate(structure.column_flow):
        rows[index[f]][j] = 1.0
    return _matrix([rows[k] for k in range(len(structure.flows))], structure.n_x)
