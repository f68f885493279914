"""Assemble the self-contained HTML report from engine results.

The report is a thin layer over the engines (capacity, quote, TCD) and, when given, a
simulation result folder: it calls them, turns their tables into HTML tables and plotly
figures, and renders one Jinja2 template with plotly.js embedded once. Nothing in the
output is loaded from the network.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import plotly
import plotly.graph_objects as go
from markupsafe import Markup, escape
from plotly.offline import get_plotlyjs

from transcaspian.model import Scenario
from transcaspian.report import html as h
from transcaspian.report.map import caspian_extent, corridor_map, short_names, util_color
from transcaspian.model.results import Result, read_result

#: The ``<meta name="generator">`` content that marks a file as one of our reports.
GENERATOR = "transcaspian report"


@dataclass(frozen=True)
class Section:
    """One report section: anchor id, short name for the contents bar, title, body."""

    id: str
    short: str
    title: str
    html: Markup


# -- scenario sections (no engine needed) --------------------------------------------------------
def sources_section(scenario: Scenario) -> Section:
    """Every source of the scenario: id, title, year, note, address as plain text."""
    src = scenario.sources.reset_index()
    used = _source_use_counts(scenario)
    src["uses"] = [used.get(i, 0) for i in src["id"]]
    body = h.table(src, [
        h.Col("id", "id"), h.Col("title", "title"), h.Col("year", "year", numeric=True),
        h.Col("uses", "figures", lambda v: h.num(v), numeric=True),
        h.Col("url", "address", lambda v: Markup(f'<span class="url">{escape(h.text(v))}</span>'),
              html=True),
        h.Col("note", "note"),
    ], table_id="sources-table")
    intro = h.note(f"{len(src)} sources. Every number in the scenario names one of them "
                   "or states an assumption; 'figures' counts the numeric inputs resting on each "
                   "(0: cited for context or in notes). Addresses are given as text; this file "
                   "links to nothing.")
    return Section("sources", "Sources", "Sources of the scenario", Markup(intro + body))


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
    d["from"] = [_node_name(nodes, n) for n in d["origin"]]
    d["to"] = [_node_name(nodes, n) for n in d["destination"]]
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


def _node_name(nodes: pd.DataFrame, nid: Any) -> str:
    return str(nodes.at[nid, "name"]) if nid in nodes.index else str(nid)


def _short(nodes: pd.DataFrame, nid: Any) -> str:
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
            parts.append(_short(nodes, r.node))
        elif r.kind == "move" and r.mode == "sea":
            kind = str(svc.at[r.element, "kind"]).replace("_", " ") if r.element in svc.index else "sea"
            parts.append(f"{_short(nodes, r.from_node)} → {_short(nodes, r.to_node)} by {kind}")
    return " – ".join(parts) if parts else "direct"


# -- capacity sections -----------------------------------------------------------------------------
def _multiplier(cap: Result) -> float:
    return float(cap["summary"]["demand_multiplier"].iloc[0])


def element_names(scenario: Scenario, cap: Result) -> dict[str, str]:
    """Readable name of every capacity element id."""
    names = {str(i): str(n) for i, n in zip(cap["elements"]["element_id"], cap["elements"]["name"],
                                             strict=True)}
    for lid, row in scenario.links.iterrows():
        if not h.missing(row.get("name")):
            names[str(lid)] = str(row["name"])
        else:
            names[str(lid)] = (f"{_node_name(scenario.nodes, row['from'])} – "
                               f"{_node_name(scenario.nodes, row['to'])}")
    return names


def map_utilisation(scenario: Scenario, cap: Result) -> tuple[dict[str, float], dict[str, str]]:
    """Utilisation (share) and hover detail per map element from a capacity result.

    Links take the busier direction; a sea service takes the busiest of its vessel classes
    and its sailings limit; a node takes the busiest of its own train capacity and its
    berth groups.
    """
    u = cap["utilisation"]
    vessel_service = dict(zip(scenario.vessels.index, scenario.vessels["service"], strict=True)) \
        if not scenario.vessels.empty else {}
    nodes = scenario.nodes
    util: dict[str, float] = {}
    detail: dict[str, list[str]] = {}
    for row in u.itertuples(index=False):
        et, eid = row.element_type, str(row.element_id)
        if et == "vessel":
            key = vessel_service.get(eid, eid)
        elif et == "berth":
            key = str(row.from_node)
        else:
            key = eid
        share = float(row.utilisation)
        util[key] = max(util.get(key, 0.0), share)
        if row.direction == "both":
            where = f"{et.replace('_', ' ')} {eid}"
        else:
            where = f"{_node_name(nodes, row.from_node)} → {_node_name(nodes, row.to_node)}"
            if et in ("vessel", "sailings"):
                where = f"{et} {eid}, {where}"
        detail.setdefault(key, []).append(
            f"{where}: {share:.0%} ({h.num(row.load)} of {h.num(row.capacity)} {row.capacity_unit}/yr)")
    return util, {k: "<br>".join(v) for k, v in detail.items()}


def bottleneck_section(scenario: Scenario, cap: Result) -> Section:
    """Every constrained element ranked by how much more capacity there would help."""
    b = cap["bottlenecks"].copy()
    names = element_names(scenario, cap)
    nodes = scenario.nodes
    b["name"] = [names.get(str(i), str(i)) for i in b["element_id"]]
    b["where"] = [_node_name(nodes, f) if d == "both" else
                  f"{_node_name(nodes, f)} → {_node_name(nodes, t)}"
                  for f, t, d in zip(b["from_node"], b["to_node"], b["direction"], strict=True)]
    b["headroom_text"] = [f"{h.num(v)} {unit}" for v, unit in zip(b["headroom"], b["capacity_unit"],
                                                                    strict=True)]
    b["gain"] = [_gain_text(m, t) for m, t in zip(b["gain_multiplier_per_1pct"],
                                                  b["gain_served_t_per_1pct"], strict=True)]
    lam = _multiplier(cap)
    body = [h.note(
        "Every capacity-limited element, ranked by what 1 % more of its capacity would buy: "
        "first the rise of the uniform demand multiplier (how far all demand could grow "
        "together), then extra tonnes served at the scenario's demand, then the smallest "
        "headroom. 'Used at max growth' is the element's utilisation when demand is scaled to the multiplier"
        + (f" ({lam:.2f}×)." if math.isfinite(lam) else "."))]
    body.append(Markup('<div style="max-height:560px; overflow:auto">') + h.table(b, [
        h.Col("rank", "rank", h.num, numeric=True), h.Col("name", "element"),
        h.Col("element_id", "id"), h.Col("element_type", "type", lambda v: h.text(v).replace("_", " ")),
        h.Col("where", "where / direction"),
        h.Col("utilisation", "used now", _util_cell, numeric=True, html=True),
        h.Col("utilisation_at_multiplier", "used at max growth", _util_cell, numeric=True, html=True),
        h.Col("headroom_text", "headroom per yr", numeric=True),
        h.Col("gain", "+1 % capacity gives"),
        h.Col("binding", "binds", lambda v: "yes" if v is True or v == 1 else ""),
    ], table_id="bottlenecks-table") + Markup("</div>"))
    body.append(h.figure(_utilisation_figure(b), "chart-utilisation"))
    return Section("bottlenecks", "Bottlenecks", "Bottlenecks", Markup("".join(body)))


def _util_cell(share: Any) -> str:
    return Markup(f'<span class="util" style="background:{_util_bg(share)}">{escape(h.pct(share))}</span>')


def _gain_text(mult: float, served_t: float) -> str:
    parts = []
    if not h.missing(mult) and mult > 1e-9:
        parts.append(f"multiplier +{mult:.3f}")
    if not h.missing(served_t) and served_t > 1e-6:
        parts.append(f"+{served_t:,.0f} t/yr served")
    return ", ".join(parts) if parts else "–"


def _util_bg(share: Any) -> str:
    if h.missing(share):
        return "transparent"
    return util_color(float(share)).replace("rgb(", "rgba(").replace(")", ",0.45)")


def _utilisation_figure(b: pd.DataFrame, top: int = 15) -> go.Figure:
    """Utilisation now and at the maximum uniform demand growth, top elements."""
    t = b.head(top).iloc[::-1]
    labels = [f"{n} · {w}" if w not in n else n for n, w in zip(t["name"], t["where"], strict=True)]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=t["utilisation"] * 100, orientation="h", name="at the scenario's demand",
                         marker={"color": "#0b5c8a"},
                         hovertemplate="%{y}<br>at demand: %{x:.0f}%<extra></extra>"))
    if t["utilisation_at_multiplier"].notna().any():
        fig.add_trace(go.Bar(y=labels, x=t["utilisation_at_multiplier"] * 100, orientation="h",
                             name="at maximum uniform growth", marker={"color": "#e08214"},
                             hovertemplate="%{y}<br>at max growth: %{x:.0f}%<extra></extra>"))
    fig.add_vline(x=100, line={"color": "#b2182b", "dash": "dot"})
    fig.update_layout(title=f"Share of capacity used: the {len(t)} highest-ranked elements",
                      barmode="group", height=max(300, 80 + 34 * len(t)),
                      xaxis={"title": "% of annual capacity", "ticksuffix": "%"},
                      yaxis={"automargin": True}, legend={"orientation": "h", "y": -0.12},
                      margin={"l": 10, "r": 10, "t": 40, "b": 40}, plot_bgcolor="white")
    fig.update_xaxes(gridcolor="#eee")
    return fig


def capacity_demand_table(cap: Result) -> pd.DataFrame:
    """Demand, served, unserved and capacity at uniform growth by commodity and direction (t/yr)."""
    f = cap["flows"]
    lam = _multiplier(cap)
    g = f.groupby(["commodity", "direction"], as_index=False).agg(
        demand_t=("demand_t", "sum"), served_t=("served_t", "sum"), unserved_t=("unserved_t", "sum"),
        demand_units=("demand_units", "sum"), unit=("unit", "first"))
    g["capacity_t"] = g["demand_t"] * lam if math.isfinite(lam) else math.nan
    return g


def capacity_section(scenario: Scenario, cap: Result) -> Section:
    """Capacity against demand by commodity and direction, with the flows behind it."""
    if cap["flows"].empty:
        return Section("capacity", "Capacity vs demand", "Capacity against demand",
                       h.note("The scenario has no demand, so there is nothing to set capacity against."))
    g = capacity_demand_table(cap)
    lam = _multiplier(cap)
    com = scenario.commodities
    g["name"] = [str(com.at[c, "name"]) if c in com.index else c for c in g["commodity"]]
    body = [h.note(
        "Capacity here is what the network carries when every flow grows by the same factor, "
        "the largest uniform demand multiplier"
        + (f" ({lam:.2f}×): capacity = demand × {lam:.2f}." if math.isfinite(lam)
           else ": no capacity-limited element restricts the demand.")
        + " Served tonnes come from the routing that serves the most cargo at least cost.")]
    body.append(h.figure(_capacity_demand_figure(g, lam), "chart-capacity-demand"))
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
    f["od"] = [f"{_node_name(nodes, o)} → {_node_name(nodes, d)}"
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


def _capacity_demand_figure(g: pd.DataFrame, lam: float) -> go.Figure:
    labels = [f"{n} · {d}" for n, d in zip(g["name"], g["direction"], strict=True)]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels, y=g["demand_t"] / 1e6, name="demand", marker={"color": "#9db4c8"},
                         hovertemplate="%{x}<br>demand %{y:.2f} Mt/yr<extra></extra>"))
    fig.add_trace(go.Bar(x=labels, y=g["served_t"] / 1e6, name="served", marker={"color": "#0b5c8a"},
                         hovertemplate="%{x}<br>served %{y:.2f} Mt/yr<extra></extra>"))
    if math.isfinite(lam):
        fig.add_trace(go.Bar(x=labels, y=g["capacity_t"] / 1e6, name=f"capacity (demand × {lam:.2f})",
                             marker={"color": "#e08214"},
                             hovertemplate="%{x}<br>capacity %{y:.2f} Mt/yr<extra></extra>"))
    fig.update_layout(title="Capacity against demand by commodity and direction (million t/yr)",
                      barmode="group", height=400, yaxis={"title": "Mt/yr"},
                      xaxis={"automargin": True}, legend={"orientation": "h", "y": 1.08, "x": 0},
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, plot_bgcolor="white")
    fig.update_yaxes(gridcolor="#eee")
    return fig


# -- itineraries, TCD and references ---------------------------------------------------------------
@dataclass(frozen=True)
class Corridor:
    """One origin-destination pair the report quotes."""

    origin: str
    destination: str
    unit: str
    annual_t: float


def main_corridors(scenario: Scenario, n: int = 3) -> list[Corridor]:
    """The ``n`` origin-destination pairs with the most demand (tonnes), containers first."""
    d = scenario.demand
    if d.empty:
        return []
    g = d.groupby(["origin", "destination", "unit"], as_index=False)["annual_t"].sum()
    g["teu_first"] = g["unit"] != "teu"
    g = g.sort_values(["teu_first", "annual_t"], ascending=[True, False])
    out, seen = [], set()
    for r in g.itertuples(index=False):
        if (r.origin, r.destination) in seen:
            continue
        seen.add((r.origin, r.destination))
        out.append(Corridor(str(r.origin), str(r.destination), str(r.unit), float(r.annual_t)))
    return out[:n]


CARGO_OF_UNIT = {"teu": "1 FEU", "wagon": "1 wagon", "truck": "1 truck", "tonne": "1000 t"}


def run_quotes(scenario: Scenario, cap: Result, n: int = 3, k: int = 3) -> list[tuple[Corridor, Result]]:
    """Quotes for the main corridors, sharing one route planner built on ``cap``."""
    from transcaspian.analysis import RoutePlanner, quote
    from transcaspian.model.errors import UserError

    planner = RoutePlanner(scenario, capacity_result=cap)
    out = []
    for c in main_corridors(scenario, n):
        try:
            out.append((c, quote(scenario, c.origin, c.destination, CARGO_OF_UNIT[c.unit], k=k,
                                 planner=planner)))
        except UserError:  # no itinerary carries the unit (the capacity notes say why)
            continue
    return out


def itineraries_section(scenario: Scenario, quotes: list[tuple[Corridor, Result]]) -> Section:
    """The best itineraries of each main corridor with their time/cost-distance charts."""
    nodes = scenario.nodes
    body: list[Markup] = [h.note(
        "The best itineraries for the corridors with the most demand. Time is expected "
        "door-to-door: moving + dwell at nodes + queueing waits computed from the scenario's "
        "utilisation. Cost is the sum of the scenario's leg tariffs. The charts follow the "
        "UNESCAP time/cost-distance method: cumulative time and cost against distance, "
        "vertical steps where cargo stops (borders, gauge changes, ports).")]
    if not quotes:
        body.append(h.note("The scenario has no demand flow with a feasible itinerary."))
    for idx, (c, q) in enumerate(quotes):
        opts = q["options"]
        corr = opts[opts["kind"] == "corridor"].copy()
        corr["via_names"] = [via_text(scenario, q["legs"][q["legs"]["option"] == o]) for o in corr["option"]]
        cargo = q.meta.get("cargo", "")
        body.append(Markup(f"<h3>{escape(_node_name(nodes, c.origin))} → "
                           f"{escape(_node_name(nodes, c.destination))} "
                           f'<span class="note">({escape(h.num(c.annual_t / 1e6, 2))} Mt/yr demanded; '
                           f"quote for {escape(cargo)})</span></h3>"))
        body.append(h.table(corr, [
            h.Col("option", "option"), h.Col("via_names", "via"),
            h.Col("distance_km", "km", h.num, numeric=True),
            h.Col("transit_h", "days", h.days, numeric=True),
            h.Col("moving_h", "moving d", h.days, numeric=True),
            h.Col("dwell_h", "dwell d", h.days, numeric=True),
            h.Col("wait_h", "queues d", h.days, numeric=True),
            h.Col("cost_usd", "cost USD", h.num, numeric=True),
            h.Col("co2e_wtw_kg", "CO2e WTW kg", h.num, numeric=True),
            h.Col("saturated", "saturated queue", lambda v: "yes" if v is True or v == 1 else ""),
        ], table_id=f"itineraries-{idx}"))
        from transcaspian.analysis import tcd_table

        best = str(corr.iloc[0]["option"])
        legs = q["legs"][q["legs"]["option"] == best].drop(columns="option")
        body.append(h.figure(tcd_figure(scenario, tcd_table(legs), f"{_short(nodes, c.origin)} → "
                                        f"{_short(nodes, c.destination)}, option {best}"),
                             f"chart-tcd-{idx}"))
        body.append(Markup(f"<details{' open' if idx == 0 else ''}><summary>CAREC CPMM indicators "
                           "of this itinerary: sections, speeds, border times</summary>")
                    + cpmm_tables(scenario, legs, idx) + Markup("</details>"))
    return Section("itineraries", "Itineraries", "Main itineraries and time/cost-distance",
                   Markup("".join(body)))


MODE_COLOURS = {"rail": "#0b5c8a", "road": "#6a51a3", "pipeline": "#636363", "sea": "#1b9e77"}


def tcd_figure(scenario: Scenario, tcd: pd.DataFrame, title: str) -> go.Figure:
    """UNESCAP time/cost-distance chart of :func:`~transcaspian.analysis.tcd.tcd_table` rows.

    Two panels, cumulative time (days) and cost (USD) against cumulative distance (km):
    moving legs are sloped segments coloured by mode; stops at nodes are vertical red
    steps (dwell and queueing), labelled with the node's name where they take 12 h or more.
    """
    from plotly.subplots import make_subplots

    nodes = scenario.nodes
    fig = make_subplots(rows=1, cols=2, subplot_titles=("time–distance (days)", "cost–distance (USD)"),
                        horizontal_spacing=0.08)
    shown: set[str] = set()
    for r in tcd.itertuples(index=False):
        x0, x1 = float(r.cum_distance_start_km), float(r.cum_distance_km)
        spans = ((1, r.cum_time_start_h / 24, r.cum_time_h / 24), (2, r.cum_cost_start_usd, r.cum_cost_usd))
        if r.kind == "move":
            group = str(r.mode) or "rail"
            colour, width = MODE_COLOURS.get(group, "#333"), 3
            a, b = (str(x) for x in r.label.split(" -> ", 1)) if " -> " in r.label else (r.label, "")
            hover = (f"{_node_name(nodes, a)} → {_node_name(nodes, b)} ({group})<br>{r.distance_km:,.0f} km, "
                     f"{r.time_h / 24:.1f} d, {r.cost_usd:,.0f} USD")
        elif r.vertical:
            group, colour, width = "stop (dwell + queue)", "#b2182b", 4
            name = _node_name(nodes, r.label)
            hover = f"{name} ({r.node_kind})<br>{r.time_h:.1f} h, {r.cost_usd:,.0f} USD"
            if r.time_h >= 12:
                fig.add_annotation(x=x1, y=r.cum_time_h / 24, text=name, showarrow=False, xanchor="right",
                                   yanchor="bottom", font={"size": 10, "color": "#444"}, row=1, col=1)
        else:
            continue
        for col, y0, y1 in spans:
            fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", line={"color": colour,
                                                                                 "width": width},
                                     name=group, legendgroup=group,
                                     showlegend=(group not in shown and col == 1),
                                     hovertemplate=hover + "<extra></extra>"), row=1, col=col)
        shown.add(group)
    fig.update_layout(title=title, height=400, margin={"l": 10, "r": 10, "t": 85, "b": 40},
                      plot_bgcolor="white", legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(title="km", gridcolor="#eee", rangemode="tozero")
    fig.update_yaxes(gridcolor="#eee", rangemode="tozero")
    fig.update_yaxes(title="days", row=1, col=1)
    fig.update_yaxes(title="USD", row=1, col=2)
    return fig


def cpmm_tables(scenario: Scenario, legs: pd.DataFrame, idx: int) -> Markup:
    """CAREC CPMM indicators of one itinerary: sections (cost, speeds) and border times."""
    from transcaspian.analysis import cpmm_borders, cpmm_sections

    nodes = scenario.nodes
    sec = cpmm_sections(legs)
    sec["from"] = [_node_name(nodes, n) for n in sec["from_node"]]
    sec["to"] = [_node_name(nodes, n) for n in sec["to_node"]]
    out = Markup("<h4>Sections (CAREC CPMM)</h4>") + h.table(sec, [
        h.Col("from", "from"), h.Col("to", "to"), h.Col("modes", "modes"),
        h.Col("distance_km", "km", h.num, numeric=True),
        h.Col("moving_h", "moving h", lambda v: h.num(v, 1), numeric=True),
        h.Col("delay_h", "delays h", lambda v: h.num(v, 1), numeric=True),
        h.Col("speed_without_delay_kmh", "speed w/o delay km/h", lambda v: h.num(v, 1), numeric=True),
        h.Col("speed_with_delay_kmh", "speed with delay km/h", lambda v: h.num(v, 1), numeric=True),
        h.Col("cost_usd", "cost USD", h.num, numeric=True),
    ], table_id=f"cpmm-sections-{idx}")
    bor = cpmm_borders(legs)
    if not bor.empty:
        bor["name"] = [_node_name(nodes, n) for n in bor["node"]]
        out += Markup("<h4>Borders and gauge changes</h4>") + h.table(bor, [
            h.Col("name", "node"), h.Col("node_kind", "kind", lambda v: h.text(v).replace("_", " ")),
            h.Col("country", "country"), h.Col("cum_distance_km", "km from origin", h.num, numeric=True),
            h.Col("time_h", "time h", lambda v: h.num(v, 1), numeric=True),
            h.Col("dwell_h", "dwell h", lambda v: h.num(v, 1), numeric=True),
            h.Col("wait_h", "queue h", lambda v: h.num(v, 1), numeric=True),
            h.Col("cost_usd", "cost USD", h.num, numeric=True),
        ], table_id=f"cpmm-borders-{idx}")
    return out


def references_section(scenario: Scenario, quotes: list[tuple[Corridor, Result]]) -> Section:
    """The main corridor's best itinerary beside the reference routes (northern, Suez, Cape)."""
    refs = scenario.references
    if refs.empty or not quotes:
        return Section("references", "Reference routes", "Comparison with the reference routes",
                       h.note("The scenario has no reference routes to compare with."))
    c, q = quotes[0]
    opts = q["options"]
    best = opts[opts["kind"] == "corridor"].iloc[:1].copy()
    best["name"] = f"Middle Corridor, {_node_name(scenario.nodes, c.origin)} → " \
                   f"{_node_name(scenario.nodes, c.destination)} (best itinerary)"
    best["label"] = "Middle Corridor"
    best["via"] = [via_text(scenario, q["legs"][q["legs"]["option"] == o]) for o in best["option"]]
    best["days_text"] = [h.days(v) for v in best["transit_h"]]
    best["cost_text"] = [h.num(v) for v in best["cost_usd"]]
    r = opts[opts["kind"] == "reference"].copy()
    r["days_text"] = [f"{lo:g}–{hi:g}" for lo, hi in zip(r["transit_days_low"], r["transit_days_high"],
                                                          strict=True)]
    r["cost_text"] = [f"{h.num(lo)}–{h.num(hi)}" for lo, hi in zip(r["cost_usd_low"], r["cost_usd_high"],
                                                                     strict=True)]
    r["label"] = r["name"]
    r["name"] = [f"{n} ({o})" for n, o in zip(r["name"], r["nodes"], strict=True)]
    rows = pd.concat([best, r], ignore_index=True)
    cargo = q.meta.get("cargo", "")
    body = [h.note(f"Per shipment of {cargo}. The reference routes are coarse published ranges "
                   "(their own origins and destinations, in brackets); the corridor figure is this "
                   "model's expected time and leg-tariff cost.")]
    body.append(h.table(rows, [
        h.Col("name", "route"), h.Col("via", "via"), h.Col("distance_km", "km", h.num, numeric=True),
        h.Col("days_text", "days", numeric=True), h.Col("cost_text", "cost USD", numeric=True),
        h.Col("co2e_wtw_kg", "CO2e WTW kg", h.num, numeric=True),
    ], table_id="references-table"))
    body.append(h.figure(_references_figure(rows), "chart-references"))
    return Section("references", "Reference routes", "Comparison with the reference routes",
                   Markup("".join(body)))


