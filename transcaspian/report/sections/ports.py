"""Port and border performance from a simulation result (tables ``port_performance`` and
``border_performance``; docs/simulator.md)."""

from __future__ import annotations

from markupsafe import Markup

from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report import html as h
from transcaspian.report.html import Section
from transcaspian.report.labels import node_name


def _hours(v: object) -> str:
    return h.num(v, 1)


PORT_COLS = [h.Col("name", "port"), h.Col("vessel", "vessel class"),
             h.Col("vessels", "vessels", h.num, numeric=True),
             h.Col("calls", "calls/yr", h.num, numeric=True),
             h.Col("turnaround_h_mean", "turnaround mean (h)", _hours, numeric=True),
             h.Col("turnaround_h_p90", "turnaround P90 (h)", _hours, numeric=True),
             h.Col("anchor_wait_h_mean", "at anchor (h)", _hours, numeric=True),
             h.Col("at_berth_h_mean", "at berth (h)", _hours, numeric=True),
             h.Col("berth_occupancy", "berth occupancy", h.pct, numeric=True)]
BORDER_COLS = [h.Col("name", "node"), h.Col("kind", "kind"),
               h.Col("channels", "channels", h.num, numeric=True),
               h.Col("trains", "trains/yr", h.num, numeric=True),
               h.Col("dwell_h_mean", "dwell mean (h)", _hours, numeric=True),
               h.Col("dwell_h_p90", "dwell P90 (h)", _hours, numeric=True),
               h.Col("wait_h_mean", "queue wait (h)", lambda v: h.num(v, 2), numeric=True),
               h.Col("queue_mean", "trains queued, mean", lambda v: h.num(v, 2), numeric=True),
               h.Col("queue_max", "trains queued, max", h.num, numeric=True)]


def ports_section(scenario: Scenario, sim: Result) -> list[Section]:
    """Vessel calls per port (all classes, then per class) and train dwell at borders; empty
    when the simulation folder has neither table (written before they existed)."""
    nodes = scenario.nodes
    pp, bp = sim.tables.get("port_performance"), sim.tables.get("border_performance")
    if pp is None and bp is None:
        return []
    window = sim.meta.get("window") or {}
    parts: list[Markup] = [h.note(
        "Over the measured window"
        + (f" (after a {window['warmup_days']:g}-day warm-up)" if "warmup_days" in window else "")
        + ": vessel calls a year, turnaround from arrival at the anchorage to departure (mean and "
        "90th percentile), the part spent at anchor (storm closures, berth queue) and at the berth "
        "(port time, handling, waiting for cargo or a timetable slot), and the berth group's "
        "occupancy (busy berth-hours / available berth-hours).")]
    if pp is not None and not pp.empty:
        p = pp.copy()
        p["name"] = [node_name(nodes, n) for n in p["port"]]
        p = p.assign(_all=p["vessel"] != "all").sort_values(["_all", "port", "vessel"], kind="stable")
        parts.append(h.table(p, PORT_COLS, table_id="sim-ports-table", max_rows=200))
    if bp is not None and not bp.empty:
        b = bp.copy()
        b["name"] = [node_name(nodes, n) for n in b["node"]]
        parts.append(h.note("Borders, gauge changes and other land nodes with a capacity: dwell from "
                            "a train's arrival to its departure (queue, service, fixed time), mean "
                            "and 90th percentile; trains waiting (time average and the most at once)."))
        parts.append(h.table(b.sort_values("trains", ascending=False, kind="stable"), BORDER_COLS,
                             table_id="sim-borders-table"))
    return [Section("sim-ports", "Ports", "Port and border performance (simulation)",
                    Markup("".join(parts)))]
