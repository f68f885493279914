"""Readable names for the report: where an itinerary goes; node names and short labels come
from the package's one naming rule, :mod:`transcaspian.analysis.labels`.

The names are the scenario's own text, returned raw: HTML tables escape them
(:mod:`transcaspian.report.html`) and figures pass them through
:func:`~transcaspian.report.html.esc`, since plotly
renders its labels as a subset of HTML.
"""

from __future__ import annotations

import pandas as pd

from transcaspian.analysis.labels import node_name, service_kind_word
from transcaspian.analysis.labels import node_short as short
from transcaspian.model import Scenario

__all__ = ["node_name", "short", "via_text"]


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
            kind = service_kind_word(svc.at[r.element, "kind"]) if r.element in svc.index else "sea"
            parts.append(f"{short(nodes, r.from_node)} → {short(nodes, r.to_node)} by {kind}")
    return " – ".join(parts) if parts else "direct"
