"""The map section: links, services and ports coloured by how much of their capacity the
scenario's demand uses (utilisation from :mod:`transcaspian.analysis.indicators`)."""

from __future__ import annotations

from markupsafe import Markup

from transcaspian.analysis.indicators import map_element_utilisation, map_utilisation
from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report import html as h
from transcaspian.report.html import Section, esc
from transcaspian.report.labels import node_name
from transcaspian.report.map import caspian_extent, corridor_map


def map_detail(scenario: Scenario, cap: Result) -> dict[str, str]:
    """Hover text per map element: every utilisation row behind its colour (escaped)."""
    nodes = scenario.nodes
    detail: dict[str, list[str]] = {}
    for row in map_utilisation(scenario, cap).itertuples(index=False):
        et, eid = row.element_type, str(row.element_id)
        if row.direction == "both":
            where = f"{et.replace('_', ' ')} {eid}"
        else:
            where = f"{node_name(nodes, row.from_node)} → {node_name(nodes, row.to_node)}"
            if et in ("vessel", "sailings"):
                where = f"{et} {eid}, {where}"
        detail.setdefault(row.map_element, []).append(esc(
            f"{where}: {row.utilisation:.0%} ({h.num(row.load)} of {h.num(row.capacity)} "
            f"{row.capacity_unit}/yr)"))
    return {k: "<br>".join(v) for k, v in detail.items()}


def map_section(scenario: Scenario, cap: Result) -> Section:
    """The corridor map, and a close-up of the Caspian crossing when there is one."""
    util = map_element_utilisation(scenario, cap)
    detail = map_detail(scenario, cap)
    body = Markup(h.note("Links and sea services are coloured by the share of their annual "
                         "capacity used by the scenario's demand (the busier direction; a sea service "
                         "shows its busiest vessel class). Hover for figures. Solid: rail; sea "
                         "services are arcs whose dash and midpoint marker give their kind (legend "
                         "below the map); grey: no capacity figure. Every seaport is named; other "
                         "places are named where there is room.")
                  + h.figure(corridor_map(scenario, util, detail), "chart-map"))
    caspian = caspian_extent(scenario)
    if caspian is not None:
        body += Markup("<h3>The Caspian crossing</h3>") + h.figure(
            corridor_map(scenario, util, detail, height=520, extent=caspian), "chart-map-caspian")
    return Section("map", "Map", "The corridor and how busy it is", body)
