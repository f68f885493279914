"""Investment planning as a mixed-integer linear programme: which projects to build, and when.

``solve(problem) -> PlanSolution`` chooses, year by year over a short horizon, how many units
of each candidate project start construction, at least discounted cost, subject to per-year
capacity rows (a project in service raises the right-hand side of some rows), precedence
(``requires``), mutual exclusion (``excludes``), committed starts (``forced_start``) and
per-payer annual budgets with maximum cost shares. It builds one sparse MILP and solves it
with :func:`scipy.optimize.milp` (HiGHS).

``evaluate(problem, starts) -> float | None`` is an independent, plain implementation of the
same rules for one given schedule (the brute-force oracle of the tests): the discounted cost,
or ``None`` when the schedule breaks a rule.

Conventions
-----------
* Money is in million US dollars (MUSD), undiscounted per year unless said otherwise; the
  discount factor of year ``t`` is ``1 / (1 + r) ** (t - base_year)``.
* A unit started in year ``s`` costs ``capex_musd / build_years`` in each of the years
  ``s .. s + build_years - 1`` and is in service from year ``s + build_years`` on. Costs in
  years outside the horizon are not counted.
* Opex and benefits accrue per unit for every in-service year inside the horizon.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.optimize
import scipy.sparse

UNASSIGNED = "unassigned"
"""The payer of a candidate that lists no payers (share 1)."""

_TOL = 1e-7


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A project that may be built (one yes/no unit or up to ``units_max`` modular units).

    Parameters
    ----------
    id
        Unique project id.
    capex_musd
        Capital cost per unit, MUSD, spread evenly over ``build_years`` years from the start.
    opex_musd_per_year
        Operating cost per unit in service, MUSD/year, for every in-service horizon year.
    build_years
        Construction time, years (>= 1): a unit started in year ``s`` is in service from
        ``s + build_years``.
    units_max
        Maximum number of units (1 = a yes/no project).
    earliest_start, latest_start
        Window of allowed start years (``None`` = horizon start / no limit).
    forced_start
        Committed start year: exactly ``units_max`` units start then. May lie before the
        horizon (capex before the horizon is not counted).
    requires
        Ids of projects that must have at least one unit in service in every year in which a
        unit of this project is in service.
    excludes
        Ids of projects of which at most one of the pair is ever built.
    payers
        ``(payer id, max share of this project's capex in (0, 1])``; empty means one payer
        ``"unassigned"`` with share 1. The shares must sum to at least 1.
    benefit_musd_per_year
        Monetised benefit per unit in service, MUSD/year (in the objective only when
        ``PlanProblem.net_of_benefits``).
    """

    id: str
    capex_musd: float
    opex_musd_per_year: float = 0.0
    build_years: int = 1
    units_max: int = 1
    earliest_start: int | None = None
    latest_start: int | None = None
    forced_start: int | None = None
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    payers: tuple[tuple[str, float], ...] = ()
    benefit_musd_per_year: float = 0.0

    def shares(self) -> tuple[tuple[str, float], ...]:
        """The payers with their maximum shares (``(("unassigned", 1.0),)`` when none given)."""
        return self.payers if self.payers else ((UNASSIGNED, 1.0),)


@dataclass(frozen=True)
class YearBlock:
    """One year's capacity rows on that year's own routing variables ``x``.

    ``A_ub @ x <= b_ub + sum_p effects[p][row] * units_in_service[p, year]``,
    ``A_eq @ x == b_eq``, ``x_lb <= x <= x_ub``, and for every ``(coefs, rhs)`` in
    ``at_least``: ``sum_p coefs[p] * units_in_service[p, year] >= rhs``.

    Parameters
    ----------
    year
        The horizon year of the block.
    A_ub, b_ub
        Inequality rows (``rows x n_x``) and their right-hand sides (e.g. t/year capacities).
    A_eq, b_eq
        Equality rows (e.g. a demand that must be routed) or ``None``.
    x_lb, x_ub
        Bounds of the routing variables (``-inf`` / ``inf`` allowed).
    effects
        Project id -> {row index of ``A_ub``: right-hand-side gain per unit in service}.
    at_least
        Extra rows on the units in service, e.g. transit days saved >= days needed.
    x_cost
        Cost of each routing variable (MUSD per unit of x, discounted with the year), e.g. a
        penalty on unmet demand; None: routing is free.
    """

    year: int
    A_ub: scipy.sparse.csr_array
    b_ub: np.ndarray
    A_eq: scipy.sparse.csr_array | None
    b_eq: np.ndarray | None
    x_lb: np.ndarray
    x_ub: np.ndarray
    effects: dict[str, dict[int, float]]
    at_least: tuple[tuple[dict[str, float], float], ...] = ()
    x_cost: np.ndarray | None = None


