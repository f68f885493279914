"""The discrete-event core: one replication of the corridor over a horizon.

A custom event loop (``heapq`` over ``(time_h, seq, kind, a, b)`` tuples) drives trains,
lots and vessels through the compiled network (:mod:`transcaspian.sim.compile`).
FIFO servers (rail paths, borders, roads, pipelines) are evaluated with the Lindley
recursion at the moment a train reaches them, so a train costs one event per server it
meets; pure delays (junction fixed times, travel) are folded into the next event.

Semantics are documented in ``docs/simulator.md``; the SimPy model in
``tests/reference/simpy_model.py`` implements the same rules with processes and resources.
"""

from __future__ import annotations

import heapq
import itertools
import math
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from transcaspian.sim.compile import (
    HOURS_PER_MONTH,
    S_END,
    S_FORM,
    S_NODE,
    S_RAIL,
    S_SEA,
    S_YARD,
    Compiled,
    draw,
)

#: Width of a transit-time histogram bin (h) and number of bins (last bin open-ended).
BIN_H = 1.0
N_BINS = 24 * 240

E_TRAIN, E_VARR, E_VBERTH, E_VDISCH, E_VTIMEOUT, E_VDEPART, E_FORM = range(7)

#: Tracking-log event names (in the spirit of DCSA / GS1 EPCIS track-and-trace events).
EVENTS = ("RELEASE", "ARRIVE", "DEPART", "GATE_IN", "LOAD", "SPLIT", "DISCHARGE", "GATE_OUT",
          "DELIVER")


class _Sampler:
    """Block sampler of one distribution on its own random stream (vectorised draws)."""

    __slots__ = ("buf", "i", "n", "rng", "spec")

    def __init__(self, spec: Any, rng: np.random.Generator, n: int = 2048) -> None:
        self.spec, self.rng, self.n = spec, rng, n
        self.buf: list[float] = []
        self.i = 0

    def get(self) -> float:
        if self.i >= len(self.buf):
            self.buf = draw(self.spec, self.rng, self.n).tolist()
            self.i = 0
        x = self.buf[self.i]
        self.i += 1
        return x


class Lot:
    """Units of one flow that travel together (split when a carrier has less room)."""

    __slots__ = ("flow", "id", "parent", "route", "step", "t0", "tm", "units")

    def __init__(self, lid: int, flow: int, route: int, units: float, t0: float,
                 parent: int = -1) -> None:
        self.id, self.flow, self.route, self.units = lid, flow, route, units
        self.t0 = t0          # release time at the origin (h)
        self.tm = t0          # start of the current wait (h)
        self.step = 0
        self.parent = parent


class _Vessel:
    __slots__ = ("arr", "berth_t", "busy", "cls", "end", "fill", "idx", "load", "lots",
                 "token", "waiting")

    def __init__(self, idx: int, cls: int, end: int) -> None:
        self.idx, self.cls, self.end = idx, cls, end
        self.lots: list[Lot] = []
        self.load = [0.0, 0.0, 0.0, 0.0]
        self.fill = 0.0
        self.busy = 0.0
        self.token = 0
        self.arr = 0.0
        self.berth_t = 0.0
        self.waiting = False


def closures(rates: tuple[float, ...], spec: Any, rng: np.random.Generator,
             horizon_h: float) -> tuple[list[float], list[float], int]:
    """Storm closure intervals of one port over the horizon, overlaps merged.

    Closures start as a Poisson process with a monthly rate (events per 730-h month);
    each lasts a draw of the regime's duration distribution (h).

    Returns
    -------
    starts, ends, n_events
        Sorted disjoint intervals (h) and the number of closure events drawn.
    """
    months = max(1, math.ceil(horizon_h / HOURS_PER_MONTH))
    lam = np.tile(np.asarray(rates, float), months // 12 + 1)[:months]
    counts = rng.poisson(lam)
    total = int(counts.sum())
    st = np.repeat(np.arange(months) * HOURS_PER_MONTH, counts) + rng.uniform(0, HOURS_PER_MONTH, total)
    du = draw(spec, rng, total)
    order = np.argsort(st, kind="stable")
    st, du = st[order], du[order]
    starts: list[float] = []
    ends: list[float] = []
    for s, d in zip(st.tolist(), du.tolist(), strict=True):
        if d <= 0:
            continue
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], s + d)
        else:
            starts.append(s)
            ends.append(s + d)
    return starts, ends, total


