"""Named state of the simulator kernel: the compiled network, one replication's inputs
and its mutable state, each a NamedTuple of numpy arrays (numba passes them by name).

Indices: every route step is a row of :class:`Steps` (global step index); trains, lots
and vessels are integer ids into preallocated arrays; queues (lanes, formation buffers,
yard gates, berth queues, vessels waiting for cargo) are linked lists through ``next``
arrays. Scalar counters (heap size, event sequence, lots in use, ...) live in the
``Counters`` array ``State.k`` under the ``K_*`` indices below.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Event kinds in the heap.
E_TRAIN, E_VARR, E_VBERTH, E_VDISCH, E_VTIMEOUT, E_VDEPART, E_FORM, E_BOUT, E_BIN = range(9)
#: Actions on the work stack (all at the current instant).
A_TRAIN, A_LOT, A_ADMIT, A_AFTER_DISCH, A_DISPATCH = range(5)
#: Overflow flags: a preallocated array was too small; the run is repeated with larger ones.
OVERFLOW_LOTS, OVERFLOW_TRAINS, OVERFLOW_WAITS, OVERFLOW_SAMPLES, OVERFLOW_HEAP, OVERFLOW_LOG = (
    1, 2, 4, 8, 16, 32)
#: Indices into the counters array ``State.k``.
K_HN, K_SEQ, K_LOTS, K_TRAINS, K_WAITS, K_DELIV, K_OVERFLOW, K_SN, K_EVENTS, K_LOG = range(10)
#: Tracking-log event codes (names in :data:`transcaspian.sim.summary.EVENTS`).
L_RELEASE, L_ARRIVE, L_DEPART, L_GATE_IN, L_LOAD, L_SPLIT, L_DISCHARGE, L_GATE_OUT, L_DELIVER = range(9)
#: Port and border performance histograms: vessel turnaround bins (h, count; the last bin is
#: open-ended), train dwell bins at node servers (h, count), trains remembered per server
#: queue (a longer queue is counted as this many).
TURN_BIN_H, TURN_BINS = 1.0, 4096
DWELL_BIN_H, DWELL_BINS = 0.25, 2048
QUEUE_RING = 256


class Steps(NamedTuple):
    """Route steps, one row per (route, step): kind and the fields of ``compile.Step``."""

    kind: np.ndarray      # S_* step kind
    a: np.ndarray
    b: np.ndarray
    x: np.ndarray         # fixed time (h)
    d: np.ndarray
    chain: np.ndarray     # bool: evaluate at once (no event) when reached
    srv: np.ndarray       # server the step queues at (-1: none)


class Servers(NamedTuple):
    """FIFO servers (sections, borders, nodes, roads, pipelines)."""

    c: np.ndarray         # channels
    service_h: np.ndarray
    dist: np.ndarray      # service-time distribution (-1: fixed)
    per_unit: np.ndarray  # bool: service time per unit carried
    off: np.ndarray       # first channel of each server in ``SrvState.free``
    lead: np.ndarray      # h: how far ahead a train may be evaluated without an event


class Network(NamedTuple):
    """The compiled scenario as arrays (built once per run, shared by replications)."""

    n_nodes: int
    steps: Steps
    servers: Servers
    lane_port: np.ndarray
    lane_unit: np.ndarray
    yard_cap: np.ndarray
    yard_of: np.ndarray       # (node, unit) -> yard (-1: none)
    grp_port: np.ndarray
    grp_size: np.ndarray      # units per onward train
    grp_yard: np.ndarray
    grp_max_wait: np.ndarray  # h: longest wait before a part-filled train leaves
    berth_count: np.ndarray
    berth_port: np.ndarray    # port node of each berth group
    vc_port: np.ndarray       # (class, end) -> port node
    vc_cap: np.ndarray        # (class, unit) -> usable units per voyage
    vc_shared: np.ndarray
    vc_cross: np.ndarray      # h
    vc_ptime: np.ndarray      # (class, end) h
    vc_berth: np.ndarray      # (class, end) berth group (-1: none)
    vc_hpu: np.ndarray        # (class, end, unit) h per unit handled
    vc_lanes: np.ndarray      # (class, end, k) lanes loaded (-1: end)
    vc_policy: np.ndarray     # 0 load_and_go, 1 scheduled
    vc_minfill: np.ndarray
    vc_maxwait: np.ndarray
    vc_interval: np.ndarray
    vc_svc: np.ndarray
    n_svc: int
    fleet_cls: np.ndarray     # per vessel: class and starting end
    fleet_end: np.ndarray
    flow_od: np.ndarray
    flow_unit: np.ndarray
    flow_tpu: np.ndarray      # tonnes per unit
    flow_origin: np.ndarray   # origin node
    n_weather: int


class Inputs(NamedTuple):
    """One replication's random inputs and settings."""

    horizon_h: float
    warmup_h: float
    track: bool
    samp: np.ndarray          # pre-drawn samples of every distribution, concatenated
    samp_off: np.ndarray
    samp_len: np.ndarray
    w_off: np.ndarray         # closures of each port: w_st/w_en[w_off[p]:w_off[p+1]]
    w_st: np.ndarray
    w_en: np.ndarray
    w_of_port: np.ndarray
    rel_t: np.ndarray         # train releases: time, first step, flow, units
    rel_gs: np.ndarray
    rel_flow: np.ndarray
    rel_units: np.ndarray
    s_off: np.ndarray         # dated closures of each server: s_st/s_en[s_off[i]:s_off[i+1]]
    s_st: np.ndarray
    s_en: np.ndarray
    v_off: np.ndarray         # out-of-service windows of each vessel (events, off-hire)
    v_st: np.ndarray
    v_en: np.ndarray
    bo_grp: np.ndarray        # berth outages: berth group, start, end (h), berths out
    bo_st: np.ndarray
    bo_en: np.ndarray
    bo_cnt: np.ndarray