@dataclass(frozen=True)
class PlanProblem:
    """The whole planning problem.

    Parameters
    ----------
    candidates
        The candidate projects.
    years
        Consecutive horizon years, e.g. ``(2024, ..., 2030)``.
    blocks
        Capacity rows, at most one block per year; years without a block have no rows.
    discount_rate
        Annual discount rate (0.05 = 5 %/year).
    base_year
        Discounting base year (default ``years[0]``).
    budgets
        ``(payer, year) -> cap``, MUSD (undiscounted) of capex that payer may fund that year.
    net_of_benefits
        Subtract the discounted benefits from the objective.
    time_limit_s
        Solver time limit, seconds.
    mip_rel_gap
        Relative MIP gap at which HiGHS stops.
    """

    candidates: tuple[Candidate, ...]
    years: tuple[int, ...]
    blocks: tuple[YearBlock, ...]
    discount_rate: float = 0.05
    base_year: int | None = None
    budgets: dict[tuple[str, int], float] = field(default_factory=dict)
    net_of_benefits: bool = False
    time_limit_s: float = 60.0
    mip_rel_gap: float = 1e-6

    def discount(self, year: int) -> float:
        """The discount factor ``1 / (1 + r) ** (year - base_year)`` of ``year``."""
        base = self.years[0] if self.base_year is None else self.base_year
        return 1.0 / (1.0 + self.discount_rate) ** (year - base)


Status = Literal["optimal", "infeasible", "time_limit", "error"]


@dataclass
class PlanSolution:
    """What :func:`solve` found.

    Attributes
    ----------
    status
        ``"optimal"``, ``"infeasible"``, ``"time_limit"`` or ``"error"``.
    message
        The solver's message.
    objective_musd
        Discounted cost, MUSD (``None`` without a solution).
    starts
        ``(project, start year) -> units`` (non-zero only, forced starts included).
    in_service
        ``(project, year) -> units in service`` for every candidate and horizon year.
    capex
        ``(project, payer, year) -> MUSD`` (undiscounted) paid, non-zero only.
    x
        Year -> that block's routing variables.
    solve_s
        Wall-clock seconds (building and solving).
    mip_gap
        The final relative MIP gap reported by HiGHS (``None`` when not reported).
    """

    status: Status
    message: str
    objective_musd: float | None = None
    starts: dict[tuple[str, int], int] = field(default_factory=dict)
    in_service: dict[tuple[str, int], int] = field(default_factory=dict)
    capex: dict[tuple[str, str, int], float] = field(default_factory=dict)
    x: dict[int, np.ndarray] = field(default_factory=dict)
    solve_s: float = 0.0
    mip_gap: float | None = None


# --------------------------------------------------------------------------------------------
# Validation (shared by solve and evaluate: it checks the input, it builds nothing)
# --------------------------------------------------------------------------------------------