def release_times(annual_trains: float, seasonality: tuple[float, ...], pattern: str,
                  rng: np.random.Generator, horizon_h: float) -> np.ndarray:
    """Train release times at an origin (h) over the horizon.

    The rate in month ``m`` is ``annual_trains / 8760 * seasonality[m]`` trains/h.
    ``poisson``: a non-homogeneous Poisson process (cumulative unit exponentials mapped
    through the inverse cumulative rate); ``regular``: the inverse cumulative rate at
    0, 1, 2, ... (one train per unit of cumulative rate, the first at time 0).
    """
    months = max(1, math.ceil(horizon_h / HOURS_PER_MONTH))
    rate = np.tile(np.asarray(seasonality, float), months // 12 + 1)[:months] * (
        annual_trains / 8760.0)
    cum = np.concatenate([[0.0], np.cumsum(rate * HOURS_PER_MONTH)])
    edges = np.arange(months + 1) * HOURS_PER_MONTH
    total = float(np.interp(horizon_h, edges, cum))
    if pattern == "regular":
        u = np.arange(0.0, total, 1.0) if total > 0 else np.empty(0)
    else:
        n = int(total + 6.0 * math.sqrt(total + 1.0) + 10)
        u = np.cumsum(rng.exponential(1.0, n))
        while u.size and u[-1] < total:
            u = np.concatenate([u, u[-1] + np.cumsum(rng.exponential(1.0, n))])
        u = u[u < total]
    if u.size == 0:
        return u
    seg = np.searchsorted(cum, u, side="right") - 1
    seg = np.clip(seg, 0, months - 1)
    r = rate[seg]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = edges[seg] + np.where(r > 0, (u - cum[seg]) / np.where(r > 0, r, 1.0), 0.0)
    return t[t < horizon_h]


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
    log: list[tuple[Any, ...]] | None = field(default=None, repr=False)


