"""The executive summary: the findings in plain language with their figures, and what to do
next, generated from the numbers (elements by name, never by id)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from transcaspian.analysis.compare import extends_base
from transcaspian.analysis.emissions import corridor_emissions, corridor_totals
from transcaspian.analysis.indicators import applied_projects
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import UserError
from transcaspian.model.results import Result
from transcaspian.report import html as h
from transcaspian.report.html import Section
from transcaspian.report.labels import node_name, short
from transcaspian.report.sections.bottlenecks import bottleneck_rows, gain_text
from transcaspian.report.sections.itineraries import Corridor

#: How many bottleneck elements "What to do next" names.
TOP_ACTIONS = 3


def simulated_days(sim: Result | None, corridor: Corridor, q: Result) -> tuple[float, float] | None:
    """Simulated P50 and P90 days of the quoted pair and commodity, or None without them."""
    if sim is None or "transit_times" not in sim.tables:
        return None
    tt = sim.tables["transit_times"]
    sel = tt[(tt["origin"] == corridor.origin) & (tt["destination"] == corridor.destination)
             & (tt["commodity"] == q.meta["commodity"])]
    if sel.empty or sel["units"].sum() <= 0:
        return None
    w = sel["units"]
    return (float((sel["p50_h"] * w).sum() / w.sum() / 24), float((sel["p90_h"] * w).sum() / w.sum() / 24))


def overlay_base(scenario: Scenario) -> Scenario | None:
    """The scenario an overlay extends (loaded again), or None for a scenario that extends
    nothing or whose base cannot be loaded from here."""
    ref = extends_base(scenario)
    if ref is None or ref.startswith("<"):
        return None
    try:
        return load_scenario(ref)
    except (UserError, OSError):
        return None


def same_demand(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios have the same demand table (every flow, unit and volume)."""
    return a.demand.equals(b.demand)


def cli_ref(scenario: Scenario) -> str:
    """How to name the scenario on the command line: its file, else its name."""
    last = scenario.files[-1] if scenario.files else scenario.name
    return scenario.name if last.startswith("<") else last


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _towards(scenario: Scenario, row: Any) -> str:
    """An element of the grouped bottleneck rows in words: "the <name> towards <node>"."""
    where = "" if row["direction"] == "both" else f" towards {short(scenario.nodes, row['to_node'])}"
    return f"the {row['name']}{where}"


def _bottleneck_items(scenario: Scenario, sm: Any, rows: pd.DataFrame) -> list[str]:
    """The finding on the first element to bind (or the busiest when none binds)."""
    if rows.empty:
        return []
    lam = float(sm["demand_multiplier"])
    first = rows.iloc[0]
    if not math.isfinite(lam):
        return [f"No capacity-limited element restricts the demand; the busiest is "
                f"{_towards(scenario, first)} at {first['utilisation']:.0%} of its capacity."]
    others = [_towards(scenario, r) for _, r in rows[rows["binding"]].iloc[1:4].iterrows()]
    lead = (f"All flows could grow together by a factor of {lam:.2f} "
            f"(to {sm['demand_t'] * lam / 1e6:.2f} Mt/yr) before the first element binds: "
            if lam >= 1 else
            "Demand already exceeds what the corridor can carry in the scenario's mix: scaled "
            f"uniformly, only {lam:.0%} of it ({sm['demand_t'] * lam / 1e6:.2f} Mt/yr) fits; the "
            "first element to bind is ")
    return [lead + f"{_towards(scenario, first)}, used at {first['utilisation']:.0%} at the "
            "scenario's demand" + (f"; next to bind: {'; '.join(others)}." if others else ".")]


