"""Small kernel operations shared by every handler: the event heap, the work stack,
waiting records, pre-drawn samples, port closures and tracking-log rows."""

from __future__ import annotations

import numpy as np
from numba import njit

from transcaspian.sim.kernel.state import (
    A_LOT,
    K_EVENTS,
    K_HN,
    K_LOG,
    K_LOTS,
    K_OVERFLOW,
    K_SEQ,
    K_SN,
    K_WAITS,
    L_SPLIT,
    OVERFLOW_HEAP,
    OVERFLOW_LOG,
    OVERFLOW_LOTS,
    OVERFLOW_SAMPLES,
    OVERFLOW_WAITS,
    Inputs,
    Network,
    State,
)


@njit(cache=True, _nrt=False, inline="always")
def push(st: State, t: float, kind: int, a: int, b: int) -> None:
    """Schedule event ``kind`` at ``t`` (h); ties are served in scheduling order."""
    h, k = st.heap, st.k
    i = k[K_HN]
    if i >= h.t.shape[0]:
        k[K_OVERFLOW] |= OVERFLOW_HEAP
        return
    k[K_SEQ] += 1
    h.t[i], h.seq[i], h.kind[i], h.a[i], h.b[i] = t, k[K_SEQ], kind, a, b
    while i > 0:
        p = (i - 1) >> 1
        if h.t[p] < h.t[i] or (h.t[p] == h.t[i] and h.seq[p] < h.seq[i]):
            break
        _swap(h, p, i)
        i = p
    k[K_HN] = k[K_HN] + 1


@njit(cache=True, _nrt=False, inline="always")
def _swap(h, i: int, j: int) -> None:
    h.t[i], h.t[j] = h.t[j], h.t[i]
    h.seq[i], h.seq[j] = h.seq[j], h.seq[i]
    h.kind[i], h.kind[j] = h.kind[j], h.kind[i]
    h.a[i], h.a[j] = h.a[j], h.a[i]
    h.b[i], h.b[j] = h.b[j], h.b[i]


@njit(cache=True, _nrt=False, inline="always")
def pop(st: State) -> None:
    """Remove the earliest event (read it from ``st.heap`` index 0 first)."""
    h, k = st.heap, st.k
    n = k[K_HN] - 1
    k[K_HN] = n
    k[K_EVENTS] += 1
    h.t[0], h.seq[0], h.kind[0], h.a[0], h.b[0] = h.t[n], h.seq[n], h.kind[n], h.a[n], h.b[n]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= n:
            break
        c = left
        r = left + 1
        if r < n and (h.t[r] < h.t[left] or (h.t[r] == h.t[left] and h.seq[r] < h.seq[left])):
            c = r
        if h.t[i] < h.t[c] or (h.t[i] == h.t[c] and h.seq[i] < h.seq[c]):
            break
        _swap(h, c, i)
        i = c


@njit(cache=True, _nrt=False, inline="always")
def claim(st: State, counter: int, cap: int, flag: int) -> int:
    """Take the next free row of an array of ``cap`` rows counted by ``st.k[counter]``; -1 and
    the overflow ``flag`` when it is full."""
    n = st.k[counter]
    if n >= cap:
        st.k[K_OVERFLOW] |= flag
        return -1
    st.k[counter] = n + 1
    return n


@njit(cache=True, _nrt=False, inline="always")
def append_lot(st: State, head: np.ndarray, tail: np.ndarray, i: int, lt: int, t: float) -> None:
    """Lot ``lt`` joins the end of queue ``i`` (``head``/``tail`` arrays) at time t (h)."""
    lots = st.lots
    lots.tm[lt] = t
    lots.next[lt] = -1
    if tail[i] < 0:
        head[i] = lt
    else:
        lots.next[tail[i]] = lt
    tail[i] = lt


@njit(cache=True, _nrt=False, inline="always")
def act(st: State, kind: int, ident: int, t: float) -> None:
    """Put an action on the work stack (done at the current instant, last in first out)."""
    s = st.stack
    n = st.k[K_SN]
    s.kind[n], s.id[n], s.t[n] = kind, ident, t
    st.k[K_SN] = n + 1


@njit(cache=True, _nrt=False, inline="always")
def add_wait(st: State, node: int, t0: float, t1: float, units: float, tons: float) -> None:
    """A waiting record: ``units`` (``tons``) waited at ``node`` from t0 to t1 (h)."""
    s = st.stats
    n = claim(st, K_WAITS, s.wn.shape[0], OVERFLOW_WAITS)
    if n >= 0:
        s.wn[n], s.wt0[n], s.wt1[n] = node, t0, t1
        s.wu[n], s.wtn[n] = units, tons


@njit(cache=True, _nrt=False, inline="always")
def wait_chain(net: Network, st: State, lt: int, port: int, t0: float, t1: float) -> None:
    """Every lot of the chain ``lt`` queued at ``port`` and waited from t0 (``t0 < 0``: from
    the lot's own ``tm``) to t1 (h)."""
    lots = st.lots
    while lt >= 0:
        tons = lots.units[lt] * net.flow_tpu[lots.flow[lt]]
        count_queued(st, port, lots.units[lt], tons)
        start = t0 if t0 >= 0.0 else lots.tm[lt]
        if t1 > start:
            add_wait(st, port, start, t1, lots.units[lt], tons)
        lt = lots.next[lt]


