"""Kernel handlers for trains and lots on land: FIFO servers (Lindley recursion when a
train reaches them), yard gates, formation of onward trains at ports, delivery."""

from __future__ import annotations

import math

from numba import njit

from transcaspian.sim.compile import S_END, S_FORM, S_NODE, S_RAIL, S_SEA, S_YARD
from transcaspian.sim.kernel.ops import (
    act,
    add_wait,
    append_lot,
    claim,
    count_queued,
    log_chain,
    log_lot,
    push,
    push_lots,
    sample,
    take_lot,
)
from transcaspian.sim.kernel.record import node_done, node_queue
from transcaspian.sim.kernel.state import (
    A_ADMIT,
    A_DISPATCH,
    A_TRAIN,
    E_FORM,
    E_TRAIN,
    K_DELIV,
    K_HN,
    K_TRAINS,
    L_ARRIVE,
    L_DELIVER,
    L_DEPART,
    L_GATE_IN,
    L_GATE_OUT,
    OVERFLOW_TRAINS,
    Inputs,
    Network,
    State,
)
from transcaspian.sim.kernel.vessels import to_lane


@njit(cache=True, _nrt=False, inline="always")
def _defer(net: Network, st: State, tr: int, gs: int, srv: int, t: float, now: float) -> bool:
    """Schedule the train for time t instead of evaluating server ``srv`` now?

    A train is evaluated at once (no event) when its step is chained, or when no other
    train can reach the server before it (none pending and t within the server's lead).
    """
    if t > now and not net.steps.chain[gs] and (st.srv.pend[srv] > 0 or st.k[K_HN] == 0
                                                 or t >= st.heap.t[0] + net.servers.lead[srv]):
        st.trains.gs[tr] = gs
        st.srv.pend[srv] += 1
        push(st, t, E_TRAIN, tr, 0)
        return True
    return False


@njit(cache=True, _nrt=False, inline="always")
def _path_step(net: Network, inp: Inputs, st: State, tr: int, gs: int, t: float, now: float) -> float:
    """Rail section, road or pipeline (one FIFO channel). Returns the time after it (h),
    or -1 when the train was scheduled instead."""
    sp, sv, ss = net.steps, net.servers, st.srv
    a, b, d = sp.a[gs], sp.b[gs], sp.d[gs]
    if _defer(net, st, tr, gs, a, t, now):
        return -1.0
    units, tons = st.trains.units[tr], st.trains.tons[tr]
    f = ss.free[sv.off[a]]
    start = f if f > t else t
    svc = sv.service_h[a] * units if sv.per_unit[a] else sv.service_h[a]
    ss.free[sv.off[a]] = start + svc
    ss.busy[a] += svc
    if d < net.n_nodes:
        count_queued(st, d, units, tons)
    if start > t:
        add_wait(st, d, t, start, units, tons)
    t = start + sp.x[gs] if sp.kind[gs] == S_RAIL else start + svc + sp.x[gs]
    if b >= 0:
        t += sample(st, inp, b)
    return t


@njit(cache=True, _nrt=False, inline="always")
def _node_step(net: Network, inp: Inputs, st: State, tr: int, gs: int, t: float, now: float) -> float:
    """A land node: its server (c channels) if it has one, fixed time, dwell. Returns the
    time the train leaves (h), or -1 when it was scheduled instead."""
    sp, sv, ss = net.steps, net.servers, st.srv
    a, b, d = sp.a[gs], sp.b[gs], sp.d[gs]
    t_in = t
    start = t
    if b >= 0:
        if _defer(net, st, tr, gs, b, t, now):
            return -1.0
        log_chain(st, inp, st.trains.head[tr], L_ARRIVE, a, t)
        units, tons = st.trains.units[tr], st.trains.tons[tr]
        svc = sample(st, inp, sv.dist[b]) if sv.dist[b] >= 0 else sv.service_h[b]
        o = sv.off[b]
        j = 0
        for q in range(1, sv.c[b]):
            if ss.free[o + q] < ss.free[o + j]:
                j = q
        f = ss.free[o + j]
        start = f if f > t else t
        node_queue(st, b, t, start)
        ss.free[o + j] = start + svc
        ss.busy[b] += svc
        count_queued(st, a, units, tons)
        if start > t:
            add_wait(st, a, t, start, units, tons)
        t = start + svc
    t += sp.x[gs]
    if d >= 0:
        t += sample(st, inp, d)
    if b >= 0:
        node_done(st, b, t_in, start, t)
        log_chain(st, inp, st.trains.head[tr], L_DEPART, a, t)
    return t


