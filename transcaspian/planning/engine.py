"""The planner: solve the MILP, check the plan exactly and by simulation, tighten, repeat.

Each round solves the programme (:mod:`transcaspian.planning.problem`), then checks every
year's configuration with the exact capacity engine and the target year with the
simulator. A year the exact engine finds short gets a larger capacity margin; a simulated
target year that misses the served share or the time target gets one too; when the margin
of a year cannot grow further the best remaining project for the binding element is
required. Demand that responds to the corridor's speed and tariff (route choice) is
recomputed from the plan and the programme solved again until it settles.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from transcaspian.model import Scenario
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.loading import Resolved
from transcaspian.model.results import Result
from transcaspian.planning.appraisal import appraise
from transcaspian.planning.check import check_year, simulate_year
from transcaspian.planning.milp import solve
from transcaspian.planning.options import PlanOptions
from transcaspian.planning.outcome import Outcome, Round, units_in_service
from transcaspian.planning.outputs import plan_result
from transcaspian.planning.problem import Model, build, earliest_units, problem
from transcaspian.planning.response import Response, respond
from transcaspian.planning.setting import Setting, configure, path_factor, setting_of
from transcaspian.planning.timing import time_rows

#: Largest capacity margin a year may be given before a project is required instead.
MAX_MARGIN = 0.5


def demand_factors(model: Model, response: Response) -> dict[int, dict[str, float]]:
    """Per year, flow -> demand over the scenario's (path x response); in the target year the
    path's mix scaled so that it totals the target (what the corridor must carry)."""
    st, o = model.setting, model.options
    com = {d.id: d.commodity for d in st.scenario.doc.demand}
    out: dict[int, dict[str, float]] = {}
    for t in model.years:
        out[t] = {f: path_factor(st, com[f], t, o.demand) * response.factor(f, t)
                  for f in model.structure.flows}
    tonnes = dict(zip(model.structure.flows, model.flow_tonnes, strict=True))
    target_year = model.target_year
    demand_t = sum(tonnes[f] * k for f, k in out[target_year].items())
    ratio = o.target_mt * 1e6 / demand_t if demand_t > 0 else 1.0
    out[target_year] = {f: k * ratio for f, k in out[target_year].items()}
    return out


def required_shares(model: Model, factors: dict[int, dict[str, float]], margins: dict[int, float]
                    ) -> dict[int, np.ndarray]:
    return {t: np.array([factors[t][f] * (1 + margins[t]) for f in model.structure.flows])
            for t in model.years}


def run_round(model: Model, number: int, factors: dict[int, dict[str, float]], margins: dict[int, float],
              musts: tuple[str, ...], timing: tuple, say: Callable[[str], None]) -> Round | None:
    """Solve and check one round; None when the programme is infeasible."""
    o, st = model.options, model.setting
    sol = solve(problem(model, required_shares(model, factors, margins), musts, timing))
    if sol.status not in ("optimal", "time_limit") or not sol.in_service:
        say(f"round {number}: the programme is {sol.status} ({sol.message})")
        return None
    checks = []
    for t in model.years:
        tonnes = model.structure.column_tonnes
        planned = float(sol.x[t][: len(tonnes)] @ tonnes) / (1 + margins[t])
        if t == model.target_year:
            planned = min(planned, o.target_mt * 1e6)
        else:   # a year before the target need not beat what every project built by then carries
            planned = min(planned, reach(model, t, factors[t]))
        config = configure(st, units_in_service(sol, t), t, factors[t])
        checks.append(check_year(config, t, planned))
    say(f"round {number}: {sum(1 for c in checks if c.met)}/{len(checks)} years met by the exact "
        f"capacity engine ({sol.solve_s:.1f} s MILP)")
    rnd = Round(number, sol, dict(margins), checks)
    if o.replications and checks[-1].met:
        target = model.target_year
        say(f"round {number}: simulating {target} at the target's demand ({o.replications} "
            f"replications x {o.sim_years:g} yr)")
        config = configure(st, units_in_service(sol, target), target, factors[target])
        rnd.sims.append(simulate_year(config, target, o.replications, o.sim_years, o.seed, o.od,
                                      o.max_days, o.served_threshold))
    return rnd


