"""From a setting to the planning MILP: candidates, yearly capacity blocks, budgets.

Committed projects (completed, under construction) are forced at their published years and
are part of every year's base capacity; every other project is a candidate. Each year's
block is the full structure's capacity LP with that year's base right-hand sides, the
candidates' effects, and one row per flow: the flow's routed share plus its unmet share
equals the share the year requires. Unmet cargo costs :data:`UNMET_USD_PER_T` (so the plan
serves as much as it can each year first, then at least cost); in the target year nothing
may be unmet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from transcaspian.model import Scenario
from transcaspian.model.schema import Project
from transcaspian.planning.milp import Candidate, PlanProblem, YearBlock
from transcaspian.planning.options import PlanOptions
from transcaspian.planning.setting import Setting, configure
from transcaspian.planning.structure import Structure, build_structure, effect, flow_rows, row_capacity

#: Penalty on cargo a year leaves unmet before the target year (USD/t): far above any capex per
#: tonne, so serving comes first and cost second.
UNMET_USD_PER_T = 10_000.0
COMMITTED = ("completed", "under_construction")


def build_years(p: Project) -> int:
    """Construction time in years (at least 1)."""
    return max(1, p.in_service_year - p.build_start_year)


def is_committed(p: Project) -> bool:
    return p.status in COMMITTED


def committed_units(setting: Setting, year: int) -> dict[str, int]:
    """Committed projects in service in ``year`` (their published in-service year)."""
    return {pid: p.units_max for pid, p in setting.projects.items()
            if is_committed(p) and p.in_service_year <= year}


def requirements(setting: Setting, pid: str) -> set[str]:
    """Every project ``pid`` requires, directly or through others."""
    out: set[str] = set()
    todo = list(setting.projects[pid].requires)
    while todo:
        q = todo.pop()
        if q not in out and q in setting.projects:
            out.add(q)
            todo += setting.projects[q].requires
    return out


@dataclass
class Model:
    """What every round shares: the structure, yearly base rows and the projects' effects."""

    setting: Setting
    options: PlanOptions
    structure: Structure
    years: tuple[int, ...]
    base_rhs: dict[int, np.ndarray]
    effects: dict[str, dict[int, float]]
    flow_tonnes: np.ndarray
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    #: Each market's route-choice model, calibrated on the start year (filled on first use).
    markets: dict[str, Any] = field(default_factory=dict)
    #: Tonnes each year carries with every project buildable by then, by (year, demand) (filled on use).
    reach: dict[tuple, float] = field(default_factory=dict)

    @property
    def target_year(self) -> int:
        return self.years[-1]


def build(setting: Setting, options: PlanOptions) -> Model:
    """Structure, base capacity of every year and every candidate's effect (target year)."""
    years = tuple(range(options.start_year, options.year + 1))
    everything = {pid: p.units_max for pid, p in setting.projects.items()}
    structure = build_structure(configure(setting, everything, options.year))
    base = {t: row_capacity(structure, configure(setting, committed_units(setting, t), t)) for t in years}
    effects = {pid: project_effect(setting, structure, pid, options.year)
               for pid, p in setting.projects.items() if not is_committed(p)}
    tonnes = np.zeros(len(structure.flows))
    index = {f: k for k, f in enumerate(structure.flows)}
    for j, f in enumerate(structure.column_flow):
        tonnes[index[f]] = structure.column_tonnes[j]
    cands = tuple(candidate(p) for p in setting.projects.values())
    return Model(setting, options, structure, years, base, effects, tonnes, cands)


def earliest_units(setting: Setting, year: int) -> dict[str, int]:
    """Every project at its most units if it can be in service by ``year`` (committed at their
    published years, candidates started as early as allowed): the most a year can have."""
    # a candidate started at its earliest (in_service_year - build_years) is in service in its
    # in_service_year, as a committed project is
    return {pid: p.units_max for pid, p in setting.projects.items() if p.in_service_year <= year}