class Heap(NamedTuple):
    """Binary heap of pending events ordered by (time, sequence)."""

    t: np.ndarray
    seq: np.ndarray
    kind: np.ndarray
    a: np.ndarray
    b: np.ndarray


class Lots(NamedTuple):
    """Lots: units of one flow travelling together (ids in release order, then splits)."""

    flow: np.ndarray
    gs: np.ndarray            # current step
    units: np.ndarray
    t0: np.ndarray            # release time (h)
    tm: np.ndarray            # start of the current wait (h)
    next: np.ndarray          # next lot in its train / queue
    parent: np.ndarray        # lot it was split from (-1: none)


class Trains(NamedTuple):
    """Trains: a chain of lots moving through the route steps together."""

    gs: np.ndarray
    head: np.ndarray          # first lot
    units: np.ndarray
    tons: np.ndarray
    qnext: np.ndarray         # yard-gate queue
    qarr: np.ndarray          # time it joined the yard-gate queue (h)


class SrvState(NamedTuple):
    """FIFO servers' state."""

    free: np.ndarray          # per channel: free from (h)
    busy: np.ndarray          # channel-hours served
    pend: np.ndarray          # trains in the heap about to reach the server
    spos: np.ndarray          # samples used per distribution


class Queues(NamedTuple):
    """Lanes (cargo waiting for a vessel), yards and formation groups."""

    lane_head: np.ndarray
    lane_tail: np.ndarray
    yard_level: np.ndarray
    yq_head: np.ndarray
    yq_tail: np.ndarray
    g_head: np.ndarray
    g_tail: np.ndarray
    g_units: np.ndarray
    g_token: np.ndarray