def validate(problem: PlanProblem) -> None:
    """Raise ``ValueError`` naming every inconsistency of ``problem`` (before any solving).

    Checks: consecutive years, unique ids, known ids in ``requires``/``excludes``/effects,
    ``build_years``/``units_max`` >= 1, forced starts not after the horizon, payer shares in
    ``(0, 1]`` summing to at least 1, blocks in the horizon with consistent shapes, budgets >= 0.
    """
    errors: list[str] = []
    years = list(problem.years)
    if not years or years != list(range(years[0], years[0] + len(years))):
        errors.append(f"years must be consecutive and non-empty, got {years}")
    ids = [c.id for c in problem.candidates]
    if len(set(ids)) != len(ids):
        errors.append(f"duplicate candidate ids in {ids}")
    for c in problem.candidates:
        errors += _candidate_errors(c, set(ids), years)
    seen: set[int] = set()
    for b in problem.blocks:
        if b.year not in years or b.year in seen:
            errors.append(f"block year {b.year} is outside the horizon or repeated")
        seen.add(b.year)
        errors += _block_errors(b, set(ids))
    errors += [f"budget {key} is negative" for key, cap in problem.budgets.items() if cap < 0]
    if errors:
        raise ValueError("invalid planning problem:\n  " + "\n  ".join(errors))


def _candidate_errors(c: Candidate, ids: set[str], years: list[int]) -> list[str]:
    errors = []
    if c.build_years < 1 or c.units_max < 1:
        errors.append(f"{c.id}: build_years and units_max must be >= 1")
    if c.forced_start is not None and years and c.forced_start > years[-1]:
        errors.append(f"{c.id}: forced_start {c.forced_start} is after the horizon")
    for other in (*c.requires, *c.excludes):
        if other not in ids or other == c.id:
            errors.append(f"{c.id}: requires/excludes an unknown or own id {other!r}")
    shares = [s for _, s in c.shares()]
    if any(not (0.0 < s <= 1.0) for s in shares):
        errors.append(f"{c.id}: payer shares must lie in (0, 1], got {shares}")
    if sum(shares) < 1.0 - 1e-9:
        errors.append(f"{c.id}: payer shares sum to {sum(shares):g} < 1, so it cannot be financed")
    if len({p for p, _ in c.shares()}) != len(c.shares()):
        errors.append(f"{c.id}: a payer is listed twice")
    return errors


def _block_errors(b: YearBlock, ids: set[str]) -> list[str]:
    errors = []
    n_x = len(b.x_lb)
    if b.A_ub.shape != (len(b.b_ub), n_x) or len(b.x_ub) != n_x:
        errors.append(f"block {b.year}: A_ub, b_ub, x_lb, x_ub shapes disagree")
    if (b.A_eq is None) != (b.b_eq is None) or (
        b.A_eq is not None and b.A_eq.shape != (len(b.b_eq), n_x)
    ):
        errors.append(f"block {b.year}: A_eq and b_eq shapes disagree")
    for p, rows in b.effects.items():
        if p not in ids or any(not (0 <= r < len(b.b_ub)) for r in rows):
            errors.append(f"block {b.year}: effect of unknown project {p!r} or on a missing row")
    for coefs, _ in b.at_least:
        if any(p not in ids for p in coefs):
            errors.append(f"block {b.year}: at_least row names an unknown project")
    return errors


def allowed_starts(c: Candidate, years: tuple[int, ...]) -> list[int]:
    """Start years open to a non-forced candidate: in the window and in service by the last year."""
    lo = years[0] if c.earliest_start is None else max(years[0], c.earliest_start)
    hi = years[-1] - c.build_years
    if c.latest_start is not None:
        hi = min(hi, c.latest_start)
    return list(range(lo, hi + 1))


# --------------------------------------------------------------------------------------------
# The MILP builder
# --------------------------------------------------------------------------------------------


@dataclass
class _Lin:
    """A linear expression ``sum terms[col] * v[col] + const``."""

    terms: dict[int, float] = field(default_factory=dict)
    const: float = 0.0

    def add(self, other: _Lin, scale: float = 1.0) -> _Lin:
        for col, v in other.terms.items():
            self.terms[col] = self.terms.get(col, 0.0) + scale * v
        self.const += scale * other.const
        return self

    def is_zero(self) -> bool:
        return not self.terms and self.const == 0.0