def _quote_item(scenario: Scenario, quotes: list[tuple[Corridor, Result]],
                sim: Result | None) -> tuple[tuple[str, str], str] | None:
    """The KPI and the finding of the first main pair's quote, or None without quotes."""
    if not quotes:
        return None
    nodes = scenario.nodes
    c, q = quotes[0]
    opts = q["options"]
    best = opts[opts["kind"] == "corridor"].iloc[0]
    days = float(q.meta["expected_days"])
    od = f"{node_name(nodes, c.origin)} → {node_name(nodes, c.destination)}"
    simulated = simulated_days(sim, c, q)
    kpi = (f"{days:.1f} days", od + (" (saturated)" if q.meta["expected_saturated"] else "")
           + (f"; simulated P50 {simulated[0]:.1f}, P90 {simulated[1]:.1f}" if simulated else ""))
    basis = q.meta["expected_basis"]
    text = f"{od} takes about {days:.1f} days door to door" + (
        " on the scenario's routes for this demand" if basis == "demand routes" else
        f" (the simulated mean, as the quote gives it; analytic estimate {q.meta['analytic_days']:.1f})"
        if basis == "simulation" else "")
    if q.meta["expected_saturated"]:
        text += (" (a crossing on the way is saturated: demand exceeds its capacity, so the wait is the "
                 "backlog built over the year)")
    if simulated:
        text += f"; the simulation gives a median of {simulated[0]:.1f} and a P90 of {simulated[1]:.1f} days"
    text += (f"; the fastest itinerary for one shipment takes {best['transit_days']:.1f} days, of which "
             f"{best['wait_h'] / 24:.1f} in queues")
    if best["cost_usd"] > 0:
        text += (f" and costs about {best['cost_usd']:,.0f} USD per {q.meta['options']['cargo']} "
                 "in leg tariffs")
    refs = opts[opts["kind"] == "reference"]
    if not refs.empty:
        cmp = [f"{r.name} {r.transit_days_low:g}–{r.transit_days_high:g} days"
               + ("" if h.missing(r.cost_usd_low) else f", {r.cost_usd_low:,.0f}–{r.cost_usd_high:,.0f} USD")
               for r in refs.itertuples(index=False)]
        text += "; for comparison: " + "; ".join(cmp)
    return kpi, text + "."


def _other_items(scenario: Scenario, sim: Result | None, totals: dict[str, float]) -> list[str]:
    """The findings on emissions, the simulation's waiting and the applied projects."""
    items = []
    if totals["tkm"] > 0:
        items.append(f"Carrying the served cargo emits about {totals['co2e_wtw_t']:,.0f} t CO2e a year "
                     f"well-to-wake, {totals['g_co2e_wtw_per_tkm']:.1f} g CO2e per tonne-km over "
                     f"{totals['tkm'] / 1e9:,.2f} billion tonne-km (ISO 14083, corridor-wide).")
    if sim is not None:
        tt = sim.tables["transit_times"]
        w = sim.tables["waiting_by_node"].sort_values("tonne_hours_waited", ascending=False)
        if not tt.empty and not w.empty:
            top = w.iloc[0]
            items.append(f"In the simulation, P90 transit times range from {tt['p90_h'].min() / 24:.1f} to "
                         f"{tt['p90_h'].max() / 24:.1f} days; most waiting happens at "
                         f"{node_name(scenario.nodes, top['node'])} ({top['share_of_total']:.0%} of all "
                         "tonne-hours waited).")
    projects = applied_projects(scenario)
    if not projects.empty:
        top = projects.sort_values("capex_musd", ascending=False).head(3)
        items.append(f"The scenario applies {_count(len(projects), 'project')} with a capital cost of "
                     f"{projects['capex_musd'].sum() / 1000:,.1f} bn USD in total; the largest: "
                     + "; ".join(f"{r.name} ({r.capex_musd:,.0f} MUSD"
                                 + (f", paid by {r.payer})" if r.payer else ")")
                                 for r in top.itertuples(index=False)) + ".")
    return items