def run_replication(cm: Compiled, horizon_h: float, seed: np.random.SeedSequence | int,
                    log: bool = False, warmup_h: float = 0.0) -> RepSummary:
    """Simulate one replication.

    Parameters
    ----------
    cm
        Compiled scenario.
    horizon_h
        Simulated time (h).
    seed
        Seed sequence (or int) of this replication; child streams are spawned per purpose
        (arrivals, route choice, each distribution, each weather regime) so scenario
        variants with the same structure share random numbers (common random numbers).
    log
        Keep the tracking log: tuples ``(lot, parent, flow, event, place, time_h, units)``.
    warmup_h
        Lots released before this time (h) are left out of transit statistics.

    Returns
    -------
    RepSummary
    """
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    H = float(horizon_h)
    n_nodes = len(cm.nodes)
    nodes = cm.nodes
    routes = cm.routes
    chained = cm.chained or [[False] * len(r) for r in routes]
    lead = cm.lead or [0.0] * len(cm.servers)
    # server of each step (-1: none) and trains waiting in the event list to reach each server
    step_srv = [[(st[1] if 0 < st[0] < 4 else (st[2] if st[0] == S_NODE else -1)) for st in r]
                for r in routes]
    pend = [0] * len(cm.servers)
    flows = cm.flows
    n_units_kind = len(cm.units)

    prep = prepare(cm, H, ss)
    samplers = [_Sampler(spec, prep.streams[2 + i]) for i, spec in enumerate(cm.dists)]
    w_starts, w_ends, w_of_port = prep.w_starts, prep.w_ends, prep.w_of_port
    weather_lost = np.zeros(len(cm.weather))

    def next_open(port: int, t: float) -> float:
        st = w_starts.get(port)
        if not st:
            return t
        i = bisect_right(st, t) - 1
        if i >= 0:
            e = w_ends[port][i]
            if t < e:
                return e
        return t

    # -- state ----------------------------------------------------------------------------
    ev: list[tuple[float, int, int, Any, Any]] = []
    servers = cm.servers
    srv_c = [s.c for s in servers]
    srv_h = [s.service_h for s in servers]
    srv_d = [s.dist for s in servers]
    srv_pu = [s.per_unit for s in servers]
    free1 = [0.0] * len(servers)
    freec: list[list[float]] = [[0.0] * s.c for s in servers]
    busy = [0.0] * len(servers)

    lane_q: list[deque[Lot]] = [deque() for _ in cm.lanes]
    lane_unit = [u for (_, _, u) in cm.lanes]
    yard_cap = [c for (_, _, c) in cm.yards]
    yard_level = [0.0] * len(cm.yards)
    yard_q: list[deque[tuple[list[Any], float]]] = [deque() for _ in cm.yards]
    yard_of = cm.yard_of
    grp_buf: list[deque[Lot]] = [deque() for _ in cm.groups]
    grp_units = [0.0] * len(cm.groups)
    grp_token = [0] * len(cm.groups)
    grp_size = [g[2] for g in cm.groups]
    fmw = cm.formation_max_wait_h

    berth_free = [c for (_, _, c) in cm.berths]
    berth_q: list[deque[_Vessel]] = [deque() for _ in cm.berths]
    berth_busy = [0.0] * len(cm.berths)
    port_waiting: dict[int, list[_Vessel]] = {}
    slot_next: dict[tuple[str, int], int] = {}

    wn: list[int] = []
    wt0: list[float] = []
    wt1: list[float] = []
    wu: list[float] = []

    flow_unit = [f.unit for f in flows]
    flow_origin = [nodes.index(f.origin) for f in flows]
    delivered = [0.0] * len(flows)
    delivered_lots = [0] * len(flows)
    flow_od = [f.od for f in flows]
    d_od: list[int] = []
    d_tt: list[float] = []
    d_u: list[float] = []
    nvc = len(cm.vessels)
    voyages = [[0, 0] for _ in range(nvc)]
    vfill = [[0.0, 0.0] for _ in range(nvc)]
    vunits = [[[0.0] * n_units_kind, [0.0] * n_units_kind] for _ in range(nvc)]
    trk: list[tuple[Any, ...]] | None = [] if log else None
    lot_id = 0
    n_events = 0

    counter = itertools.count(1)
    nxt = counter.__next__
    hpush = heapq.heappush
    wtn: list[float] = []
    wn_add, wt0_add, wt1_add, wu_add = wn.append, wt0.append, wt1.append, wu.append
    wtn_add = wtn.append
    tpu = [f.tonnes_per_unit for f in flows]

    def push(t: float, kind: int, a: Any, b: Any = None) -> None:
        hpush(ev, (t, nxt(), kind, a, b))

    # units that queued at each node (counted once per passage) and the non-empty waits
    nunits = [0.0] * n_nodes
    ntonnes = [0.0] * n_nodes

    def wait(node: int, t0: float, t1: float, units: float, tonnes: float) -> None:
        if node < n_nodes:
            nunits[node] += units
            ntonnes[node] += tonnes
        if t1 > t0:
            wn_add(node)
            wt0_add(t0)
            wt1_add(t1)
            wu_add(units)
            wtn_add(tonnes)

    def track(lot: Lot, event: str, place: int, t: float) -> None:
        trk.append((lot.id, lot.parent, flows[lot.flow].id, event, nodes[place], t, lot.units))

    # -- trains and lots ------------------------------------------------------------------
    def run_train(tr: list[Any], t: float, now: float) -> None:
        """Advance a train [route, step, lots, units] from time t (>= now)."""
        r, si, lots, units, tons = tr
        steps = routes[r]
        ch = chained[r]
        while True:
            k, a, b, x, d = steps[si]
            if 0 < k < 4:  # rail section, road, pipeline: FIFO path server (Lindley)
                if t > now and not ch[si] and (pend[a] or not ev or t >= ev[0][0] + lead[a]):
                    tr[1] = si
                    pend[a] += 1
                    hpush(ev, (t, nxt(), E_TRAIN, tr, None))
                    return
                f = free1[a]
                start = f if f > t else t
                svc = srv_h[a] * units if srv_pu[a] else srv_h[a]
                free1[a] = start + svc
                busy[a] += svc
                wait(d, t, start, units, tons)
                t = start + x if k == S_RAIL else start + svc + x
                if b >= 0:
                    t += samplers[b].get()
                si += 1
            elif k == S_NODE:
                if b >= 0:
                    if t > now and not ch[si] and (pend[b] or not ev or t >= ev[0][0] + lead[b]):
                        tr[1] = si
                        pend[b] += 1
                        hpush(ev, (t, nxt(), E_TRAIN, tr, None))
                        return
                    if trk is not None:
                        for lot in lots:
                            track(lot, "ARRIVE", a, t)
                    svc = samplers[srv_d[b]].get() if srv_d[b] >= 0 else srv_h[b]
                    if srv_c[b] == 1:
                        f = free1[b]
                        start = f if f > t else t
                        free1[b] = start + svc
                    else:
                        fr = freec[b]
                        f = fr[0]
                        start = f if f > t else t
                        heapq.heapreplace(fr, start + svc)
                    busy[b] += svc
                    wait(a, t, start, units, tons)
                    t = start + svc
                t += x
                if d >= 0:
                    t += samplers[d].get()
                if trk is not None and b >= 0:
                    for lot in lots:
                        track(lot, "DEPART", a, t)
                si += 1
            else:
                if k == S_END and t <= H:
                    # delivery touches no shared state: record it now, without an event
                    for lot in lots:
                        deliver(lot, a, t)
                    return
                if t > now:
                    tr[1] = si
                    hpush(ev, (t, nxt(), E_TRAIN, tr, None))
                    return
                if k == S_YARD:
                    if trk is not None:
                        for lot in lots:
                            track(lot, "ARRIVE", a, t)
                    tr[1] = si
                    yq = yard_q[b]
                    if not yq and (yard_level[b] + units <= yard_cap[b] + 1e-9
                                   or yard_level[b] <= 1e-9):
                        admit(tr, t)
                    else:
                        yq.append((tr, t))
                    return
                for lot in lots:
                    lot.step = si
                    lot_step(lot, t)
                return

    def admit(tr: list[Any], t: float) -> None:
        """Gate a train's lots into the port yard and on to their next step."""
        r, si, lots, units, _ = tr
        port, y = routes[r][si][1], routes[r][si][2]
        yard_level[y] += units
        for lot in lots:
            if trk is not None:
                track(lot, "GATE_IN", port, t)
            lot.step = si + 1
            lot_step(lot, t)

    def admit_waiting(y: int, t: float) -> None:
        yq = yard_q[y]
        while yq and (yard_level[y] + yq[0][0][3] <= yard_cap[y] + 1e-9
                      or yard_level[y] <= 1e-9):
            tr, ta = yq.popleft()
            port = routes[tr[0]][tr[1]][1]
            wait(port, ta, t, tr[3], tr[4])
            admit(tr, t)

    def lot_step(lot: Lot, t: float) -> None:
        """A lot reaches step ``lot.step`` at time t (the current time)."""
        k, a, b, _, _ = routes[lot.route][lot.step]
        if k == S_SEA:
            lot.tm = t
            lane_q[a].append(lot)
            port = cm.lanes[a][0]
            wl = port_waiting.get(port)
            if wl:
                for v in list(wl):
                    vc = cm.vessels[v.cls]
                    if a in vc.lanes[v.end]:
                        load_vessel(v, t)
                        if vc.policy == "load_and_go" and v.fill >= vc.min_fill - 1e-9:
                            wl.remove(v)
                            v.waiting = False
                            v.token += 1
                            push(max(t, v.busy), E_VDEPART, v)
                        if not lane_q[a]:
                            break
        elif k == S_FORM:
            lot.tm = t
            buf = grp_buf[a]
            buf.append(lot)
            grp_units[a] += lot.units
            y = yard_of.get((b, flow_unit[lot.flow]))
            if y is not None:
                yard_level[y] += lot.units
            if grp_units[a] >= grp_size[a] - 1e-9:
                dispatch(a, t)
            elif len(buf) == 1:
                grp_token[a] += 1
                push(t + fmw, E_FORM, a, grp_token[a])
        elif k == S_END:
            deliver(lot, a, t)
        else:
            run_train([lot.route, lot.step, [lot], lot.units, lot.units * tpu[lot.flow]], t, t)

    def dispatch(g: int, t: float) -> None:
        """Form onward trains at a port from a formation group's buffer."""
        nonlocal lot_id
        buf = grp_buf[g]
        size = grp_size[g]
        port = cm.groups[g][1]
        while buf and (grp_units[g] >= size - 1e-9 or t >= buf[0].tm + fmw - 1e-9):
            lots: list[Lot] = []
            units = 0.0
            while buf and units < size - 1e-9:
                lot = buf[0]
                room = size - units
                if lot.units > room + 1e-9:
                    if flow_unit[lot.flow] != 3:
                        room = math.floor(room + 1e-9)
                    if room <= 0:
                        break
                    lot_id += 1
                    part = Lot(lot_id, lot.flow, lot.route, room, lot.t0, lot.id)
                    part.tm, part.step = lot.tm, lot.step
                    lot.units -= room
                    if trk is not None:
                        track(part, "SPLIT", port, t)
                    lot = part
                else:
                    buf.popleft()
                lots.append(lot)
                units += lot.units
            if not lots:
                break
            grp_units[g] -= units
            y = yard_of.get((port, flow_unit[lots[0].flow]))
            tons = 0.0
            for lot in lots:
                lt = lot.units * tpu[lot.flow]
                tons += lt
                wait(port, lot.tm, t, lot.units, lt)
                if trk is not None:
                    track(lot, "GATE_OUT", port, t)
            if y is not None:
                yard_level[y] -= units
            run_train([lots[0].route, lots[0].step + 1, lots, units, tons], t, t)
            if y is not None:
                admit_waiting(y, t)
        if buf:
            grp_token[g] += 1
            push(max(t, buf[0].tm + fmw), E_FORM, g, grp_token[g])

    def deliver(lot: Lot, node: int, t: float) -> None:
        f = lot.flow
        delivered[f] += lot.units
        delivered_lots[f] += 1
        if lot.t0 >= warmup_h:
            d_od.append(flow_od[f])
            d_tt.append(t - lot.t0)
            d_u.append(lot.units)
        if trk is not None:
            track(lot, "DELIVER", node, t)

    # -- vessels --------------------------------------------------------------------------
    def room_for(v: _Vessel, vc: Any, u: int) -> float:
        cap = vc.cap.get(u, 0.0)
        if cap <= 0:
            return 0.0
        room = (1.0 - v.fill) * cap if vc.shared else cap - v.load[u]
        if u != 3:
            return float(math.floor(room + 1e-6))
        return room if room > 1e-6 else 0.0

    # per vessel class and end: [(lane, unit, capacity, hours per unit, yard)], shared deck
    vlanes = [[[(ln, lane_unit[ln], vc.cap.get(lane_unit[ln], 0.0),
                 (1.0 / vc.rate[e][lane_unit[ln]]) if vc.rate[e].get(lane_unit[ln]) else 0.0,
                 yard_of.get((vc.ports[e], lane_unit[ln]), -1)) for ln in vc.lanes[e]]
                for e in (0, 1)] for vc in cm.vessels]

    def load_vessel(v: _Vessel, t: float) -> None:
        nonlocal lot_id
        vc = cm.vessels[v.cls]
        spec = vlanes[v.cls][v.end]
        shared = vc.shared
        touched = -1
        more = False
        while True:
            best = None
            best_tm = math.inf
            best_room = 0.0
            for item in spec:
                q = lane_q[item[0]]
                if q and q[0].tm < best_tm:
                    u, cap = item[1], item[2]
                    room = (1.0 - v.fill) * cap if shared else cap - v.load[u]
                    room = math.floor(room + 1e-6) if u != 3 else (room if room > 1e-6 else 0.0)
                    if room > 0:
                        best, best_tm, best_room = item, q[0].tm, room
            if best is None:
                break
            ln, u, cap, h_per_unit, y = best
            q = lane_q[ln]
            lot = q[0]
            if lot.units > best_room + 1e-9:
                lot_id += 1
                part = Lot(lot_id, lot.flow, lot.route, best_room, lot.t0, lot.id)
                part.tm, part.step = lot.tm, lot.step
                lot.units -= best_room
                if trk is not None:
                    track(part, "SPLIT", vc.ports[v.end], t)
                lot = part
            else:
                q.popleft()
            n = lot.units
            v.lots.append(lot)
            v.load[u] += n
            if shared:
                v.fill += n / cap
            else:
                v.fill = sum(v.load[uu] / c for uu, c in vc.cap.items()) / len(vc.cap)
            v.busy = (v.busy if v.busy > t else t) + n * h_per_unit
            if y >= 0:
                yard_level[y] -= n
                if touched < 0:
                    touched = y
                elif touched != y:
                    more = True
            if trk is not None:
                track(lot, "LOAD", vc.ports[v.end], t)
        if touched >= 0:
            if more:
                for item in spec:
                    if item[4] >= 0:
                        admit_waiting(item[4], t)
            elif yard_q[touched]:
                admit_waiting(touched, t)

    def v_arrive(v: _Vessel, t: float, first: bool) -> None:
        vc = cm.vessels[v.cls]
        port = vc.ports[v.end]
        if first:
            v.arr = t
            if trk is not None:
                for lot in v.lots:
                    track(lot, "ARRIVE", port, t)
        to = next_open(port, t)
        if to > t:
            weather_lost[w_of_port[port]] += to - t
            push(to, E_VARR, v, False)
            return
        bg = vc.berth[v.end]
        if bg < 0:
            berth(v, t)
        elif berth_free[bg] > 0:
            berth_free[bg] -= 1
            berth(v, t)
        else:
            berth_q[bg].append(v)

    def berth(v: _Vessel, t: float) -> None:
        vc = cm.vessels[v.cls]
        port = vc.ports[v.end]
        v.berth_t = t
        rate = vc.rate[v.end]
        h = vc.port_time_h[v.end]
        for u in range(n_units_kind):
            if v.load[u] > 0 and rate.get(u):
                h += v.load[u] / rate[u]
        for lot in v.lots:
            wait(port, v.arr, t, lot.units, lot.units * tpu[lot.flow])
        push(t + h, E_VDISCH, v)

    def v_discharged(v: _Vessel, t: float) -> None:
        vc = cm.vessels[v.cls]
        port = vc.ports[v.end]
        lots = v.lots
        v.lots = []
        v.load = [0.0, 0.0, 0.0, 0.0]
        v.fill = 0.0
        v.busy = t
        for lot in lots:
            if trk is not None:
                track(lot, "DISCHARGE", port, t)
            lot.step += 1
            lot_step(lot, t)
        if not vc.lanes[v.end]:   # no cargo can ever load here: sail back in ballast
            push(max(t, v.busy), E_VDEPART, v)
            return
        load_vessel(v, t)
        if vc.policy == "load_and_go":
            if v.fill >= vc.min_fill - 1e-9:
                push(max(t, v.busy), E_VDEPART, v)
                return
            deadline = t + vc.max_wait_h
        else:
            key = (vc.service, v.end)
            k = max(math.ceil(t / vc.interval_h - 1e-9), slot_next.get(key, 0))
            slot_next[key] = k + 1
            deadline = k * vc.interval_h
        v.waiting = True
        port_waiting.setdefault(port, []).append(v)
        v.token += 1
        push(deadline, E_VTIMEOUT, v, v.token)

    def v_depart(v: _Vessel, t: float) -> None:
        vc = cm.vessels[v.cls]
        port = vc.ports[v.end]
        to = next_open(port, t)
        if to > t:
            weather_lost[w_of_port[port]] += to - t
            push(to, E_VDEPART, v)
            return
        e = v.end
        voyages[v.cls][e] += 1
        vfill[v.cls][e] += v.fill
        vu = vunits[v.cls][e]
        load = v.load
        for u in range(n_units_kind):
            vu[u] += load[u]
        for lot in v.lots:
            wait(port, lot.tm, t, lot.units, lot.units * tpu[lot.flow])
        if trk is not None:
            for lot in v.lots:
                track(lot, "DEPART", port, t)
        bg = vc.berth[e]
        if bg >= 0:
            berth_busy[bg] += min(t, H) - min(v.berth_t, H)
            if berth_q[bg]:
                v2 = berth_q[bg].popleft()
                t2 = next_open(port, t)
                if t2 > t:
                    weather_lost[w_of_port[port]] += t2 - t
                    push(t2, E_VBERTH, v2)
                else:
                    berth(v2, t)
            else:
                berth_free[bg] += 1
        v.end = 1 - e
        push(t + vc.crossing_h, E_VARR, v, True)

    # -- initial events -------------------------------------------------------------------
    init: list[tuple[float, int, int, Any, Any]] = []
    rel_t, rel_r, rel_f, rel_u = prep.releases
    for t0, r, fi, u in zip(rel_t.tolist(), rel_r.tolist(), rel_f.tolist(), rel_u.tolist(), strict=True):
        lot_id += 1
        lot = Lot(lot_id, fi, r, u, t0)
        init.append((t0, nxt(), E_TRAIN, [r, 0, [lot], u, u * tpu[fi]], True))
        if step_srv[r][0] >= 0:
            pend[step_srv[r][0]] += 1
    vi = 0
    for ci, vc in enumerate(cm.vessels):
        for k in range(vc.count):
            v = _Vessel(vi, ci, k % 2)
            vi += 1
            init.append((0.0, nxt(), E_VARR, v, True))
    ev.extend(init)
    heapq.heapify(ev)

    # -- main loop ------------------------------------------------------------------------
    pop = heapq.heappop
    while ev and ev[0][0] <= H:
        t, _, kind, a, b = pop(ev)
        n_events += 1
        if kind == E_TRAIN:
            sv = step_srv[a[0]][a[1]]
            if sv >= 0:
                pend[sv] -= 1
            if b is True and trk is not None:
                track(a[2][0], "RELEASE", flow_origin[a[2][0].flow], t)
            run_train(a, t, t)
        elif kind == E_VARR:
            v_arrive(a, t, b)
        elif kind == E_VDISCH:
            v_discharged(a, t)
        elif kind == E_VDEPART:
            v_depart(a, t)
        elif kind == E_VTIMEOUT:
            if b == a.token and a.waiting:
                a.waiting = False
                port_waiting[cm.vessels[a.cls].ports[a.end]].remove(a)
                a.token += 1
                push(max(t, a.busy), E_VDEPART, a)
        elif kind == E_VBERTH:
            berth(a, t)
        elif kind == E_FORM and b == grp_token[a]:
            dispatch(a, t)

    # -- end of horizon: work in progress and open waits ---------------------------------
    wip = np.zeros(len(flows))
    for t, _, kind, a, b in ev:
        if kind == E_TRAIN and not (b is True and t > H):
            for lot in a[2]:
                wip[lot.flow] += lot.units
    for ln, q in enumerate(lane_q):
        for lot in q:
            wip[lot.flow] += lot.units
            wait(cm.lanes[ln][0], lot.tm, H, lot.units, lot.units * tpu[lot.flow])
    for g, buf in enumerate(grp_buf):
        for lot in buf:
            wip[lot.flow] += lot.units
            wait(cm.groups[g][1], lot.tm, H, lot.units, lot.units * tpu[lot.flow])
    for y, yq in enumerate(yard_q):
        for tr, ta in yq:
            for lot in tr[2]:
                wip[lot.flow] += lot.units
            wait(cm.yards[y][0], ta, H, tr[3], tr[4])
    seen: set[int] = set()
    for _, _, _, a, _ in ev:
        if isinstance(a, _Vessel) and a.idx not in seen:
            seen.add(a.idx)
            for lot in a.lots:
                wip[lot.flow] += lot.units
    for wl in port_waiting.values():
        for v in wl:
            if v.idx not in seen:
                seen.add(v.idx)
                for lot in v.lots:
                    wip[lot.flow] += lot.units
    for bq in berth_q:
        for v in bq:
            if v.idx not in seen:
                seen.add(v.idx)
                for lot in v.lots:
                    wip[lot.flow] += lot.units
    # berths still occupied at the end
    for _, _, kind, a, _ in ev:
        if kind in (E_VDISCH, E_VDEPART, E_VTIMEOUT) and isinstance(a, _Vessel):
            bg = cm.vessels[a.cls].berth[a.end]
            if bg >= 0 and a.berth_t < H:
                berth_busy[bg] += H - a.berth_t

    return summarise(cm, H, prep, n_events, delivered, delivered_lots, wip, d_od, d_tt, d_u,
                     wn, wt0, wt1, wu, wtn, nunits, ntonnes, busy, berth_busy,
                     np.asarray(voyages, float).reshape(nvc, 2),
                     np.asarray(vfill, float).reshape(nvc, 2),
                     np.asarray(vunits, float).reshape(nvc, 2, n_units_kind), weather_lost, trk)


