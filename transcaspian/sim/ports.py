"""Port and border performance over the measured window, aggregated across replications:
per port and vessel class (calls, turnaround, waiting at anchor, time at berth, berth
occupancy) and per node server (dwell, waiting, trains queued). Declared in
:mod:`transcaspian.sim.tables` as ``port_performance`` and ``border_performance``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from transcaspian.model.physics import HOURS_PER_YEAR
from transcaspian.sim.compile import Compiled
from transcaspian.sim.kernel.state import DWELL_BIN_H, DWELL_BINS, TURN_BIN_H, TURN_BINS
from transcaspian.sim.stats import Moments, hist_quantiles
from transcaspian.sim.summary import PortSummary

#: Server kinds reported in ``border_performance`` (land nodes with a capacity).
NODE_SERVER_KINDS = ("border", "node")
#: ``vessel`` of the port rows that add up every vessel class calling at a port.
ALL_CLASSES = "all"

PORT_COLUMNS = ["port", "vessel", "service", "berth_group", "vessels", "calls", "calls_ci95",
                "turnaround_h_mean", "turnaround_h_p90", "anchor_wait_h_mean", "at_berth_h_mean",
                "berth_hours", "berth_occupancy"]
BORDER_COLUMNS = ["node", "kind", "channels", "trains", "dwell_h_mean", "dwell_h_p90", "wait_h_mean",
                  "queue_mean", "queue_max"]


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else math.nan


class PortAggregate:
    """Running sums of :class:`~transcaspian.sim.summary.PortSummary` over replications."""

    def __init__(self, cm: Compiled) -> None:
        self.cm = cm
        nvc, nsrv = len(cm.vessels), len(cm.servers)
        self.calls = Moments()
        self.sums = {k: np.zeros((nvc, 2)) for k in ("done", "turn_h", "anchor_h", "berth_h")}
        self.trains = np.zeros(nsrv)
        self.wait_h = np.zeros(nsrv)
        self.dwell_h = np.zeros(nsrv)
        self.queue_max = np.zeros(nsrv)
        self.turn_hist = np.zeros(nvc * 2 * TURN_BINS)
        self.dwell_hist = np.zeros(nsrv * DWELL_BINS)
        self.n = 0

    def add(self, p: PortSummary, years: float) -> None:
        """Fold one replication in (``years``: length of its measured window)."""
        self.n += 1
        self.calls.add(np.asarray(p.calls, float) / years)
        for k in self.sums:
            self.sums[k] += np.asarray(getattr(p, k), float)
        self.trains += p.trains
        self.wait_h += p.wait_h
        self.dwell_h += p.dwell_h
        np.maximum(self.queue_max, p.queue_max, out=self.queue_max)
        np.add.at(self.turn_hist, p.turn_key, p.turn_count)
        np.add.at(self.dwell_hist, p.dwell_key, p.dwell_count)

    def tables(self, berth_busy_share: np.ndarray, window_h: float) -> dict[str, pd.DataFrame]:
        """``port_performance`` and ``border_performance`` (``berth_busy_share``: mean busy
        berth-hours per window hour of each berth group)."""
        return {"port_performance": self._ports(berth_busy_share, window_h),
                "border_performance": self._borders(window_h)}

    def _port_row(self, port: str, vessel: str, service: str, bg: int, vessels: int, calls: float,
                  ci: float, cells: list[tuple[int, int]], occupancy: float, years: float) -> dict:
        s = {k: sum(float(v[c, e]) for c, e in cells) for k, v in self.sums.items()}
        hist = self.turn_hist.reshape(-1, 2, TURN_BINS)
        h = sum(hist[c, e] for c, e in cells)
        p90 = hist_quantiles(np.asarray(h), TURN_BIN_H, (0.9,))[0]
        return {"port": port, "vessel": vessel, "service": service,
                "berth_group": self.cm.berths[bg][0] if bg >= 0 else "", "vessels": vessels,
                "calls": calls, "calls_ci95": ci, "turnaround_h_mean": _ratio(s["turn_h"], s["done"]),
                "turnaround_h_p90": p90, "anchor_wait_h_mean": _ratio(s["anchor_h"], s["done"]),
                "at_berth_h_mean": _ratio(s["berth_h"], s["done"]),
                "berth_hours": s["berth_h"] / max(self.n, 1) / years, "berth_occupancy": occupancy}

    def _ports(self, berth_busy_share: np.ndarray, window_h: float) -> pd.DataFrame:
        cm = self.cm
        years = window_h / HOURS_PER_YEAR
        calls = self.calls.mean if self.n else np.zeros((len(cm.vessels), 2))
        ci = self.calls.ci95() if self.n else np.full((len(cm.vessels), 2), math.nan)
        rows: list[dict] = []
        by_port: dict[int, list[tuple[int, int]]] = {}
        for c, vc in enumerate(cm.vessels):
            for e in (0, 1):
                bg = vc.berth[e]
                occ = float(berth_busy_share[bg] / cm.berths[bg][2]) if bg >= 0 else math.nan
                rows.append(self._port_row(cm.nodes[vc.ports[e]], vc.id, vc.service, bg, vc.count,
                                           float(calls[c, e]), float(ci[c, e]), [(c, e)], occ, years))
                by_port.setdefault(vc.ports[e], []).append((c, e))
        for port, cells in by_port.items():
            groups = sorted({cm.vessels[c].berth[e] for c, e in cells if cm.vessels[c].berth[e] >= 0})
            busy = sum(float(berth_busy_share[g]) for g in groups)
            cap = sum(cm.berths[g][2] for g in groups)
            rows.append(self._port_row(cm.nodes[port], ALL_CLASSES, "", -1,
                                       sum(cm.vessels[c].count for c, _ in cells),
                                       float(sum(calls[c, e] for c, e in cells)), math.nan, cells,
                                       busy / cap if cap else math.nan, years))
        return pd.DataFrame(rows, columns=PORT_COLUMNS)

    def _borders(self, window_h: float) -> pd.DataFrame:
        cm = self.cm
        n = max(self.n, 1)
        years = window_h / HOURS_PER_YEAR
        hist = self.dwell_hist.reshape(-1, DWELL_BINS)
        rows = []
        for i, s in enumerate(cm.servers):
            if s.kind not in NODE_SERVER_KINDS:
                continue
            node = s.node
            rows.append({"node": cm.nodes[node], "kind": cm.node_kind[node], "channels": s.c,
                         "trains": float(self.trains[i] / n / years),
                         "dwell_h_mean": _ratio(self.dwell_h[i], self.trains[i]),
                         "dwell_h_p90": hist_quantiles(hist[i], DWELL_BIN_H, (0.9,))[0],
                         "wait_h_mean": _ratio(self.wait_h[i], self.trains[i]),
                         "queue_mean": float(self.wait_h[i] / n / window_h) if window_h > 0 else math.nan,
                         "queue_max": float(self.queue_max[i])})
        return pd.DataFrame(rows, columns=BORDER_COLUMNS)
