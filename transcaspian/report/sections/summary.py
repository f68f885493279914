"""The headline: a short plain-language summary generated from the numbers."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from transcaspian.analysis.indicators import applied_projects
from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report import html as h
from transcaspian.report.html import Section
from transcaspian.report.labels import element_names, node_name, short
from transcaspian.report.sections.itineraries import Corridor


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


def headline_section(scenario: Scenario, cap: Result, quotes: list[tuple[Corridor, Result]],
                     sim: Result | None) -> Section:
    """Short plain-language summary generated from the numbers."""
    sm = cap["summary"].iloc[0]
    lam = float(sm["demand_multiplier"])
    b = cap["bottlenecks"]
    names = element_names(scenario, cap)
    nodes = scenario.nodes
    items: list[str] = []
    kpi: list[tuple[str, str]] = [
        (f"{sm['demand_t'] / 1e6:.2f} Mt", "demand per year"),
        (f"{sm['served_share']:.0%}", "of demand can be served"),
        (f"{lam:.2f}×" if math.isfinite(lam) else "unlimited",
         "of demand fits if all flows grow alike" if math.isfinite(lam) else "no capacity limit binds"),
    ]
    items.append(f"The scenario asks the corridor to carry {sm['demand_t'] / 1e6:.2f} million tonnes a "
                 f"year; with its capacities {sm['served_t'] / 1e6:.2f} Mt ({sm['served_share']:.0%}) "
                 "can be served.")
    if not b.empty:
        first = b.iloc[0]
        where = (short(nodes, first["from_node"]) if first["direction"] == "both" else
                 f"{short(nodes, first['from_node'])} → {short(nodes, first['to_node'])}")
        binding = b[b["binding"].astype(bool)]
        if math.isfinite(lam):
            others = [f"{names.get(str(e), e)} ({e})" for e in binding["element_id"].iloc[1:4]]
            lead = (f"All flows could grow together by a factor of {lam:.2f} "
                    f"(to {sm['demand_t'] * lam / 1e6:.2f} Mt/yr) before the first element binds: "
                    if lam >= 1 else
                    f"Demand already exceeds what the corridor can carry in the scenario's mix: "
                    f"scaled uniformly, only {lam:.0%} of it ({sm['demand_t'] * lam / 1e6:.2f} Mt/yr) "
                    "fits; the first element to bind is ")
            items.append(
                lead + f"{names.get(str(first['element_id']), first['element_id'])} ({first['element_id']}, "
                f"{where}), used at {first['utilisation']:.0%} at the scenario's demand"
                + (f"; next to bind: {'; '.join(others)}." if others else "."))
        else:
            items.append("No capacity-limited element restricts the demand; the busiest element is "
                         f"{names.get(str(first['element_id']), first['element_id'])} "
                         f"({first['element_id']}, {where}) at {first['utilisation']:.0%}.")
    if quotes:
        c, q = quotes[0]
        opts = q["options"]
        best = opts[opts["kind"] == "corridor"].iloc[0]
        days = float(q.meta["expected_days"])
        od = f"{node_name(nodes, c.origin)} → {node_name(nodes, c.destination)}"
        simulated = simulated_days(sim, c, q)
        kpi.append((f"{days:.1f} days", od + (" (saturated)" if q.meta["expected_saturated"] else "")
                    + (f"; simulated P50 {simulated[0]:.1f}, P90 {simulated[1]:.1f}" if simulated else "")))
        basis = q.meta["expected_basis"]
        text = f"{od} takes about {days:.1f} days door to door" + (
            " on the scenario's routes for this demand" if basis == "demand routes" else
            f" (the simulated mean, as the quote gives it; analytic estimate {q.meta['analytic_days']:.1f})"
            if basis == "simulation" else "")
        if q.meta["expected_saturated"]:
            text += (" (a crossing on the way is saturated: demand exceeds its capacity, so the wait is the "
                     "backlog built over the year)")
        if simulated:
            text += (f"; the simulation gives a median of {simulated[0]:.1f} and a P90 of "
                     f"{simulated[1]:.1f} days")
        text += (f"; the fastest itinerary for one shipment ({best['option']}) takes "
                 f"{best['transit_days']:.1f} days, of which {best['wait_h'] / 24:.1f} in queues")
        if best["cost_usd"] > 0:
            text += (f" and costs about {best['cost_usd']:,.0f} USD per {q.meta['options']['cargo']} "
                     "in leg tariffs")
        refs = opts[opts["kind"] == "reference"]
        if not refs.empty:
            cmp = [f"{r.name} {r.transit_days_low:g}–{r.transit_days_high:g} days"
                   + (f", {r.cost_usd_low:,.0f}–{r.cost_usd_high:,.0f} USD" if not h.missing(r.cost_usd_low)
                      else "") for r in refs.itertuples(index=False)]
            text += "; for comparison: " + "; ".join(cmp)
        items.append(text + ".")
    if sim is not None:
        tt = sim.tables["transit_times"]
        w = sim.tables["waiting_by_node"].sort_values("tonne_hours_waited", ascending=False)
        if not tt.empty and not w.empty:
            top = w.iloc[0]
            items.append(f"In the simulation, P90 transit times range from {tt['p90_h'].min() / 24:.1f} to "
                         f"{tt['p90_h'].max() / 24:.1f} days; most waiting happens at "
                         f"{node_name(nodes, top['node'])} ({top['share_of_total']:.0%} of all "
                         "tonne-hours waited).")
    projects = applied_projects(scenario)
    if not projects.empty:
        top = projects.sort_values("capex_musd", ascending=False).head(3)
        items.append(f"The scenario applies {len(projects)} projects with a capital cost of "
                     f"{projects['capex_musd'].sum() / 1000:,.1f} bn USD in total; the largest: "
                     + "; ".join(f"{r.name} ({r.capex_musd:,.0f} MUSD"
                                 + (f", paid by {r.payer})" if r.payer else ")")
                                 for r in top.itertuples(index=False)) + ".")
    lead = Markup("".join(f"<li>{escape(i)}</li>" for i in items))
    desc = h.note(scenario.doc.description) if scenario.doc.description else Markup("")
    return Section("headline", "Headline", "Headline",
                   Markup(h.kpis(kpi) + Markup(f'<ul class="headline lead">{lead}</ul>') + desc))