def _references_figure(rows: pd.DataFrame) -> go.Figure:
    """Transit days (range for references) against cost (range), one marker per route."""
    fig = go.Figure()
    for r in rows.itertuples(index=False):
        is_ref = r.kind == "reference"
        days = r.transit_h / 24
        ex = ey = None
        if is_ref:
            ex = {"type": "data", "symmetric": False, "array": [r.transit_days_high - days],
                  "arrayminus": [days - r.transit_days_low], "color": "#888"}
            if not h.missing(r.cost_usd_low):
                ey = {"type": "data", "symmetric": False, "array": [r.cost_usd_high - r.cost_usd],
                      "arrayminus": [r.cost_usd - r.cost_usd_low], "color": "#888"}
        fig.add_trace(go.Scatter(
            x=[days], y=[r.cost_usd], mode="markers+text", text=[r.label],
            textposition="top center", name=r.name, error_x=ex, error_y=ey,
            marker={"size": 14 if not is_ref else 11, "symbol": "star" if not is_ref else "circle",
                    "color": "#b2182b" if not is_ref else "#4d4d4d"},
            hovertemplate=f"{escape(r.name)}<br>%{{x:.1f}} days, %{{y:,.0f}} USD<extra></extra>"))
    fig.update_layout(title="Transit days against cost per shipment (bars: published ranges)",
                      height=420, showlegend=False, xaxis={"title": "days", "rangemode": "tozero"},
                      yaxis={"title": "USD per shipment", "rangemode": "tozero"},
                      margin={"l": 10, "r": 10, "t": 50, "b": 40}, plot_bgcolor="white")
    fig.update_xaxes(gridcolor="#eee")
    fig.update_yaxes(gridcolor="#eee")
    return fig


