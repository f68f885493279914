"""Scenario comparison: side-by-side figures of two or more scenarios and their deltas to the first.

The first scenario is the base. Every figure comes from the existing engines: capacity (served
tonnes, the largest uniform demand multiplier, binding elements), quote (expected days on the
base's main origin-destination pairs, analytic; P50/P90 when a simulation of the scenario is
given) and the corridor emissions of the capacity routing (ISO 14083, WTW).

Examples
--------
>>> from transcaspian.model import load_scenario
>>> s = load_scenario("baseline-2024")
>>> res = compare([s, s], CompareOptions.build(corridors=1))
>>> float(res["summary"]["delta_served_t"].abs().max())
0.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from transcaspian.analysis.capacity import capacity
from transcaspian.analysis.corridors import CARGO_OF_UNIT, main_corridors
from transcaspian.analysis.emissions import corridor_emissions, corridor_totals
from transcaspian.analysis.labels import element_label
from transcaspian.analysis.quote import QuoteOptions, quote
from transcaspian.analysis.routes import RoutePlanner
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.options import EngineOptions
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario

SUMMARY_FIGURES = ["demand_t", "served_t", "served_share", "demand_multiplier", "capacity_t",
                   "co2e_wtw_t", "g_co2e_wtw_per_tkm", "projects", "capex_musd"]
SUMMARY_COLUMNS = ["scenario", "scenario_hash", "year", *SUMMARY_FIGURES,
                   *(f"delta_{c}" for c in SUMMARY_FIGURES if c != "demand_t")]
OD_FIGURES = ["expected_days", "p50_days", "p90_days"]
OD_COLUMNS = ["scenario", "origin", "destination", "cargo", "basis", *OD_FIGURES, "saturated",
              *(f"delta_{c}" for c in OD_FIGURES)]
BOTTLENECK_COLUMNS = ["scenario", "change", "element_id", "name", "element_type", "from_node", "to_node",
                      "direction", "utilisation_base", "utilisation", "delta_utilisation"]
PROJECT_COLUMNS = ["scenario", "change", "project", "name", "capex_musd", "payer", "funding",
                   "in_service_year"]
KEY = ["element_id", "from_node", "to_node", "direction"]


class CompareOptions(EngineOptions):
    """Options of the comparison.

    Examples
    --------
    >>> CompareOptions.build().record()
    {'corridors': 3}
    """

    corridors: int = Field(3, ge=1, le=20, description="Number of the base's main origin-destination "
                           "pairs (most demand, containers first) whose days are compared (pairs)")


def extends_base(scenario: Scenario) -> str | None:
    """The scenario (name or file) ``scenario`` extends, or None when it is not an overlay.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> extends_base(load_scenario("target-2030")), extends_base(load_scenario("baseline-2024"))
    ('baseline-2024', None)
    """
    return scenario.files[-2] if len(scenario.files) > 1 else None


def _capex(scenario: Scenario) -> float:
    p = scenario.projects
    return float(p.loc[list(scenario.doc.applied_projects), "capex_musd"].sum()) if len(p) else 0.0


def _summary_row(s: Scenario, cap: Result) -> dict[str, Any]:
    row = cap["summary"].iloc[0]
    totals = corridor_totals(corridor_emissions(s, cap["flow_routes"]))
    lam = float(row["demand_multiplier"])
    return {"scenario": s.name, "scenario_hash": s.hash, "year": s.year,
            "demand_t": float(row["demand_t"]), "served_t": float(row["served_t"]),
            "served_share": float(row["served_share"]), "demand_multiplier": lam,
            "capacity_t": lam * float(row["demand_t"]), "co2e_wtw_t": totals["co2e_wtw_t"],
            "g_co2e_wtw_per_tkm": totals["g_co2e_wtw_per_tkm"],
            "projects": len(s.doc.applied_projects), "capex_musd": _capex(s)}


def _with_deltas(df: pd.DataFrame, figures: list[str], keys: list[str]) -> pd.DataFrame:
    """Add ``delta_<figure>`` = figure - the base's (first scenario) for the same ``keys``."""
    base = df[df["scenario_index"] == 0].set_index(keys) if keys else df[df["scenario_index"] == 0]
    for c in figures:
        if keys:
            ref = df.set_index(keys).index.map(base[c].to_dict())
            df[f"delta_{c}"] = df[c].to_numpy(float) - np.asarray(ref, dtype=float)
        else:
            df[f"delta_{c}"] = df[c].astype(float) - float(base[c].iloc[0])
    return df


def od_rows(s: Scenario, cap: Result, pairs: list, simulation: Result | None) -> list[dict[str, Any]]:
    """Days on each pair (:class:`~transcaspian.analysis.corridors.Corridor`): the quote's analytic
    expected days, and the simulated P50/P90 (lot-weighted over directions) when ``simulation``
    carried the pair; NaN days where the scenario does not carry it (``cap``: its capacity result)."""
    planner = RoutePlanner(s, capacity_result=cap)
    rows = []
    for c in pairs:
        row: dict[str, Any] = {"scenario": s.name, "origin": c.origin, "destination": c.destination,
                               "cargo": CARGO_OF_UNIT[c.unit], "basis": "analytic",
                               "expected_days": math.nan, "p50_days": math.nan, "p90_days": math.nan,
                               "saturated": False}
        try:
            q = quote(s, QuoteOptions.build(origin=c.origin, destination=c.destination,
                                            cargo=row["cargo"], k=1), planner=planner, simulation=simulation)
        except UserError:  # the pair is not carried in this scenario: NaN days
            rows.append(row)
            continue
        row["expected_days"] = float(q.meta["analytic_days"])
        row["saturated"] = bool(q.meta["expected_saturated"])
        sim = q.tables.get("simulated")
        if sim is not None and len(sim) and sim["lots"].sum() > 0:
            w = sim["lots"] / sim["lots"].sum()
            row.update(basis=f"simulation ({simulation.meta.get('replications')} replications)",
                       p50_days=float((sim["p50_days"] * w).sum()),
                       p90_days=float((sim["p90_days"] * w).sum()))
        rows.append(row)
    return rows