@njit(cache=True, _nrt=False)
def run_train(net: Network, inp: Inputs, st: State, tr: int, t: float, now: float) -> None:
    """Advance a train from its step at time t (>= now) until it must wait for an event."""
    gs = st.trains.gs[tr]
    while True:
        k = net.steps.kind[gs]
        if 0 < k < 4:
            t = _path_step(net, inp, st, tr, gs, t, now)
        elif k == S_NODE:
            t = _node_step(net, inp, st, tr, gs, t, now)
        else:
            _reach(net, inp, st, tr, gs, t, now)
            return
        if t < 0.0:
            return
        gs += 1


@njit(cache=True, _nrt=False, inline="always")
def _reach(net: Network, inp: Inputs, st: State, tr: int, gs: int, t: float, now: float) -> None:
    """The train reaches a step that is not a server: delivery, a yard gate, or a step
    where its lots go their own ways (lane, formation buffer)."""
    k, a, y = net.steps.kind[gs], net.steps.a[gs], net.steps.b[gs]
    if k == S_END and t <= inp.horizon_h:
        lt = st.trains.head[tr]
        while lt >= 0:
            deliver(inp, net, st, lt, a, t)
            lt = st.lots.next[lt]
        return
    if t > now:
        st.trains.gs[tr] = gs
        push(st, t, E_TRAIN, tr, 0)
        return
    if k == S_YARD:
        st.trains.gs[tr] = gs
        q, units = st.q, st.trains.units[tr]
        log_chain(st, inp, st.trains.head[tr], L_ARRIVE, a, t)
        if q.yq_head[y] < 0 and (q.yard_level[y] + units <= net.yard_cap[y] + 1e-9
                                 or q.yard_level[y] <= 1e-9):
            q.yard_level[y] += units
            log_chain(st, inp, st.trains.head[tr], L_GATE_IN, a, t)
            push_lots(st, st.trains.head[tr], gs + 1, t)
        else:
            st.trains.qnext[tr] = -1
            st.trains.qarr[tr] = t
            if q.yq_tail[y] < 0:
                q.yq_head[y] = tr
            else:
                st.trains.qnext[q.yq_tail[y]] = tr
            q.yq_tail[y] = tr
        return
    push_lots(st, st.trains.head[tr], gs, t)


@njit(cache=True, _nrt=False, inline="always")
def deliver(inp: Inputs, net: Network, st: State, lt: int, node: int, t: float) -> None:
    """Lot ``lt`` is delivered at ``node`` at time t (h)."""
    s, lots = st.stats, st.lots
    fl = lots.flow[lt]
    s.delivered[fl] += lots.units[lt]
    s.delivered_lots[fl] += 1
    if t >= inp.warmup_h:   # delivered in the measured window
        n = st.k[K_DELIV]
        s.d_od[n], s.d_tt[n], s.d_u[n] = net.flow_od[fl], t - lots.t0[lt], lots.units[lt]
        st.k[K_DELIV] = n + 1
    log_lot(st, inp, lt, L_DELIVER, node, t)


@njit(cache=True, _nrt=False)
def admit_waiting(net: Network, inp: Inputs, st: State, y: int, t: float) -> None:
    """Let trains queued at yard ``y``'s gate in while there is room."""
    q, trs = st.q, st.trains
    while q.yq_head[y] >= 0:
        tr = q.yq_head[y]
        if not (q.yard_level[y] + trs.units[tr] <= net.yard_cap[y] + 1e-9 or q.yard_level[y] <= 1e-9):
            break
        q.yq_head[y] = trs.qnext[tr]
        if q.yq_head[y] < 0:
            q.yq_tail[y] = -1
        port = net.steps.a[trs.gs[tr]]
        count_queued(st, port, trs.units[tr], trs.tons[tr])
        if t > trs.qarr[tr]:
            add_wait(st, port, trs.qarr[tr], t, trs.units[tr], trs.tons[tr])
        q.yard_level[y] += trs.units[tr]
        log_chain(st, inp, trs.head[tr], L_GATE_IN, port, t)
        push_lots(st, trs.head[tr], trs.gs[tr] + 1, t)


@njit(cache=True, _nrt=False, inline="always")
def new_train(net: Network, st: State, head: int, gs: int, units: float, tons: float) -> int:
    """A train carrying the lot chain ``head`` from step ``gs`` (-1 when out of room)."""
    trs = st.trains
    tr = claim(st, K_TRAINS, trs.gs.shape[0], OVERFLOW_TRAINS)
    if tr < 0:
        return -1
    trs.gs[tr], trs.head[tr], trs.units[tr], trs.tons[tr] = gs, head, units, tons
    return tr