# -- headline ------------------------------------------------------------------------------------------
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
        where = (_short(nodes, first["from_node"]) if first["direction"] == "both" else
                 f"{_short(nodes, first['from_node'])} → {_short(nodes, first['to_node'])}")
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
        days = best["transit_h"] / 24
        od = f"{_node_name(nodes, c.origin)} → {_node_name(nodes, c.destination)}"
        kpi.append((f"{days:.1f} days", od))
        text = (f"{od} takes about {days:.1f} days door to door (of which "
                f"{best['wait_h'] / 24:.1f} in queues)")
        if best["cost_usd"] > 0:
            text += (f" and costs about {best['cost_usd']:,.0f} USD per {q.meta.get('cargo', 'shipment')} "
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
                         f"{_node_name(nodes, top['node'])} ({top['share_of_total']:.0%} of all "
                         "tonne-hours waited).")
    lead = Markup("".join(f"<li>{escape(i)}</li>" for i in items))
    desc = h.note(scenario.doc.description) if scenario.doc.description else Markup("")
    return Section("headline", "Headline", "Headline",
                   Markup(h.kpis(kpi) + Markup(f'<ul class="headline lead">{lead}</ul>') + desc))


# -- simulation sections -------------------------------------------------------------------------
def sim_sections(scenario: Scenario, sim: Result) -> list[Section]:
    """Transit-time distributions and waiting by node from a simulation result."""
    nodes = scenario.nodes
    meta = sim.meta
    tt = sim.tables["transit_times"].copy()
    tt["od"] = [f"{_node_name(nodes, o)} → {_node_name(nodes, d)}"
                for o, d in zip(tt["origin"], tt["destination"], strict=True)]
    parts: list[Markup] = [h.note(
        f"Monte Carlo simulation: {meta.get('replications', '?')} replication(s) of "
        f"{meta.get('years', '?')} year(s), seed {meta.get('seed', '?')}, scenario hash "
        f"{str(meta['scenario_hash'])[:12]}, transcaspian {meta.get('version', '?')}. "
        "Times are door-to-door per unit, in days.")]
    tt["od_short"] = [f"{_short(nodes, o)} → {_short(nodes, d)}"
                      for o, d in zip(tt["origin"], tt["destination"], strict=True)]
    parts.append(h.figure(_transit_range_figure(tt), "chart-sim-transit-range"))
    hist = sim.tables.get("transit_histogram")
    if hist is not None and not hist.empty:
        weight = (tt.groupby(["origin", "destination"])["units" if "units" in tt else "lots"].sum()
                  if ("units" in tt or "lots" in tt) else None)
        parts.append(h.figure(_histogram_figure(hist, nodes, weight), "chart-sim-transit-hist"))
    cols = [h.Col("od", "origin → destination"), h.Col("commodity", "commodity"),
            h.Col("direction", "direction")]
    if "units" in tt:
        cols.append(h.Col("units", "units", h.num, numeric=True))
    if "lots" in tt:
        cols.append(h.Col("lots", "lots", h.num, numeric=True))
    cols += [h.Col("p50_h", "P50 days", h.days, numeric=True),
             h.Col("p90_h", "P90 days", h.days, numeric=True),
             h.Col("p95_h", "P95 days", h.days, numeric=True),
             h.Col("mean_h", "mean days", h.days, numeric=True)]
    if "mean_h_ci95" in tt:
        cols.append(h.Col("mean_h_ci95", "± 95% CI (days)", lambda v: h.days(v, 2), numeric=True))
    parts.append(h.table(tt, cols, table_id="sim-transit-table"))
    transit = Section("sim-transit", "Transit times", "Transit-time distributions (simulation)",
                      Markup("".join(parts)))

    w = sim.tables["waiting_by_node"].copy()
    w["name"] = [_node_name(nodes, n) for n in w["node"]]
    w = w.sort_values("tonne_hours_waited", ascending=False)
    body = [h.note("Where cargo waits: mean hours a unit waits at each node (queues for trains, "
                   "berths, vessels, weather closures, train formation) and each node's share of "
                   "all tonne-hours waited (tonnes make TEU, wagons, trucks and oil comparable).")]
    body.append(h.figure(_waiting_figure(w, nodes), "chart-sim-waiting"))
    body.append(h.table(w, [h.Col("name", "node"), h.Col("node", "id"),
                            h.Col("wait_h_mean_per_unit", "mean wait per unit (h)",
                                  lambda v: h.num(v, 1), numeric=True),
                            h.Col("unit_hours_waited", "unit-hours waited", h.num, numeric=True),
                            h.Col("tonne_hours_waited", "tonne-hours waited", h.num, numeric=True),
                            h.Col("share_of_total", "share of all waiting", h.pct, numeric=True)],
                        table_id="sim-waiting-table"))
    out = [transit, Section("sim-waiting", "Waiting", "Waiting by node (simulation)", Markup("".join(body)))]
    thr = sim.tables.get("throughput")
    if thr is not None and not thr.empty:
        out.append(Section("sim-throughput", "Throughput", "Simulated throughput",
                           _throughput_table(thr, nodes)))
    return out


