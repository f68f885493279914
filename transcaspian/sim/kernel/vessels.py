"""Kernel handlers for vessels: arrival and berthing (weather, berth groups), discharge,
loading from the lanes, the departure rule (load-and-go or timetable) and departure."""

from __future__ import annotations

import math

from numba import njit

from transcaspian.sim.kernel.ops import (
    act,
    append_lot,
    log_chain,
    log_lot,
    next_open,
    push,
    push_lots,
    take_lot,
    vessel_back,
    wait_chain,
)
from transcaspian.sim.kernel.record import call_done
from transcaspian.sim.kernel.state import (
    A_ADMIT,
    A_AFTER_DISCH,
    E_VARR,
    E_VBERTH,
    E_VDEPART,
    E_VDISCH,
    E_VTIMEOUT,
    K_OVERFLOW,
    L_ARRIVE,
    L_DEPART,
    L_DISCHARGE,
    L_LOAD,
    Inputs,
    Network,
    State,
)


@njit(cache=True, _nrt=False, inline="always")
def _hold(inp: Inputs, st: State, port: int, now: float) -> float:
    """When the port is closed by weather: the time it opens, vessel-hours counted as lost."""
    to = next_open(inp, port, now)
    if to > now and inp.w_of_port[port] >= 0:
        st.stats.wlost[inp.w_of_port[port]] += to - now
    return to


@njit(cache=True, _nrt=False)
def arrive(net: Network, inp: Inputs, st: State, v: int, now: float, first: bool) -> None:
    """Vessel ``v`` at anchor off its port (``first``: just arrived): berth when open and free."""
    fl = st.fleet
    c, e = fl.cls[v], fl.end[v]
    port = net.vc_port[c, e]
    if first:
        fl.arr[v] = now
        fl.bt0[v] = -1.0
        st.ps.calls[c, e] += 1.0
        log_chain(st, inp, fl.head[v], L_ARRIVE, port, now)
    to = _hold(inp, st, port, now)
    if to > now:
        push(st, to, E_VARR, v, 0)
        return
    bg = net.vc_berth[c, e]
    if bg < 0:
        berth(net, inp, st, v, now)
    elif fl.berth_free[bg] > 0:
        fl.berth_free[bg] -= 1
        berth(net, inp, st, v, now)
    else:
        fl.bnext[v] = -1
        if fl.bq_tail[bg] < 0:
            fl.bq_head[bg] = v
        else:
            fl.bnext[fl.bq_tail[bg]] = v
        fl.bq_tail[bg] = v


@njit(cache=True, _nrt=False)
def berth(net: Network, inp: Inputs, st: State, v: int, now: float) -> None:
    """Vessel ``v`` berths: its cargo's anchorage wait ends; discharge takes port time plus
    units over the berth's rates."""
    fl = st.fleet
    c, e = fl.cls[v], fl.end[v]
    port = net.vc_port[c, e]
    fl.bt[v] = now
    if fl.bt0[v] < 0.0:   # the call's first berthing (a vessel back from dry-dock berths again)
        fl.bt0[v] = now
    fl.inberth[v] = True
    h = net.vc_ptime[c, e]
    for u in range(4):
        if fl.load[v, u] > 0:
            h += fl.load[v, u] * net.vc_hpu[c, e, u]
    wait_chain(net, st, fl.head[v], port, fl.arr[v], now)
    push(st, now + h, E_VDISCH, v, 0)


@njit(cache=True, _nrt=False)
def discharged(net: Network, inp: Inputs, st: State, v: int, now: float) -> None:
    """Discharge done: the lots move on (first aboard first), then the vessel loads."""
    fl = st.fleet
    act(st, A_AFTER_DISCH, v, now)   # handled after the lots
    log_chain(st, inp, fl.head[v], L_DISCHARGE, net.vc_port[fl.cls[v], fl.end[v]], now)
    push_lots(st, fl.head[v], -1, now)
    fl.head[v] = -1
    fl.tail[v] = -1
    for u in range(4):
        fl.load[v, u] = 0.0
    fl.fill[v] = 0.0
    fl.busy[v] = now


@njit(cache=True, _nrt=False, inline="always")
def _room(net: Network, st: State, v: int, c: int, u: int) -> float:
    """Room for units of kind ``u`` aboard vessel ``v`` (whole units except tonnes)."""
    cap = net.vc_cap[c, u]
    if cap <= 0:
        return 0.0
    fl = st.fleet
    room = (1.0 - fl.fill[v]) * cap if net.vc_shared[c] else cap - fl.load[v, u]
    if u != 3:
        return math.floor(room + 1e-6)
    return room if room > 1e-6 else 0.0


