"""The kernel's event loop: initial events, dispatch of each event to its handler, the
work stack of the current instant, and the end-of-horizon accounting."""

from __future__ import annotations

from numba import njit

from transcaspian.sim.kernel.ops import act, add_wait, count_queued, log_lot, pop, push, wait_chain
from transcaspian.sim.kernel.state import (
    A_ADMIT,
    A_AFTER_DISCH,
    A_DISPATCH,
    A_LOT,
    A_TRAIN,
    E_FORM,
    E_TRAIN,
    E_VARR,
    E_VBERTH,
    E_VDEPART,
    E_VDISCH,
    E_VTIMEOUT,
    K_HN,
    K_LOTS,
    K_OVERFLOW,
    K_SN,
    L_RELEASE,
    OVERFLOW_HEAP,
    OVERFLOW_LOTS,
    Inputs,
    Network,
    State,
)
from transcaspian.sim.kernel.trains import admit_waiting, dispatch, lot_step, new_train, run_train
from transcaspian.sim.kernel.vessels import after_discharge, arrive, berth, depart, discharged, timeout


@njit(cache=True, _nrt=False)
def _start(net: Network, inp: Inputs, st: State) -> None:
    """Initial events: every train release and every vessel's first arrival."""
    lots = st.lots
    for i in range(inp.rel_t.shape[0]):
        lt = st.k[K_LOTS]
        st.k[K_LOTS] = lt + 1
        lots.flow[lt], lots.gs[lt], lots.units[lt] = inp.rel_flow[i], inp.rel_gs[i], inp.rel_units[i]
        lots.t0[lt], lots.tm[lt], lots.next[lt], lots.parent[lt] = inp.rel_t[i], inp.rel_t[i], -1, -1
        tr = new_train(net, st, lt, inp.rel_gs[i], inp.rel_units[i],
                       inp.rel_units[i] * net.flow_tpu[inp.rel_flow[i]])
        sv = net.steps.srv[inp.rel_gs[i]]
        if sv >= 0:
            st.srv.pend[sv] += 1
        push(st, inp.rel_t[i], E_TRAIN, tr, 1)
    for v in range(net.fleet_cls.shape[0]):
        push(st, 0.0, E_VARR, v, 1)


@njit(cache=True, _nrt=False, inline="always")
def _event(net: Network, inp: Inputs, st: State, kind: int, a: int, b: int, now: float) -> None:
    """Hand one event to its handler."""
    if kind == E_TRAIN:
        sv = net.steps.srv[st.trains.gs[a]]
        if sv >= 0:
            st.srv.pend[sv] -= 1
        if b == 1:
            lt = st.trains.head[a]
            log_lot(st, inp, lt, L_RELEASE, net.flow_origin[st.lots.flow[lt]], now)
        act(st, A_TRAIN, a, now)
    elif kind == E_VARR:
        arrive(net, inp, st, a, now, b == 1)
    elif kind == E_VBERTH:
        berth(net, inp, st, a, now)
    elif kind == E_VDISCH:
        discharged(net, inp, st, a, now)
    elif kind == E_VTIMEOUT:
        timeout(net, st, a, b, now)
    elif kind == E_VDEPART:
        depart(net, inp, st, a, now)
    elif kind == E_FORM and b == st.q.g_token[a]:
        act(st, A_DISPATCH, a, now)


@njit(cache=True, _nrt=False, inline="always")
def _drain(net: Network, inp: Inputs, st: State, now: float) -> None:
    """Do the work stacked at this instant (last in, first out)."""
    s, k = st.stack, st.k
    while k[K_SN] > 0:
        if k[K_OVERFLOW]:
            break
        sn = k[K_SN] - 1
        k[K_SN] = sn
        kind, ident, t = s.kind[sn], s.id[sn], s.t[sn]
        if kind == A_TRAIN:
            run_train(net, inp, st, ident, t, now)
        elif kind == A_ADMIT:
            admit_waiting(net, inp, st, ident, t)
        elif kind == A_LOT:
            lot_step(net, inp, st, ident, t)
        elif kind == A_AFTER_DISCH:
            after_discharge(net, inp, st, ident, t)
        else:
            dispatch(net, inp, st, ident, t)
        if k[K_SN] >= s.kind.shape[0] - 8:
            k[K_OVERFLOW] |= OVERFLOW_LOTS
            break
        if k[K_HN] >= st.heap.t.shape[0] - 8:
            k[K_OVERFLOW] |= OVERFLOW_HEAP
            break


@njit(cache=True, _nrt=False)
def advance(net: Network, inp: Inputs, st: State, until: float, first: bool, last: bool) -> None:
    """Simulate one replication up to ``until`` (h): ``first`` starts it (initial events),
    events at ``until`` are done only when ``last``, which also closes the horizon's accounting.
    Results are left in ``st`` (the warm-up is run as one call, the measured window as another)."""
    if first:
        _start(net, inp, st)
    h, k = st.heap, st.k
    while k[K_HN] > 0 and (h.t[0] < until or (last and h.t[0] == until)):
        if k[K_OVERFLOW]:
            break
        now, kind, a, b = h.t[0], h.kind[0], h.a[0], h.b[0]
        pop(st)
        k[K_SN] = 0
        _event(net, inp, st, kind, a, b, now)
        _drain(net, inp, st, now)
    if last:
        _close(net, inp, st)


def run(net: Network, inp: Inputs, st: State) -> None:
    """Simulate one replication to the horizon in one go; results are left in ``st``."""
    advance(net, inp, st, inp.horizon_h, True, True)


@njit(cache=True, _nrt=False, inline="always")
def _wip(st: State, lt: int) -> None:
    """Add the lot chain starting at ``lt`` to the work in progress."""
    while lt >= 0:
        st.stats.wip[st.lots.flow[lt]] += st.lots.units[lt]
        lt = st.lots.next[lt]


@njit(cache=True, _nrt=False)
def _close(net: Network, inp: Inputs, st: State) -> None:
    """End of horizon: work in progress, open waits, berths still occupied."""
    h, q, fl, trs, H = st.heap, st.q, st.fleet, st.trains, inp.horizon_h
    for i in range(st.k[K_HN]):
        if h.kind[i] == E_TRAIN and not (h.b[i] == 1 and h.t[i] > H):
            _wip(st, trs.head[h.a[i]])
    # lots still queued in lanes and formation buffers: in progress, waits open until H
    for ln in range(net.lane_port.shape[0]):
        _wip(st, q.lane_head[ln])
        wait_chain(net, st, q.lane_head[ln], net.lane_port[ln], -1.0, H)
    for g in range(net.grp_port.shape[0]):
        _wip(st, q.g_head[g])
        wait_chain(net, st, q.g_head[g], net.grp_port[g], -1.0, H)
    for y in range(net.yard_cap.shape[0]):
        tr = q.yq_head[y]
        while tr >= 0:
            _wip(st, trs.head[tr])
            port = net.steps.a[trs.gs[tr]]
            if trs.qarr[tr] < H:
                add_wait(st, port, trs.qarr[tr], H, trs.units[tr], trs.tons[tr])
            count_queued(st, port, trs.units[tr], trs.tons[tr])
            tr = trs.qnext[tr]
    for v in range(fl.cls.shape[0]):
        _wip(st, fl.head[v])
        if fl.inberth[v] and fl.bt[v] < H:
            bg = net.vc_berth[fl.cls[v], fl.end[v]]
            if bg >= 0:
                fl.berth_busy[bg] += H - fl.bt[v]