#: Known throughput columns of ``transcaspian simulate`` with their headers and formats.
THROUGHPUT_COLUMNS = [("flow", "flow", h.text, False), ("demand_units", "demand units/yr", h.num, True),
                      ("units", "delivered units/yr", h.num, True), ("unit", "unit", h.text, False),
                      ("tonnes", "delivered t/yr", h.num, True), ("served_share", "served", h.pct, True),
                      ("wip_units_end", "in transit at end", h.num, True)]


def _throughput_table(thr: pd.DataFrame, nodes: pd.DataFrame) -> Markup:
    """Simulated throughput by flow (known columns first; any other table shown as is)."""
    t = thr.copy()
    if {"origin", "destination"} <= set(t.columns):
        t["od"] = [f"{_node_name(nodes, o)} → {_node_name(nodes, d)}"
                   for o, d in zip(t["origin"], t["destination"], strict=True)]
    known = [h.Col(k, head, f, numeric=n) for k, head, f, n in THROUGHPUT_COLUMNS if k in t.columns]
    if len(known) >= 3:
        cols = known[:1] + ([h.Col("od", "origin → destination")] if "od" in t else []) + [
            h.Col(c, c) for c in ("commodity", "direction") if c in t] + known[1:]
    else:
        cols = [h.Col(str(c), str(c), (lambda v: h.num(v, 1)) if pd.api.types.is_float_dtype(t[c])
                      else h.text, numeric=pd.api.types.is_numeric_dtype(t[c])) for c in thr.columns]
    return Markup(h.note("Delivered per year over the simulated horizon (mean of the replications).")
                  + h.table(t, cols, table_id="sim-throughput-table", max_rows=80))