@dataclass
class _Index:
    """Column numbers of the MILP's variables, by name, and their bounds."""

    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    start_cols: dict[str, dict[int, int]] = field(default_factory=dict)  # p -> {s: column of n[p, s]}
    fixed_units: dict[str, dict[int, int]] = field(default_factory=dict)  # p -> {s: units}, forced
    built: dict[str, int] = field(default_factory=dict)  # modular "any unit built" indicator
    alive: dict[tuple[str, int], int] = field(default_factory=dict)  # modular "q in service"
    finance: dict[tuple[str, str, int], int] = field(default_factory=dict)  # f[p, payer, t]
    x: dict[int, range] = field(default_factory=dict)  # year -> routing columns

    def new(self, lb: float, ub: float, integer: bool) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(1 if integer else 0)
        return len(self.lb) - 1

    def starts_of(self, c: Candidate) -> dict[int, _Lin]:
        """Start year -> the expression for the units of ``c`` starting that year."""
        out = {s: _Lin({col: 1.0}) for s, col in self.start_cols.get(c.id, {}).items()}
        out.update({s: _Lin(const=u) for s, u in self.fixed_units.get(c.id, {}).items()})
        return out

    def in_service(self, c: Candidate, t: int) -> _Lin:
        e = _Lin()
        for s, n in self.starts_of(c).items():
            if s + c.build_years <= t:
                e.add(n)
        return e

    def capex(self, c: Candidate, t: int) -> _Lin:
        """Capex of ``c`` in year ``t``, MUSD."""
        e = _Lin()
        for s, n in self.starts_of(c).items():
            if s <= t < s + c.build_years:
                e.add(n, c.capex_musd / c.build_years)
        return e


@dataclass
class _Rows:
    """Constraint rows ``lo <= sum terms * v <= hi`` (constants moved to the bounds)."""

    terms: list[dict[int, float]] = field(default_factory=list)
    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)

    def add(self, e: _Lin, lo: float = -math.inf, hi: float = math.inf) -> None:
        self.terms.append({k: v for k, v in e.terms.items() if v != 0.0})
        self.lo.append(lo - e.const)
        self.hi.append(hi - e.const)

    def matrix(self, n_cols: int) -> scipy.sparse.csr_array:
        r = [i for i, t in enumerate(self.terms) for _ in t]
        c = [k for t in self.terms for k in t]
        v = [x for t in self.terms for x in t.values()]
        return scipy.sparse.csr_array((v, (r, c)), shape=(len(self.terms), n_cols))


def _start_columns(problem: PlanProblem, idx: _Index, rows: _Rows) -> None:
    """n[p, s] columns, the units cap, and the modular "built" indicators."""
    for c in problem.candidates:
        cols = idx.start_cols.setdefault(c.id, {})
        if c.forced_start is not None:
            if c.forced_start < problem.years[0]:  # before the horizon: a constant
                idx.fixed_units[c.id] = {c.forced_start: c.units_max}
            else:
                cols[c.forced_start] = idx.new(c.units_max, c.units_max, True)
        else:
            for s in allowed_starts(c, problem.years):
                cols[s] = idx.new(0, c.units_max, True)
        total = _Lin()
        for n in idx.starts_of(c).values():
            total.add(n)
        if c.forced_start is None:
            rows.add(total, hi=c.units_max)
        if c.units_max > 1 and total.terms:
            z = idx.built[c.id] = idx.new(0, 1, True)
            rows.add(_Lin(dict(total.terms)).add(_Lin({z: -float(c.units_max)})), hi=0.0)


def _built(idx: _Index, c: Candidate) -> _Lin:
    """1 if any unit of ``c`` is ever built, as an expression (binary for modular projects)."""
    if c.id in idx.built:
        return _Lin({idx.built[c.id]: 1.0})
    total = _Lin()
    for n in idx.starts_of(c).values():
        total.add(n)
    if c.units_max > 1:  # modular but no variable: forced before the horizon, or never built
        return _Lin(const=1.0 if total.const > 0 else 0.0)
    return total


