"""The corridor map: shipped Natural Earth outlines, links and sea services coloured by use.

Plotly's geo subplots load their base map from a CDN, so the outlines are drawn here as
filled scatter traces on a lon/lat plane (equirectangular, aspect corrected for the
map's mid latitude) from ``assets/countries.geojson`` shipped inside the package.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from transcaspian.analysis.labels import short_names
from transcaspian.model import Scenario
from transcaspian.report.html import esc
from transcaspian.report.page import PAGE
from transcaspian.report.placement import Box, place_labels

#: Utilisation colours: green (idle) through amber to red (full); above 100 % stays red.
UTIL_COLORSCALE = [[0.0, "#1a9850"], [0.5, "#91cf60"], [0.7, "#fee08b"], [0.85, "#fc8d59"],
                   [1.0, "#d73027"]]
UTIL_MAX = 1.0
NO_DATA_COLOR = "#8c8c8c"
LAND, LAND_CORRIDOR, WATER, BORDER = "#ecebe6", "#dcd6c4", "#d4e6f1", "#ffffff"
MODE_WIDTH = {"rail": 3.0, "road": 2.0, "pipeline": 2.0, "sea": 2.5}
MODE_DASH = {"rail": "solid", "road": "dot", "pipeline": "dashdot", "sea": "dash"}
NODE_SYMBOL = {"seaport": "square", "border": "diamond", "gauge_change": "diamond",
               "city": "circle", "terminal": "circle", "junction": "circle-open",
               "pipeline_terminal": "triangle-up"}
#: Where the Caspian crossing is (lon_min, lat_min, lon_max, lat_max).
CASPIAN_BOX = (46.0, 36.0, 55.5, 47.5)
#: Line dash and midpoint marker of each sea-service kind (legend entries, so a service is
#: identified without hovering).
SEA_KIND_STYLE = {"rail_ferry": ("dash", "square"), "container_feeder": ("dot", "circle"),
                  "roro": ("longdash", "triangle-up"), "ropax": ("dashdot", "diamond"),
                  "tanker": ("longdashdot", "x"), "black_sea_feeder": ("dash", "star")}
#: Node label and marker sizes, px; margins (l, r, t, b) with room for the colour bar and legend.
LABEL_FONT_PX, COUNTRY_FONT_PX, MARKER_PX = 10, 11, 8
MARGIN = {"l": 10, "r": 100, "t": 10, "b": 40}
#: Room for the sea-service legend's second row on paper (px): its items wrap at the page width.
LEGEND_ROW_PX = 24


@cache
def outlines() -> dict[str, Any]:
    """The shipped country outlines (GeoJSON FeatureCollection, read once)."""
    text = resources.files("transcaspian.report").joinpath("assets/countries.geojson").read_text(
        encoding="utf-8")
    return json.loads(text)


def _polygons(geometry: dict[str, Any]) -> Iterator[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        yield geometry["coordinates"]
    else:
        yield from geometry["coordinates"]


def _outline_xy(features: list[dict[str, Any]]) -> tuple[list[float | None], list[float | None]]:
    """Outer rings of the features as one None-separated x/y path (holes are tiny here)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for f in features:
        for poly in _polygons(f["geometry"]):
            outer = poly[0]
            xs += [p[0] for p in outer] + [None]
            ys += [p[1] for p in outer] + [None]
    return xs, ys


def util_color(share: float | None) -> str:
    """Colour of a utilisation share (0..1, capped at :data:`UTIL_MAX`); grey if unknown."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return NO_DATA_COLOR
    return sample_colorscale(UTIL_COLORSCALE, [min(max(share, 0.0), UTIL_MAX) / UTIL_MAX])[0]


def map_extent(scenario: Scenario, pad_deg: float = 3.0) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) around the scenario's nodes, padded."""
    n = scenario.nodes
    if n.empty:
        return (20.0, 30.0, 80.0, 55.0)
    # keep a sensible minimum span so a tiny scenario still shows its surroundings
    return _padded_box(n, pad_deg, min_lon_span=12.0, min_lat_span=8.0)