@dataclass
class Prepared:
    """Random inputs of one replication, drawn the same way for every engine."""

    streams: list[np.random.Generator]
    children: list[np.random.SeedSequence]
    releases: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # time, route, flow, units
    created: np.ndarray
    w_starts: dict[int, list[float]]
    w_ends: dict[int, list[float]]
    w_of_port: dict[int, int]
    weather_closed: np.ndarray
    weather_events: np.ndarray


def prepare(cm: Compiled, horizon_h: float, ss: np.random.SeedSequence) -> Prepared:
    """Spawn the replication's streams, draw storm closures and train releases.

    Streams: 0 arrivals, 1 route choice, 2.. one per distribution (used as the
    replication runs), then one per weather regime.
    """
    H = float(horizon_h)
    children = ss.spawn(cm.n_streams)
    streams = [np.random.default_rng(c) for c in children]
    rng_arr, rng_route = streams[0], streams[1]
    w_starts: dict[int, list[float]] = {}
    w_ends: dict[int, list[float]] = {}
    w_of_port: dict[int, int] = {}
    weather_closed = np.zeros(len(cm.weather))
    weather_events = np.zeros(len(cm.weather))
    for wi, (port, rates, dist) in enumerate(cm.weather):
        st, en, cnt = closures(rates, cm.dists[dist], streams[2 + len(cm.dists) + wi], H)
        if port in w_starts:  # two regimes on one port: merge
            allv = sorted(zip(w_starts[port] + st, w_ends[port] + en, strict=True))
            st, en = [], []
            for s, e in allv:
                if en and s <= en[-1]:
                    en[-1] = max(en[-1], e)
                else:
                    st.append(s)
                    en.append(e)
        w_starts[port], w_ends[port] = st, en
        w_of_port[port] = wi
        weather_events[wi] = cnt
    for port, wi in w_of_port.items():
        weather_closed[wi] = sum(max(0.0, min(e, H) - s) for s, e in
                                 zip(w_starts[port], w_ends[port], strict=True) if s < H)
    created = np.zeros(len(cm.flows))
    parts_t, parts_r, parts_f, parts_u = [], [], [], []
    for fi, f in enumerate(cm.flows):
        times = release_times(f.annual_units / f.units_per_train, f.seasonality, f.arrivals,
                              rng_arr, H)
        if len(f.routes) == 1:
            choice = np.zeros(times.size, dtype=np.int64)
            rng_route.random(times.size)
        else:
            choice = np.searchsorted(np.cumsum(f.shares), rng_route.random(times.size) * 0.999999999)
        created[fi] = times.size * f.units_per_train
        parts_t.append(times)
        parts_r.append(np.asarray(f.routes, np.int64)[choice])
        parts_f.append(np.full(times.size, fi, np.int64))
        parts_u.append(np.full(times.size, f.units_per_train))

    def cat(xs: list[np.ndarray], dt: Any) -> np.ndarray:
        return np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt)

    releases = (cat(parts_t, float), cat(parts_r, np.int64), cat(parts_f, np.int64),
                cat(parts_u, float))
    return Prepared(streams, children, releases, created, w_starts, w_ends, w_of_port,
                    weather_closed, weather_events)