class Fleet(NamedTuple):
    """Berths and vessels."""

    berth_free: np.ndarray
    bq_head: np.ndarray
    bq_tail: np.ndarray
    berth_busy: np.ndarray
    cls: np.ndarray
    end: np.ndarray
    head: np.ndarray          # lots aboard
    tail: np.ndarray
    load: np.ndarray          # (vessel, unit)
    fill: np.ndarray
    busy: np.ndarray          # handling busy until (h)
    token: np.ndarray
    arr: np.ndarray
    bt: np.ndarray            # berthing time
    inberth: np.ndarray
    waiting: np.ndarray
    bnext: np.ndarray         # berth queue
    pprev: np.ndarray         # vessels waiting for cargo at a port
    pnext: np.ndarray
    pw_head: np.ndarray
    pw_tail: np.ndarray
    slot_next: np.ndarray     # (service, end): next timetable slot
    o_pend: np.ndarray        # per berth outage: berths still to withdraw (busy when it began)
    o_taken: np.ndarray       # per berth outage: berths withdrawn
    bt0: np.ndarray           # first berthing of the current call (h; recording only)


class Stats(NamedTuple):
    """What one replication records for its summary."""

    wn: np.ndarray            # waiting records: node, start, end, units, tonnes
    wt0: np.ndarray
    wt1: np.ndarray
    wu: np.ndarray
    wtn: np.ndarray
    nunits: np.ndarray        # per node: units / tonnes that queued there
    ntons: np.ndarray
    delivered: np.ndarray
    delivered_lots: np.ndarray
    d_od: np.ndarray          # deliveries in the measured window: OD, transit (h), units
    d_tt: np.ndarray
    d_u: np.ndarray
    voyages: np.ndarray
    vfill: np.ndarray
    vunits: np.ndarray
    wlost: np.ndarray
    wip: np.ndarray


class PortStats(NamedTuple):
    """Port calls per vessel class and end, and trains at node servers (for the
    ``port_performance`` and ``border_performance`` tables)."""

    calls: np.ndarray         # (class, end): arrivals at the anchorage
    done: np.ndarray          # (class, end): departures (completed calls)
    turn: np.ndarray          # (class, end): sum of arrival-to-departure times (h)
    anchor: np.ndarray        # (class, end): sum of arrival-to-berthing times (h)
    atberth: np.ndarray       # (class, end): sum of berthing-to-departure times (h)
    thist: np.ndarray         # (class, end, TURN_BINS): completed calls by turnaround
    sn: np.ndarray            # per server: trains through a node server
    swait: np.ndarray         # per server: sum of queue waits (h)
    sdwell: np.ndarray        # per server: sum of arrival-to-leaving times (h)
    shist: np.ndarray         # (server, DWELL_BINS): trains by dwell
    sqmax: np.ndarray         # per server: most trains waiting at once
    ring: np.ndarray          # (server, QUEUE_RING): service starts of trains still waiting
    rhead: np.ndarray
    rtail: np.ndarray


class Stack(NamedTuple):
    """Work at the current instant (actions), instead of recursion."""

    kind: np.ndarray
    id: np.ndarray
    t: np.ndarray


class Log(NamedTuple):
    """Tracking log rows (empty arrays when not tracking)."""

    lot: np.ndarray
    event: np.ndarray
    place: np.ndarray
    time: np.ndarray
    units: np.ndarray


class State(NamedTuple):
    """Everything that changes during one replication."""

    k: np.ndarray             # counters, K_* indices
    heap: Heap
    lots: Lots
    trains: Trains
    srv: SrvState
    q: Queues
    fleet: Fleet
    stats: Stats
    stack: Stack
    log: Log
    ps: PortStats


class Caps(NamedTuple):
    """Rows preallocated per array (grown and rerun on overflow)."""

    lots: int
    trains: int
    waits: int
    heap: int
    log: int


