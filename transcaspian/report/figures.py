"""Every plotly figure of the report, with one palette.

Builders take engine tables (DataFrames) and return a :class:`plotly.graph_objects.Figure`;
nothing is written or shown. Plotly draws labels as a subset of HTML, so every piece of
scenario text is passed through :func:`~transcaspian.report.labels.esc` first.

Examples
--------
>>> import pandas as pd
>>> w = pd.DataFrame({"node": ["aktau"], "wait_h_mean_per_unit": [12.0], "share_of_total": [1.0],
...                   "tonne_hours_waited": [3.6e6]})
>>> nodes = pd.DataFrame({"name": ["Aktau <port>"]}, index=["aktau"])
>>> bars = waiting_figure(w, nodes).data[0]
>>> bars.y, bars.text
(('Aktau &lt;port&gt;',), ('3,600 kt·h (100%)',))
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from transcaspian.model import Scenario
from transcaspian.report.html import esc, missing
from transcaspian.report.labels import node_name, short

#: The report's colours: one name per role, used by every figure.
PALETTE = {"primary": "#0b5c8a", "secondary": "#e08214", "alert": "#b2182b", "light": "#9db4c8",
           "waiting": "#c0504d", "reference": "#4d4d4d", "muted": "#888", "grid": "#eee"}
MODE_COLOURS = {"rail": "#0b5c8a", "road": "#6a51a3", "pipeline": "#636363", "sea": "#1b9e77"}


def utilisation_figure(b: pd.DataFrame, top: int = 15) -> go.Figure:
    """Utilisation now and at the maximum uniform demand growth of the ``top`` ranked rows of
    ``b`` (the report's bottleneck rows, one per element a person names: columns ``label``,
    ``utilisation`` and ``utilisation_at_multiplier``, shares)."""
    t = b.head(top).iloc[::-1]
    labels = [esc(v) for v in t["label"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=t["utilisation"] * 100, orientation="h", name="at the scenario's demand",
                         marker={"color": PALETTE["primary"]},
                         hovertemplate="%{y}<br>at demand: %{x:.0f}%<extra></extra>"))
    if t["utilisation_at_multiplier"].notna().any():
        fig.add_trace(go.Bar(y=labels, x=t["utilisation_at_multiplier"] * 100, orientation="h",
                             name="at maximum uniform growth", marker={"color": PALETTE["secondary"]},
                             hovertemplate="%{y}<br>at max growth: %{x:.0f}%<extra></extra>"))
    fig.add_vline(x=100, line={"color": PALETTE["alert"], "dash": "dot"})
    fig.update_layout(title=f"Share of capacity used: the {len(t)} highest-ranked elements",
                      barmode="group", height=max(300, 80 + 34 * len(t)),
                      xaxis={"title": "% of annual capacity", "ticksuffix": "%"},
                      yaxis={"automargin": True}, legend={"orientation": "h", "y": -0.12},
                      margin={"l": 10, "r": 10, "t": 40, "b": 40}, plot_bgcolor="white")
    fig.update_xaxes(gridcolor=PALETTE["grid"])
    return fig


def capacity_maxima_figure(g: pd.DataFrame) -> go.Figure:
    """Demand, served and each group's own maximum alone (Mt/yr) by commodity and direction.

    ``g``: rows of :func:`~transcaspian.analysis.capacity.commodity_maxima` with a readable
    ``name``; an unbounded maximum (inf) draws no bar and says so in its label.

    Examples
    --------
    >>> g = pd.DataFrame({"name": ["Crude"], "direction": ["westbound"], "demand_t": [1.4e6],
    ...                   "served_t": [1.4e6], "max_t": [1.9e6]})
    >>> [round(v, 1) for v in capacity_maxima_figure(g).data[2].y]
    [1.9]
    """
    labels = [esc(f"{n} · {d}") for n, d in zip(g["name"], g["direction"], strict=True)]
    finite = [math.isfinite(v) for v in g["max_t"]]
    fig = go.Figure()
    for col, name, colour in (("demand_t", "demand", PALETTE["light"]),
                              ("served_t", "served", PALETTE["primary"])):
        fig.add_trace(go.Bar(x=labels, y=g[col] / 1e6, name=name, marker={"color": colour},
                             hovertemplate=f"%{{x}}<br>{name} %{{y:.2f}} Mt/yr<extra></extra>"))
    own = [v / 1e6 if ok else None for v, ok in zip(g["max_t"], finite, strict=True)]
    fig.add_trace(go.Bar(x=labels, y=own,
                         name="own maximum, alone on the network", marker={"color": PALETTE["secondary"]},
                         text=["" if ok else "unbounded" for ok in finite], textposition="outside",
                         hovertemplate="%{x}<br>own maximum %{y:.2f} Mt/yr<extra></extra>"))
    fig.update_layout(title="Demand, served and each commodity's own maximum by direction",
                      barmode="group", height=420, yaxis={"title": "million t/yr (Mt/yr)"},
                      xaxis={"automargin": True, "title": "commodity · direction"},
                      legend={"orientation": "h", "y": 1.08, "x": 0},
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, plot_bgcolor="white")
    fig.update_yaxes(gridcolor=PALETTE["grid"])
    return fig


def tcd_figure(scenario: Scenario, tcd: pd.DataFrame, title: str) -> go.Figure:
    """UNESCAP time/cost-distance chart of :func:`~transcaspian.analysis.tcd.tcd_table` rows.

    Two panels, cumulative time (days) and cost (USD) against cumulative distance (km):
    moving legs are sloped segments coloured by mode; stops at nodes are vertical red
    steps (dwell and queueing), labelled with the node's name where they take 12 h or more.
    """
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
            hover = (f"{esc(node_name(nodes, a))} → {esc(node_name(nodes, b))} ({group})<br>"
                     f"{r.distance_km:,.0f} km, "
                     f"{r.time_h / 24:.1f} d, {r.cost_usd:,.0f} USD")
        elif r.vertical:
            group, colour, width = "stop (dwell + queue)", PALETTE["alert"], 4
            name = esc(node_name(nodes, r.label))
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
    fig.update_layout(title=esc(title), height=400, margin={"l": 10, "r": 10, "t": 85, "b": 40},
                      plot_bgcolor="white", legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(title="km", gridcolor=PALETTE["grid"], rangemode="tozero")
    fig.update_yaxes(gridcolor=PALETTE["grid"], rangemode="tozero")
    fig.update_yaxes(title="days", row=1, col=1)
    fig.update_yaxes(title="USD", row=1, col=2)
    return fig


def references_figure(rows: pd.DataFrame) -> go.Figure:
    """Transit days (range for references) against cost (range), one marker per route."""
    fig = go.Figure()
    for r in rows.itertuples(index=False):
        is_ref = r.kind == "reference"
        days = r.transit_h / 24
        ex = ey = None
        if is_ref:
            ex = {"type": "data", "symmetric": False, "array": [r.transit_days_high - days],
                  "arrayminus": [days - r.transit_days_low], "color": PALETTE["muted"]}
            if not missing(r.cost_usd_low):
                ey = {"type": "data", "symmetric": False, "array": [r.cost_usd_high - r.cost_usd],
                      "arrayminus": [r.cost_usd - r.cost_usd_low], "color": PALETTE["muted"]}
        fig.add_trace(go.Scatter(
            x=[days], y=[r.cost_usd], mode="markers+text", text=[esc(r.label)],
            textposition="top center", name=esc(r.name), error_x=ex, error_y=ey,
            marker={"size": 14 if not is_ref else 11, "symbol": "star" if not is_ref else "circle",
                    "color": PALETTE["alert"] if not is_ref else PALETTE["reference"]},
            hovertemplate=f"{esc(r.name)}<br>%{{x:.1f}} days, %{{y:,.0f}} USD<extra></extra>"))
    fig.update_layout(title="Transit days against cost per shipment (bars: published ranges)",
                      height=420, showlegend=False, xaxis={"title": "days", "rangemode": "tozero"},
                      yaxis={"title": "USD per shipment", "rangemode": "tozero"},
                      margin={"l": 10, "r": 10, "t": 50, "b": 40}, plot_bgcolor="white")
    fig.update_xaxes(gridcolor=PALETTE["grid"])
    fig.update_yaxes(gridcolor=PALETTE["grid"])
    return fig


def transit_range_figure(tt: pd.DataFrame) -> go.Figure:
    """P50–P95 range per flow as horizontal bars with P50/P90/P95 markers (days)."""
    tt = tt.iloc[::-1]  # plotly draws the first category at the bottom
    labels = [esc(f"{od} ({c}, {d})") for od, c, d in zip(tt["od_short"], tt["commodity"], tt["direction"],
                                                       strict=True)]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=(tt["p95_h"] - tt["p50_h"]) / 24, base=tt["p50_h"] / 24,
                         orientation="h", marker={"color": "rgba(11,92,138,0.25)"},
                         name="P50–P95", hoverinfo="skip"))
    for col, name, sym, colour in (("p50_h", "P50", "circle", PALETTE["primary"]),
                                   ("p90_h", "P90", "diamond", PALETTE["secondary"]),
                                   ("p95_h", "P95", "line-ns-open", PALETTE["alert"])):
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
    fig.update_xaxes(gridcolor=PALETTE["grid"])
    return fig


def histogram_figure(hist: pd.DataFrame, nodes: pd.DataFrame, weight: pd.Series | None = None,
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
                                 name=esc(f"{short(nodes, o)} → {short(nodes, d)}"),
                                 hovertemplate="day %{x}: %{y:.1%} of units<extra>%{fullData.name}</extra>"))
    more = f" ({top} largest of {len(pairs)} origin-destination pairs)" if len(pairs) > top else ""
    fig.update_layout(title=f"Distribution of transit times{more}: share of units arriving on each day",
                      height=400, xaxis={"title": "days from departure"},
                      yaxis={"title": "share of units", "tickformat": ".0%"},
                      margin={"l": 10, "r": 10, "t": 40, "b": 40}, plot_bgcolor="white",
                      legend={"orientation": "v", "x": 1.0, "xanchor": "right", "y": 1.0,
                              "bgcolor": "rgba(255,255,255,0.8)"})
    fig.update_xaxes(gridcolor=PALETTE["grid"])
    fig.update_yaxes(gridcolor=PALETTE["grid"])
    return fig


def waiting_figure(w: pd.DataFrame, nodes: pd.DataFrame) -> go.Figure:
    """Tonne-hours waited a year by node (thousand t·h/yr), most first; each bar's label is
    its own value and its share of all tonne-hours waited (tonnes add up across TEU, wagons,
    trucks and oil; units would not)."""
    w = w[w["share_of_total"] >= 0.001].sort_values("tonne_hours_waited", ascending=False).head(25)
    w = w.iloc[::-1]
    kth = w["tonne_hours_waited"] / 1e3
    fig = go.Figure(go.Bar(y=[esc(short(nodes, n)) for n in w["node"]], x=kth,
                           orientation="h", marker={"color": PALETTE["waiting"]},
                           text=[f"{v:,.0f} kt·h ({s:.0%})" for v, s in zip(kth, w["share_of_total"],
                                                                             strict=True)],
                           textposition="outside", cliponaxis=False,
                           customdata=w["wait_h_mean_per_unit"],
                           hovertemplate="%{y}: %{x:,.0f} thousand t·h/yr<br>mean wait "
                           "%{customdata:.1f} h per tonne<extra></extra>"))
    fig.update_layout(title="Waiting by node: tonne-hours waited a year (share of all waiting)",
                      height=max(260, 70 + 28 * len(w)),
                      xaxis={"title": "thousand tonne-hours waited per year (kt·h/yr)"},
                      yaxis={"automargin": True}, margin={"l": 10, "r": 140, "t": 40, "b": 40},
                      plot_bgcolor="white")
    fig.update_xaxes(gridcolor=PALETTE["grid"])
    return fig


def bottleneck_figure(b: pd.DataFrame, top: int = 10) -> go.Figure:
    """Demand multiplier gained per +1 % capacity of the top-ranked bottlenecks."""
    b = b.head(top)
    label = [esc(f"{r.element_id} ({r.from_node}→{r.to_node})" if r.direction != "both" else r.element_id)
             for r in b.itertuples()]
    fig = go.Figure(go.Bar(x=label, y=b["gain_multiplier_per_1pct"], name="multiplier gain per +1 %",
                           marker={"color": PALETTE["primary"]}))
    fig.update_layout(title="Bottlenecks: demand multiplier gained per +1 % capacity",
                      yaxis_title="Δ multiplier", plot_bgcolor="white")
    return fig


def quote_comparison_figure(options: pd.DataFrame) -> go.Figure:
    """Side-by-side days, USD and CO2e (WTW) of quote options and reference routes."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=("transit (days)", "cost (USD)", "CO2e WTW (kg)"))
    names = [esc(f"{r.option} {r.name}" if r.kind == "corridor" else r.name) for r in options.itertuples()]
    colours = [PALETTE["primary"] if k == "corridor" else PALETTE["reference"] for k in options["kind"]]
    for col, field in enumerate(("transit_days", "cost_usd", "co2e_wtw_kg"), start=1):
        err = None
        if field == "transit_days":
            lo, hi = options["transit_days_low"], options["transit_days_high"]
            err = {"type": "data", "symmetric": False, "array": (hi - options[field]).fillna(0),
                   "arrayminus": (options[field] - lo).fillna(0)}
        fig.add_trace(go.Bar(x=names, y=options[field], marker_color=colours, error_y=err, showlegend=False),
                      row=1, col=col)
    fig.update_layout(title="Middle Corridor vs reference routes", plot_bgcolor="white")
    return fig