def _transit_range_figure(tt: pd.DataFrame) -> go.Figure:
    """P50–P95 range per flow as horizontal bars with P50/P90/P95 markers (days)."""
    tt = tt.iloc[::-1]  # plotly draws the first category at the bottom
    labels = [f"{od} ({c}, {d})" for od, c, d in zip(tt["od_short"], tt["commodity"], tt["direction"],
                                                       strict=True)]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=(tt["p95_h"] - tt["p50_h"]) / 24, base=tt["p50_h"] / 24,
                         orientation="h", marker={"color": "rgba(11,92,138,0.25)"},
                         name="P50–P95", hoverinfo="skip"))
    for col, name, sym, colour in (("p50_h", "P50", "circle", "#0b5c8a"),
                                   ("p90_h", "P90", "diamond", "#e08214"),
                                   ("p95_h", "P95", "line-ns-open", "#b2182b")):
        fig.add_trace(go.Scatter(y=labels, x=tt[col] / 24, mode="markers", name=name,
                                 marker={"symbol": sym, "size": 11, "color": colour,
                                         "line": {"width": 2, "color": colour}},
                                 hovertemplate=f"%{{y}}<br>{name}: %{{x:.1f}} days<extra></extra>"))
    fig.update_layout(title="Door-to-door transit time per flow (days)", barmode="overlay",
                      height=max(220, 70 + 34 * len(tt)), margin={"l": 10, "r": 10, "t": 40, "b": 40},
                      xaxis={"title": "days", "rangemode": "tozero"}, yaxis={"automargin": True},
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1.0,
                              "xanchor": "right"},
                      plot_bgcolor="white")
    fig.update_xaxes(gridcolor="#eee")
    return fig