@njit(cache=True, _nrt=False, inline="always")
def _board(net: Network, st: State, v: int, c: int, e: int, lt: int, u: int, t: float) -> None:
    """Put lot ``lt`` aboard: load, fill and handling time."""
    fl = st.fleet
    if fl.tail[v] < 0:
        fl.head[v] = lt
    else:
        st.lots.next[fl.tail[v]] = lt
    fl.tail[v] = lt
    n = st.lots.units[lt]
    fl.load[v, u] += n
    if net.vc_shared[c]:
        fl.fill[v] += n / net.vc_cap[c, u]
    else:
        s = 0.0
        n_units = 0
        for uu in range(4):
            if net.vc_cap[c, uu] > 0:
                s += fl.load[v, uu] / net.vc_cap[c, uu]
                n_units += 1
        fl.fill[v] = s / n_units
    fl.busy[v] = (fl.busy[v] if fl.busy[v] > t else t) + n * net.vc_hpu[c, e, u]


@njit(cache=True, _nrt=False)
def load(net: Network, inp: Inputs, st: State, v: int, t: float) -> None:
    """Load berthed vessel ``v`` from its lanes, oldest lot first, splitting the last lot to
    fit; yards that freed room admit waiting trains."""
    fl, lots, q = st.fleet, st.lots, st.q
    c, e = fl.cls[v], fl.end[v]
    port = net.vc_port[c, e]
    touched = 0
    while True:
        best = -1
        best_tm = math.inf
        best_room = 0.0
        for k in range(net.vc_lanes.shape[2]):
            ln = net.vc_lanes[c, e, k]
            if ln < 0:
                break
            lt = q.lane_head[ln]
            if lt >= 0 and lots.tm[lt] < best_tm:
                room = _room(net, st, v, c, net.lane_unit[ln])
                if room > 0:
                    best, best_tm, best_room = ln, lots.tm[lt], room
        if best < 0:
            break
        u = net.lane_unit[best]
        lt = take_lot(st, inp, q.lane_head, q.lane_tail, best, best_room, port, t)
        if lt < 0:
            return
        _board(net, st, v, c, e, lt, u, t)
        log_lot(st, inp, lt, L_LOAD, port, t)
        y = net.yard_of[port, u]
        if y >= 0:
            q.yard_level[y] -= lots.units[lt]
            touched |= 1 << u
    for u in range(4):
        y = net.yard_of[port, u]
        if touched & (1 << u) and y >= 0:
            act(st, A_ADMIT, y, t)


@njit(cache=True, _nrt=False, inline="always")
def _unwait(st: State, v: int, port: int) -> None:
    """Vessel ``v`` stops waiting for cargo at ``port`` (its timeout is void)."""
    fl = st.fleet
    fl.waiting[v] = False
    p, nx = fl.pprev[v], fl.pnext[v]
    if p >= 0:
        fl.pnext[p] = nx
    else:
        fl.pw_head[port] = nx
    if nx >= 0:
        fl.pprev[nx] = p
    else:
        fl.pw_tail[port] = p
    fl.token[v] += 1


@njit(cache=True, _nrt=False)
def to_lane(net: Network, inp: Inputs, st: State, lt: int, ln: int, t: float) -> None:
    """Lot ``lt`` joins lane ``ln``; vessels waiting for cargo at its port load it."""
    q, fl = st.q, st.fleet
    append_lot(st, q.lane_head, q.lane_tail, ln, lt, t)
    port = net.lane_port[ln]
    v = fl.pw_head[port]
    while v >= 0 and q.lane_head[ln] >= 0:
        nxv = fl.pnext[v]
        c, e = fl.cls[v], fl.end[v]
        has = False
        for k in range(net.vc_lanes.shape[2]):
            if net.vc_lanes[c, e, k] == ln:
                has = True
        if has:
            load(net, inp, st, v, t)
            if st.k[K_OVERFLOW]:
                return
            if net.vc_policy[c] == 0 and fl.fill[v] >= net.vc_minfill[c] - 1e-9:
                _unwait(st, v, port)
                push(st, max(t, fl.busy[v]), E_VDEPART, v, 0)
        v = nxv


@njit(cache=True, _nrt=False)
def after_discharge(net: Network, inp: Inputs, st: State, v: int, t: float) -> None:
    """Load, then the departure rule: leave when full enough (load-and-go) or wait for the
    timeout / the next timetable slot while cargo keeps arriving."""
    fl = st.fleet
    c, e = fl.cls[v], fl.end[v]
    port = net.vc_port[c, e]
    back = vessel_back(inp, v, t)
    if back > t:   # out of service (dry-dock, off-hire): leave the berth, call again when back
        _leave_berth(net, inp, st, v, port, t)
        push(st, back, E_VARR, v, 0)
        return
    if net.vc_lanes[c, e, 0] < 0:   # no cargo can ever load here: sail back in ballast
        push(st, max(t, fl.busy[v]), E_VDEPART, v, 0)
        return
    load(net, inp, st, v, t)
    if st.k[K_OVERFLOW]:
        return
    if net.vc_policy[c] == 0:
        if fl.fill[v] >= net.vc_minfill[c] - 1e-9:
            push(st, max(t, fl.busy[v]), E_VDEPART, v, 0)
            return
        deadline = t + net.vc_maxwait[c]
    else:
        sidx = net.vc_svc[c]
        kslot = max(math.ceil(t / net.vc_interval[c] - 1e-9), fl.slot_next[sidx, e])
        fl.slot_next[sidx, e] = kslot + 1
        deadline = kslot * net.vc_interval[c]
    fl.waiting[v] = True
    fl.pnext[v] = -1
    fl.pprev[v] = fl.pw_tail[port]
    if fl.pw_tail[port] < 0:
        fl.pw_head[port] = v
    else:
        fl.pnext[fl.pw_tail[port]] = v
    fl.pw_tail[port] = v
    fl.token[v] += 1
    push(st, deadline, E_VTIMEOUT, v, fl.token[v])