def cpmm_speed_figure(sections: pd.DataFrame) -> go.Figure:
    """CAREC CPMM TFI4: speed without and with delay per section (km/h)."""
    label = [esc(f"{r.from_node}→{r.to_node}") for r in sections.itertuples()]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=label, y=sections["speed_without_delay_kmh"], name="without delay (SWOD)",
                         marker={"color": PALETTE["primary"]}))
    fig.add_trace(go.Bar(x=label, y=sections["speed_with_delay_kmh"], name="with delay (SWD)",
                         marker={"color": PALETTE["secondary"]}))
    fig.update_layout(barmode="group", title="Section speeds (CPMM)", yaxis_title="km/h",
                      plot_bgcolor="white")
    return fig


def border_time_figure(borders: pd.DataFrame) -> go.Figure:
    """CAREC CPMM TFI1: time at each border / gauge change, split into dwell and wait (h)."""
    fig = go.Figure()
    x = [esc(n) for n in borders["node"]]
    fig.add_trace(go.Bar(x=x, y=borders["dwell_h"], name="dwell (h)", marker={"color": PALETTE["primary"]}))
    fig.add_trace(go.Bar(x=x, y=borders["wait_h"], name="queue wait (h)", marker={"color": PALETTE["alert"]}))
    fig.update_layout(barmode="stack", title="Time at borders and gauge changes", yaxis_title="hours",
                      plot_bgcolor="white")
    return fig