def _logic_rows(problem: PlanProblem, idx: _Index, rows: _Rows) -> None:
    """Precedence (``requires``) and exclusivity (``excludes``) rows."""
    by_id = {c.id: c for c in problem.candidates}
    for c in problem.candidates:
        for q in c.requires:
            for t in problem.years:
                mine = idx.in_service(c, t)
                if mine.is_zero():
                    continue
                rows.add(mine.add(_alive(problem, idx, rows, by_id[q], t), -float(c.units_max)), hi=0.0)
    pairs = {tuple(sorted((c.id, q))) for c in problem.candidates for q in c.excludes}
    for p, q in sorted(pairs):
        rows.add(_built(idx, by_id[p]).add(_built(idx, by_id[q])), hi=1.0)


def _alive(problem: PlanProblem, idx: _Index, rows: _Rows, q: Candidate, t: int) -> _Lin:
    """A 0/1 expression that is 1 only if ``q`` has at least one unit in service in ``t``."""
    served = idx.in_service(q, t)
    if q.units_max == 1 or not served.terms:
        return _Lin(dict(served.terms), min(served.const, 1.0))
    if (q.id, t) not in idx.alive:
        b = idx.alive[(q.id, t)] = idx.new(0, 1, True)
        rows.add(_Lin({b: 1.0}).add(served, -1.0), hi=0.0)  # b <= units in service
    return _Lin({idx.alive[(q.id, t)]: 1.0})


def _finance_rows(problem: PlanProblem, idx: _Index, rows: _Rows) -> None:
    """f[p, payer, t] >= 0 summing to capex[p, t], within shares, and the budget rows."""
    for c in problem.candidates:
        for t in problem.years:
            capex = idx.capex(c, t)
            if capex.is_zero() or c.capex_musd == 0.0:
                continue
            total = _Lin()
            for payer, share in c.shares():
                col = idx.finance[(c.id, payer, t)] = idx.new(0.0, math.inf, False)
                total.add(_Lin({col: 1.0}))
                if share < 1.0:
                    rows.add(_Lin({col: 1.0}).add(capex, -share), hi=0.0)
            rows.add(total.add(capex, -1.0), lo=0.0, hi=0.0)
    for (payer, t), cap in sorted(problem.budgets.items()):
        cols = {col: 1.0 for (_, k, y), col in idx.finance.items() if k == payer and y == t}
        if cols:
            rows.add(_Lin(cols), hi=cap)


def _block_rows(problem: PlanProblem, idx: _Index, rows: _Rows) -> None:
    """Each year block's routing columns and rows, with the projects' right-hand-side gains."""
    by_id = {c.id: c for c in problem.candidates}
    for b in problem.blocks:
        cols = [idx.new(lo, hi, False) for lo, hi in zip(b.x_lb, b.x_ub, strict=True)]
        idx.x[b.year] = range(cols[0], cols[-1] + 1) if cols else range(0)
        a_ub = scipy.sparse.csr_array(b.A_ub)
        for i in range(a_ub.shape[0]):
            e = _row_expr(a_ub, i, cols)
            for p, gains in b.effects.items():
                if gains.get(i, 0.0):
                    e.add(idx.in_service(by_id[p], b.year), -gains[i])
            rows.add(e, hi=float(b.b_ub[i]))
        if b.A_eq is not None:
            a_eq = scipy.sparse.csr_array(b.A_eq)
            for i in range(a_eq.shape[0]):
                rows.add(_row_expr(a_eq, i, cols), lo=float(b.b_eq[i]), hi=float(b.b_eq[i]))
        for coefs, rhs in b.at_least:
            e = _Lin()
            for p, k in coefs.items():
                e.add(idx.in_service(by_id[p], b.year), k)
            rows.add(e, lo=rhs)


def _row_expr(a: scipy.sparse.csr_array, i: int, cols: list[int]) -> _Lin:
    """Row ``i`` of a block matrix as an expression over the block's routing columns."""
    lo, hi = a.indptr[i], a.indptr[i + 1]
    return _Lin({cols[j]: float(v) for j, v in zip(a.indices[lo:hi], a.data[lo:hi], strict=True)})