def summarise(cm: Compiled, H: float, prep: Prepared, n_events: int, delivered: Any,
              delivered_lots: Any, wip: np.ndarray, d_od: Any, d_tt: Any, d_u: Any, wn: Any,
              wt0: Any, wt1: Any, wu: Any, wtn: Any, nunits: Any, ntonnes: Any, busy: Any,
              berth_busy: Any, voyages: np.ndarray, vfill: np.ndarray, vunits: np.ndarray,
              weather_lost: np.ndarray, trk: list[tuple[Any, ...]] | None) -> RepSummary:
    """Turn one replication's raw records into its :class:`RepSummary` (both engines)."""
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
    t0a = np.minimum(np.asarray(wt0, float), H)
    t1a = np.minimum(np.asarray(wt1, float), H)
    ua = np.asarray(wu, float)
    ta = np.asarray(wtn, float)
    node_wait = np.bincount(wn_a, weights=ua * (t1a - t0a), minlength=n_nodes)
    node_wait_t = np.bincount(wn_a, weights=ta * (t1a - t0a), minlength=n_nodes)
    n_days = max(1, math.ceil(H / 24.0 - 1e-9))
    edges = np.minimum(np.arange(n_days + 1) * 24.0, H)
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
        horizon_h=H, created_units=prep.created, delivered_units=np.asarray(delivered, float),
        delivered_lots=np.asarray(delivered_lots, float), wip_units=np.asarray(wip, float),
        od_units=od_units, od_unit_h=od_unit_h, od_lots=od_lots, hist_key=hist_key,
        hist_units=hist_units, node_wait_unit_h=node_wait, node_units=np.asarray(nunits, float),
        node_wait_tonne_h=node_wait_t, node_tonnes=np.asarray(ntonnes, float), queue_nodes=qnodes,
        queue_daily=queue, server_busy_h=np.asarray(busy, float),
        berth_busy_h=np.asarray(berth_busy, float), voyages=voyages, voyage_fill=vfill,
        voyage_units=vunits, weather_closed_h=prep.weather_closed,
        weather_events=prep.weather_events, weather_lost_h=np.asarray(weather_lost, float),
        events=int(n_events), log=trk)

