"""Readable names for the report: node names, short labels, where an itinerary goes.

The names are the scenario's own text, returned raw: HTML tables escape them
(:mod:`transcaspian.report.html`) and figures pass them through
:func:`~transcaspian.report.html.esc`, since plotly
renders its labels as a subset of HTML.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report.html import missing
from transcaspian.report.map import short_names


def node_name(nodes: pd.DataFrame, nid: Any) -> str:
    """The name of node ``nid`` (its id when unknown)."""
    return str(nodes.at[nid, "name"]) if nid in nodes.index else str(nid)


def short(nodes: pd.DataFrame, nid: Any) -> str:
    """Short node name for chart labels (see :func:`~transcaspian.report.map.short_names`)."""
    return short_names(nodes).get(str(nid), str(nid))


def via_text(scenario: Scenario, legs: pd.DataFrame) -> str:
    """Where an itinerary goes, from its legs: borders and gauge changes passed, and each
    sea crossing with its service kind (short node names)."""
    nodes = scenario.nodes
    svc = scenario.services
    rows = legs.sort_values("seq")
    last = len(rows) - 1
    parts: list[str] = []
    for pos, r in enumerate(rows.itertuples(index=False)):
        if r.kind == "node" and 0 < pos < last and r.node_kind in ("border", "gauge_change"):
            parts.append(short(nodes, r.node))
        elif r.kind == "move" and r.mode == "sea":
            kind = str(svc.at[r.element, "kind"]).replace("_", " ") if r.element in svc.index else "sea"
            parts.append(f"{short(nodes, r.from_node)} → {short(nodes, r.to_node)} by {kind}")
    return " – ".join(parts) if parts else "direct"


def element_names(scenario: Scenario, cap: Result) -> dict[str, str]:
    """Readable name of every capacity element id."""
    names = {str(i): str(n) for i, n in zip(cap["elements"]["element_id"], cap["elements"]["name"],
                                             strict=True)}
    for lid, row in scenario.links.iterrows():
        if not missing(row.get("name")):
            names[str(lid)] = str(row["name"])
        else:
            names[str(lid)] = (f"{node_name(scenario.nodes, row['from'])} – "
                               f"{node_name(scenario.nodes, row['to'])}")
    return names
