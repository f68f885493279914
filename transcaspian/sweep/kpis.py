"""The KPIs of a sweep point, read from the engines' results the way ``compare`` reads them.

Served share, served tonnes and the demand multiplier come from the capacity result's
``summary``; days on an origin-destination pair from
:func:`transcaspian.analysis.compare.od_rows` (the quote's analytic expected days, the
simulated P50/P90 weighted by lots); waiting at a port from the simulation's
``waiting_by_node`` (mean wait per passage, 0 where no cargo queued); the simulated served
share from the simulation's measured window; the plan's cost and whether it meets the target
from the plan's summary (``meta["plan"]``: ``capex_musd``, ``pv_capex_musd``, ``status``).
Units: :data:`~transcaspian.sweep.spec.KPI_KINDS`.

Examples
--------
>>> from transcaspian.analysis.capacity import capacity
>>> from transcaspian.model import load_scenario
>>> from transcaspian.sweep.spec import Kpi
>>> s = load_scenario("baseline-2024")
>>> out = point_kpis(s, [Kpi(kpi="served_share"), Kpi(kpi="expected_days", od="xian:constanta")],
...                  capacity(s))
>>> 0 < out["served_share"] <= 1, out["expected_days[xian:constanta]"] > 5
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from transcaspian.analysis.compare import od_rows
from transcaspian.analysis.corridors import Corridor, main_corridors
from transcaspian.model.errors import Problem
from transcaspian.model.loading import suggest
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario
from transcaspian.sweep.spec import Kpi


def check_kpis(scenario: Scenario, kpis: Sequence[Kpi], file: str = "") -> list[Problem]:
    """Problems with the KPIs' node ids in the base scenario (each named with its field).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> [str(p) for p in check_kpis(s, [Kpi(kpi="waiting_h", port="aktua")], "s.yaml")]
    ["s.yaml: kpis[0].port: no seaport 'aktua' in baseline-2024 (did you mean 'aktau'?)"]
    """
    nodes = list(scenario.nodes.index)
    ports = [n for n in nodes if scenario.nodes.loc[n, "kind"] == "seaport"]
    problems = []
    for i, k in enumerate(kpis):
        for end in (k.od.split(":") if k.od else []):
            if end not in nodes:
                problems.append(Problem(f"no node '{end}' in {scenario.name}{suggest(end, nodes)}",
                                        file=file, field=f"kpis[{i}].od"))
        if k.port and k.port not in ports:
            problems.append(Problem(f"no seaport '{k.port}' in {scenario.name}{suggest(k.port, ports)}",
                                    file=file, field=f"kpis[{i}].port"))
    return problems


def _corridor(scenario: Scenario, od: str) -> Corridor:
    origin, destination = od.split(":")
    for c in main_corridors(scenario, len(scenario.demand) + 1):
        if (c.origin, c.destination) == (origin, destination):
            return c
    return Corridor(origin, destination, "teu", 0.0)


def _waiting_h(sim: Result, port: str) -> float:
    w = sim["waiting_by_node"]
    row = w[w["node"] == port]
    return float(row["wait_h_mean_per_unit"].iloc[0]) if len(row) else 0.0


def _plan_kpi(kpi: str, plan: Result | None) -> float:
    """A plan KPI from the plan's summary (``meta["plan"]``); no plan: not met, no cost."""
    if plan is None:
        return 0.0 if kpi == "plan_met" else math.nan
    summary = plan.meta["plan"]
    if kpi == "plan_met":
        return 1.0 if summary["status"] == "met" else 0.0
    return float(summary["capex_musd" if kpi == "plan_cost" else "pv_capex_musd"])


def point_kpis(scenario: Scenario, kpis: Sequence[Kpi], cap: Result,
               sim: Result | None = None, plan: Result | None = None) -> dict[str, float]:
    """KPI column -> value (its unit) for one point (``cap``/``sim``/``plan``: its capacity,
    simulation and plan; plan KPIs without a plan: not met, NaN cost)."""
    summary = cap["summary"].iloc[0]
    days: dict[str, dict[str, float]] = {}
    out: dict[str, float] = {}
    for k in kpis:
        if k.engine == "plan":
            v = _plan_kpi(k.kpi, plan)
        elif k.kpi == "served_share":
            v = float(summary["served_share"])
        elif k.kpi == "served_mt":
            v = float(summary["served_t"]) / 1e6
        elif k.kpi == "multiplier":
            v = float(summary["demand_multiplier"])
        elif k.kpi == "sim_served_share":
            v = float(sim.meta["window"]["served_share"]) if sim is not None else math.nan
        elif k.kpi == "waiting_h":
            v = _waiting_h(sim, k.port) if sim is not None else math.nan
        else:
            if k.od not in days:
                days[k.od] = od_rows(scenario, cap, [_corridor(scenario, k.od)], sim)[0]
            v = float(days[k.od][k.kpi])
        out[k.column] = v
    return out
