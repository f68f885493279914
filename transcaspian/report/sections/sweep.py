"""The report's sweep section: which assumptions move each KPI, drawn from a sweep folder.

From :func:`transcaspian.sweep.load_sweep`: per KPI (the first :data:`MAX_KPIS`) a tornado
chart of the sensitivity indices (Sobol S1 and ST, Morris mu* or Spearman's rho, as the
design gives) and response charts of the KPI against its three most influential parameters
(one dot per point), then the ranking table with confidence half-widths. The two figure
builders live here because only this section draws them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup, escape
from plotly.subplots import make_subplots

from transcaspian.model.errors import Problem, UserError
from transcaspian.model.scenario import Scenario
from transcaspian.report import html as h
from transcaspian.report.figures import PALETTE
from transcaspian.report.html import Section, esc
from transcaspian.sweep import SweepResult, ranking
from transcaspian.sweep.sensitivity import INDEX_UNITS, INDICES

#: KPIs drawn (the rest are in the table of the folder).
MAX_KPIS = 6
#: Parameters in each KPI's response charts.
RESPONSE_PARAMETERS = 3
METHOD_TEXT = {"sobol": "Sobol indices (SALib, Saltelli design): S1 first-order, ST total, as shares "
               "of the KPI's variance", "morris": "Morris elementary effects (SALib): mu* mean absolute "
               "effect and sigma its spread, in the KPI's unit per full range of the parameter",
               "spearman": "Spearman rank correlation of KPI and parameter (-1..1), a simpler ranking "
               "for grid and space-filling designs"}


def _axis(index: str, unit: str) -> str:
    u = INDEX_UNITS[index]
    return f"{index} ({unit} per full range)" if u == "kpi" else f"{index} ({u})"


def tornado_figure(rank: pd.DataFrame, method: str, kpi: str, unit: str) -> go.Figure:
    """Horizontal bars of each index per parameter, the most influential at the top.

    Examples
    --------
    >>> r = pd.DataFrame({"parameter": ["a", "b"], "S1": [0.6, 0.1], "ST": [0.7, 0.2],
    ...                   "S1_conf": [0.1, 0.1], "ST_conf": [0.1, 0.1]})
    >>> [t.name for t in tornado_figure(r, "sobol", "y", "days").data]
    ['S1', 'ST']
    """
    t = rank.iloc[::-1]
    fig = go.Figure()
    colours = [PALETTE["light"], PALETTE["primary"]]
    for i, idx in enumerate(INDICES[method][1]):
        fig.add_trace(go.Bar(y=[esc(p) for p in t["parameter"]], x=t[idx], orientation="h", name=idx,
                             marker={"color": colours[i % 2]},
                             error_x={"type": "data", "array": t[f"{idx}_conf"], "visible": True,
                                      "color": PALETTE["muted"]}))
    fig.update_layout(title=esc(f"{kpi}: sensitivity"), barmode="group", plot_bgcolor="white",
                      xaxis_title=esc(_axis(INDICES[method][0], unit)),
                      height=160 + 40 * len(t), legend={"orientation": "h"})
    return fig


def response_figure(points: pd.DataFrame, kpi: str, unit: str, parameters: list[dict]) -> go.Figure:
    """The KPI at every point against each of ``parameters`` (name, unit), side by side."""
    fig = make_subplots(rows=1, cols=len(parameters), shared_yaxes=True)
    for j, p in enumerate(parameters, start=1):
        fig.add_trace(go.Scatter(x=points[p["name"]], y=points[kpi], mode="markers", name=esc(p["name"]),
                                 marker={"color": PALETTE["primary"], "size": 5, "opacity": 0.6},
                                 showlegend=False), row=1, col=j)
        fig.update_xaxes(title_text=esc(f"{p['name']} ({p['unit'] or '-'})"), row=1, col=j)
    fig.update_yaxes(title_text=esc(f"{kpi} ({unit})"), row=1, col=1)
    fig.update_layout(title=esc(f"{kpi} at each point"), plot_bgcolor="white", height=340)
    return fig


def check_sweep_scenario(res: SweepResult, scenario: Scenario) -> None:
    """Refuse a sweep of another scenario (UserError naming both hashes)."""
    got = res.meta.get("scenario", {})
    if got.get("hash") != scenario.hash:
        raise UserError([Problem(f"is a sweep of {got.get('name')} (hash {str(got.get('hash'))[:12]}), "
                                 f"not of {scenario.name} ({scenario.hash[:12]})", file=str(res.folder),
                                 field="--sweep")], "the sweep folder")


def _kpi_block(res: SweepResult, kpi: dict, i: int) -> Markup:
    sens = res.sensitivity
    rank = ranking(sens, kpi["column"])
    method = str(sens.loc[sens["kpi"] == kpi["column"], "method"].iloc[0])
    title = Markup(f"<h3>{escape(kpi['column'])} ({escape(kpi['unit'])}): {escape(kpi['meaning'])}</h3>")
    if rank[INDICES[method][0]].isna().all():
        return title + h.note("This KPI does not vary over the sweep (or points failed): no ranking.")
    units = {p["name"]: p for p in res.meta["parameters"]}
    top = [units[n] for n in rank["parameter"].head(RESPONSE_PARAMETERS)]
    cols = [h.Col("rank", "rank", numeric=True), h.Col("parameter", "parameter"),
            h.Col("address", "scenario field")]
    for idx in INDICES[method][1]:
        cols += [h.Col(idx, _axis(idx, kpi["unit"]), lambda v: h.num(v, 3), True),
                 h.Col(f"{idx}_conf", "± 95 %", lambda v: h.num(v, 3), True)]
    table = rank.assign(address=rank["parameter"].map(lambda n: units[n]["address"]))
    return Markup("").join([
        title, h.figure(tornado_figure(rank, method, kpi["column"], kpi["unit"]), f"chart-sweep-tornado-{i}"),
        h.figure(response_figure(res.points, kpi["column"], kpi["unit"], top), f"chart-sweep-response-{i}"),
        h.table(table, cols, table_id=f"sweep-ranking-{i}")])


def sweep_section(res: SweepResult) -> Section:
    """"Which assumptions matter": the sweep's sensitivity per KPI, charts and tables."""
    m = res.meta
    method = m["design"]["sensitivity"]
    params = ", ".join(f"{p['name']} ({p['address']}, {p['bounds'][0]:g} to {p['bounds'][1]:g} "
                       f"{p['unit'] or ''})".replace(" )", ")") for p in m["parameters"])
    body = [h.kpis([(f"{m['points']:,}", "points"), (str(len(m["parameters"])), "parameters varied"),
                    (m["design"]["method"], "design"), (str(m.get("failed_points", 0)), "points failed")]),
            h.note(f"Sweep {m['name']} of {m['scenario']['name']} (seed {m['seed']}): {params}. "
                   f"{METHOD_TEXT[method]}. Bars carry 95 % confidence half-widths.")]
    body += [_kpi_block(res, kpi, i) for i, kpi in enumerate(m["kpis"][:MAX_KPIS])]
    if len(m["kpis"]) > MAX_KPIS:
        body.append(h.note(f"{len(m['kpis']) - MAX_KPIS} more KPIs are in sensitivity.parquet."))
    return Section("sweep", "Sensitivity", "Which assumptions matter (sweep)", Markup("").join(body))
