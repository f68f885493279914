"""One replication's raw kernel records turned into its :class:`RepSummary` (plain Python)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from transcaspian.sim.compile import Compiled
from transcaspian.sim.inputs import Prepared

#: Width of a transit-time histogram bin (h) and number of bins (last bin open-ended).
BIN_H = 1.0
N_BINS = 24 * 240

#: Tracking-log event names (in the spirit of DCSA / GS1 EPCIS track-and-trace events).
EVENTS = ("RELEASE", "ARRIVE", "DEPART", "GATE_IN", "LOAD", "SPLIT", "DISCHARGE", "GATE_OUT",
          "DELIVER")


@dataclass
class RepSummary:
    """Everything one replication contributes to the Monte Carlo aggregates.

    Arrays are indexed like the compiled tables (flows, ODs, nodes, servers, berths,
    vessel classes, weather regimes). Units in the commodity's unit, times in hours.
    """

    horizon_h: float
    created_units: np.ndarray        # per flow, released at the origin within the horizon
    delivered_units: np.ndarray      # per flow
    delivered_lots: np.ndarray       # per flow
    wip_units: np.ndarray            # per flow, in progress at the end
    od_units: np.ndarray             # per OD, delivered units (after warm-up)
    od_unit_h: np.ndarray            # per OD, sum of units x transit (h)
    od_lots: np.ndarray              # per OD, delivered lots
    hist_key: np.ndarray             # sparse OD x bin histogram: od * N_BINS + bin ...
    hist_units: np.ndarray           # ... and delivered units in that bin
    node_wait_unit_h: np.ndarray     # per node, unit-hours waited within the horizon
    node_units: np.ndarray           # per node, units that queued there (incl. zero waits)
    node_wait_tonne_h: np.ndarray    # per node, tonne-hours waited within the horizon
    node_tonnes: np.ndarray          # per node, tonnes that queued there
    queue_nodes: np.ndarray          # nodes where cargo waited
    queue_daily: np.ndarray          # days x queue_nodes: mean tonnes waiting per day
    server_busy_h: np.ndarray        # per server, channel-hours of service
    berth_busy_h: np.ndarray         # per berth group, berth-hours occupied
    voyages: np.ndarray              # vessel class x end: departures
    voyage_fill: np.ndarray          # vessel class x end: sum of load factors
    voyage_units: np.ndarray         # vessel class x end x unit: units carried
    weather_closed_h: np.ndarray     # per weather regime, port closed hours in horizon
    weather_events: np.ndarray       # per weather regime, closures started
    weather_lost_h: np.ndarray       # per weather regime, vessel-hours held by closures
    events: int = 0
    log: Any = field(default=None, repr=False)   # tracking log (DataFrame) when asked
    window_h: float = 0.0            # measured window (h): the horizon less the warm-up
    ports: PortSummary | None = None


@dataclass
class PortSummary:
    """Port calls per vessel class and end, trains at node servers (measured window)."""

    calls: np.ndarray                # class x end: arrivals at the anchorage
    done: np.ndarray                 # class x end: completed calls (departures)
    turn_h: np.ndarray               # class x end: sum of arrival-to-departure times (h)
    anchor_h: np.ndarray             # class x end: sum of arrival-to-berthing times (h)
    berth_h: np.ndarray              # class x end: sum of berthing-to-departure times (h)
    turn_key: np.ndarray             # sparse (class * 2 + end) * TURN_BINS + bin ...
    turn_count: np.ndarray           # ... and completed calls in that bin
    trains: np.ndarray               # per server: trains through a node server
    wait_h: np.ndarray               # per server: sum of queue waits (h)
    dwell_h: np.ndarray              # per server: sum of arrival-to-leaving times (h)
    dwell_key: np.ndarray            # sparse server * DWELL_BINS + bin ...
    dwell_count: np.ndarray          # ... and trains in that bin
    queue_max: np.ndarray            # per server: most trains waiting at once


def port_summary(ports: dict[str, np.ndarray]) -> PortSummary:
    """The kernel's port arrays (:data:`~transcaspian.sim.kernel.run.PORT_KEYS`) as a
    :class:`PortSummary` with sparse histograms."""
    th, sh = np.asarray(ports["thist"], float).ravel(), np.asarray(ports["shist"], float).ravel()
    tk, sk = np.nonzero(th)[0], np.nonzero(sh)[0]
    return PortSummary(ports["calls"], ports["done"], ports["turn"], ports["anchor"], ports["atberth"], tk,
                       th[tk], ports["sn"], ports["swait"], ports["sdwell"], sk, sh[sk], ports["sqmax"])


@dataclass
class Raw:
    """One replication's records as the kernel leaves them (arrays sliced to their use)."""

    horizon_h: float
    events: int
    delivered: np.ndarray        # per flow: units, lots
    delivered_lots: np.ndarray
    wip: np.ndarray              # per flow, in progress at the end
    d_od: np.ndarray             # deliveries after warm-up: OD, transit (h), units
    d_tt: np.ndarray
    d_u: np.ndarray
    wn: np.ndarray               # waiting records: node, start, end (h), units, tonnes
    wt0: np.ndarray
    wt1: np.ndarray
    wu: np.ndarray
    wtn: np.ndarray
    nunits: np.ndarray           # per node, units / tonnes that queued there
    ntonnes: np.ndarray
    busy: np.ndarray             # per server, channel-hours
    berth_busy: np.ndarray
    voyages: np.ndarray
    vfill: np.ndarray
    vunits: np.ndarray
    weather_lost: np.ndarray
    log: Any = None
    warmup_h: float = 0.0        # start of the measured window (h)
    ports: dict[str, np.ndarray] | None = None