def project_effect(setting: Setting, structure: Structure, pid: str, year: int) -> dict[int, float]:
    """A project's gain per unit on each row: the mean of its first unit added to the committed
    projects (and what it requires) and its last unit taken from everything built.

    The two sides bracket the effect of projects that complement each other (a berth and the
    ships that use it) or substitute for each other; the exact check corrects the rest.
    """
    done = committed_units(setting, year)
    under = {**done, **{q: setting.projects[q].units_max for q in requirements(setting, pid)}}
    first = effect(structure, row_capacity(structure, configure(setting, under, year)),
                   row_capacity(structure, configure(setting, {**under, pid: 1}, year)))
    everything = {q: p.units_max for q, p in setting.projects.items()}
    dependants = {q for q in setting.projects if pid in requirements(setting, q)}
    if dependants:
        return first
    n = everything[pid]
    less = {**everything, pid: n - 1}
    last = effect(structure, row_capacity(structure, configure(setting, less, year)), structure.full_rhs)
    rows = set(first) | set(last)
    return {i: (first.get(i, 0.0) + last.get(i, 0.0)) / 2 for i in rows
            if first.get(i, 0.0) + last.get(i, 0.0) > 0}


def candidate(p: Project) -> Candidate:
    """The MILP's view of a project."""
    years = build_years(p)
    funding = tuple((f.payer, f.max_share) for f in p.funding)
    if is_committed(p):
        return Candidate(p.id, p.capex_musd, p.opex_musd_per_year, years, p.units_max,
                         forced_start=p.in_service_year - years, payers=funding)
    return Candidate(p.id, p.capex_musd, p.opex_musd_per_year, years, p.units_max,
                     earliest_start=p.in_service_year - years, latest_start=p.latest_start_year,
                     requires=tuple(p.requires), excludes=tuple(p.excludes), payers=funding)


def budgets(scenario: Scenario, options: PlanOptions, years: tuple[int, ...]) -> dict[tuple[str, int], float]:
    """Budget per payer and year: the scenario's, overridden by the options'."""
    per_year = {p.id: p.budget_musd_per_year for p in scenario.doc.payers
                if p.budget_musd_per_year is not None}
    per_year.update(options.budgets)
    return {(payer, t): musd for payer, musd in per_year.items() for t in years}


def block(model: Model, year: int, required: np.ndarray, musts: tuple[str, ...] = ()) -> YearBlock:
    """One year's capacity rows; ``required`` is each flow's share to route (x scenario demand).

    In the target year nothing may go unmet: the year's demand is the target at the path's mix.
    """
    st = model.structure
    nf = len(st.flows)
    hard = year == model.target_year
    zeros_ub = sparse.csr_array((st.A_ub.shape[0], nf))
    a_ub = sparse.hstack([st.A_ub, zeros_ub], format="csr")
    b_ub = model.base_rhs[year]
    eq = [sparse.hstack([flow_rows(st), sparse.identity(nf, format="csr")], format="csr")]
    b_eq = [required]
    if st.A_pool is not None:
        eq.insert(0, sparse.hstack([st.A_pool, sparse.csr_array((st.A_pool.shape[0], nf))], format="csr"))
        b_eq.insert(0, np.zeros(st.A_pool.shape[0]))
    n = st.n_x + nf
    x_ub = np.full(n, np.inf)
    if hard:
        x_ub[st.n_x:] = 0.0
    cost = np.zeros(n)
    cost[st.n_x:] = UNMET_USD_PER_T * model.flow_tonnes / 1e6
    at_least = tuple(({pid: 1.0}, 1.0) for pid in musts) if hard else ()
    return YearBlock(year, a_ub, b_ub, sparse.vstack(eq, format="csr"),
                     np.concatenate(b_eq), np.zeros(n), x_ub, model.effects, at_least, x_cost=cost)


def problem(model: Model, required: Mapping[int, np.ndarray], musts: tuple[str, ...] = (),
            extra_at_least: tuple[tuple[dict[str, float], float], ...] = ()) -> PlanProblem:
    """The MILP of one round."""
    o = model.options
    blocks = []
    for t in model.years:
        b = block(model, t, required[t], musts)
        if t == model.target_year and extra_at_least:
            b = YearBlock(b.year, b.A_ub, b.b_ub, b.A_eq, b.b_eq, b.x_lb, b.x_ub, b.effects,
                          b.at_least + extra_at_least, x_cost=b.x_cost)
        blocks.append(b)
    return PlanProblem(model.candidates, model.years, tuple(blocks), o.discount_rate, o.start_year,
                       budgets(model.setting.scenario, o, model.years), o.net_of_benefits, o.time_limit_s)
