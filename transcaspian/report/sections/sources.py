"""Report sections from the scenario alone: its demand and its sources."""

from __future__ import annotations

from markupsafe import Markup

from transcaspian.model import Scenario
from transcaspian.report import html as h
from transcaspian.report.html import Section
from transcaspian.report.labels import node_name


def sources_section(scenario: Scenario) -> Section:
    """Every source of the scenario (id, title, year, figures resting on it, note, address as a
    link), collapsed under a summary line with the count."""
    src = scenario.sources.reset_index()
    used = _source_use_counts(scenario)
    src["uses"] = [used.get(i, 0) for i in src["id"]]
    body = h.table(src, [
        h.Col("id", "id"), h.Col("title", "title"), h.Col("year", "year", numeric=True),
        h.Col("uses", "figures", lambda v: h.num(v), numeric=True),
        h.Col("url", "address", lambda v: Markup(f'<span class="url">{h.link(v)}</span>'), html=True),
        h.Col("note", "note"),
    ], table_id="sources-table")
    intro = h.note("Every number in the scenario names one of these sources or states an assumption; "
                   "'figures' counts the numeric inputs resting on each (0: cited for context or in "
                   "notes). Addresses are links to the publications (opened in a new tab); the report "
                   "itself loads nothing from them.")
    cited = int((src["uses"] > 0).sum())
    return Section("sources", "Sources", "Sources of the scenario",
                   Markup(intro + h.details(f"{len(src)} sources ({cited} backing figures): show the list",
                                            body)))


def _source_use_counts(scenario: Scenario) -> dict[str, int]:
    """How many numeric inputs of the scenario rest on each source id."""
    from transcaspian.model.provenance import iter_figures

    counts: dict[str, int] = {}
    for f in iter_figures(scenario.doc):
        if f.source:
            counts[f.source] = counts.get(f.source, 0) + 1
    return counts


def demand_section(scenario: Scenario) -> Section:
    """The scenario's demand by flow: origin, destination, commodity, direction, volume."""
    d = scenario.demand
    nodes = scenario.nodes
    if d.empty:
        return Section("demand", "Demand", "Demand in the scenario", h.note("The scenario has no demand."))
    d = d.reset_index()
    d["from"] = [node_name(nodes, n) for n in d["origin"]]
    d["to"] = [node_name(nodes, n) for n in d["destination"]]
    body = h.table(d, [
        h.Col("id", "flow"), h.Col("from", "from"), h.Col("to", "to"),
        h.Col("commodity", "commodity"), h.Col("direction", "direction"),
        h.Col("annual_units", "units / yr", h.num, numeric=True), h.Col("unit", "unit"),
        h.Col("annual_t", "tonnes / yr", h.num, numeric=True),
    ], table_id="demand-table", total_row={"id": "total", "annual_t": d["annual_t"].sum()})
    extra = ""
    if scenario.doc.tonnage_definition:
        extra = h.note(f"Tonnage definition: {scenario.doc.tonnage_definition}")
    return Section("demand", "Demand", "Demand in the scenario", Markup(body + extra))
