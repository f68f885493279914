"""The capacity-against-demand section (figures from analysis.indicators)."""

from __future__ import annotations

import math

from markupsafe import Markup

from transcaspian.analysis.indicators import capacity_against_demand, multiplier
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
    g = capacity_against_demand(cap)
    lam = multiplier(cap)
    com = scenario.commodities
    g["name"] = [str(com.at[c, "name"]) if c in com.index else c for c in g["commodity"]]
    body = [h.note(
        "Capacity here is what the network carries when every flow grows by the same factor, "
        "the largest uniform demand multiplier"
        + (f" ({lam:.2f}×): capacity = demand × {lam:.2f}." if math.isfinite(lam)
           else ": no capacity-limited element restricts the demand.")
        + " Served tonnes come from the routing that serves the most cargo at least cost.")]
    body.append(h.figure(figures.capacity_demand_figure(g, lam), "chart-capacity-demand"))
    total = {"commodity": "total", "demand_t": g["demand_t"].sum(), "served_t": g["served_t"].sum(),
             "unserved_t": g["unserved_t"].sum(), "capacity_t": g["capacity_t"].sum()}
    body.append(h.table(g, [
        h.Col("commodity", "commodity"), h.Col("direction", "direction"),
        h.Col("demand_t", "demand t/yr", h.num, numeric=True),
        h.Col("served_t", "served t/yr", h.num, numeric=True),
        h.Col("unserved_t", "unserved t/yr", h.num, numeric=True),
        h.Col("capacity_t", "capacity t/yr (uniform growth)", h.num, numeric=True),
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
