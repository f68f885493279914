"""The closing "Method and caveats" section: how much rests on assumptions, what is analytic and
what simulated, and what the model leaves out."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from transcaspian.model import Scenario
from transcaspian.model.provenance import Figure, ProvenanceCounts, iter_figures, provenance_counts
from transcaspian.model.results import Result
from transcaspian.report import html as h
from transcaspian.report.html import Section

_TITLE = "Method and caveats"

#: What the engines leave out (docs/analysis.md, docs/simulator.md "Limits").
NOT_MODELLED: tuple[str, ...] = (
    "Demand is given by the scenario: it does not react to the corridor's capacity, transit times "
    "or tariffs (only the tariff scan's market response does, by a calibrated logit).",
    "Cargo travels only on the routes the scenario declares; the capacity LP chooses among them, it "
    "does not invent new paths.",
    "The capacity LP is annual and static: no queues, no timetable, no variation within the year "
    "beyond the weather and off-hire shares of the practical basis; yards are reported, not a limit.",
    "Costs are the scenario's tariffs in USD of its price year: no exchange rates, inflation, "
    "fuel prices or operators' pricing responses.",
    "Emissions are tonnes × km × the scenario's factors per tonne-km (ISO 14083); empty running and "
    "ballast voyages enter only through those factors, not from the simulated movements; an element "
    "without a factor counts 0.",
    "In the simulator trucks are not processed by border nodes; vessels follow their sailing policy "
    "mechanically; dated events act in the first simulated year only; an element above capacity "
    "keeps a growing queue (no steady state).",
    "A scenario describes one year: the projects it applies are in full service in it; their "
    "construction, ramp-up and the disruption of building are not modelled (the plan appraises timing).",
)


def provenance_by_component(figures: list[Figure]) -> pd.DataFrame:
    """Figures counted by provenance for each component type (``nodes``, ``links`` ...), with the
    share of assumptions, largest count first.

    Examples
    --------
    >>> f = [Figure("nodes", "a", "dwell_h", 2.0, "s1", None),
    ...      Figure("nodes", "a", "port_time_h", 4.0, None, "guess")]
    >>> t = provenance_by_component(f)
    >>> t[["component", "total", "assumptions", "assumption_share"]].to_dict("records")
    [{'component': 'nodes', 'total': 2, 'assumptions': 1, 'assumption_share': 0.5}]
    """
    groups: dict[str, list[Figure]] = defaultdict(list)
    for f in figures:
        groups[f.component].append(f)
    rows = []
    for comp, figs in groups.items():
        c = provenance_counts(figs)
        rows.append({"component": comp, "total": c.total, "sourced": c.sourced, "assumptions": c.assumptions,
                     "missing": c.missing, "assumption_share": c.assumption_share})
    cols = ["component", "total", "sourced", "assumptions", "missing", "assumption_share"]
    return (pd.DataFrame(rows, columns=cols).sort_values(["total", "component"], ascending=[False, True])
            .reset_index(drop=True))


def _engines(cap: Result, sim: Result | None) -> pd.DataFrame:
    basis = cap.meta.get("options", {}).get("basis", "practical")
    rows: list[dict[str, Any]] = [
        {"figures": "capacity, demand multiplier, served share, bottlenecks",
         "how": f"analytic: linear programme (HiGHS) over annual element capacities, {basis} basis"},
        {"figures": "itineraries: days, tariffs, through tariffs",
         "how": ("simulated: expected days are the simulation's mean transit times; tariffs are arithmetic"
                 if sim is not None else
                 "analytic: leg times plus waits estimated from the LP's utilisation; tariff arithmetic")},
        {"figures": "emissions (CO2e WTW/TTW)",
         "how": "analytic: ISO 14083 chain elements, scenario factors × served tonne-km"},
        {"figures": "time/cost-distance, CPMM indicators",
         "how": "analytic: cumulative arithmetic over the quoted itinerary's legs"},
    ]
    if sim is not None:
        m = sim.meta
        rows.append({"figures": "transit-time distributions (P50/P90), waiting, ports, throughput",
                     "how": (f"simulated: Monte Carlo, {h.num(m.get('replications'))} replication(s) of "
                             f"{m.get('years', '?')} year(s) after a {h.num(m.get('warmup_days'))}-day "
                             f"warm-up, seed {m.get('seed', '?')}")})
    return pd.DataFrame(rows)


def method_section(scenario: Scenario, cap: Result, sim: Result | None = None) -> Section:
    """How far the report's figures rest on sources or assumptions (the count of
    docs/data-sources.md, :func:`~transcaspian.model.provenance.provenance_counts`), which figures
    are analytic and which simulated, and what is not modelled."""
    figures = list(iter_figures(scenario.doc))
    c: ProvenanceCounts = provenance_counts(figures)
    body = [h.kpis([(h.num(c.total), "numeric inputs in the scenario"),
                    (h.num(c.sourced), "rest on a named source"),
                    (f"{h.num(c.assumptions)} ({h.pct(c.assumption_share)})", "are stated assumptions")])]
    body.append(h.note(
        f"Of the scenario's {c.total:,} numeric inputs, {c.sourced:,} cite a source and {c.assumptions:,} "
        f"({h.pct(c.assumption_share)}) are assumptions with a stated reason"
        + (f"; {c.missing:,} have neither" if c.missing else "")
        + ". Read every result as conditional on them: where an assumption sits on a bottleneck, "
        "the first thing to do is replace it with a measured figure. The sources section and "
        "docs/data-sources.md list each one."))
    cols = [h.Col("component", "component"), h.Col("total", "figures", h.num, numeric=True),
            h.Col("sourced", "sourced", h.num, numeric=True),
            h.Col("assumptions", "assumptions", h.num, numeric=True),
            h.Col("assumption_share", "assumptions %", h.pct, numeric=True)]
    if c.missing:
        cols.append(h.Col("missing", "no provenance", h.num, numeric=True))
    body.append(h.details("Assumptions by component: show the table",
                          h.table(provenance_by_component(figures), cols, table_id="provenance-table")))
    body.append(Markup("<h3>Analytic and simulated figures</h3>"))
    body.append(h.table(_engines(cap, sim), [h.Col("figures", "figures"), h.Col("how", "how they are made")],
                        table_id="engines-table"))
    if sim is None:
        body.append(h.note("This report has no simulation: transit-time distributions, waiting and "
                           "reliability are not shown (run transcaspian simulate, then report with it)."))
    items = "".join(f"<li>{escape(t)}</li>" for t in NOT_MODELLED)
    body.append(Markup(f'<h3>What is not modelled</h3><ul class="caveats">{items}</ul>'))
    return Section("method", "Method", _TITLE, Markup("".join(body)))