@njit(cache=True, _nrt=False)
def timeout(net: Network, st: State, v: int, token: int, now: float) -> None:
    """The wait for cargo ends (unless the vessel already left): depart when handled."""
    fl = st.fleet
    if token == fl.token[v] and fl.waiting[v]:
        _unwait(st, v, net.vc_port[fl.cls[v], fl.end[v]])
        push(st, max(now, fl.busy[v]), E_VDEPART, v, 0)


@njit(cache=True, _nrt=False)
def depart(net: Network, inp: Inputs, st: State, v: int, now: float) -> None:
    """Vessel ``v`` sails (when the port is open): voyage statistics, berth to the next
    vessel in the queue (berthing as an event at the same instant), crossing."""
    fl, s = st.fleet, st.stats
    c, e = fl.cls[v], fl.end[v]
    port = net.vc_port[c, e]
    to = _hold(inp, st, port, now)
    if to > now:
        push(st, to, E_VDEPART, v, 0)
        return
    s.voyages[c, e] += 1
    call_done(st, c, e, fl.arr[v], fl.bt0[v], now)
    s.vfill[c, e] += fl.fill[v]
    for u in range(4):
        s.vunits[c, e, u] += fl.load[v, u]
    wait_chain(net, st, fl.head[v], port, -1.0, now)
    log_chain(st, inp, fl.head[v], L_DEPART, port, now)
    _leave_berth(net, inp, st, v, port, now)
    fl.end[v] = 1 - e
    push(st, now + net.vc_cross[c], E_VARR, v, 1)


@njit(cache=True, _nrt=False, inline="always")
def _leave_berth(net: Network, inp: Inputs, st: State, v: int, port: int, now: float) -> None:
    """Vessel ``v`` leaves its berth at ``port``: berth-hours counted, the berth released."""
    fl = st.fleet
    bg = net.vc_berth[fl.cls[v], fl.end[v]]
    fl.inberth[v] = False
    if bg >= 0:
        H = inp.horizon_h
        fl.berth_busy[bg] += min(now, H) - min(fl.bt[v], H)
        release_berth(net, inp, st, bg, now)


@njit(cache=True, _nrt=False)
def release_berth(net: Network, inp: Inputs, st: State, bg: int, now: float) -> None:
    """A berth of group ``bg`` is released: to a berth outage still waiting for one (first
    begun first), else to the first vessel in the berth queue (berthing as an event at the
    same instant, or when the port reopens), else free."""
    fl = st.fleet
    for i in range(inp.bo_grp.shape[0]):
        if inp.bo_grp[i] == bg and fl.o_pend[i] > 0:
            fl.o_pend[i] -= 1
            fl.o_taken[i] += 1
            return
    if fl.bq_head[bg] >= 0:
        v2 = fl.bq_head[bg]
        fl.bq_head[bg] = fl.bnext[v2]
        if fl.bq_head[bg] < 0:
            fl.bq_tail[bg] = -1
        push(st, _hold(inp, st, net.berth_port[bg], now), E_VBERTH, v2, 0)
    else:
        fl.berth_free[bg] += 1


@njit(cache=True, _nrt=False)
def berth_out(st: State, inp: Inputs, i: int) -> None:
    """Berth outage ``i`` begins: free berths of its group go out of service at once, busy
    ones as their vessels leave (before any vessel waiting for them)."""
    fl = st.fleet
    bg = inp.bo_grp[i]
    take = min(inp.bo_cnt[i], fl.berth_free[bg])
    fl.berth_free[bg] -= take
    fl.o_taken[i] = take
    fl.o_pend[i] = inp.bo_cnt[i] - take


@njit(cache=True, _nrt=False)
def berth_in(net: Network, inp: Inputs, st: State, i: int, now: float) -> None:
    """Berth outage ``i`` ends: berths not yet withdrawn stay in service, withdrawn ones return."""
    fl = st.fleet
    fl.o_pend[i] = 0
    n = fl.o_taken[i]
    fl.o_taken[i] = 0
    for _ in range(n):
        release_berth(net, inp, st, inp.bo_grp[i], now)
