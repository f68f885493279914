"""Sections from a simulation result: transit-time distributions, waiting, throughput."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report import figures
from transcaspian.report import html as h
from transcaspian.report.html import Section
from transcaspian.report.labels import node_name, short

#: The waiting table: tonnes only (additive across units); no column sums handling units.
WAITING_COLS = [h.Col("name", "node"), h.Col("node", "id"),
                h.Col("wait_h_mean_per_unit", "mean wait per tonne (h)", lambda v: h.num(v, 1), numeric=True),
                h.Col("tonne_hours_waited", "tonne-hours waited (t·h/yr)", h.num, numeric=True),
                h.Col("tonnes_queued", "tonnes queued (t/yr)", h.num, numeric=True),
                h.Col("share_of_total", "share of all tonne-hours (%)", h.pct, numeric=True)]


def sim_sections(scenario: Scenario, sim: Result) -> list[Section]:
    """Transit-time distributions and waiting by node from a simulation result."""
    nodes = scenario.nodes
    meta = sim.meta
    tt = sim.tables["transit_times"].copy()
    tt["od"] = [f"{node_name(nodes, o)} → {node_name(nodes, d)}"
                for o, d in zip(tt["origin"], tt["destination"], strict=True)]
    parts: list[Markup] = [h.note(
        f"Monte Carlo simulation: {meta.get('replications', '?')} replication(s) of "
        f"{meta.get('years', '?')} year(s), seed {meta.get('seed', '?')}, scenario hash "
        f"{str(meta['scenario_hash'])[:12]}, transcaspian {meta.get('version', '?')}. "
        "Times are door-to-door per unit, in days.")]
    tt["od_short"] = [f"{short(nodes, o)} → {short(nodes, d)}"
                      for o, d in zip(tt["origin"], tt["destination"], strict=True)]
    parts.append(h.figure(figures.transit_range_figure(tt), "chart-sim-transit-range"))
    hist = sim.tables.get("transit_histogram")
    if hist is not None and not hist.empty:
        weight = (tt.groupby(["origin", "destination"])["units" if "units" in tt else "lots"].sum()
                  if ("units" in tt or "lots" in tt) else None)
        parts.append(h.figure(figures.histogram_figure(hist, nodes, weight), "chart-sim-transit-hist"))
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
    w["name"] = [node_name(nodes, n) for n in w["node"]]
    w = w.sort_values("tonne_hours_waited", ascending=False)
    body = [h.note("Where cargo waits: tonne-hours waited a year at each node (queues for trains, "
                   "berths, vessels, weather closures, train formation), each node's share of all "
                   "tonne-hours, and the mean wait per tonne. Tonnes make TEU, wagons, trucks and "
                   "oil comparable and add up; handling units would not, so none is summed here.")]
    body.append(h.figure(figures.waiting_figure(w, nodes), "chart-sim-waiting"))
    body.append(h.table(w, WAITING_COLS, table_id="sim-waiting-table"))
    out = [transit, Section("sim-waiting", "Waiting", "Waiting by node (simulation)", Markup("".join(body)))]
    thr = sim.tables.get("throughput")
    if thr is not None and not thr.empty:
        out.append(Section("sim-throughput", "Throughput", "Simulated throughput",
                           _throughput_table(thr, nodes)))
    return out


THROUGHPUT_COLUMNS = [("flow", "flow", h.text, False), ("demand_units", "demand units/yr", h.num, True),
                      ("units", "delivered units/yr", h.num, True), ("unit", "unit", h.text, False),
                      ("tonnes", "delivered t/yr", h.num, True), ("served_share", "served", h.pct, True),
                      ("wip_units_end", "in transit at end", h.num, True)]


def _throughput_table(thr: pd.DataFrame, nodes: pd.DataFrame) -> Markup:
    """Simulated throughput by flow (known columns first; any other table shown as is)."""
    t = thr.copy()
    if {"origin", "destination"} <= set(t.columns):
        t["od"] = [f"{node_name(nodes, o)} → {node_name(nodes, d)}"
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