@njit(cache=True, _nrt=False, inline="always")
def count_queued(st: State, node: int, units: float, tons: float) -> None:
    """Units (tonnes) that queued at ``node`` (once per passage, zero waits included)."""
    st.stats.nunits[node] += units
    st.stats.ntons[node] += tons


@njit(cache=True, _nrt=False, inline="always")
def sample(st: State, inp: Inputs, dist: int) -> float:
    """Next pre-drawn sample of distribution ``dist``."""
    j = st.srv.spos[dist]
    if j >= inp.samp_len[dist]:   # counted on, read again from the start
        st.k[K_OVERFLOW] |= OVERFLOW_SAMPLES
        j = j % inp.samp_len[dist]
    st.srv.spos[dist] += 1
    return inp.samp[inp.samp_off[dist] + j]


@njit(cache=True, _nrt=False, inline="always")
def after_windows(off: np.ndarray, st: np.ndarray, en: np.ndarray, i: int, t: float) -> float:
    """Earliest time >= t (h) outside the sorted, disjoint windows ``st/en[off[i]:off[i+1]]``."""
    lo, hi = off[i], off[i + 1]
    if lo == hi:
        return t
    j = np.searchsorted(st[lo:hi], t, side="right") - 1
    if j >= 0 and t < en[lo + j]:
        return en[lo + j]
    return t


@njit(cache=True, _nrt=False, inline="always")
def next_open(inp: Inputs, port: int, t: float) -> float:
    """Earliest time >= t (h) at which ``port`` is open for berthing and departures (storm
    closures and dated ``port_closed`` events, merged)."""
    return after_windows(inp.w_off, inp.w_st, inp.w_en, port, t)


@njit(cache=True, _nrt=False, inline="always")
def server_open(inp: Inputs, srv: int, t: float) -> float:
    """Earliest time >= t (h) at which server ``srv`` admits a train (dated closures of a
    section or border)."""
    return after_windows(inp.s_off, inp.s_st, inp.s_en, srv, t)


@njit(cache=True, _nrt=False, inline="always")
def vessel_back(inp: Inputs, v: int, t: float) -> float:
    """Earliest time >= t (h) at which vessel ``v`` is in service (``vessel_out``, off-hire)."""
    return after_windows(inp.v_off, inp.v_st, inp.v_en, v, t)


@njit(cache=True, _nrt=False, inline="always")
def log_lot(st: State, inp: Inputs, lot: int, event: int, place: int, t: float) -> None:
    """Tracking-log row for one lot (no-op unless tracking)."""
    if not inp.track:
        return
    g = st.log
    n = claim(st, K_LOG, g.lot.shape[0], OVERFLOW_LOG)
    if n >= 0:
        g.lot[n], g.event[n], g.place[n], g.time[n], g.units[n] = lot, event, place, t, st.lots.units[lot]


@njit(cache=True, _nrt=False, inline="always")
def log_chain(st: State, inp: Inputs, lot: int, event: int, place: int, t: float) -> None:
    """Tracking-log rows for a chain of lots (a train's or a vessel's) starting at ``lot``."""
    if not inp.track:
        return
    while lot >= 0:
        log_lot(st, inp, lot, event, place, t)
        lot = st.lots.next[lot]


@njit(cache=True, _nrt=False, inline="always")
def push_lots(st: State, head: int, gs: int, t: float) -> None:
    """Put a chain of lots on the work stack as lot actions at step ``gs`` (``gs < 0``: each
    lot's next step), reversed so the first lot is handled first."""
    lots, s = st.lots, st.stack
    cnt = 0
    lt = head
    while lt >= 0:
        cnt += 1
        lt = lots.next[lt]
    sn = st.k[K_SN]
    k = 0
    lt = head
    while lt >= 0:
        nx = lots.next[lt]
        lots.gs[lt] = gs if gs >= 0 else lots.gs[lt] + 1
        lots.next[lt] = -1
        i = sn + cnt - 1 - k
        s.kind[i], s.id[i], s.t[i] = A_LOT, lt, t
        k += 1
        lt = nx
    st.k[K_SN] = sn + cnt


@njit(cache=True, _nrt=False, inline="always")
def split(st: State, lt: int, units: float) -> int:
    """Split ``units`` off lot ``lt`` into a new lot (its child); -1 when out of room."""
    lots = st.lots
    part = claim(st, K_LOTS, lots.flow.shape[0], OVERFLOW_LOTS)
    if part < 0:
        return -1
    lots.flow[part], lots.gs[part], lots.units[part] = lots.flow[lt], lots.gs[lt], units
    lots.t0[part], lots.tm[part], lots.parent[part] = lots.t0[lt], lots.tm[lt], lt
    lots.next[part] = -1
    lots.units[lt] -= units
    return part


@njit(cache=True, _nrt=False, inline="always")
def take_lot(st: State, inp: Inputs, head: np.ndarray, tail: np.ndarray, i: int, room: float, place: int,
             t: float) -> int:
    """Take the first lot of queue ``i``, or ``room`` units split off it when it is larger
    (logged as SPLIT at ``place``); the lot taken (-1 when out of room for a new lot)."""
    lots = st.lots
    lt = head[i]
    if lots.units[lt] > room + 1e-9:
        lt = split(st, lt, room)
        if lt < 0:
            return -1
        log_lot(st, inp, lt, L_SPLIT, place, t)
    else:
        head[i] = lots.next[lt]
        if head[i] < 0:
            tail[i] = -1
    lots.next[lt] = -1
    return lt