# -- the plan (planning.tables.PLAN) ---------------------------------------------------------------
#: Colours of the plan's figures: committed projects grey, chosen ones coloured.
PLAN_COLOURS = {"committed": ("#7f7f7f", "#d0d0d0"), "chosen": (PALETTE["primary"], PALETTE["light"])}
#: Colours of payers in the capex figure (a fund in the secondary colour, so it stands out).
PAYER_COLOURS = ("#0b5c8a", "#6a51a3", "#1b9e77", "#636363", "#9db4c8", "#b2182b")


def project_label(pid: str, name: str) -> str:
    """A project's readable label with its id (escaped for plotly)."""
    return esc(f"{name} ({pid})" if name and name != pid else pid)


def plan_gantt_figure(projects: pd.DataFrame, target_year: int) -> go.Figure:
    """Gantt of the plan's projects: construction from ``start_year`` to ``in_service_year``,
    then in service to the end of the target year; committed grey, chosen coloured."""
    p = projects.sort_values(["start_year", "in_service_year", "project"]).iloc[::-1]
    labels = [project_label(i, n) for i, n in zip(p["project"], p["name"], strict=True)]
    end = target_year + 1
    fig = go.Figure()
    for status, (dark, light) in PLAN_COLOURS.items():
        sel = (p["status"] == status).to_numpy()
        if not sel.any():
            continue
        rows = p[sel]
        ys = [lab for lab, s in zip(labels, sel, strict=True) if s]
        build = (rows["in_service_year"] - rows["start_year"]).clip(lower=0)
        fig.add_trace(go.Bar(
            y=ys, x=build, base=rows["start_year"], orientation="h", name=f"{status}: construction",
            marker={"color": dark}, customdata=rows[["start_year", "in_service_year", "capex_musd"]],
            hovertemplate="%{y}<br>construction %{customdata[0]}–%{customdata[1]}, "
                          "%{customdata[2]:,.0f} MUSD<extra></extra>"))
        serving = (end - rows["in_service_year"]).clip(lower=0)
        fig.add_trace(go.Bar(
            y=ys, x=serving, base=rows["in_service_year"], orientation="h", name=f"{status}: in service",
            marker={"color": light, "line": {"color": dark, "width": 1}},
            customdata=rows[["in_service_year"]],
            hovertemplate="%{y}<br>in service from %{customdata[0]}<extra></extra>"))
    fig.add_vline(x=end, line={"color": PALETTE["alert"], "dash": "dot"},
                  annotation_text=f"end of target year {target_year}", annotation_position="top left")
    fig.update_layout(title="Projects: construction (dark) and service (light) up to the target year",
                      barmode="overlay", height=max(260, 90 + 36 * len(p)),
                      xaxis={"title": "year", "dtick": 1, "tickformat": "d"},
                      yaxis={"automargin": True, "categoryorder": "array", "categoryarray": labels},
                      legend={"orientation": "h", "y": -0.18}, margin={"l": 10, "r": 10, "t": 50, "b": 40},
                      plot_bgcolor="white")
    fig.update_xaxes(gridcolor=PALETTE["grid"])
    return fig