def reach(model: Model, year: int, factors: dict[str, float]) -> float:
    """Tonnes ``year`` carries with every project in service that can be by then (exact engine)."""
    key = (year, tuple(sorted(factors.items())))
    if key not in model.reach:
        st = model.setting
        model.reach[key] = check_year(configure(st, earliest_units(st, year), year, factors), year,
                                      0.0).served_t
    return model.reach[key]


def next_project(model: Model, rnd: Round, musts: tuple[str, ...]) -> str | None:
    """The unbuilt project adding most per MUSD to the elements that hold the plan back: those
    at the port where the simulation waits longest when it missed, else the binding element of
    the target year (or of the first year short of its requirement)."""
    built = units_in_service(rnd.solution, model.target_year)
    failed = [s for s in rnd.sims if not s.met and s.waits_at]
    elements = model.structure.model.elements
    if failed:
        node = failed[-1].waits_at
        keys = {e.key for e in elements if node in (e.from_node, e.to_node)}
    else:
        short = [c for c in rnd.checks if not c.met]
        check = rnd.checks[-1] if not rnd.checks[-1].met or not short else short[0]
        keys = {e.key for e in elements if e.element_id == check.binding}
    rows = [i for i, k in enumerate(model.structure.row_keys) if k in keys]
    best, score = None, 0.0
    for c in model.candidates:
        if c.forced_start is not None or c.id in musts or c.id in built:
            continue
        gain = sum(model.effects.get(c.id, {}).get(i, 0.0) for i in rows)
        s = gain / max(c.capex_musd, 1e-3)
        if gain > 0 and s > score:
            best, score = c.id, s
    return best


def tighten(model: Model, rnd: Round, margins: dict[int, float], musts: tuple[str, ...]
            ) -> tuple[dict[int, float], tuple[str, ...]] | None:
    """Margins and required projects for the next round; None when nothing is left to try."""
    step = model.options.margin_step
    missed = [c.year for c in rnd.checks if not c.met]
    margins = dict(margins)
    if not missed and rnd.sims and not all(s.met for s in rnd.sims):
        nxt = next_project(model, rnd, musts)   # the simulation waits where the LP has slack
        if nxt is not None:
            return margins, (*musts, nxt)
        missed.append(model.target_year)
    short = {c.year: c.required_t / c.served_t - 1.0 for c in rnd.checks if not c.met and c.served_t > 0}
    for t in sorted(set(missed)):
        grow = step * math.ceil(max(step, short.get(t, 0.0)) / step - 1e-9)   # the shortfall, in steps
        if margins[t] + grow <= MAX_MARGIN + 1e-9:
            margins[t] += grow
        else:
            nxt = next_project(model, rnd, musts)
            if nxt is None:
                return None
            musts = (*musts, nxt)
    return margins, musts


def infeasible(model: Model, factors: dict[int, dict[str, float]]) -> UserError:
    """The one clear message for a target the corridor cannot reach, with the best reachable."""
    st, o = model.setting, model.options
    everything = {pid: p.units_max for pid, p in st.projects.items()}
    best = check_year(configure(st, everything, o.year, factors[o.year]), o.year, 0.0)
    reach = min(best.served_t, best.capacity_t)
    what = [f"the target of {o.target_mt:g} Mt/yr in {o.year} cannot be met"]
    if reach < o.target_mt * 1e6 * (1 - 1e-3):
        what.append(f"with every project built the corridor carries at most {reach / 1e6:.2f} Mt/yr "
                    f"({reach / (o.target_mt * 1e6):.0%} of the target; binding: {best.binding})")
    else:
        what.append("every project together would carry it, so the budgets, lead times, precedence "
                    "or the time target make it impossible by then")
    if o.max_days is not None:
        what.append(f"time target: {o.max_days:g} days on {o.od}")
    return UserError([Problem("; ".join(what), field="target_mt")], "the plan")