def _histogram_figure(hist: pd.DataFrame, nodes: pd.DataFrame, weight: pd.Series | None = None,
                      top: int = 6) -> go.Figure:
    """Transit-time distribution of the ``top`` origin-destination pairs (by units carried):
    share of units arriving on each day of transit.

    The simulator's bins (hours, the last one open-ended) are summed into whole days.
    """
    pairs = list(dict.fromkeys(zip(hist["origin"], hist["destination"], strict=True)))
    if weight is not None:
        pairs.sort(key=lambda p: -float(weight.get(p, 0.0)))
    fig = go.Figure()
    for o, d in pairs[:top]:
        g = hist[(hist["origin"] == o) & (hist["destination"] == d)]
        day = (g["bin_lo_h"].astype(float) // 24).astype(int)
        per_day = g.groupby(day)["count"].sum()
        total = float(per_day.sum())
        if total <= 0:
            continue
        full = per_day.reindex(range(int(per_day.index.min()), int(per_day.index.max()) + 1), fill_value=0.0)
        x = [*full.index.tolist(), int(full.index.max()) + 1]
        y = [*(full / total).tolist(), 0.0]
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line={"shape": "hv", "width": 2},
                                 name=f"{_short(nodes, o)} → {_short(nodes, d)}",
                                 hovertemplate="day %{x}: %{y:.1%} of units<extra>%{fullData.name}</extra>"))
    more = f" ({top} largest of {len(pairs)} origin-destination pairs)" if len(pairs) > top else ""
    fig.update_layout(title=f"Distribution of transit times{more}: share of units arriving on each day",
                      height=400, xaxis={"title": "days from departure"},
                      yaxis={"title": "share of units", "tickformat": ".0%"},
                      margin={"l": 10, "r": 10, "t": 40, "b": 40}, plot_bgcolor="white",
                      legend={"orientation": "v", "x": 1.0, "xanchor": "right", "y": 1.0,
                              "bgcolor": "rgba(255,255,255,0.8)"})
    fig.update_xaxes(gridcolor="#eee")
    fig.update_yaxes(gridcolor="#eee")
    return fig