def next_steps(scenario: Scenario, sm: Any, rows: pd.DataFrame, sim: Result | None) -> list[str]:
    """"What to do next", from the numbers: the top bottleneck elements with what +1 % of
    their capacity buys, the planner when demand does not fit, a simulation when there is none."""
    steps = []
    binding = rows[rows["binding"]].head(TOP_ACTIONS)
    for _, r in binding.iterrows():
        gain = gain_text(r["gain_multiplier_per_1pct"], r["gain_served_t_per_1pct"])
        steps.append(f"Add capacity to {_towards(scenario, r)} (binds; "
                     + (f"+1 % of its capacity gives {gain})." if gain != "–" else
                        "it is full when all demand grows together)."))
    if binding.empty and not rows.empty:
        r = rows.iloc[0]
        steps.append(f"Watch {_towards(scenario, r)}: the busiest element, at {r['utilisation']:.0%} "
                     "of its capacity.")
    ref = cli_ref(scenario)
    share = float(sm["served_share"])
    if share < 1 - 1e-9:
        target = math.ceil(float(sm["demand_t"]) / 1e5 - 1e-6) / 10  # all of the demand, Mt/yr
        n = len(scenario.doc.applied_projects)
        steps.append(f"Only {share:.0%} of demand can be served"
                     + (f" even with the {_count(n, 'applied project')}" if n else "")
                     + f": ask the planner which projects to build and when, `transcaspian plan {ref} "
                     f"--target-mt {target:g}`.")
    if sim is None:
        steps.append(f"Run a simulation for P50/P90 transit times and queues: `transcaspian report {ref}` "
                     "simulates by default (`--simulate N` sets the replications).")
    return steps


def _demand_item(scenario: Scenario, sm: Any, base: Scenario | None) -> str:
    """The finding on demand and how much of it is served; an overlay says whether its
    demand is its base's."""
    said = ""
    if base is not None:
        base_t = float(base.demand["annual_t"].sum()) if not base.demand.empty else 0.0
        said = (f" (the demand of {base.name}, unchanged by this what-if)" if same_demand(scenario, base)
                else f" ({base.name}: {base_t / 1e6:.2f} Mt)")
    return (f"The scenario asks the corridor to carry {sm['demand_t'] / 1e6:.2f} million tonnes a year"
            f"{said}; with its capacities {sm['served_t'] / 1e6:.2f} Mt ({sm['served_share']:.0%}) can be "
            "served.")


def headline_section(scenario: Scenario, cap: Result, quotes: list[tuple[Corridor, Result]],
                     sim: Result | None) -> Section:
    """The executive summary: findings with their figures in plain language (elements named by
    :func:`~transcaspian.analysis.labels.element_label`, one per sea service), the corridor's
    CO2e, and a "What to do next" list generated from the numbers."""
    sm = cap["summary"].iloc[0]
    lam = float(sm["demand_multiplier"])
    rows = bottleneck_rows(scenario, cap)
    totals = corridor_totals(corridor_emissions(scenario, cap["flow_routes"]))
    base = overlay_base(scenario)
    kpi: list[tuple[str, str]] = [
        (f"{sm['demand_t'] / 1e6:.2f} Mt", "demand per year"),
        (f"{sm['served_share']:.0%}", "of demand can be served"),
        (f"{lam:.2f}×" if math.isfinite(lam) else "unlimited",
         "of demand fits if all flows grow alike" if math.isfinite(lam) else "no capacity limit binds"),
    ]
    items = [_demand_item(scenario, sm, base), *_bottleneck_items(scenario, sm, rows)]
    quoted = _quote_item(scenario, quotes, sim)
    if quoted is not None:
        kpi.append(quoted[0])
        items.append(quoted[1])
    if totals["tkm"] > 0:
        kpi.append((f"{totals['co2e_wtw_t'] / 1e3:,.0f} kt CO2e", "per year, well-to-wake"))
    items += _other_items(scenario, sim, totals)
    lead = Markup("".join(f"<li>{escape(i)}</li>" for i in items))
    todo = Markup("".join(f"<li>{escape(i)}</li>" for i in next_steps(scenario, sm, rows, sim)))
    if base is not None and scenario.doc.description == base.doc.description:
        desc = h.note(f"A what-if on {base.name}: {scenario.title}.")  # the base's text is about the base
    else:
        desc = h.note(scenario.doc.description) if scenario.doc.description else Markup("")
    return Section("summary", "Summary", "Executive summary", Markup(
        h.kpis(kpi) + Markup(f'<ul class="headline lead">{lead}</ul>') + desc
        + Markup(f'<h3>What to do next</h3><ul class="headline" id="next-steps">{todo}</ul>')))