def plan_years_figure(years: pd.DataFrame) -> go.Figure:
    """Demand and the requirement (bars) against capacity and served tonnes (lines), Mt/yr."""
    y = years.sort_values("year")
    x = y["year"]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=y["demand_t"] / 1e6, name="demand", marker={"color": PALETTE["light"]},
                         hovertemplate="%{x}: demand %{y:.2f} Mt/yr<extra></extra>"))
    fig.add_trace(go.Bar(x=x, y=y["required_t"] / 1e6, name="required by the plan",
                         marker={"color": PALETTE["secondary"]},
                         hovertemplate="%{x}: required %{y:.2f} Mt/yr<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=y["capacity_t"] / 1e6, name="capacity", mode="lines+markers",
                             line={"color": PALETTE["primary"], "width": 3},
                             hovertemplate="%{x}: capacity %{y:.2f} Mt/yr<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=y["served_t"] / 1e6, name="served", mode="lines+markers",
                             line={"color": PALETTE["reference"], "dash": "dash"},
                             hovertemplate="%{x}: served %{y:.2f} Mt/yr<extra></extra>"))
    short_years = y[~y["met"].astype(bool)]
    if not short_years.empty:
        fig.add_trace(go.Scatter(x=short_years["year"], y=short_years["capacity_t"] / 1e6, mode="markers",
                                 name="requirement not met", marker={"symbol": "x", "size": 13,
                                                                     "color": PALETTE["alert"]},
                                 hovertemplate="%{x}: requirement not met<extra></extra>"))
    fig.update_layout(title="Capacity against demand year by year (million t/yr)", barmode="group",
                      height=400, xaxis={"title": "year", "dtick": 1, "tickformat": "d"},
                      yaxis={"title": "Mt/yr", "rangemode": "tozero"},
                      legend={"orientation": "h", "y": 1.08, "x": 0},
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, plot_bgcolor="white")
    fig.update_yaxes(gridcolor=PALETTE["grid"])
    return fig