def _padded_box(points: pd.DataFrame, pad_deg: float, min_lon_span: float,
                min_lat_span: float) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) around ``points`` (lon, lat columns), padded by
    ``pad_deg`` and widened about its centre to at least the given spans (degrees)."""
    lon0, lon1 = float(points["lon"].min()) - pad_deg, float(points["lon"].max()) + pad_deg
    lat0, lat1 = float(points["lat"].min()) - pad_deg, float(points["lat"].max()) + pad_deg
    if lon1 - lon0 < min_lon_span:
        mid = (lon0 + lon1) / 2
        lon0, lon1 = mid - min_lon_span / 2, mid + min_lon_span / 2
    if lat1 - lat0 < min_lat_span:
        mid = (lat0 + lat1) / 2
        lat0, lat1 = mid - min_lat_span / 2, mid + min_lat_span / 2
    return lon0, lat0, lon1, lat1


def _fmt_share(share: float | None) -> str:
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "no capacity figure"
    return f"{share:.0%} used"


def node_labels(scenario: Scenario, extent: tuple[float, float, float, float]) -> dict[str, bool]:
    """Nodes to label, in priority order, each with whether its label is required.

    Seaports come first and are always labelled (with a leader line if need be); then demand
    origins and destinations, pipeline terminals, gauge changes, borders, terminals and
    cities, labelled where there is room (:func:`place_node_labels`). Nodes outside
    ``extent`` (lon_min, lat_min, lon_max, lat_max) are skipped.
    """
    nodes = scenario.nodes
    if nodes.empty:
        return {}
    d = scenario.demand
    ends = set(d["origin"]) | set(d["destination"]) if not d.empty else set()
    rank = {"seaport": 0, "pipeline_terminal": 2, "gauge_change": 3, "border": 4, "terminal": 5,
            "city": 5}

    def key(i: Any) -> tuple[int, str]:
        kind = nodes.at[i, "kind"]
        return (0 if kind == "seaport" else 1 if i in ends else rank.get(kind, 9), str(i))

    lon0, lat0, lon1, lat1 = extent
    out: dict[str, bool] = {}
    for i in sorted(nodes.index, key=key):
        if i not in ends and nodes.at[i, "kind"] not in rank:
            continue
        x, y = float(nodes.at[i, "lon"]), float(nodes.at[i, "lat"])
        if lon0 <= x <= lon1 and lat0 <= y <= lat1:
            out[str(i)] = nodes.at[i, "kind"] == "seaport"
    return out


def to_px(extent: tuple[float, float, float, float], width: float,
          height: float) -> tuple[Callable[[float, float], tuple[float, float]], Box]:
    """Pixel position (from the figure's top left) of a lon/lat on the map drawn at ``width``
    × ``height`` px, and the plot area's box.

    The y axis is anchored to x at 1/cos(mid latitude), so plotly widens whichever range has
    room to spare about its centre; one degree of longitude is as many px as fit both ways.

    >>> f, box = to_px((40.0, 40.0, 50.0, 45.0), 1110, 300)
    >>> box, [round(v) for v in f(45.0, 42.5)]
    ((10, 10, 1010, 260), [510, 135])
    """
    lon0, lat0, lon1, lat1 = extent
    ratio = 1 / math.cos(math.radians((lat0 + lat1) / 2))
    box = (MARGIN["l"], MARGIN["t"], width - MARGIN["r"], height - MARGIN["b"])
    pw, ph = box[2] - box[0], box[3] - box[1]
    k = min(pw / (lon1 - lon0), ph / ((lat1 - lat0) * ratio))
    cx, cy = box[0] + pw / 2, box[1] + ph / 2
    mx, my = (lon0 + lon1) / 2, (lat0 + lat1) / 2

    def f(lon: float, lat: float) -> tuple[float, float]:
        return (cx + (lon - mx) * k, cy - (lat - my) * k * ratio)

    return f, box


def caspian_extent(scenario: Scenario, pad_deg: float = 1.0) -> tuple[float, float, float, float] | None:
    """Extent around the ports of the sea services that cross the Caspian (None if fewer than 2)."""
    nodes = scenario.nodes
    lon0, lat0, lon1, lat1 = CASPIAN_BOX
    ports = set()
    for _, row in scenario.services.iterrows():
        ends = [row["from"], row["to"]]
        if all(e in nodes.index and lon0 <= nodes.at[e, "lon"] <= lon1 and lat0 <= nodes.at[e, "lat"] <= lat1
               for e in ends):
            ports.update(ends)
    if len(ports) < 2:
        return None
    return _padded_box(nodes.loc[sorted(ports)], pad_deg, min_lon_span=5.0, min_lat_span=4.0)


def corridor_map(scenario: Scenario, utilisation: Mapping[str, float] | None = None,
                 detail: Mapping[str, str] | None = None, height: int = 560,
                 extent: tuple[float, float, float, float] | None = None) -> go.Figure:
    """Map of the corridor with links and sea services coloured by utilisation.

    Parameters
    ----------
    scenario
        The scenario whose nodes, links and services are drawn.
    utilisation
        Share of capacity used (0..1, may exceed 1) by element id (link, service or node);
        elements absent or NaN are drawn grey ("no capacity figure").
    detail
        Extra hover text by element id (for example served flow and capacity); plotly
        renders it as HTML, so the caller escapes scenario text in it.
    height
        Figure height in pixels.
    extent
        (lon_min, lat_min, lon_max, lat_max) to show; default: all nodes (:func:`map_extent`).

    Returns
    -------
    plotly.graph_objects.Figure
        Country outlines (corridor countries shaded), one line per link and service,
        node markers, and a utilisation colour bar.
    """
    utilisation = dict(utilisation or {})
    detail = dict(detail or {})
    nodes = scenario.nodes
    corridor = set(nodes["country"]) if not nodes.empty else set()
    lon0, lat0, lon1, lat1 = extent or map_extent(scenario)
    feats = outlines()["features"]
    fig = go.Figure()
    for group, colour, name in ((False, LAND, "other countries"), (True, LAND_CORRIDOR, "corridor")):
        xs, ys = _outline_xy([f for f in feats if (f["properties"]["iso_a2"] in corridor) == group])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour,
                                 line={"color": BORDER, "width": 0.8}, hoverinfo="skip",
                                 showlegend=False, name=f"outlines: {name}"))
    countries = _country_labels(fig, feats, corridor, (lon0, lat0, lon1, lat1))

    hover_x: list[float] = []
    hover_y: list[float] = []
    hover_text: list[str] = []
    hover_c: list[str] = []
    hover_sym: list[str] = []

    parallel: dict[frozenset[str], int] = {}

    def element(eid: str, a: str, b: str, mode: str, label: str, kind: str = "") -> None:
        if a not in nodes.index or b not in nodes.index:
            return
        xa, ya = float(nodes.at[a, "lon"]), float(nodes.at[a, "lat"])
        xb, yb = float(nodes.at[b, "lon"]), float(nodes.at[b, "lat"])
        xs, ys = [xa, xb], [ya, yb]
        if mode == "sea":  # arcs, fanned out when several services join the same two ports
            k = parallel.get(frozenset((a, b)), 0)
            parallel[frozenset((a, b))] = k + 1
            bend = (0.12 + 0.1 * (k // 2)) * (1 if k % 2 == 0 else -1) * (1 if a < b else -1)
            mx, my = (xa + xb) / 2 + bend * (yb - ya), (ya + yb) / 2 - bend * (xb - xa)
            xs, ys = _quad(xa, ya, mx, my, xb, yb)
        share = utilisation.get(eid)
        colour = util_color(share)
        dash, symbol = SEA_KIND_STYLE.get(kind, (MODE_DASH.get(mode, "solid"), "circle"))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                 line={"color": colour, "width": MODE_WIDTH.get(mode, 2.0),
                                       "dash": dash}, name=eid))
        hover_sym.append(symbol)
        k = len(xs) // 2
        hover_x.append(xs[k] if len(xs) > 2 else (xa + xb) / 2)
        hover_y.append(ys[k] if len(ys) > 2 else (ya + yb) / 2)
        extra = f"<br>{detail[eid]}" if eid in detail else ""
        hover_text.append(f"<b>{esc(label)}</b> ({esc(mode)})<br>{esc(eid)}: {_fmt_share(share)}{extra}")
        hover_c.append(colour)

    for lid, row in scenario.links.iterrows():
        element(str(lid), row["from"], row["to"], row["mode"], str(row.get("name") or lid))
    for sid, row in scenario.services.iterrows():
        element(str(sid), row["from"], row["to"], "sea", str(row.get("name") or sid), str(row["kind"]))

    fig.add_trace(go.Scatter(x=hover_x, y=hover_y, mode="markers", text=hover_text,
                             hovertemplate="%{text}<extra></extra>", showlegend=False,
                             name="elements",
                             marker={"size": 7, "color": hover_c, "symbol": hover_sym,
                                     "line": {"width": 0.5,
                                                                          "color": "#333"}}))
    if not nodes.empty:
        _add_nodes(fig, scenario, utilisation, detail, (lon0, lat0, lon1, lat1), height, countries)
    _add_sea_legend(fig, sorted(set(scenario.services["kind"])) if not scenario.services.empty else [])
    _add_colour_bar(fig)
    mid_lat = (lat0 + lat1) / 2
    fig.update_layout(
        height=height, margin=MARGIN, plot_bgcolor=WATER,
        paper_bgcolor="white", hovermode="closest", dragmode="pan", showlegend=True,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.01, "yanchor": "top",
                "font": {"size": 11}, "title": {"text": "sea services:"}, "itemwidth": 40},
        xaxis={"range": [lon0, lon1], "showgrid": False, "zeroline": False, "visible": False},
        yaxis={"range": [lat0, lat1], "showgrid": False, "zeroline": False, "visible": False,
               "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(mid_lat))},
    )
    return fig


def _add_nodes(fig: go.Figure, scenario: Scenario, utilisation: Mapping[str, float],
               detail: Mapping[str, str], extent: tuple[float, float, float, float], height: int,
               countries: list[tuple[float, float, str]]) -> None:
    """Node markers, coloured by utilisation where known, labelled without overlaps
    (:func:`~transcaspian.report.placement.place_labels` at the report's chart width):
    every seaport, and the other important nodes where there is room. The labels are placed
    again for paper (the page's width, :func:`print_height`) into ``layout.meta``, which the
    report's print script swaps in before printing."""
    nodes = scenario.nodes
    node_text = []
    for nid, row in nodes.iterrows():
        share = utilisation.get(str(nid))
        util = f"<br>{_fmt_share(share)}" if share is not None else ""
        extra = f"<br>{detail[str(nid)]}" if str(nid) in detail else ""
        node_text.append(f"<b>{esc(row['name'])}</b> ({esc(row['kind'])}, {esc(row['country'])})"
                         f"<br>{esc(nid)}{util}{extra}")
    labels, positions, leaders = _label_layer(
        nodes, place_node_labels(scenario, extent, PAGE.screen_chart_width_px, height, countries))
    for a in leaders:
        fig.add_annotation(**a)
    tall = print_height(extent, height)
    p_labels, p_positions, p_leaders = _label_layer(
        nodes, place_node_labels(scenario, extent, PAGE.print_width_px, tall, countries))
    fig.update_layout(meta={"print_height_px": tall, "print_ranges": [extent[0::2], extent[1::2]],
                            "print_labels": {
        "trace": len(fig.data), "text": p_labels, "textposition": p_positions, "annotations": p_leaders}})
    fig.add_trace(go.Scatter(
        x=nodes["lon"], y=nodes["lat"], mode="markers+text", text=labels,
        textposition=positions, textfont={"size": LABEL_FONT_PX, "color": "#222"},
        customdata=node_text, hovertemplate="%{customdata}<extra></extra>", name="nodes",
        showlegend=False,
        marker={"size": MARKER_PX, "symbol": [NODE_SYMBOL.get(k, "circle") for k in nodes["kind"]],
                "color": [util_color(utilisation[str(i)]) if str(i) in utilisation else "#333"
                          for i in nodes.index],
                "line": {"width": 1, "color": "#222"}}))


def print_height(extent: tuple[float, float, float, float], height: float) -> int:
    """Height (px) on paper of the map of ``extent`` drawn ``height`` px high on screen: the
    plot area as tall as the extent is at the page's width (degrees of latitude drawn
    1/cos(mid latitude) longer), so paper shows the extent whole without empty sea above and
    below, plus the margins; never taller than on screen (a tall extent then shows more
    land at its sides).

    >>> print_height((40.0, 40.0, 50.0, 45.0), 560), print_height((40.0, 40.0, 45.0, 50.0), 520)
    (476, 520)
    """
    lon0, lat0, lon1, lat1 = extent
    ratio = 1 / math.cos(math.radians((lat0 + lat1) / 2))
    plot_w = PAGE.print_width_px - MARGIN["l"] - MARGIN["r"]
    need = MARGIN["t"] + MARGIN["b"] + LEGEND_ROW_PX + plot_w * (lat1 - lat0) * ratio / (lon1 - lon0)
    return round(min(height, need))


def _label_layer(nodes: pd.DataFrame, slots: Mapping[str, tuple[str, str, float, float]]
                 ) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """The node trace's text and textposition per node, and the leader annotations, for the
    placements ``slots`` of :func:`place_node_labels` (one width)."""
    labels = [esc(slots[str(i)][0]) if slots.get(str(i), ("", ""))[1] not in ("", "leader") else ""
              for i in nodes.index]
    positions = [slots[str(i)][1] if labels[k] else "top center" for k, i in enumerate(nodes.index)]
    leaders = [{"x": float(nodes.at[nid, "lon"]), "y": float(nodes.at[nid, "lat"]), "text": esc(text),
                "ax": dx, "ay": dy, "showarrow": True, "arrowhead": 0, "arrowwidth": 0.8,
                "arrowcolor": "#555", "font": {"size": LABEL_FONT_PX, "color": "#222"}, "borderpad": 0,
                "standoff": MARKER_PX / 2}
               for nid, (text, pos, dx, dy) in slots.items() if pos == "leader"]
    return labels, positions, leaders


def place_node_labels(scenario: Scenario, extent: tuple[float, float, float, float], width: float,
                      height: float, countries: list[tuple[float, float, str]],
                      ) -> dict[str, tuple[str, str, float, float]]:
    """Label, plotly position (or ``"leader"``) and leader offset (dx, dy px) of each node
    labelled on a ``width`` × ``height`` px map; node markers and the country names
    ``countries`` (lon, lat, text) are obstacles. Nodes left off are absent."""
    nodes = scenario.nodes
    f, bounds = to_px(extent, width, height)
    wanted = node_labels(scenario, extent)
    shorts = short_names(nodes)
    r = MARKER_PX / 2 + 1
    obstacles: list[Box] = []
    for lon, lat in zip(nodes["lon"], nodes["lat"], strict=True):
        x, y = f(float(lon), float(lat))
        obstacles.append((x - r, y - r, x + r, y + r))
    for lon, lat, text in countries:
        x, y = f(lon, lat)
        w, h = 0.6 * COUNTRY_FONT_PX * len(text), 1.2 * COUNTRY_FONT_PX
        obstacles.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    ids = list(wanted)
    pts = [f(float(nodes.at[i, "lon"]), float(nodes.at[i, "lat"])) for i in ids]
    placed = place_labels(pts, [shorts[i] for i in ids], LABEL_FONT_PX, obstacles,
                          required=[wanted[i] for i in ids], bounds=bounds)
    return {i: (shorts[i], p.position, p.offset[0], p.offset[1])
            for i, p in zip(ids, placed, strict=True) if p.position}


def _add_sea_legend(fig: go.Figure, kinds: list[str]) -> None:
    """A legend entry per sea-service kind: its dash and midpoint marker (grey: the colour
    is utilisation)."""
    for kind in kinds:
        dash, symbol = SEA_KIND_STYLE.get(kind, ("dash", "circle"))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines+markers", name=kind.replace("_", " "),
                                 hoverinfo="skip", showlegend=True,
                                 line={"color": "#555", "width": 2.5, "dash": dash},
                                 marker={"symbol": symbol, "size": 8, "color": "#555"}))


def _add_colour_bar(fig: go.Figure) -> None:
    """The utilisation colour bar (an invisible marker carrying the scale)."""
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False, name="scale",
        marker={"colorscale": UTIL_COLORSCALE, "cmin": 0, "cmax": 100, "color": [0],
                "showscale": True,
                "colorbar": {"title": {"text": "% of capacity<br>used"}, "ticksuffix": "%",
                             "thickness": 12, "len": 0.7, "x": 1.01, "xanchor": "left"}}))