def _bottleneck_rows(base: Scenario, base_cap: Result, s: Scenario, cap: Result) -> list[dict[str, Any]]:
    b0, b1 = base_cap["bottlenecks"], cap["bottlenecks"]
    util0 = {tuple(r[k] for k in KEY): r for r in b0.to_dict("records")}
    util1 = {tuple(r[k] for k in KEY): r for r in b1.to_dict("records")}
    bind0 = {k for k, r in util0.items() if r["binding"]}
    bind1 = {k for k, r in util1.items() if r["binding"]}
    rows = []
    for change, keys in (("removed", bind0 - bind1), ("new", bind1 - bind0), ("still", bind0 & bind1)):
        for k in sorted(keys):
            r = util1.get(k) or util0[k]
            u0 = util0[k]["utilisation"] if k in util0 else math.nan
            u1 = util1[k]["utilisation"] if k in util1 else math.nan
            rows.append({"scenario": s.name, "change": change, **dict(zip(KEY, k, strict=True)),
                         "name": element_label(s if k in util1 else base, k[0], r["element_type"]),
                         "element_type": r["element_type"], "utilisation_base": float(u0),
                         "utilisation": float(u1), "delta_utilisation": float(u1 - u0)})
    return rows


def _project_rows(base: Scenario, s: Scenario) -> list[dict[str, Any]]:
    rows = []
    a0, a1 = list(base.doc.applied_projects), list(s.doc.applied_projects)
    for change, owner, ids in (("added", s, [p for p in a1 if p not in a0]),
                               ("removed", base, [p for p in a0 if p not in a1])):
        for pid in ids:
            p = owner.get("projects", pid)
            rows.append({"scenario": s.name, "change": change, "project": pid, "name": p.name,
                         "capex_musd": float(p.capex_musd), "payer": p.payer,
                         "funding": ", ".join(f"{f.payer} {f.max_share:.0%}" for f in p.funding),
                         "in_service_year": int(p.in_service_year)})
    return rows


def compare(scenarios: Sequence[Scenario], options: CompareOptions | None = None, *,
            simulations: Sequence[Result | None] | None = None) -> Result:
    """Compare scenarios side by side, each against the first (the base).

    Parameters
    ----------
    scenarios
        Two or more validated scenarios; the first is the base of every delta.
    options
        :class:`CompareOptions`.
    simulations
        Optional simulation results, one per scenario (None where there is none): their P50/P90
        days fill ``od_times`` (``basis`` says which rows are simulated).

    Returns
    -------
    Result with tables ``summary`` (one row per scenario), ``od_times`` (one row per scenario and
    pair), ``bottlenecks`` and ``projects`` (one row per non-base scenario and element or project
    that differs); declared in :data:`transcaspian.analysis.tables.COMPARE`. ``meta["scenarios"]``
    lists every scenario's name and hash.

    Raises
    ------
    UserError
        Fewer than two scenarios, or a simulation list of another length or of another scenario.
    """
    options = options or CompareOptions()
    sims = list(simulations) if simulations is not None else [None] * len(scenarios)
    problems = []
    if len(scenarios) < 2:
        problems.append(Problem(f"compare needs at least two scenarios (got {len(scenarios)})",
                                field="scenarios"))
    if len(sims) != len(scenarios):
        problems.append(Problem(f"{len(sims)} simulations for {len(scenarios)} scenarios",
                                field="simulations"))
    problems += [Problem(f"the simulation for {s.name} is of scenario {r.meta.get('scenario')}",
                         field="simulations")
                 for s, r in zip(scenarios, sims, strict=False) if r is not None
                 and r.meta.get("scenario_hash") != s.hash]
    if problems:
        raise UserError(problems, "the comparison")
    caps = [capacity(s) for s in scenarios]
    pairs = main_corridors(scenarios[0], options.corridors)
    summary = pd.DataFrame([_summary_row(s, c) for s, c in zip(scenarios, caps, strict=True)])
    summary["scenario_index"] = range(len(scenarios))
    summary = _with_deltas(summary, [c for c in SUMMARY_FIGURES if c != "demand_t"], [])
    od = pd.DataFrame([{"scenario_index": i, **r} for i, (s, c, sim) in
                       enumerate(zip(scenarios, caps, sims, strict=True))
                       for r in od_rows(s, c, pairs, sim)],
                      columns=["scenario_index", *OD_COLUMNS[:9]])
    od = _with_deltas(od, OD_FIGURES, ["origin", "destination"])
    bott = [r for s, c in zip(scenarios[1:], caps[1:], strict=True)
            for r in _bottleneck_rows(scenarios[0], caps[0], s, c)]
    proj = [r for s in scenarios[1:] for r in _project_rows(scenarios[0], s)]
    meta = scenarios[0].metadata(engine="compare", options=options.record(),
                                 scenarios=[{"name": s.name, "hash": s.hash} for s in scenarios])
    return Result(meta, {
        "summary": summary[SUMMARY_COLUMNS].astype({"projects": "int64", "year": "int64"}),
        "od_times": od[OD_COLUMNS].astype({"saturated": bool}),
        "bottlenecks": pd.DataFrame(bott, columns=BOTTLENECK_COLUMNS),
        "projects": pd.DataFrame(proj, columns=PROJECT_COLUMNS).astype({"in_service_year": "int64"})})