@njit(cache=True, _nrt=False)
def lot_step(net: Network, inp: Inputs, st: State, lt: int, t: float) -> None:
    """Lot ``lt`` reaches its step at time t (the current time)."""
    lots = st.lots
    gs = lots.gs[lt]
    k, a = net.steps.kind[gs], net.steps.a[gs]
    if k == S_SEA:
        to_lane(net, inp, st, lt, a, t)
    elif k == S_FORM:
        _to_group(net, st, lt, a, t)
    elif k == S_END:
        deliver(inp, net, st, lt, a, t)
    else:
        lots.next[lt] = -1
        tr = new_train(net, st, lt, gs, lots.units[lt], lots.units[lt] * net.flow_tpu[lots.flow[lt]])
        if tr >= 0:
            act(st, A_TRAIN, tr, t)


@njit(cache=True, _nrt=False, inline="always")
def _to_group(net: Network, st: State, lt: int, g: int, t: float) -> None:
    """A discharged lot joins formation group ``g`` and waits for an onward train."""
    lots, q = st.lots, st.q
    append_lot(st, q.g_head, q.g_tail, g, lt, t)
    q.g_units[g] += lots.units[lt]
    if net.grp_yard[g] >= 0:
        q.yard_level[net.grp_yard[g]] += lots.units[lt]
    if q.g_units[g] >= net.grp_size[g] - 1e-9:
        act(st, A_DISPATCH, g, t)
    elif q.g_head[g] == lt:
        q.g_token[g] += 1
        push(st, t + net.grp_max_wait[g], E_FORM, g, q.g_token[g])


@njit(cache=True, _nrt=False, inline="always")
def _take_train(net: Network, inp: Inputs, st: State, g: int, t: float) -> int:
    """Take up to one train's units from group ``g``'s buffer (oldest first, splitting the
    last lot); returns the head of the lot chain (-1: nothing taken)."""
    lots, q = st.lots, st.q
    size, port = net.grp_size[g], net.grp_port[g]
    units = 0.0
    head = -1
    tail = -1
    while q.g_head[g] >= 0 and units < size - 1e-9:
        lt = q.g_head[g]
        room = size - units
        if lots.units[lt] > room + 1e-9:
            if net.flow_unit[lots.flow[lt]] != 3:
                room = math.floor(room + 1e-9)
            if room <= 0:
                break
        lt = take_lot(st, inp, q.g_head, q.g_tail, g, room, port, t)
        if lt < 0:
            return -1
        if tail < 0:
            head = lt
        else:
            lots.next[tail] = lt
        tail = lt
        units += lots.units[lt]
    return head


@njit(cache=True, _nrt=False)
def dispatch(net: Network, inp: Inputs, st: State, g: int, t: float) -> None:
    """Form onward trains from group ``g``: full trains, and a part-filled one when the
    oldest lot has waited the port's longest formation wait."""
    lots, q = st.lots, st.q
    size, port, y, wait_h = net.grp_size[g], net.grp_port[g], net.grp_yard[g], net.grp_max_wait[g]
    formed = 0
    while q.g_head[g] >= 0 and (q.g_units[g] >= size - 1e-9 or t >= lots.tm[q.g_head[g]] + wait_h - 1e-9):
        head = _take_train(net, inp, st, g, t)
        if head < 0:
            break
        units = 0.0
        tons = 0.0
        lt = head
        while lt >= 0:
            lt_tons = lots.units[lt] * net.flow_tpu[lots.flow[lt]]
            units += lots.units[lt]
            tons += lt_tons
            count_queued(st, port, lots.units[lt], lt_tons)
            if t > lots.tm[lt]:
                add_wait(st, port, lots.tm[lt], t, lots.units[lt], lt_tons)
            log_lot(st, inp, lt, L_GATE_OUT, port, t)
            lt = lots.next[lt]
        q.g_units[g] -= units
        if y >= 0:
            q.yard_level[y] -= units
        tr = new_train(net, st, head, lots.gs[head] + 1, units, tons)
        if tr < 0:
            break
        act(st, A_TRAIN, tr, t)
        formed += 1
    if formed > 0 and y >= 0:
        act(st, A_ADMIT, y, t)
    if q.g_head[g] >= 0:
        q.g_token[g] += 1
        push(st, max(t, lots.tm[q.g_head[g]] + wait_h), E_FORM, g, q.g_token[g])
