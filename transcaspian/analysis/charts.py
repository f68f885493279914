"""Plotly figure builders for the analysis results (used by the HTML report).

Every builder takes result tables (DataFrames) and returns a
:class:`plotly.graph_objects.Figure`; nothing is written or shown.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from transcaspian.results import Result

_MODE_COLOURS = {"rail": "#1f77b4", "sea": "#17becf", "road": "#ff7f0e", "pipeline": "#8c564b",
                 "": "#d62728"}


def tcd_figure(tcd: pd.DataFrame, measure: str = "time", title: str | None = None,
               name: str = "itinerary", fig: go.Figure | None = None) -> go.Figure:
    """UNESCAP time/cost-distance chart of :func:`~transcaspian.analysis.tcd.tcd_table` rows.

    Parameters
    ----------
    measure
        ``time`` (y in days) or ``cost`` (y in USD).
    fig
        Add the line to an existing figure (to compare itineraries).
    """
    if measure not in ("time", "cost"):
        raise ValueError("measure must be 'time' or 'cost'")
    start, end = (("cum_time_start_h", "cum_time_h") if measure == "time"
                  else ("cum_cost_start_usd", "cum_cost_usd"))
    scale = 1.0 / 24.0 if measure == "time" else 1.0
    fig = fig or go.Figure()
    xs: list[float] = []
    ys: list[float] = []
    texts: list[str] = []
    for r in tcd.itertuples():
        xs += [r.cum_distance_start_km, r.cum_distance_km]
        ys += [getattr(r, start) * scale, getattr(r, end) * scale]
        texts += [r.label, r.label]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, text=texts,
                             hovertemplate="%{text}<br>%{x:,.0f} km<br>%{y:,.1f}<extra></extra>"))
    vert = tcd[tcd["vertical"]]
    if not vert.empty:
        fig.add_trace(go.Scatter(
            x=vert["cum_distance_km"], y=vert[end] * scale, mode="markers", name=f"{name}: stops",
            marker={"size": 7, "symbol": "line-ew-open"}, text=vert["label"],
            hovertemplate="%{text}<br>%{y:,.1f}<extra></extra>"))
    fig.update_layout(title=title or f"Time/cost-distance ({measure})",
                      xaxis_title="cumulative distance (km)",
                      yaxis_title="cumulative time (days)" if measure == "time" else "cumulative cost (USD)",
                      template="plotly_white")
    return fig


def capacity_vs_demand_figure(result: Result, top: int = 20) -> go.Figure:
    """Bars of capacity and routed load (tonnes/yr) of the most utilised elements.

    Uses ``utilisation`` (load_t) and ``elements`` (capacity_t) of a capacity Result.
    """
    u = result["utilisation"].copy()
    el = result["elements"]
    u = u.merge(el[["element_id", "element_type", "direction", "capacity_t"]],
                on=["element_id", "element_type", "direction"], how="left")
    u = u.sort_values("utilisation", ascending=False, kind="stable").head(top)
    label = [f"{r.element_id} ({r.from_node}→{r.to_node})" if r.direction != "both" else r.element_id
             for r in u.itertuples()]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=label, y=u["capacity_t"] / 1e6, name="capacity (Mt/yr)"))
    fig.add_trace(go.Bar(x=label, y=u["load_t"] / 1e6, name="routed demand (Mt/yr)"))
    fig.update_layout(barmode="group", title="Capacity vs demand (most utilised elements)",
                      yaxis_title="Mt/yr", template="plotly_white")
    return fig


def utilisation_figure(result: Result, top: int = 25) -> go.Figure:
    """Horizontal bars of utilisation (share) per element and direction, with the
    utilisation at the largest demand multiplier as markers."""
    u = result["utilisation"].sort_values("utilisation", ascending=True, kind="stable").tail(top)
    label = [f"{r.element_id} ({r.from_node}→{r.to_node})" if r.direction != "both" else r.element_id
             for r in u.itertuples()]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=label, x=u["utilisation"], orientation="h", name="utilisation at demand",
                         hovertemplate="%{y}: %{x:.0%}<extra></extra>"))
    at_m = u["utilisation_at_multiplier"]
    if at_m.notna().any():
        fig.add_trace(go.Scatter(y=label, x=at_m, mode="markers", name="at max multiplier",
                                 hovertemplate="%{y}: %{x:.0%}<extra></extra>"))
    fig.add_vline(x=1.0, line_dash="dash", line_color="grey")
    fig.update_layout(title="Utilisation by element and direction", xaxis_tickformat=".0%",
                      template="plotly_white", height=max(350, 22 * len(u) + 120))
    return fig


def bottleneck_figure(result: Result, top: int = 10) -> go.Figure:
    """Demand multiplier gained per +1 % capacity of the top-ranked bottlenecks."""
    b = result["bottlenecks"].head(top)
    label = [f"{r.element_id} ({r.from_node}→{r.to_node})" if r.direction != "both" else r.element_id
             for r in b.itertuples()]
    fig = go.Figure(go.Bar(x=label, y=b["gain_multiplier_per_1pct"], name="multiplier gain per +1 %"))
    fig.update_layout(title="Bottlenecks: demand multiplier gained per +1 % capacity",
                      yaxis_title="Δ multiplier", template="plotly_white")
    return fig


def quote_comparison_figure(options: pd.DataFrame) -> go.Figure:
    """Side-by-side days, USD and CO2e (WTW) of quote options and reference routes."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=3, subplot_titles=("transit (days)", "cost (USD)", "CO2e WTW (kg)"))
    names = [f"{r.option} {r.name}" if r.kind == "corridor" else r.name for r in options.itertuples()]
    colours = ["#1f77b4" if k == "corridor" else "#7f7f7f" for k in options["kind"]]
    for col, field in enumerate(("transit_days", "cost_usd", "co2e_wtw_kg"), start=1):
        err = None
        if field == "transit_days":
            lo, hi = options["transit_days_low"], options["transit_days_high"]
            err = {"type": "data", "symmetric": False, "array": (hi - options[field]).fillna(0),
                   "arrayminus": (options[field] - lo).fillna(0)}
        fig.add_trace(go.Bar(x=names, y=options[field], marker_color=colours, error_y=err, showlegend=False),
                      row=1, col=col)
    fig.update_layout(title="Middle Corridor vs reference routes", template="plotly_white")
    return fig


def cpmm_speed_figure(sections: pd.DataFrame) -> go.Figure:
    """CAREC CPMM TFI4: speed without and with delay per section (km/h)."""
    label = [f"{r.from_node}→{r.to_node}" for r in sections.itertuples()]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=label, y=sections["speed_without_delay_kmh"], name="without delay (SWOD)"))
    fig.add_trace(go.Bar(x=label, y=sections["speed_with_delay_kmh"], name="with delay (SWD)"))
    fig.update_layout(barmode="group", title="Section speeds (CPMM)", yaxis_title="km/h",
                      template="plotly_white")
    return fig


def border_time_figure(borders: pd.DataFrame) -> go.Figure:
    """CAREC CPMM TFI1: time at each border / gauge change, split into dwell and wait (h)."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=borders["node"], y=borders["dwell_h"], name="dwell (h)"))
    fig.add_trace(go.Bar(x=borders["node"], y=borders["wait_h"], name="queue wait (h)"))
    fig.update_layout(barmode="stack", title="Time at borders and gauge changes", yaxis_title="hours",
                      template="plotly_white")
    return fig