def _objective(problem: PlanProblem, idx: _Index) -> tuple[np.ndarray, float]:
    """The cost vector and the constant (forced starts before the horizon), discounted MUSD."""
    total = _Lin()
    for c in problem.candidates:
        per_unit = c.opex_musd_per_year - (c.benefit_musd_per_year if problem.net_of_benefits else 0.0)
        for t in problem.years:
            df = problem.discount(t)
            total.add(idx.capex(c, t), df)
            total.add(idx.in_service(c, t), df * per_unit)
    cost = np.zeros(len(idx.lb))
    for col, v in total.terms.items():
        cost[col] = v
    for b in problem.blocks:
        if b.x_cost is not None and len(idx.x[b.year]):
            cost[idx.x[b.year].start: idx.x[b.year].stop] += problem.discount(b.year) * np.asarray(b.x_cost)
    return cost, total.const


# --------------------------------------------------------------------------------------------
# Solve
# --------------------------------------------------------------------------------------------


def solve(problem: PlanProblem) -> PlanSolution:
    """Choose the project starts of least discounted cost with :func:`scipy.optimize.milp`.

    Parameters
    ----------
    problem
        The planning problem; it is validated first (``ValueError`` on bad input).

    Returns
    -------
    PlanSolution
        ``status`` is ``"infeasible"`` (not an exception) when no schedule keeps every rule.

    Examples
    --------
    One 10 MUSD project that adds 5 units of capacity, needed from 2025 (demand 8, base 4):

    >>> import numpy as np, scipy.sparse as sp
    >>> block = YearBlock(year=2025, A_ub=sp.csr_array(np.array([[1.0]])), b_ub=np.array([4.0]),
    ...                   A_eq=sp.csr_array(np.array([[1.0]])), b_eq=np.array([8.0]),
    ...                   x_lb=np.array([0.0]), x_ub=np.array([np.inf]), effects={"berth": {0: 5.0}})
    >>> sol = solve(PlanProblem(candidates=(Candidate("berth", capex_musd=10.0),),
    ...                         years=(2024, 2025), blocks=(block,)))
    >>> sol.status, sol.starts, round(sol.objective_musd, 3)
    ('optimal', {('berth', 2024): 1}, 10.0)
    """
    t0 = time.perf_counter()
    validate(problem)
    idx, rows = _Index(), _Rows()
    _start_columns(problem, idx, rows)
    _logic_rows(problem, idx, rows)
    _finance_rows(problem, idx, rows)
    _block_rows(problem, idx, rows)
    if not idx.lb:
        idx.new(0.0, 0.0, False)  # HiGHS wants at least one column
    cost, const = _objective(problem, idx)
    constraints = []
    if rows.terms:
        constraints = [scipy.optimize.LinearConstraint(rows.matrix(len(idx.lb)), rows.lo, rows.hi)]
    res = scipy.optimize.milp(
        cost,
        integrality=np.array(idx.integer),
        bounds=scipy.optimize.Bounds(np.array(idx.lb, float), np.array(idx.ub, float)),
        constraints=constraints,
        options={"time_limit": problem.time_limit_s, "mip_rel_gap": problem.mip_rel_gap, "disp": False},
    )
    sol = _read_solution(problem, idx, res, const)
    sol.solve_s = time.perf_counter() - t0
    return sol


def _read_solution(problem: PlanProblem, idx: _Index, res, const: float) -> PlanSolution:
    """Turn scipy's result into a :class:`PlanSolution` (integers rounded with ``np.rint``)."""
    gap = getattr(res, "mip_gap", None)
    gap = None if gap is None else float(gap)
    if res.x is None:
        status: Status = {1: "time_limit", 2: "infeasible"}.get(res.status, "error")
        return PlanSolution(status=status, message=str(res.message), mip_gap=gap)
    status = "optimal" if res.status == 0 else "time_limit" if res.status == 1 else "error"
    v = np.where(np.array(idx.integer) == 1, np.rint(res.x), res.x)

    def value(e: _Lin) -> float:
        return e.const + sum(k * v[col] for col, k in e.terms.items())

    starts = {(p, s): int(v[col]) for p, cols in idx.start_cols.items() for s, col in cols.items()
              if v[col] > 0}
    starts.update({(p, s): u for p, fixed in idx.fixed_units.items() for s, u in fixed.items()})
    in_service = {
        (c.id, t): round(value(idx.in_service(c, t))) for c in problem.candidates for t in problem.years
    }
    capex = {key: float(res.x[col]) for key, col in idx.finance.items() if res.x[col] > 1e-9}
    x = {year: np.asarray(res.x[list(cols)], float) for year, cols in idx.x.items()}
    return PlanSolution(
        status=status,
        message=str(res.message),
        objective_musd=float(res.fun) + const,
        starts=dict(sorted(starts.items())),
        in_service=in_service,
        capex=capex,
        x=x,
        mip_gap=gap,
    )


