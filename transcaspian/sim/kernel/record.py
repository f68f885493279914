"""Kernel recording for the port and border performance tables: completed vessel calls
(turnaround, waiting at anchor, time at berth) and trains at node servers (dwell, waiting,
trains queued). Recording only: no event rule reads these arrays."""

from __future__ import annotations

from numba import njit

from transcaspian.sim.kernel.state import DWELL_BIN_H, DWELL_BINS, TURN_BIN_H, TURN_BINS, State


@njit(cache=True, _nrt=False, inline="always")
def call_done(st: State, c: int, e: int, arr: float, bt: float, now: float) -> None:
    """A vessel of class ``c`` leaves end ``e``: arrived at ``arr``, berthed at ``bt``, sails
    at ``now`` (h)."""
    ps = st.ps
    turn = now - arr
    ps.done[c, e] += 1.0
    ps.turn[c, e] += turn
    ps.anchor[c, e] += bt - arr
    ps.atberth[c, e] += now - bt
    i = int(turn / TURN_BIN_H)
    ps.thist[c, e, i if i < TURN_BINS else TURN_BINS - 1] += 1.0


@njit(cache=True, _nrt=False, inline="always")
def node_queue(st: State, b: int, t: float, start: float) -> None:
    """A train reaches node server ``b`` at ``t`` and starts service at ``start`` (h; trains
    reach a server in time order and start in that order): the most trains waiting at once."""
    ps = st.ps
    r = ps.ring.shape[1]
    hd, tl = ps.rhead[b], ps.rtail[b]
    while hd < tl and ps.ring[b, hd % r] <= t:
        hd += 1
    if start > t:
        if tl - hd >= r:
            hd += 1
        ps.ring[b, tl % r] = start
        tl += 1
    q = tl - hd
    if q > ps.sqmax[b]:
        ps.sqmax[b] = q
    ps.rhead[b], ps.rtail[b] = hd, tl


@njit(cache=True, _nrt=False, inline="always")
def node_done(st: State, b: int, t_in: float, start: float, t_out: float) -> None:
    """A train leaves the node of server ``b``: arrived ``t_in``, served from ``start``, left
    ``t_out`` (h)."""
    ps = st.ps
    dwell = t_out - t_in
    ps.sn[b] += 1.0
    ps.swait[b] += start - t_in
    ps.sdwell[b] += dwell
    i = int(dwell / DWELL_BIN_H)
    ps.shist[b, i if i < DWELL_BINS else DWELL_BINS - 1] += 1.0