def plan_rounds(setting: Setting, options: PlanOptions, say: Callable[[str], None]) -> Outcome:
    """Rounds until the programme and the checks agree (or nothing is left to try)."""
    t0 = time.perf_counter()
    say(f"building the capacity structure and the effects of {len(setting.projects)} projects")
    model = build(setting, options)
    timing = time_rows(model, say)
    response = Response.none()
    margins = {t: 0.0 for t in model.years}
    musts: tuple[str, ...] = ()
    rounds: list[Round] = []
    start_factors = demand_factors(model, Response.none())[model.years[0]]
    for number in range(1, options.max_rounds + 1):
        factors = demand_factors(model, response)
        rnd = run_round(model, number, factors, margins, musts, timing, say)
        if rnd is None:
            if not rounds:
                raise infeasible(model, factors)
            more = next_project(model, rounds[-1], musts)   # back off the margin, add a project
            if more is None:
                say("the programme cannot hold a larger margin and nothing is left to add")
                break
            margins, musts = dict(rounds[-1].margins), (*musts, more)
            continue
        rounds.append(rnd)
        new = respond(model, rnd.solution, response, factors, start_factors,
                      {c.year: c.result for c in rnd.checks}).damped(response)
        settled = new.close_to(response)
        response = new
        stalled = len(rounds) > 1 and rounds[-2].solution.in_service == rnd.solution.in_service \
            and rounds[-2].margins != rnd.margins
        if rnd.met and settled and (rnd.every_year_met or stalled):
            if stalled and not rnd.every_year_met:
                say("the years before the target carry what the programme can build by then")
            break
        if rnd.met and (rnd.every_year_met or stalled):
            continue   # only the demand moved: solve again with it
        if stalled:
            more = next_project(model, rnd, musts)   # a larger margin changed nothing: add a project
            if more is None:
                say("nothing left to add: the plan stays short of the check")
                break
            musts = (*musts, more)
            continue
        nxt = tighten(model, rnd, margins, musts)
        if nxt is None:
            break
        margins, musts = nxt
    return Outcome(model, rounds, response, demand_factors(model, response), time.perf_counter() - t0)


def plan(scenario: Scenario, options: PlanOptions | None = None, ref: str | Resolved | None = None,
         say: Callable[[str], None] | None = None, overlay: Mapping[str, Any] | None = None) -> Result:
    """Which projects to build, when, paid by whom, to carry the target (engine).

    Parameters
    ----------
    scenario
        The scenario to plan from; its projects are the candidates (committed ones forced).
    options
        Target, horizon, demand path, budgets, time target, checks (:class:`PlanOptions`).
    ref
        The name or YAML path ``scenario`` was loaded from (to resolve it without projects),
        or that resolution (:func:`~transcaspian.planning.setting.setting_of`).
    say
        Progress messages (e.g. ``print``); silent by default.
    overlay
        The overlay document that made ``scenario`` from ``ref`` (a sweep point), applied to
        ``ref`` without projects as an overlay file ``extends: ref`` would be.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> r = plan(load_scenario("target-2030"), PlanOptions.build(target_mt=8.0, start_year=2027,
    ...                                                            replications=0), ref="target-2030")
    >>> r.meta["plan"]["status"], [int(y) for y in r["years"]["year"]]
    ('met', [2027, 2028, 2029, 2030])
    """
    options = options or PlanOptions()
    say = say or (lambda _text: None)
    setting = setting_of(scenario, ref, overlay)
    check_options(setting, options)
    outcome = plan_rounds(setting, options, say)
    say("appraising the plan (cost-benefit)")
    return plan_result(outcome, appraise(outcome))


def check_options(setting: Setting, options: PlanOptions) -> None:
    """Options that name scenario things must name real ones (UserError naming each)."""
    problems = []
    payers = {p.id for p in setting.scenario.doc.payers}
    for payer in options.budgets:
        if payer not in payers:
            problems.append(Problem(f"unknown payer '{payer}' (payers: {', '.join(sorted(payers))})",
                                    field="budgets"))
    if options.od:
        for node in options.od.split(":"):
            if node not in setting.scenario.network.nodes:
                problems.append(Problem(f"unknown node '{node}'", field="od"))
    if not setting.projects:
        problems.append(Problem("the scenario lists no projects to plan with", field="scenario"))
    if problems:
        raise UserError(problems, "the plan")