# --------------------------------------------------------------------------------------------
# Evaluate one schedule (independent of the builder above)
# --------------------------------------------------------------------------------------------


def evaluate(problem: PlanProblem, starts: dict[tuple[str, int], int]) -> float | None:
    """The discounted cost (MUSD) of a given schedule, or ``None`` if it breaks a rule.

    Parameters
    ----------
    problem
        The planning problem (validated first).
    starts
        ``(project, start year) -> units``. Forced starts are implied and may be omitted.

    Notes
    -----
    Written plainly and independently of :func:`solve`'s matrix builder: it computes the units
    in service and the capex per year, checks each rule in turn and, per year, the routing
    rows and the financing with :func:`scipy.optimize.linprog`.

    Examples
    --------
    >>> evaluate(PlanProblem(candidates=(Candidate("a", capex_musd=10.0),), years=(2024, 2025),
    ...                      blocks=()), {("a", 2024): 1})
    10.0
    """
    validate(problem)
    schedule = _schedule(problem, starts)
    if schedule is None:
        return None
    by_id = {c.id: c for c in problem.candidates}
    service: dict[tuple[str, int], int] = {}
    spend: dict[tuple[str, int], float] = {}
    for c in problem.candidates:
        for t in problem.years:
            service[(c.id, t)] = sum(u for s, u in schedule[c.id].items() if s + c.build_years <= t)
            started = sum(u for s, u in schedule[c.id].items() if s <= t < s + c.build_years)
            spend[(c.id, t)] = c.capex_musd / c.build_years * started
    if not _rules_hold(problem, by_id, schedule, service):
        return None
    for t in problem.years:
        if not _financeable(problem, by_id, spend, t):
            return None
    for b in problem.blocks:
        if not _routable(b, service):
            return None
    cost = 0.0
    for c in problem.candidates:
        for t in problem.years:
            yearly = spend[(c.id, t)] + c.opex_musd_per_year * service[(c.id, t)]
            if problem.net_of_benefits:
                yearly -= c.benefit_musd_per_year * service[(c.id, t)]
            cost += problem.discount(t) * yearly
    return cost


def _schedule(problem: PlanProblem, starts: dict[tuple[str, int], int]) -> dict[str, dict[int, int]] | None:
    """Project -> {start year: units} with forced starts added, or None if a start is not allowed."""
    by_id = {c.id: c for c in problem.candidates}
    schedule: dict[str, dict[int, int]] = {c.id: {} for c in problem.candidates}
    for (p, s), units in starts.items():
        if p not in by_id or units != int(units) or units < 0:
            return None
        if units > 0:
            schedule[p][s] = schedule[p].get(s, 0) + int(units)
    for c in problem.candidates:
        mine = schedule[c.id]
        if c.forced_start is not None:
            if any(s != c.forced_start for s in mine) or mine.get(c.forced_start, c.units_max) != c.units_max:
                return None
            mine[c.forced_start] = c.units_max
            continue
        if sum(mine.values()) > c.units_max:
            return None
        first = problem.years[0] if c.earliest_start is None else max(c.earliest_start, problem.years[0])
        last = problem.years[-1] - c.build_years
        if c.latest_start is not None:
            last = min(last, c.latest_start)
        if any(s < first or s > last for s in mine):
            return None
    return schedule