def payer_label(payer: str, name: str, kind: str) -> str:
    """A payer's legend label: name, id, and kind when it is a fund."""
    text = f"{name} ({payer})" if name and name != payer else payer
    return esc(text + (" · fund" if kind == "fund" and "fund" not in text.lower() else ""))


def plan_capex_figure(capex: pd.DataFrame) -> go.Figure:
    """Capital spending by payer and year (stacked bars, MUSD, undiscounted)."""
    g = capex.groupby(["payer", "payer_name", "payer_kind", "year"], as_index=False)["capex_musd"].sum()
    order = g.groupby("payer")["capex_musd"].sum().sort_values(ascending=False).index
    fig = go.Figure()
    others = iter(PAYER_COLOURS)
    for payer in order:
        rows = g[g["payer"] == payer].sort_values("year")
        first = rows.iloc[0]
        fund = first["payer_kind"] == "fund"
        colour = PALETTE["secondary"] if fund else next(others, PALETTE["muted"])
        label = payer_label(str(payer), str(first["payer_name"]), str(first["payer_kind"]))
        fig.add_trace(go.Bar(x=rows["year"], y=rows["capex_musd"], name=f"{label}: "
                             f"{rows['capex_musd'].sum():,.0f} MUSD", marker={"color": colour},
                             hovertemplate=f"{label}<br>%{{x}}: %{{y:,.1f}} MUSD<extra></extra>"))
    fig.update_layout(title="Capital spending by payer and year (MUSD, undiscounted)", barmode="stack",
                      height=400, xaxis={"title": "year", "dtick": 1, "tickformat": "d"},
                      yaxis={"title": "MUSD"}, legend={"orientation": "h", "y": -0.18},
                      margin={"l": 10, "r": 10, "t": 50, "b": 40}, plot_bgcolor="white")
    fig.update_yaxes(gridcolor=PALETTE["grid"])
    return fig


