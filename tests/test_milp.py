"""The investment-planning MILP (transcaspian.planning.milp): hand-solved instances, a
brute-force oracle (every schedule priced with ``evaluate``), invariants and monotonicity."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transcaspian.planning.milp import Candidate, PlanProblem, PlanSolution, YearBlock, evaluate, solve

Y2 = (2024, 2025)
Y3 = (2024, 2025, 2026)


def _need(year: int, demand: float, base: float, effects: dict[str, float]) -> YearBlock:
    """One route: x == demand, x <= base + sum gain * units in service."""
    return YearBlock(year=year, A_ub=sp.csr_array(np.array([[1.0]])), b_ub=np.array([base]),
                     A_eq=sp.csr_array(np.array([[1.0]])), b_eq=np.array([demand]),
                     x_lb=np.array([0.0]), x_ub=np.array([np.inf]),
                     effects={p: {0: g} for p, g in effects.items()})


def _check(problem: PlanProblem, sol: PlanSolution, starts: dict, cost: float) -> None:
    assert sol.status == "optimal", sol.message
    assert sol.starts == starts
    assert sol.objective_musd == pytest.approx(cost, abs=1e-6)
    assert evaluate(problem, sol.starts) == pytest.approx(cost, abs=1e-6)


# --------------------------------------------------------------------------------------------
# Hand-solved instances
# --------------------------------------------------------------------------------------------


def test_the_cheaper_project_is_too_small():
    # Years 2024-2025, build 1 year, so only a 2024 start is in service (in 2025).
    # 2025: demand 10, base capacity 4 -> 6 more needed. "small" (20 MUSD) adds 3: too little;
    # "big" (50 MUSD) adds 6: enough. Both: 70. Optimum: big in 2024, 50 MUSD (df 2024 = 1).
    cands = (Candidate("small", capex_musd=20.0), Candidate("big", capex_musd=50.0))
    problem = PlanProblem(cands, Y2, (_need(2025, 10.0, 4.0, {"small": 3.0, "big": 6.0}),))
    sol = solve(problem)
    _check(problem, sol, {("big", 2024): 1}, 50.0)
    assert sol.in_service == {("small", 2024): 0, ("small", 2025): 0, ("big", 2024): 0, ("big", 2025): 1}
    assert sol.x[2025] == pytest.approx([10.0])
    # With demand 7 the small one suffices: small in 2024, 20 MUSD.
    problem = replace(problem, blocks=(_need(2025, 7.0, 4.0, {"small": 3.0, "big": 6.0}),))
    _check(problem, solve(problem), {("small", 2024): 1}, 20.0)


def test_discounting_makes_the_later_start_cheaper():
    # Years 2024-2026; capacity is needed only in 2026; "a" costs 100 (no opex), builds in 1 year:
    # a 2024 start costs 100, a 2025 start 100/1.05 = 95.238. "b" (130) would also do.
    # Optimum: a in 2025, 95.238 MUSD. At r = 0 the later start is no cheaper (tie: 100).
    cands = (Candidate("a", capex_musd=100.0), Candidate("b", capex_musd=130.0))
    blocks = (_need(2024, 5.0, 5.0, {}), _need(2026, 8.0, 5.0, {"a": 3.0, "b": 3.0}))
    problem = PlanProblem(cands, Y3, blocks, discount_rate=0.05)
    _check(problem, solve(problem), {("a", 2025): 1}, 100.0 / 1.05)
    flat = solve(replace(problem, discount_rate=0.0))
    assert flat.objective_musd == pytest.approx(100.0)
    # A 2-year build of "a" spreads 50 + 50/1.05 over 2024-2025 and is in service in 2026.
    slow = replace(problem, candidates=(replace(cands[0], build_years=2), cands[1]))
    _check(slow, solve(slow), {("a", 2024): 1}, 50.0 + 50.0 / 1.05)


def test_a_budget_forces_a_split_between_two_payers():
    # "a" (100 MUSD) may take 70 % from the state and 60 % from an IFI; the state can spend 55 in
    # 2024 and the IFI 45: the only split is state 55 + IFI 45. "b" (120, unassigned) is the
    # fallback. Optimum: a in 2024, 100 MUSD, paid 55/45.
    cands = (Candidate("a", capex_musd=100.0, payers=(("state", 0.7), ("ifi", 0.6))),
             Candidate("b", capex_musd=120.0))
    problem = PlanProblem(cands, Y2, (_need(2025, 9.0, 4.0, {"a": 5.0, "b": 5.0}),),
                          budgets={("state", 2024): 55.0, ("ifi", 2024): 45.0})
    sol = solve(problem)
    _check(problem, sol, {("a", 2024): 1}, 100.0)
    assert sol.capex == pytest.approx({("a", "state", 2024): 55.0, ("a", "ifi", 2024): 45.0})
    # The IFI can only give 40: 55 + 40 < 100, so a cannot be financed; b (120) is built.
    tight = replace(problem, budgets={("state", 2024): 55.0, ("ifi", 2024): 40.0})
    sol = solve(tight)
    _check(tight, sol, {("b", 2024): 1}, 120.0)
    assert sol.capex == pytest.approx({("b", "unassigned", 2024): 120.0})


def test_modular_option_builds_two_of_three_units():
    # "lanes": up to 3 units of 30 MUSD adding 2 each; "bridge": 80 MUSD adding 10.
    # 2025 needs 4 more: 2 lanes (60) beat the bridge (80) and 3 lanes (90). Optimum: 2 lanes, 60.
    cands = (Candidate("lanes", capex_musd=30.0, units_max=3), Candidate("bridge", capex_musd=80.0))
    problem = PlanProblem(cands, Y2, (_need(2025, 10.0, 6.0, {"lanes": 2.0, "bridge": 10.0}),))
    sol = solve(problem)
    _check(problem, sol, {("lanes", 2024): 2}, 60.0)
    assert sol.in_service[("lanes", 2025)] == 2
    # Needing 7 more: 3 lanes give 6 (too few), so the bridge (80).
    more = replace(problem, blocks=(_need(2025, 13.0, 6.0, {"lanes": 2.0, "bridge": 10.0}),))
    _check(more, solve(more), {("bridge", 2024): 1}, 80.0)


def test_precedence_exclusion_forced_starts_and_benefits():
    # "rail" (40) needs "port" (10) in service; 2026 needs rail. Port 2024 + rail 2025:
    # 10 + 40/1.05 (r = 5 %). "tunnel" (5) would also do but excludes the committed "port"
    # (forced 2023, before the horizon: its capex is not counted, in service from 2024).
    cands = (Candidate("port", capex_musd=10.0, forced_start=2023),
             Candidate("rail", capex_musd=40.0, requires=("port",)),
             Candidate("tunnel", capex_musd=5.0, excludes=("port",)))
    blocks = (_need(2026, 3.0, 0.0, {"rail": 3.0, "tunnel": 3.0}),)
    problem = PlanProblem(cands, Y3, blocks)
    sol = solve(problem)
    _check(problem, sol, {("port", 2023): 1, ("rail", 2025): 1}, 40.0 / 1.05)
    assert [sol.in_service[("port", t)] for t in Y3] == [1, 1, 1]
    # Not forced, nothing stops the tunnel: tunnel in 2025 alone, 5/1.05 (rail with port would
    # cost at least (10 + 40)/1.05).
    free = replace(problem, candidates=(replace(cands[0], forced_start=None), *cands[1:]))
    _check(free, solve(free), {("tunnel", 2025): 1}, 5.0 / 1.05)
    # Net of benefits: rail earns 50/year in service; building it early pays for itself.
    rich = replace(problem, candidates=(cands[0], replace(cands[1], benefit_musd_per_year=50.0), cands[2]),
                   net_of_benefits=True)
    sol = solve(rich)
    _check(rich, sol, {("port", 2023): 1, ("rail", 2024): 1}, 40.0 - 50.0 / 1.05 - 50.0 / 1.05**2)


def test_precedence_on_a_modular_project_needs_one_unit_in_service():
    # "rail" (40) requires "lanes" (modular, 3 x 15, not needed for capacity itself); 2025 needs
    # rail. Optimum: rail + one lane in 2024, 55 MUSD (not rail alone, not more lanes).
    cands = (Candidate("lanes", capex_musd=15.0, units_max=3),
             Candidate("rail", capex_musd=40.0, requires=("lanes",)))
    problem = PlanProblem(cands, Y2, (_need(2025, 3.0, 0.0, {"rail": 3.0}),))
    _check(problem, solve(problem), {("lanes", 2024): 1, ("rail", 2024): 1}, 55.0)
    assert evaluate(problem, {("rail", 2024): 1}) is None


def test_infeasible_is_a_status_and_bad_shares_a_value_error():
    cands = (Candidate("a", capex_musd=10.0),)
    problem = PlanProblem(cands, Y2, (_need(2025, 10.0, 4.0, {"a": 1.0}),))
    sol = solve(problem)
    assert sol.status == "infeasible" and sol.objective_musd is None
    assert evaluate(problem, {}) is None and evaluate(problem, {("a", 2024): 1}) is None
    broke = PlanProblem((Candidate("a", capex_musd=10.0, payers=(("x", 0.5), ("y", 0.3))),), Y2, ())
    with pytest.raises(ValueError, match="cannot be financed"):
        solve(broke)


# --------------------------------------------------------------------------------------------
# Random instances against brute-force enumeration
# --------------------------------------------------------------------------------------------

MAX_SCHEDULES = 20_000


def _options(c: Candidate, years: tuple[int, ...]) -> list[dict[tuple[str, int], int]]:
    """Every way to start units of ``c`` in the horizon (``evaluate`` rejects the disallowed)."""
    if c.forced_start is not None:
        return [{}]
    starts = years[:-1]  # a unit started in the last year is never in service: never allowed
    out = []
    for counts in itertools.product(range(c.units_max + 1), repeat=len(starts)):
        if sum(counts) <= c.units_max:
            out.append({(c.id, s): n for s, n in zip(starts, counts, strict=True) if n})
    return out


def _maybe_one(draw, ids: list[str]) -> tuple[str, ...]:
    """One of ``ids`` a quarter of the time (requires/excludes only point to earlier candidates)."""
    return (draw(st.sampled_from(ids)),) if ids and draw(st.integers(0, 3)) == 0 else ()


@st.composite
def _candidate(draw, i: int, earlier: list[str]) -> Candidate:
    units = draw(st.sampled_from([1, 1, 1, 2, 3]))
    n_payers = draw(st.integers(0, 2))
    payers: tuple[tuple[str, float], ...] = ()
    if n_payers == 1:
        payers = ((draw(st.sampled_from(["A", "B"])), 1.0),)
    elif n_payers == 2:
        s1 = draw(st.integers(3, 10))
        payers = (("A", s1 / 10), ("B", draw(st.integers(max(1, 10 - s1), 10)) / 10))
    forced = draw(st.sampled_from([None] * 12 + [2023, 2024, 2025]))
    return Candidate(
        id=f"p{i}", capex_musd=float(draw(st.integers(0, 60))),
        opex_musd_per_year=float(draw(st.integers(0, 8))),
        build_years=draw(st.integers(1, 2)), units_max=units,
        earliest_start=draw(st.sampled_from([None, None, 2025])),
        latest_start=draw(st.sampled_from([None, None, 2024])),
        forced_start=forced,
        requires=_maybe_one(draw, earlier if forced is None else []),
        excludes=_maybe_one(draw, earlier if forced is None else []),
        payers=payers, benefit_musd_per_year=float(draw(st.integers(0, 30))),
    )


@st.composite
def _block(draw, year: int, ids: list[str]) -> YearBlock:
    n_x, n_rows = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    a = np.array([[float(draw(st.integers(0, 2))) for _ in range(n_x)] for _ in range(n_rows)])
    a[np.arange(n_rows), np.arange(n_rows) % n_x] = 1.0  # every row binds something
    b_ub = np.array([float(draw(st.integers(2, 8))) for _ in range(n_rows)])
    effects: dict[str, dict[int, float]] = {}
    for p in draw(st.lists(st.sampled_from(ids), max_size=5, unique=True)):
        effects[p] = {draw(st.integers(0, n_rows - 1)): float(draw(st.integers(1, 5)))}
    growth = 3 * (year - Y3[0]) if effects else 0  # demand may outgrow the base capacity later on
    demand = float(draw(st.integers(0, int(b_ub.min()) + growth)))
    ones = sp.csr_array(np.ones((1, n_x)))
    if draw(st.booleans()):  # demand as an equality, or as -sum x <= -demand
        a_eq, b_eq = ones, np.array([demand])
    else:
        a, b_ub, a_eq, b_eq = np.vstack([a, -np.ones(n_x)]), np.append(b_ub, -demand), None, None
    at_least = ()
    if year > Y3[0] and draw(st.integers(0, 4)) == 0:
        at_least = (({draw(st.sampled_from(ids)): 1.0}, 1.0),)
    return YearBlock(year=year, A_ub=sp.csr_array(a), b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                     x_lb=np.zeros(n_x), x_ub=np.full(n_x, np.inf), effects=effects, at_least=at_least)


@st.composite
def problems(draw) -> PlanProblem:
    n = draw(st.integers(1, 8))
    cands: list[Candidate] = []
    for i in range(n):
        cands.append(draw(_candidate(i, [c.id for c in cands])))
    while math.prod(len(_options(c, Y3)) for c in cands) > MAX_SCHEDULES:
        cands.pop()  # later candidates only refer to earlier ones, so the rest stays consistent
    ids = [c.id for c in cands]
    blocks = tuple(draw(_block(t, ids)) for t in Y3 if draw(st.integers(0, 5)) > 0)
    keys = [(p, t) for p in ("A", "B", "unassigned") for t in Y3]
    capped = draw(st.lists(st.sampled_from(keys), unique=True))
    budgets = {k: float(draw(st.integers(10, 120))) for k in capped}
    return PlanProblem(tuple(cands), Y3, blocks, discount_rate=draw(st.sampled_from([0.0, 0.05, 0.1])),
                       budgets=budgets, net_of_benefits=draw(st.booleans()))


def _brute_force(problem: PlanProblem) -> float | None:
    best = None
    for combo in itertools.product(*(_options(c, problem.years) for c in problem.candidates)):
        starts = {k: v for part in combo for k, v in part.items()}
        cost = evaluate(problem, starts)
        if cost is not None and (best is None or cost < best):
            best = cost
    return best


RANDOM = settings(max_examples=60, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@RANDOM
@given(problems())
def test_milp_optimum_equals_brute_force_enumeration(problem):
    sol = solve(problem)
    best = _brute_force(problem)
    if best is None:
        assert sol.status == "infeasible", sol
    else:
        assert sol.status == "optimal", sol.message
        assert sol.objective_musd == pytest.approx(best, abs=1e-6)
        assert evaluate(problem, sol.starts) == pytest.approx(best, abs=1e-6)


def _assert_invariants(problem: PlanProblem, sol: PlanSolution) -> None:
    by_id = {c.id: c for c in problem.candidates}
    for (p, payer, t), paid in sol.capex.items():
        c = by_id[p]
        building = sum(n for (q, s), n in sol.starts.items() if q == p and s <= t < s + c.build_years)
        assert paid <= dict(c.shares())[payer] * c.capex_musd / c.build_years * building + 1e-6
    for (payer, t), cap in problem.budgets.items():
        assert sum(v for (_, k, y), v in sol.capex.items() if (k, y) == (payer, t)) <= cap + 1e-6
    for c in problem.candidates:
        mine = {s: n for (p, s), n in sol.starts.items() if p == c.id}
        assert sum(mine.values()) <= c.units_max
        if c.forced_start is not None:
            assert mine == {c.forced_start: c.units_max}
        for t in problem.years:  # lead times: in service exactly build_years after the start
            assert sol.in_service[(c.id, t)] == sum(n for s, n in mine.items() if s + c.build_years <= t)
            spent = sum(v for (p, _, y), v in sol.capex.items() if (p, y) == (c.id, t))
            building = sum(n for s, n in mine.items() if s <= t < s + c.build_years)
            assert spent == pytest.approx(c.capex_musd / c.build_years * building, abs=1e-6)
            for q in c.requires:
                assert sol.in_service[(c.id, t)] == 0 or sol.in_service[(q, t)] >= 1
        for q in c.excludes:
            assert not (mine and any(p == q for p, _ in sol.starts))


@RANDOM
@given(problems())
def test_invariants_hold_on_every_solved_instance(problem):
    sol = solve(problem)
    assert sol.status in ("optimal", "infeasible")
    if sol.status == "optimal":
        _assert_invariants(problem, sol)
        assert set(sol.in_service) == {(c.id, t) for c in problem.candidates for t in problem.years}


def _more_demand(b: YearBlock) -> YearBlock:
    if b.A_eq is not None:
        return replace(b, b_eq=b.b_eq + 1.0)
    return replace(b, b_ub=b.b_ub - 1.0)  # every b_ub row one tighter (incl. -demand)


@RANDOM
@given(problems())
def test_more_demand_never_lowers_and_more_budget_never_raises_the_optimum(problem):
    base = solve(problem)
    harder = solve(replace(problem, blocks=tuple(_more_demand(b) for b in problem.blocks)))
    richer = solve(replace(problem, budgets={k: v + 30.0 for k, v in problem.budgets.items()}))
    if base.status == "infeasible":
        assert harder.status == "infeasible"
    else:
        assert base.status == "optimal"
        assert richer.status == "optimal"
        assert richer.objective_musd <= base.objective_musd + 1e-6
        if harder.status == "optimal":
            assert harder.objective_musd >= base.objective_musd - 1e-6