def _waiting_figure(w: pd.DataFrame, nodes: pd.DataFrame) -> go.Figure:
    """Mean wait per unit by node (hours), longest first, labelled with each node's share
    of all tonne-hours waited."""
    w = w[(w["share_of_total"] >= 0.001) | (w["wait_h_mean_per_unit"] >= 0.5)]
    w = w.sort_values("wait_h_mean_per_unit", ascending=False).head(25)
    w = w.iloc[::-1]
    fig = go.Figure(go.Bar(y=[_short(nodes, n) for n in w["node"]], x=w["wait_h_mean_per_unit"],
                           orientation="h", marker={"color": "#c0504d"},
                           text=[f"{s:.0%} of all waiting" for s in w["share_of_total"]],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x:.1f} h per unit<br>%{text}<extra></extra>"))
    fig.update_layout(title="Waiting by node: mean hours a unit waits there",
                      height=max(260, 70 + 28 * len(w)), xaxis={"title": "hours per unit"},
                      yaxis={"automargin": True}, margin={"l": 10, "r": 120, "t": 40, "b": 40},
                      plot_bgcolor="white")
    fig.update_xaxes(gridcolor="#eee")
    return fig


# -- assembly ----------------------------------------------------------------------------------------
_ENV = jinja2.Environment(loader=jinja2.PackageLoader("transcaspian.report", "templates"),
                          autoescape=jinja2.select_autoescape(["html", "j2"]),
                          undefined=jinja2.StrictUndefined)


def render(scenario: Scenario, sections: list[Section], generated: str,
           sim_meta: dict[str, Any] | None = None) -> str:
    """Render the page template around ``sections``."""
    return _ENV.get_template("report.html.j2").render(
        generator=GENERATOR, meta=scenario.metadata(), title=scenario.title or scenario.name,
        description="", year=scenario.year, price_year=scenario.doc.price_year,
        generated=generated, sim_meta=sim_meta, sections=sections, plotly_js=get_plotlyjs(),
        plotly_version=plotly.__version__)


def build_report(scenario: Scenario, sim_result_dir: str | Path | None = None,
                 generated: dt.datetime | None = None) -> str:
    """The complete report for ``scenario`` as one self-contained HTML string.

    Parameters
    ----------
    scenario
        The validated scenario; the capacity, quote and TCD engines are run on it.
    sim_result_dir
        Optional folder written by ``transcaspian simulate``; adds transit-time
        distributions and waiting by node. Its ``scenario_hash`` must match.
    generated
        Timestamp shown in the header (default: now, UTC).

    Raises
    ------
    UserError
        A simulation folder that is missing, incomplete, or made from another scenario.
    """
    from transcaspian.analysis import capacity

    from transcaspian.sim.tables import REPORT_TABLES, SIMULATION

    sim = (read_result(sim_result_dir, scenario, SIMULATION, REPORT_TABLES)
           if sim_result_dir is not None else None)
    when = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    cap = capacity(scenario)
    quotes = run_quotes(scenario, cap)
    util, detail = map_utilisation(scenario, cap)
    map_body = Markup(h.note("Links and sea services are coloured by the share of their annual "
                             "capacity used by the scenario's demand (the busier direction; a sea service "
                             "shows its busiest vessel class). Hover for figures. Solid: rail; "
                             "dashed: sea; grey: no capacity figure.")
                      + h.figure(corridor_map(scenario, util, detail), "chart-map"))
    caspian = caspian_extent(scenario)
    if caspian is not None:
        map_body += Markup("<h3>The Caspian crossing</h3>") + h.figure(
            corridor_map(scenario, util, detail, height=520, extent=caspian), "chart-map-caspian")
    sections = [
        headline_section(scenario, cap, quotes, sim),
        Section("map", "Map", "The corridor and how busy it is", map_body),
        bottleneck_section(scenario, cap),
        capacity_section(scenario, cap),
        itineraries_section(scenario, quotes),
        references_section(scenario, quotes),
    ]
    if sim is not None:
        sections += sim_sections(scenario, sim)
    sections += [demand_section(scenario), sources_section(scenario)]
    return render(scenario, sections, when, sim.meta if sim is not None else None)