def plan_npv_figure(projects: pd.DataFrame) -> go.Figure:
    """Economic NPV per project (horizontal bars, largest at the top; MUSD)."""
    p = projects.sort_values("npv_musd").reset_index(drop=True)
    labels = [project_label(i, n) for i, n in zip(p["project"], p["name"], strict=True)]
    colours = [PALETTE["alert"] if v < 0 else PLAN_COLOURS.get(s, PLAN_COLOURS["chosen"])[0]
               for v, s in zip(p["npv_musd"], p["status"], strict=True)]
    fig = go.Figure(go.Bar(y=labels, x=p["npv_musd"], orientation="h", marker={"color": colours},
                           text=[f"{v:,.0f}" for v in p["npv_musd"]], textposition="outside",
                           cliponaxis=False, customdata=p[["status", "bcr"]],
                           hovertemplate="%{y} (%{customdata[0]})<br>NPV %{x:,.0f} MUSD, "
                                         "BCR %{customdata[1]:.2f}<extra></extra>"))
    fig.add_vline(x=0, line={"color": PALETTE["reference"]})
    fig.update_layout(title="Economic NPV per project (MUSD; committed grey, chosen blue, negative red)",
                      height=max(240, 80 + 34 * len(p)), xaxis={"title": "NPV (MUSD)"},
                      yaxis={"automargin": True}, margin={"l": 10, "r": 60, "t": 50, "b": 40},
                      plot_bgcolor="white", showlegend=False)
    fig.update_xaxes(gridcolor=PALETTE["grid"])
    return fig


def plan_elements_figure(elements: pd.DataFrame, top: int = 6) -> go.Figure:
    """Utilisation of the most used elements year by year, one line per element: lines that
    rise and fall together show bottlenecks removed in step."""
    e = elements.copy()
    keep = (e.groupby("element")["utilisation"].max().sort_values(ascending=False).head(top).index)
    e = e[e["element"].isin(keep)]
    fig = go.Figure()
    for element in keep:
        rows = e[e["element"] == element].sort_values("year")
        name = str(rows["name"].iloc[0]) or str(element)
        label = esc(f"{name} ({element})" if name != element else name)
        fig.add_trace(go.Scatter(x=rows["year"], y=rows["utilisation"] * 100, mode="lines+markers",
                                 name=label, hovertemplate=f"{label}<br>%{{x}}: %{{y:.0f}}%<extra></extra>"))
    fig.add_hline(y=100, line={"color": PALETTE["alert"], "dash": "dot"})
    fig.update_layout(title="Utilisation of the most used elements per year (% of practical capacity)",
                      height=400, xaxis={"title": "year", "dtick": 1, "tickformat": "d"},
                      yaxis={"title": "% of capacity", "ticksuffix": "%", "rangemode": "tozero"},
                      legend={"orientation": "h", "y": -0.18}, margin={"l": 10, "r": 10, "t": 50, "b": 40},
                      plot_bgcolor="white")
    fig.update_xaxes(gridcolor=PALETTE["grid"])
    fig.update_yaxes(gridcolor=PALETTE["grid"])
    return fig