def _quad(x0: float, y0: float, x1: float, y1: float, x2: float, y2: float,
          n: int = 16) -> tuple[list[float], list[float]]:
    """Points on a quadratic Bezier curve (start, control, end)."""
    ts = [i / n for i in range(n + 1)]
    xs = [(1 - t) ** 2 * x0 + 2 * (1 - t) * t * x1 + t ** 2 * x2 for t in ts]
    ys = [(1 - t) ** 2 * y0 + 2 * (1 - t) * t * y1 + t ** 2 * y2 for t in ts]
    return xs, ys


def _country_labels(fig: go.Figure, feats: list[dict[str, Any]], corridor: set[str],
                    box: tuple[float, float, float, float]) -> list[tuple[float, float, str]]:
    """Faint names of the corridor countries at the centre of their largest visible part;
    returns their (lon, lat, text)."""
    lon0, lat0, lon1, lat1 = box
    xs, ys, names = [], [], []
    for f in feats:
        if f["properties"]["iso_a2"] not in corridor:
            continue
        best, area = None, 0.0
        for poly in _polygons(f["geometry"]):
            ring = [(x, y) for x, y in poly[0] if lon0 <= x <= lon1 and lat0 <= y <= lat1]
            if len(ring) < 3:
                continue
            a = (max(p[0] for p in ring) - min(p[0] for p in ring)) * (
                max(p[1] for p in ring) - min(p[1] for p in ring))
            if a > area:
                best, area = ring, a
        if best:
            xs.append(sum(p[0] for p in best) / len(best))
            ys.append(sum(p[1] for p in best) / len(best))
            names.append(f["properties"]["name"].upper())
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="text", text=names, hoverinfo="skip",
                             showlegend=False, name="country names",
                             textfont={"size": COUNTRY_FONT_PX, "color": "rgba(90,80,60,0.55)"}))
    return list(zip(xs, ys, names, strict=True))