def new_state(net: Network, inp: Inputs, caps: Caps) -> State:
    """Fresh state of one replication with preallocated arrays of the given sizes."""
    n_srv = net.servers.c.shape[0]
    n_flows = net.flow_od.shape[0]
    n_vc = net.vc_port.shape[0]
    n_v = net.fleet_cls.shape[0]
    n_lanes, n_yards, n_grp = net.lane_port.shape[0], net.yard_cap.shape[0], net.grp_port.shape[0]
    n_b, nn = net.berth_count.shape[0], net.n_nodes
    i64 = np.int64

    def neg(n: int) -> np.ndarray:
        return np.full(n, -1, i64)

    cl, ct, cw = caps.lots, caps.trains, caps.waits
    heap = Heap(np.empty(caps.heap), np.empty(caps.heap, i64), np.empty(caps.heap, i64),
                np.empty(caps.heap, i64), np.empty(caps.heap, i64))
    lots = Lots(np.empty(cl, i64), np.empty(cl, i64), np.empty(cl), np.empty(cl), np.empty(cl), neg(cl),
                neg(cl))
    trains = Trains(np.empty(ct, i64), np.empty(ct, i64), np.empty(ct), np.empty(ct), neg(ct), np.empty(ct))
    srv = SrvState(np.zeros(max(1, int(net.servers.off[n_srv]))), np.zeros(n_srv), np.zeros(n_srv, i64),
                   np.zeros(inp.samp_off.shape[0], i64))
    q = Queues(neg(n_lanes), neg(n_lanes), np.zeros(n_yards), neg(n_yards), neg(n_yards), neg(n_grp),
               neg(n_grp), np.zeros(n_grp), np.zeros(n_grp, i64))
    fleet = Fleet(net.berth_count.copy(), neg(n_b), neg(n_b), np.zeros(n_b), net.fleet_cls.copy(),
                  net.fleet_end.copy(), neg(n_v), neg(n_v), np.zeros((n_v, 4)), np.zeros(n_v),
                  np.zeros(n_v), np.zeros(n_v, i64), np.zeros(n_v), np.zeros(n_v), np.zeros(n_v, np.bool_),
                  np.zeros(n_v, np.bool_), neg(n_v), neg(n_v), neg(n_v), neg(nn), neg(nn),
                  np.zeros((max(1, net.n_svc), 2), i64), np.zeros(inp.bo_grp.shape[0], i64),
                  np.zeros(inp.bo_grp.shape[0], i64), np.full(n_v, -1.0))
    stats = Stats(np.empty(cw, i64), np.empty(cw), np.empty(cw), np.empty(cw), np.empty(cw), np.zeros(nn),
                  np.zeros(nn), np.zeros(n_flows), np.zeros(n_flows), np.empty(cl, i64), np.empty(cl),
                  np.empty(cl), np.zeros((n_vc, 2)), np.zeros((n_vc, 2)), np.zeros((n_vc, 2, 4)),
                  np.zeros(max(1, net.n_weather)), np.zeros(n_flows))
    # at most one pending action per lot and per train, plus a few per vessel and group
    cs = 2 * cl + 4 * n_v + 2 * n_grp + 1024
    stack = Stack(np.empty(cs, i64), np.empty(cs, i64), np.empty(cs))
    log = Log(np.empty(caps.log, i64), np.empty(caps.log, i64), np.empty(caps.log, i64),
              np.empty(caps.log), np.empty(caps.log))
    z2 = np.zeros((n_vc, 2))
    ps = PortStats(z2, z2.copy(), z2.copy(), z2.copy(), z2.copy(), np.zeros((n_vc, 2, TURN_BINS)),
                   np.zeros(n_srv), np.zeros(n_srv), np.zeros(n_srv), np.zeros((n_srv, DWELL_BINS)),
                   np.zeros(n_srv), np.zeros((n_srv, QUEUE_RING)), np.zeros(n_srv, i64), np.zeros(n_srv, i64))
    return State(np.zeros(10, i64), heap, lots, trains, srv, q, fleet, stats, stack, log, ps)
