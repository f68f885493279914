"""The bottlenecks section: every constrained element ranked, with its chart."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from transcaspian.analysis.indicators import grouped_bottlenecks, multiplier
from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report import figures
from transcaspian.report import html as h
from transcaspian.report.html import Section
from transcaspian.report.labels import node_name, short
from transcaspian.report.map import util_color


def bottleneck_rows(scenario: Scenario, cap: Result) -> pd.DataFrame:
    """:func:`~transcaspian.analysis.indicators.grouped_bottlenecks` with the report's text
    columns: ``where`` (node names), ``label`` (name and direction, for charts),
    ``headroom_text`` (in the element's unit) and ``gain`` (what +1 % of its capacity buys,
    :func:`gain_text`)."""
    b = grouped_bottlenecks(scenario, cap)
    nodes = scenario.nodes
    b["where"] = [node_name(nodes, f) if d == "both" else
                  f"{node_name(nodes, f)} → {node_name(nodes, t)}"
                  for f, t, d in zip(b["from_node"], b["to_node"], b["direction"], strict=True)]
    b["label"] = [n if d == "both" else f"{n} · {short(nodes, f)} → {short(nodes, t)}"
                  for n, f, t, d in zip(b["name"], b["from_node"], b["to_node"], b["direction"], strict=True)]
    b["headroom_text"] = [f"{h.num(v)} {unit}" for v, unit in zip(b["headroom"], b["capacity_unit"],
                                                                    strict=True)]
    b["gain"] = [gain_text(m, t) for m, t in zip(b["gain_multiplier_per_1pct"],
                                                 b["gain_served_t_per_1pct"], strict=True)]
    return b


def bottleneck_section(scenario: Scenario, cap: Result) -> Section:
    """Every constrained element ranked by how much more capacity there would help; the vessel
    classes of a sea service make one row of the service (its classes listed in the row)."""
    b = bottleneck_rows(scenario, cap)
    b["element"] = [n + (f" (classes: {c})" if c else "") for n, c in zip(b["name"], b["classes"],
                                                                          strict=True)]
    lam = multiplier(cap)
    body = [h.note(
        "Every capacity-limited element, ranked by what 1 % more of its capacity would buy: "
        "first the rise of the uniform demand multiplier (how far all demand could grow "
        "together), then extra tonnes served at the scenario's demand, then the smallest "
        "headroom. A sea service is one row: 'used' is its busiest vessel class, headroom and "
        "gains are its classes' sums (+1 % of every class), and it binds if any class binds. "
        "'Used at max growth' is the element's utilisation when demand is scaled to the multiplier"
        + (f" ({lam:.2f}×)." if math.isfinite(lam) else "."))]
    body.append(h.table(b, [
        h.Col("rank", "rank", h.num, numeric=True), h.Col("element", "element"),
        h.Col("element_id", "id"), h.Col("element_type", "type", lambda v: h.text(v).replace("_", " ")),
        h.Col("where", "where / direction"),
        h.Col("utilisation", "used now", _util_cell, numeric=True, html=True),
        h.Col("utilisation_at_multiplier", "used at max growth", _util_cell, numeric=True, html=True),
        h.Col("headroom_text", "headroom per yr", numeric=True),
        h.Col("gain", "+1 % capacity gives"),
        h.Col("binding", "binds", lambda v: "yes" if v is True or v == 1 else ""),
    ], table_id="bottlenecks-table"))
    body.append(h.figure(figures.utilisation_figure(b), "chart-utilisation"))
    return Section("bottlenecks", "Bottlenecks", "Bottlenecks", Markup("".join(body)))


def _util_cell(share: Any) -> str:
    return Markup(f'<span class="util" style="background:{_util_bg(share)}">{escape(h.pct(share))}</span>')


def gain_text(mult: float, served_t: float) -> str:
    """What +1 % of an element's capacity buys, in words: the rise of the uniform demand
    multiplier (two significant digits) and the extra tonnes served (t/yr); "–" for nothing.

    >>> gain_text(0.005611, 3582.9)
    'multiplier +0.0056, +3,583 t/yr served'
    """
    parts = []
    if not h.missing(mult) and mult > 1e-9:
        parts.append(f"multiplier +{mult:.2g}")  # two significant digits: never "+0.000"
    if not h.missing(served_t) and served_t > 1e-6:
        parts.append(f"+{served_t:,.0f} t/yr served")
    return ", ".join(parts) if parts else "–"


def _util_bg(share: Any) -> str:
    if h.missing(share):
        return "transparent"
    return util_color(float(share)).replace("rgb(", "rgba(").replace(")", ",0.45)")
