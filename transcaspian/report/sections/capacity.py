"""The capacity-against-demand section: each commodity's own maximum from the capacity LP
(:func:`~transcaspian.analysis.capacity.commodity_maxima`)."""

from __future__ import annotations

import math

from markupsafe import Markup

from transcaspian.analysis.capacity import commodity_maxima
from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report import figures
from transcaspian.report import html as h
from transcaspian.report.html import Section
from transcaspian.report.labels import node_name


def capacity_section(scenario: Scenario, cap: Result) -> Section:
    """Capacity against demand by commodity and direction, with the flows behind it."""
    if cap["flows"].empty:
        return Section("capacity", "Capacity vs demand", "Capacity against demand",
                       h.note("The scenario has no demand, so there is nothing to set capacity against."))
    g = commodity_maxima(scenario, cap)
    com = scenario.commodities
    g["name"] = [str(com.at[c, "name"]) if c in com.index else c for c in g["commodity"]]
    body = [h.note(
        "Own maximum: the most a commodity can ship in one direction when it is alone on the "
        "network, its flows growing together while every other flow carries nothing (the "
        "capacity LP re-solved for that group). The groups share ferries, berths and track, so "
        "the maxima do not add up; the largest uniform growth of all flows together is in the "
        "headline. Served tonnes come from the routing that serves the most cargo at least cost.")]
    body.append(h.figure(figures.capacity_maxima_figure(g), "chart-capacity-demand"))
    total = {"commodity": "total", "demand_t": g["demand_t"].sum(), "served_t": g["served_t"].sum()}
    body.append(h.table(g, [
        h.Col("commodity", "commodity"), h.Col("direction", "direction"),
        h.Col("demand_t", "demand t/yr", h.num, numeric=True),
        h.Col("served_t", "served t/yr", h.num, numeric=True),
        h.Col("max_t", "own maximum t/yr (alone)", h.num, numeric=True),
        h.Col("max_multiplier", "own maximum × demand", _times, numeric=True),
        h.Col("binding", "limited by (alone)"),
        h.Col("demand_units", "demand units/yr", h.num, numeric=True), h.Col("unit", "unit"),
    ], table_id="capacity-demand-table", total_row=total))
    f = cap["flows"].copy()
    nodes = scenario.nodes
    f["od"] = [f"{node_name(nodes, o)} → {node_name(nodes, d)}"
               for o, d in zip(f["origin"], f["destination"], strict=True)]
    body.append(Markup("<h3>Flows</h3>"))
    body.append(h.table(f, [
        h.Col("flow", "flow"), h.Col("od", "origin → destination"), h.Col("commodity", "commodity"),
        h.Col("direction", "direction"), h.Col("demand_t", "demand t/yr", h.num, numeric=True),
        h.Col("served_share", "served", h.pct, numeric=True),
        h.Col("cost_usd_per_unit", "tariff USD/unit", h.num, numeric=True),
        h.Col("routes", "routes used"), h.Col("note", "note"),
    ], table_id="flows-table"))
    return Section("capacity", "Capacity vs demand", "Capacity against demand", Markup("".join(body)))


def _times(x: float) -> str:
    """A multiplier as ``1.43×`` (``unbounded`` for inf)."""
    return f"{x:.2f}×" if math.isfinite(x) else "unbounded"