def summarise(cm: Compiled, prep: Prepared, raw: Raw) -> RepSummary:
    """Turn one replication's raw records into its :class:`RepSummary`."""
    H, W = raw.horizon_h, raw.warmup_h
    d_od, d_tt, d_u, wn, wt0, wt1, wu, wtn = (raw.d_od, raw.d_tt, raw.d_u, raw.wn, raw.wt0, raw.wt1,
                                              raw.wu, raw.wtn)
    n_nodes = len(cm.nodes)
    n_od = len(cm.ods)
    od_idx = np.asarray(d_od, dtype=np.int64)
    tt = np.asarray(d_tt, float)
    uu = np.asarray(d_u, float)
    od_units = np.bincount(od_idx, weights=uu, minlength=n_od)
    od_unit_h = np.bincount(od_idx, weights=uu * tt, minlength=n_od)
    od_lots = np.bincount(od_idx, minlength=n_od).astype(float)
    bins = np.minimum((tt / BIN_H).astype(np.int64), N_BINS - 1)
    hist_key, inv = np.unique(od_idx * N_BINS + bins, return_inverse=True)
    hist_units = np.bincount(inv.ravel(), weights=uu, minlength=hist_key.size)

    wn_a = np.asarray(wn, dtype=np.int64) % n_nodes
    t0a = np.clip(np.asarray(wt0, float), W, H)   # waits within the measured window
    t1a = np.clip(np.asarray(wt1, float), W, H)
    ua = np.asarray(wu, float)
    ta = np.asarray(wtn, float)
    node_wait = np.bincount(wn_a, weights=ua * (t1a - t0a), minlength=n_nodes)
    node_wait_t = np.bincount(wn_a, weights=ta * (t1a - t0a), minlength=n_nodes)
    n_days = max(1, math.ceil((H - W) / 24.0 - 1e-9))
    edges = np.minimum(W + np.arange(n_days + 1) * 24.0, H)
    pos = t1a > t0a
    qnodes = np.unique(wn_a[pos])
    queue = np.zeros((n_days, qnodes.size))
    for col, node in enumerate(qnodes.tolist()):
        m = pos & (wn_a == node)
        times = np.concatenate([t0a[m], t1a[m]])
        delta = np.concatenate([ta[m], -ta[m]])
        order = np.argsort(times, kind="stable")
        times, delta = times[order], delta[order]
        level = np.cumsum(delta)
        area = np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(times))])
        cum = np.interp(edges, times, area, left=0.0, right=area[-1])
        queue[:, col] = np.diff(cum) / np.maximum(np.diff(edges), 1e-12)
    return RepSummary(
        horizon_h=H, created_units=prep.created, delivered_units=np.asarray(raw.delivered, float),
        delivered_lots=np.asarray(raw.delivered_lots, float), wip_units=np.asarray(raw.wip, float),
        od_units=od_units, od_unit_h=od_unit_h, od_lots=od_lots, hist_key=hist_key,
        hist_units=hist_units, node_wait_unit_h=node_wait, node_units=np.asarray(raw.nunits, float),
        node_wait_tonne_h=node_wait_t, node_tonnes=np.asarray(raw.ntonnes, float), queue_nodes=qnodes,
        queue_daily=queue, server_busy_h=np.asarray(raw.busy, float),
        berth_busy_h=np.asarray(raw.berth_busy, float), voyages=raw.voyages, voyage_fill=raw.vfill,
        voyage_units=raw.vunits, weather_closed_h=prep.weather_closed,
        weather_events=prep.weather_events, weather_lost_h=np.asarray(raw.weather_lost, float),
        events=int(raw.events), log=raw.log, window_h=H - W,
        ports=port_summary(raw.ports) if raw.ports is not None else None)
