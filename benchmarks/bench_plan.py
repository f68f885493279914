"""Planner timings on target-2030: the MILP alone, the plan without and with the simulation check.

Run: ``python benchmarks/bench_plan.py`` (or ``make bench``). Prints the programme's size, the
MILP's solve time, and the wall time of whole plans; numbers go in the README by hand.
"""

from __future__ import annotations

import time

from transcaspian.model import load_scenario
from transcaspian.planning import PlanOptions, plan
from transcaspian.planning.engine import demand_factors, required_shares
from transcaspian.planning.milp import solve
from transcaspian.planning.problem import build, problem
from transcaspian.planning.response import Response
from transcaspian.planning.setting import setting_of


def milp_only() -> None:
    s = load_scenario("target-2030")
    st = setting_of(s, "target-2030")
    options = PlanOptions.build(target_mt=10.0, replications=0)
    t0 = time.perf_counter()
    model = build(st, options)
    built = time.perf_counter() - t0
    factors = demand_factors(model, Response.none())
    prob = problem(model, required_shares(model, factors, {t: 0.0 for t in model.years}))
    times = []
    for _ in range(3):
        sol = solve(prob)
        times.append(sol.solve_s)
    modular = sum(1 for c in model.candidates if c.units_max > 1)
    print(f"programme: {len(model.candidates)} projects ({modular} modular) x {len(model.years)} years, "
          f"{model.structure.A_ub.shape[0]} capacity rows a year; structure and effects built in "
          f"{built:.1f} s")
    print(f"MILP solve (HiGHS): median {sorted(times)[1]:.2f} s of 3 ({sol.status})")


def whole(replications: int) -> None:
    s = load_scenario("target-2030")
    t0 = time.perf_counter()
    r = plan(s, PlanOptions.build(target_mt=10.0, replications=replications), ref="target-2030")
    p = r.meta["plan"]
    print(f"plan, {replications} replications: {time.perf_counter() - t0:.1f} s wall, {p['status']} after "
          f"{p['iterations']} rounds, MILP {p['milp_s']:.1f} s in all")


if __name__ == "__main__":
    milp_only()
    whole(0)
    whole(20)