def _rules_hold(problem: PlanProblem, by_id: dict[str, Candidate], schedule: dict[str, dict[int, int]],
                service: dict[tuple[str, int], int]) -> bool:
    """Precedence, exclusivity and the blocks' ``at_least`` rows."""
    for c in problem.candidates:
        for q in c.requires:
            for t in problem.years:
                if service[(c.id, t)] > 0 and service[(q, t)] < 1:
                    return False
        for q in c.excludes:
            if schedule[c.id] and schedule[q]:
                return False
    for b in problem.blocks:
        for coefs, rhs in b.at_least:
            if sum(k * service[(p, b.year)] for p, k in coefs.items()) < rhs - 1e-9:
                return False
    return True


def _financeable(problem: PlanProblem, by_id: dict[str, Candidate], spend: dict[tuple[str, int], float],
                 t: int) -> bool:
    """Can year ``t``'s capex be split among the payers within shares and budgets? (an LP)"""
    pairs = [(p, payer, share) for p in by_id for payer, share in by_id[p].shares() if spend[(p, t)] > 0]
    payers = sorted({payer for _, payer, _ in pairs if (payer, t) in problem.budgets})
    if not payers:
        return True  # shares sum to >= 1, and nobody has a cap this year
    key = (t, tuple((p, payer, share, spend[(p, t)]) for p, payer, share in pairs),
           tuple((payer, problem.budgets[(payer, t)]) for payer in payers))
    if key not in _FINANCEABLE:
        if len(_FINANCEABLE) > 100_000:
            _FINANCEABLE.clear()
        _FINANCEABLE[key] = _split_lp(pairs, payers, [problem.budgets[(payer, t)] for payer in payers],
                                      {p: spend[(p, t)] for p, _, _ in pairs})
    return _FINANCEABLE[key]


_FINANCEABLE: dict[tuple, bool] = {}


def _split_lp(pairs: list[tuple[str, str, float]], payers: list[str], budgets: list[float],
              spend: dict[str, float]) -> bool:
    """Feasibility LP: f[p, payer] in [0, share * spend[p]], summing to spend[p], within budgets."""
    projects = sorted(spend)
    a_eq = np.zeros((len(projects), len(pairs)))
    a_ub = np.zeros((len(payers), len(pairs)))
    for j, (p, payer, _) in enumerate(pairs):
        a_eq[projects.index(p), j] = 1.0
        if payer in payers:
            a_ub[payers.index(payer), j] = 1.0
    b_eq = np.array([spend[p] for p in projects])
    b_ub = np.array(budgets, dtype=float)
    bounds = [(0.0, share * spend[p]) for p, _, share in pairs]
    res = scipy.optimize.linprog(np.zeros(len(pairs)), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                                 bounds=bounds, method="highs")
    return res.status == 0


_ROUTABLE: dict[tuple, bool] = {}


def _routable(b: YearBlock, service: dict[tuple[str, int], int]) -> bool:
    """Is there an ``x`` meeting the block's rows, given the units in service? (an LP, memoised)"""
    rhs = np.array(b.b_ub, dtype=float)
    for p, gains in b.effects.items():
        for row, gain in gains.items():
            rhs[row] += gain * service[(p, b.year)]
    a_ub = scipy.sparse.csr_array(b.A_ub)
    arrays = [a_ub.toarray(), rhs, b.x_lb, b.x_ub]
    if b.A_eq is not None:
        arrays += [scipy.sparse.csr_array(b.A_eq).toarray(), b.b_eq]
    key = tuple((np.shape(a), np.asarray(a, float).tobytes()) for a in arrays)
    if key not in _ROUTABLE:
        if len(_ROUTABLE) > 100_000:
            _ROUTABLE.clear()
        res = scipy.optimize.linprog(
            np.zeros(len(b.x_lb)), A_ub=a_ub if a_ub.shape[0] else None, b_ub=rhs if a_ub.shape[0] else None,
            A_eq=b.A_eq, b_eq=b.b_eq, bounds=list(zip(b.x_lb, b.x_ub, strict=True)), method="highs",
        )
        _ROUTABLE[key] = res.status == 0
    return _ROUTABLE[key]


def units_in_service(sol: PlanSolution, year: int) -> dict[str, int]:
    """Project id -> units in service in ``year`` (projects with none left out)."""
    return {p: n for (p, t), n in sol.in_service.items() if t == year and n > 0}
