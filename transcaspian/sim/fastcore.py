"""Compiled (numba) event loop with exactly the rules of :mod:`transcaspian.sim.engine`.

The pure-Python engine is the readable statement of the model and writes the tracking
log; this module runs the same rules over flat arrays, compiled with numba, for Monte
Carlo speed. Both return the same :class:`~transcaspian.sim.engine.RepSummary`;
``tests/test_sim_reference.py`` checks both against the SimPy reference model.

Data layout: every route step is a row of the ``gs_*`` arrays (global step index);
trains, lots and vessels are integer ids into preallocated arrays; queues (lanes,
formation buffers, yard gates, berth queues, vessels waiting for cargo) are linked lists.
Nested work at one instant (a vessel's discharged lots moving on, trains formed, yard
gates opening) goes on an explicit stack instead of recursion. When a preallocated
array would overflow, the run stops and is repeated with larger arrays (same numbers).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from transcaspian.sim.compile import (
    S_END,
    S_FORM,
    S_NODE,
    S_RAIL,
    S_SEA,
    S_YARD,
    Compiled,
    draw,
)
from transcaspian.sim.engine import RepSummary, prepare, summarise

E_TRAIN, E_VARR, E_VBERTH, E_VDISCH, E_VTIMEOUT, E_VDEPART, E_FORM = range(7)
A_TRAIN, A_LOT, A_ADMIT, A_AFTER_DISCH = range(4)
OVERFLOW_LOTS, OVERFLOW_TRAINS, OVERFLOW_WAITS, OVERFLOW_SAMPLES, OVERFLOW_HEAP = 1, 2, 4, 8, 16


@njit(cache=True)
def _hpush(ht, hs, hk, ha, hb, n, t, s, k, a, b):
    i = n
    ht[i], hs[i], hk[i], ha[i], hb[i] = t, s, k, a, b
    while i > 0:
        p = (i - 1) >> 1
        if ht[p] < ht[i] or (ht[p] == ht[i] and hs[p] < hs[i]):
            break
        ht[p], ht[i] = ht[i], ht[p]
        hs[p], hs[i] = hs[i], hs[p]
        hk[p], hk[i] = hk[i], hk[p]
        ha[p], ha[i] = ha[i], ha[p]
        hb[p], hb[i] = hb[i], hb[p]
        i = p
    return n + 1


@njit(cache=True)
def _hpop(ht, hs, hk, ha, hb, n):
    n -= 1
    ht[0], hs[0], hk[0], ha[0], hb[0] = ht[n], hs[n], hk[n], ha[n], hb[n]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= n:
            break
        c = left
        r = left + 1
        if r < n and (ht[r] < ht[left] or (ht[r] == ht[left] and hs[r] < hs[left])):
            c = r
        if ht[i] < ht[c] or (ht[i] == ht[c] and hs[i] < hs[c]):
            break
        ht[c], ht[i] = ht[i], ht[c]
        hs[c], hs[i] = hs[i], hs[c]
        hk[c], hk[i] = hk[i], hk[c]
        ha[c], ha[i] = ha[i], ha[c]
        hb[c], hb[i] = hb[i], hb[c]
        i = c
    return n


@njit(cache=True)
def _next_open(w_off, w_st, w_en, port, t):
    lo, hi = w_off[port], w_off[port + 1]
    if lo == hi:
        return t
    i = np.searchsorted(w_st[lo:hi], t, side="right") - 1
    if i >= 0 and t < w_en[lo + i]:
        return w_en[lo + i]
    return t


@njit(cache=True)
def _add_wait(wn, wt0, wt1, wu, wtn, n, node, t0, t1, units, tons):
    """Write waiting record ``n`` (the caller checks the room); return the new count."""
    wn[n], wt0[n], wt1[n] = node, t0, t1
    wu[n], wtn[n] = units, tons
    return n + 1


@njit(cache=True)
def _add_wip(wip, lt, lot_next, lot_flow, lot_units):
    """Add the units of the lot chain starting at ``lt`` to the work in progress."""
    while lt >= 0:
        wip[lot_flow[lt]] += lot_units[lt]
        lt = lot_next[lt]


@njit(cache=True)
def _close_queue(lt, port, H, lot_next, lot_flow, lot_units, lot_tm, flow_tpu, wip, nunits, ntons,
                 wn, wt0, wt1, wu, wtn, n_w_rec, cap_waits):
    """End of horizon: lots still queued at ``port`` count as work in progress, their waits
    open until H. Returns the new number of waiting records."""
    while lt >= 0:
        wip[lot_flow[lt]] += lot_units[lt]
        if n_w_rec < cap_waits and lot_tm[lt] < H:
            n_w_rec = _add_wait(wn, wt0, wt1, wu, wtn, n_w_rec, port, lot_tm[lt], H, lot_units[lt],
                                lot_units[lt] * flow_tpu[lot_flow[lt]])
        nunits[port] += lot_units[lt]
        ntons[port] += lot_units[lt] * flow_tpu[lot_flow[lt]]
        lt = lot_next[lt]
    return n_w_rec


@njit(cache=True)
def _core(H, warmup_h, n_nodes,
          gs_kind, gs_a, gs_b, gs_x, gs_d, gs_chain, gs_srv,
          srv_c, srv_h, srv_d, srv_pu, srv_off, lead,
          samp, samp_off, samp_len,
          lane_port, lane_unit,
          yard_cap, yard_of,
          grp_port, grp_size, grp_yard, fmw,
          berth_count,
          vc_port, vc_cap, vc_shared, vc_cross, vc_ptime, vc_berth, vc_hpu, vc_lanes,
          vc_policy, vc_minfill, vc_maxwait, vc_interval, vc_svc, n_svc,
          v_cls0, v_end0,
          w_off, w_st, w_en, w_of_port, n_w,
          flow_od, flow_unit, flow_tpu,
          rel_t, rel_gs, rel_flow, rel_units,
          cap_lots, cap_trains, cap_waits, cap_heap):
    n_srv = srv_c.shape[0]
    n_flows = flow_od.shape[0]
    n_vc = vc_port.shape[0]
    n_v = v_cls0.shape[0]
    overflow = 0
    # heap
    ht = np.empty(cap_heap)
    hs = np.empty(cap_heap, np.int64)
    hk = np.empty(cap_heap, np.int64)
    ha = np.empty(cap_heap, np.int64)
    hb = np.empty(cap_heap, np.int64)
    hn = 0
    seq = 0
    # lots
    lot_flow = np.empty(cap_lots, np.int64)
    lot_gs = np.empty(cap_lots, np.int64)
    lot_units = np.empty(cap_lots)
    lot_t0 = np.empty(cap_lots)
    lot_tm = np.empty(cap_lots)
    lot_next = np.full(cap_lots, -1, np.int64)
    n_lots = 0
    # trains
    tr_gs = np.empty(cap_trains, np.int64)
    tr_head = np.empty(cap_trains, np.int64)
    tr_units = np.empty(cap_trains)
    tr_tons = np.empty(cap_trains)
    tr_qnext = np.full(cap_trains, -1, np.int64)
    tr_qarr = np.empty(cap_trains)
    n_tr = 0
    # servers
    free = np.zeros(max(1, srv_off[n_srv]))
    busy = np.zeros(n_srv)
    pend = np.zeros(n_srv, np.int64)
    spos = np.zeros(samp_off.shape[0], np.int64)
    # lanes, yards, groups
    n_lanes = lane_port.shape[0]
    lane_head = np.full(n_lanes, -1, np.int64)
    lane_tail = np.full(n_lanes, -1, np.int64)
    n_yards = yard_cap.shape[0]
    yard_level = np.zeros(n_yards)
    yq_head = np.full(n_yards, -1, np.int64)
    yq_tail = np.full(n_yards, -1, np.int64)
    n_grp = grp_port.shape[0]
    g_head = np.full(n_grp, -1, np.int64)
    g_tail = np.full(n_grp, -1, np.int64)
    g_units = np.zeros(n_grp)
    g_token = np.zeros(n_grp, np.int64)
    # berths, vessels
    n_b = berth_count.shape[0]
    berth_free = berth_count.copy()
    bq_head = np.full(n_b, -1, np.int64)
    bq_tail = np.full(n_b, -1, np.int64)
    berth_busy = np.zeros(n_b)
    v_cls = v_cls0.copy()
    v_end = v_end0.copy()
    v_head = np.full(n_v, -1, np.int64)
    v_tail = np.full(n_v, -1, np.int64)
    v_load = np.zeros((n_v, 4))
    v_fill = np.zeros(n_v)
    v_busy = np.zeros(n_v)
    v_token = np.zeros(n_v, np.int64)
    v_arr = np.zeros(n_v)
    v_bt = np.zeros(n_v)
    v_inberth = np.zeros(n_v, np.bool_)
    v_waiting = np.zeros(n_v, np.bool_)
    v_bnext = np.full(n_v, -1, np.int64)
    v_pprev = np.full(n_v, -1, np.int64)
    v_pnext = np.full(n_v, -1, np.int64)
    pw_head = np.full(n_nodes, -1, np.int64)
    pw_tail = np.full(n_nodes, -1, np.int64)
    slot_next = np.zeros((max(1, n_svc), 2), np.int64)
    # statistics
    wn = np.empty(cap_waits, np.int64)
    wt0 = np.empty(cap_waits)
    wt1 = np.empty(cap_waits)
    wu = np.empty(cap_waits)
    wtn = np.empty(cap_waits)
    n_w_rec = 0
    nunits = np.zeros(n_nodes)
    ntons = np.zeros(n_nodes)
    delivered = np.zeros(n_flows)
    delivered_lots = np.zeros(n_flows)
    d_od = np.empty(cap_lots, np.int64)
    d_tt = np.empty(cap_lots)
    d_u = np.empty(cap_lots)
    n_d = 0
    voyages = np.zeros((n_vc, 2))
    vfill = np.zeros((n_vc, 2))
    vunits = np.zeros((n_vc, 2, 4))
    wlost = np.zeros(max(1, n_w))
    # work stack
    # at most one pending action per lot and per train, plus a few per vessel and group
    cap_stack = 2 * cap_lots + 4 * n_v + 2 * grp_port.shape[0] + 1024
    st_type = np.empty(cap_stack, np.int64)
    st_id = np.empty(cap_stack, np.int64)
    st_t = np.empty(cap_stack)
    sn = 0

    # -- initial events --------------------------------------------------------------------
    for i in range(rel_t.shape[0]):
        lt = n_lots
        n_lots += 1
        lot_flow[lt] = rel_flow[i]
        lot_gs[lt] = rel_gs[i]
        lot_units[lt] = rel_units[i]
        lot_t0[lt] = rel_t[i]
        lot_tm[lt] = rel_t[i]
        lot_next[lt] = -1
        tr = n_tr
        n_tr += 1
        tr_gs[tr] = rel_gs[i]
        tr_head[tr] = lt
        tr_units[tr] = rel_units[i]
        tr_tons[tr] = rel_units[i] * flow_tpu[rel_flow[i]]
        sv = gs_srv[rel_gs[i]]
        if sv >= 0:
            pend[sv] += 1
        seq += 1
        hn = _hpush(ht, hs, hk, ha, hb, hn, rel_t[i], seq, E_TRAIN, tr, 1)
    for v in range(n_v):
        seq += 1
        hn = _hpush(ht, hs, hk, ha, hb, hn, 0.0, seq, E_VARR, v, 1)

    n_events = 0
    while hn > 0 and ht[0] <= H:
        if overflow:
            break
        now = ht[0]
        kind = hk[0]
        ea = ha[0]
        eb = hb[0]
        hn = _hpop(ht, hs, hk, ha, hb, hn)
        n_events += 1
        sn = 0
        if kind == E_TRAIN:
            sv = gs_srv[tr_gs[ea]]
            if sv >= 0:
                pend[sv] -= 1
            st_type[sn], st_id[sn], st_t[sn] = A_TRAIN, ea, now
            sn += 1
        elif kind in (E_VARR, E_VBERTH):
            v = ea
            c = v_cls[v]
            e = v_end[v]
            port = vc_port[c, e]
            berth_now = kind == E_VBERTH
            if not berth_now:
                if eb == 1:
                    v_arr[v] = now
                to = _next_open(w_off, w_st, w_en, port, now)
                if to > now:
                    wlost[w_of_port[port]] += to - now
                    seq += 1
                    hn = _hpush(ht, hs, hk, ha, hb, hn, to, seq, E_VARR, v, 0)
                    continue
                bg = vc_berth[c, e]
                if bg < 0:
                    berth_now = True
                elif berth_free[bg] > 0:
                    berth_free[bg] -= 1
                    berth_now = True
                else:
                    v_bnext[v] = -1
                    if bq_tail[bg] < 0:
                        bq_head[bg] = v
                    else:
                        v_bnext[bq_tail[bg]] = v
                    bq_tail[bg] = v
            if berth_now:
                v_bt[v] = now
                v_inberth[v] = True
                h = vc_ptime[c, e]
                for u in range(4):
                    if v_load[v, u] > 0:
                        h += v_load[v, u] * vc_hpu[c, e, u]
                lt = v_head[v]
                while lt >= 0:
                    nunits[port] += lot_units[lt]
                    ntons[port] += lot_units[lt] * flow_tpu[lot_flow[lt]]
                    if now > v_arr[v]:
                        if n_w_rec >= cap_waits:
                            overflow |= OVERFLOW_WAITS
                            break
                        n_w_rec = _add_wait(wn, wt0, wt1, wu, wtn, n_w_rec, port, v_arr[v], now,
                                            lot_units[lt], lot_units[lt] * flow_tpu[lot_flow[lt]])
                    lt = lot_next[lt]
                seq += 1
                hn = _hpush(ht, hs, hk, ha, hb, hn, now + h, seq, E_VDISCH, v, 0)
        elif kind == E_VDISCH:
            v = ea
            # continuation after the lots have moved on: loading and the departure rule
            st_type[sn], st_id[sn], st_t[sn] = A_AFTER_DISCH, v, now
            sn += 1
            # discharged lots, pushed in reverse so the first aboard moves first
            cnt = 0
            lt = v_head[v]
            while lt >= 0:
                cnt += 1
                lt = lot_next[lt]
            base = sn
            sn += cnt
            k = 0
            lt = v_head[v]
            while lt >= 0:
                nx = lot_next[lt]
                lot_gs[lt] += 1
                lot_next[lt] = -1
                st_type[base + cnt - 1 - k], st_id[base + cnt - 1 - k] = A_LOT, lt
                st_t[base + cnt - 1 - k] = now
                k += 1
                lt = nx
            v_head[v] = -1
            v_tail[v] = -1
            for u in range(4):
                v_load[v, u] = 0.0
            v_fill[v] = 0.0
            v_busy[v] = now
        elif kind == E_VTIMEOUT:
            v = ea
            if eb == v_token[v] and v_waiting[v]:
                port = vc_port[v_cls[v], v_end[v]]
                v_waiting[v] = False
                p, nx = v_pprev[v], v_pnext[v]
                if p >= 0:
                    v_pnext[p] = nx
                else:
                    pw_head[port] = nx
                if nx >= 0:
                    v_pprev[nx] = p
                else:
                    pw_tail[port] = p
                v_token[v] += 1
                seq += 1
                hn = _hpush(ht, hs, hk, ha, hb, hn, max(now, v_busy[v]), seq, E_VDEPART, v, 0)
        elif kind == E_VDEPART:
            v = ea
            c = v_cls[v]
            e = v_end[v]
            port = vc_port[c, e]
            to = _next_open(w_off, w_st, w_en, port, now)
            if to > now:
                wlost[w_of_port[port]] += to - now
                seq += 1
                hn = _hpush(ht, hs, hk, ha, hb, hn, to, seq, E_VDEPART, v, 0)
                continue
            voyages[c, e] += 1
            vfill[c, e] += v_fill[v]
            for u in range(4):
                vunits[c, e, u] += v_load[v, u]
            lt = v_head[v]
            while lt >= 0:
                tons = lot_units[lt] * flow_tpu[lot_flow[lt]]
                nunits[port] += lot_units[lt]
                ntons[port] += tons
                if now > lot_tm[lt]:
                    if n_w_rec >= cap_waits:
                        overflow |= OVERFLOW_WAITS
                        break
                    n_w_rec = _add_wait(wn, wt0, wt1, wu, wtn, n_w_rec, port, lot_tm[lt], now,
                                        lot_units[lt], tons)
                lt = lot_next[lt]
            bg = vc_berth[c, e]
            v_inberth[v] = False
            if bg >= 0:
                berth_busy[bg] += min(now, H) - min(v_bt[v], H)
                if bq_head[bg] >= 0:
                    v2 = bq_head[bg]
                    bq_head[bg] = v_bnext[v2]
                    if bq_head[bg] < 0:
                        bq_tail[bg] = -1
                    t2 = _next_open(w_off, w_st, w_en, port, now)
                    if t2 > now:
                        wlost[w_of_port[port]] += t2 - now
                    seq += 1
                    hn = _hpush(ht, hs, hk, ha, hb, hn, t2, seq, E_VBERTH, v2, 0)
                else:
                    berth_free[bg] += 1
            v_end[v] = 1 - e
            seq += 1
            hn = _hpush(ht, hs, hk, ha, hb, hn, now + vc_cross[c], seq, E_VARR, v, 1)
            continue
        elif kind == E_FORM and eb == g_token[ea]:
            st_type[sn], st_id[sn], st_t[sn] = 4, ea, now   # dispatch
            sn += 1

        # -- drain the work stack (all at time now) -------------------------------------------
        while sn > 0:
            if overflow:
                break
            sn -= 1
            atype = st_type[sn]
            aid = st_id[sn]
            t = st_t[sn]
            if atype == A_TRAIN:
                tr = aid
                gs = tr_gs[tr]
                units = tr_units[tr]
                tons = tr_tons[tr]
                while True:
                    k = gs_kind[gs]
                    a = gs_a[gs]
                    b = gs_b[gs]
                    x = gs_x[gs]
                    d = gs_d[gs]
                    if 0 < k < 4:
                        if t > now and not gs_chain[gs] and (pend[a] > 0 or hn == 0
                                                             or t >= ht[0] + lead[a]):
                            tr_gs[tr] = gs
                            pend[a] += 1
                            if hn >= cap_heap:
                                overflow |= OVERFLOW_HEAP
                                break
                            seq += 1
                            hn = _hpush(ht, hs, hk, ha, hb, hn, t, seq, E_TRAIN, tr, 0)
                            break
                        f = free[srv_off[a]]
                        start = f if f > t else t
                        svc = srv_h[a] * units if srv_pu[a] else srv_h[a]
                        free[srv_off[a]] = start + svc
                        busy[a] += svc
                        if d < n_nodes:
                            nunits[d] += units
                            ntons[d] += tons
                        if start > t:
                            if n_w_rec >= cap_waits:
                                overflow |= OVERFLOW_WAITS
                                break
                            n_w_rec = _add_wait(wn, wt0, wt1, wu, wtn, n_w_rec, d, t, start, units, tons)
                        t = start + x if k == S_RAIL else start + svc + x
                        if b >= 0:
                            j = spos[b]
                            if j >= samp_len[b]:   # counted on, read again from the start
                                overflow |= OVERFLOW_SAMPLES
                                j = j % samp_len[b]
                            t += samp[samp_off[b] + j]
                            spos[b] += 1
                        gs += 1
                    elif k == S_NODE:
                        if b >= 0:
                            if t > now and not gs_chain[gs] and (pend[b] > 0 or hn == 0
                                                                 or t >= ht[0] + lead[b]):
                                tr_gs[tr] = gs
                                pend[b] += 1
                                if hn >= cap_heap:
                                    overflow |= OVERFLOW_HEAP
                                    break
                                seq += 1
                                hn = _hpush(ht, hs, hk, ha, hb, hn, t, seq, E_TRAIN, tr, 0)
                                break
                            dd = srv_d[b]
                            if dd >= 0:
                                j = spos[dd]
                                if j >= samp_len[dd]:   # counted on, read again from the start
                                    overflow |= OVERFLOW_SAMPLES
                                    j = j % samp_len[dd]
                                svc = samp[samp_off[dd] + j]
                                spos[dd] += 1
                            else:
                                svc = srv_h[b]
                            o = srv_off[b]
                            cc = srv_c[b]
                            j = 0
                            if cc > 1:
                                for q in range(1, cc):
                                    if free[o + q] < free[o + j]:
                                        j = q
                            f = free[o + j]
                            start = f if f > t else t
                            free[o + j] = start + svc
                            busy[b] += svc
                            nunits[a] += units
                            ntons[a] += tons
                            if start > t:
                                if n_w_rec >= cap_waits:
                                    overflow |= OVERFLOW_WAITS
                                    break
                                n_w_rec = _add_wait(wn, wt0, wt1, wu, wtn, n_w_rec, a, t, start, units,
                                                    tons)
                            t = start + svc
                        t += x
                        if d >= 0:
                            j = spos[d]
                            if j >= samp_len[d]:   # counted on, read again from the start
                                overflow |= OVERFLOW_SAMPLES
                                j = j % samp_len[d]
                            t += samp[samp_off[d] + j]
                            spos[d] += 1
                        gs += 1
                    else:
                        if k == S_END and t <= H:
                            lt = tr_head[tr]
                            while lt >= 0:
                                fl = lot_flow[lt]
                                delivered[fl] += lot_units[lt]
                                delivered_lots[fl] += 1
                                if lot_t0[lt] >= warmup_h:
                                    d_od[n_d], d_tt[n_d] = flow_od[fl], t - lot_t0[lt]
                                    d_u[n_d] = lot_units[lt]
                                    n_d += 1
                                lt = lot_next[lt]
                            break
                        if t > now:
                            tr_gs[tr] = gs
                            if hn >= cap_heap:
                                overflow |= OVERFLOW_HEAP
                                break
                            seq += 1
                            hn = _hpush(ht, hs, hk, ha, hb, hn, t, seq, E_TRAIN, tr, 0)
                            break
                        if k == S_YARD:
                            tr_gs[tr] = gs
                            y = b
                            if yq_head[y] < 0 and (yard_level[y] + units <= yard_cap[y] + 1e-9
                                                   or yard_level[y] <= 1e-9):
                                yard_level[y] += units
                                sn = _push_lots(st_type, st_id, st_t, sn, tr_head, lot_next, lot_gs,
                                                tr, gs + 1, t)
                            else:
                                tr_qnext[tr] = -1
                                tr_qarr[tr] = t
                                if yq_tail[y] < 0:
                                    yq_head[y] = tr
                                else:
                                    tr_qnext[yq_tail[y]] = tr
                                yq_tail[y] = tr
                            break
                        sn = _push_lots(st_type, st_id, st_t, sn, tr_head, lot_next, lot_gs, tr, gs, t)
                        break
            elif atype == A_ADMIT:
                y = aid
                while yq_head[y] >= 0:
                    tr = yq_head[y]
                    if not (yard_level[y] + tr_units[tr] <= yard_cap[y] + 1e-9 or yard_level[y] <= 1e-9):
                        break
                    yq_head[y] = tr_qnext[tr]
                    if yq_head[y] < 0:
                        yq_tail[y] = -1
                    port = gs_a[tr_gs[tr]]
                    nunits[port] += tr_units[tr]
                    ntons[port] += tr_tons[tr]
                    if t > tr_qarr[tr]:
                        if n_w_rec >= cap_waits:
                            overflow |= OVERFLOW_WAITS
                            break
                        n_w_rec = _add_wait(wn, wt0, wt1, wu, wtn, n_w_rec, port, tr_qarr[tr], t,
                                            tr_units[tr], tr_tons[tr])
                    yard_level[y] += tr_units[tr]
                    sn = _push_lots(st_type, st_id, st_t, sn, tr_head, lot_next, lot_gs, tr,
                                    tr_gs[tr] + 1, t)
            elif atype == A_LOT:
                lt = aid
                gs = lot_gs[lt]
                k = gs_kind[gs]
                a = gs_a[gs]
                b = gs_b[gs]
                if k == S_SEA:
                    lot_tm[lt] = t
                    lot_next[lt] = -1
                    if lane_tail[a] < 0:
                        lane_head[a] = lt
                    else:
                        lot_next[lane_tail[a]] = lt
                    lane_tail[a] = lt
                    port = lane_port[a]
                    v = pw_head[port]
                    while v >= 0 and lane_head[a] >= 0:
                        nxv = v_pnext[v]
                        c = v_cls[v]
                        e = v_end[v]
                        has = False
                        for q in range(vc_lanes.shape[2]):
                            if vc_lanes[c, e, q] == a:
                                has = True
                        if has:
                            r = _load(v, t, c, e, vc_lanes, vc_cap, vc_shared, vc_hpu, vc_port,
                                      lane_head, lane_tail, lane_unit, lot_next, lot_units, lot_tm,
                                      lot_flow, lot_gs, lot_t0, n_lots, cap_lots, v_head, v_tail,
                                      v_load, v_fill, v_busy, yard_of, yard_level)
                            n_lots, touched = r
                            if n_lots < 0:
                                overflow |= OVERFLOW_LOTS
                                break
                            for q in range(4):
                                y = yard_of[port, q]
                                if touched[q] and y >= 0:
                                    st_type[sn], st_id[sn], st_t[sn] = A_ADMIT, y, t
                                    sn += 1
                            if vc_policy[c] == 0 and v_fill[v] >= vc_minfill[c] - 1e-9:
                                v_waiting[v] = False
                                p, nx = v_pprev[v], v_pnext[v]
                                if p >= 0:
                                    v_pnext[p] = nx
                                else:
                                    pw_head[port] = nx
                                if nx >= 0:
                                    v_pprev[nx] = p
                                else:
                                    pw_tail[port] = p
                                v_token[v] += 1
                                seq += 1
                                hn = _hpush(ht, hs, hk, ha, hb, hn, max(t, v_busy[v]), seq, E_VDEPART, v, 0)
                        v = nxv
                elif k == S_FORM:
                    lot_tm[lt] = t
                    lot_next[lt] = -1
                    g = a
                    if g_tail[g] < 0:
                        g_head[g] = lt
                    else:
                        lot_next[g_tail[g]] = lt
                    g_tail[g] = lt
                    g_units[g] += lot_units[lt]
                    if grp_yard[g] >= 0:
                        yard_level[grp_yard[g]] += lot_units[lt]
                    if g_units[g] >= grp_size[g] - 1e-9:
                        st_type[sn], st_id[sn], st_t[sn] = 4, g, t
                        sn += 1
                    elif g_head[g] == lt:
                        g_token[g] += 1
                        seq += 1
                        hn = _hpush(ht, hs, hk, ha, hb, hn, t + fmw, seq, E_FORM, g, g_token[g])
                elif k == S_END:
                    fl = lot_flow[lt]
                    delivered[fl] += lot_units[lt]
                    delivered_lots[fl] += 1
                    if lot_t0[lt] >= warmup_h:
                        d_od[n_d], d_tt[n_d], d_u[n_d] = flow_od[fl], t - lot_t0[lt], lot_units[lt]
                        n_d += 1
                else:
                    if n_tr >= cap_trains:
                        overflow |= OVERFLOW_TRAINS
                        break
                    tr = n_tr
                    n_tr += 1
                    lot_next[lt] = -1
                    tr_gs[tr] = gs
                    tr_head[tr] = lt
                    tr_units[tr] = lot_units[lt]
                    tr_tons[tr] = lot_units[lt] * flow_tpu[lot_flow[lt]]
                    st_type[sn], st_id[sn], st_t[sn] = A_TRAIN, tr, t
                    sn += 1
            elif atype == A_AFTER_DISCH:
                v = aid
                c = v_cls[v]
                e = v_end[v]
                port = vc_port[c, e]
                if vc_lanes[c, e, 0] < 0:
                    seq += 1
                    hn = _hpush(ht, hs, hk, ha, hb, hn, max(t, v_busy[v]), seq, E_VDEPART, v, 0)
                    continue
                r = _load(v, t, c, e, vc_lanes, vc_cap, vc_shared, vc_hpu, vc_port,
                          lane_head, lane_tail, lane_unit, lot_next, lot_units, lot_tm,
                          lot_flow, lot_gs, lot_t0, n_lots, cap_lots, v_head, v_tail,
                          v_load, v_fill, v_busy, yard_of, yard_level)
                n_lots, touched = r
                if n_lots < 0:
                    overflow |= OVERFLOW_LOTS
                    break
                for q in range(4):
                    y = yard_of[port, q]
                    if touched[q] and y >= 0:
                        st_type[sn], st_id[sn], st_t[sn] = A_ADMIT, y, t
                        sn += 1
                if vc_policy[c] == 0:
                    if v_fill[v] >= vc_minfill[c] - 1e-9:
                        seq += 1
                        hn = _hpush(ht, hs, hk, ha, hb, hn, max(t, v_busy[v]), seq, E_VDEPART, v, 0)
                        continue
                    deadline = t + vc_maxwait[c]
                else:
                    sidx = vc_svc[c]
                    kslot = max(math.ceil(t / vc_interval[c] - 1e-9), slot_next[sidx, e])
                    slot_next[sidx, e] = kslot + 1
                    deadline = kslot * vc_interval[c]
                v_waiting[v] = True
                v_pnext[v] = -1
                v_pprev[v] = pw_tail[port]
                if pw_tail[port] < 0:
                    pw_head[port] = v
                else:
                    v_pnext[pw_tail[port]] = v
                pw_tail[port] = v
                v_token[v] += 1
                seq += 1
                hn = _hpush(ht, hs, hk, ha, hb, hn, deadline, seq, E_VTIMEOUT, v, v_token[v])
            else:   # dispatch onward trains from formation group aid
                g = aid
                size = grp_size[g]
                port = grp_port[g]
                y = grp_yard[g]
                formed = 0
                while g_head[g] >= 0 and (g_units[g] >= size - 1e-9 or t >= lot_tm[g_head[g]] + fmw - 1e-9):
                    if n_tr >= cap_trains or n_lots >= cap_lots:
                        overflow |= OVERFLOW_TRAINS
                        break
                    tr = n_tr
                    n_tr += 1
                    units = 0.0
                    tons = 0.0
                    head = -1
                    tail = -1
                    while g_head[g] >= 0 and units < size - 1e-9:
                        lt = g_head[g]
                        room = size - units
                        if lot_units[lt] > room + 1e-9:
                            if flow_unit[lot_flow[lt]] != 3:
                                room = math.floor(room + 1e-9)
                            if room <= 0:
                                break
                            part = n_lots
                            n_lots += 1
                            lot_flow[part] = lot_flow[lt]
                            lot_gs[part] = lot_gs[lt]
                            lot_units[part] = room
                            lot_t0[part] = lot_t0[lt]
                            lot_tm[part] = lot_tm[lt]
                            lot_units[lt] -= room
                            lt = part
                        else:
                            g_head[g] = lot_next[lt]
                            if g_head[g] < 0:
                                g_tail[g] = -1
                        lot_next[lt] = -1
                        if tail < 0:
                            head = lt
                        else:
                            lot_next[tail] = lt
                        tail = lt
                        units += lot_units[lt]
                    if head < 0:
                        n_tr -= 1
                        break
                    lt = head
                    while lt >= 0:
                        lt_tons = lot_units[lt] * flow_tpu[lot_flow[lt]]
                        tons += lt_tons
                        nunits[port] += lot_units[lt]
                        ntons[port] += lt_tons
                        if t > lot_tm[lt]:
                            if n_w_rec >= cap_waits:
                                overflow |= OVERFLOW_WAITS
                                break
                            n_w_rec = _add_wait(wn, wt0, wt1, wu, wtn, n_w_rec, port, lot_tm[lt], t,
                                                lot_units[lt], lt_tons)
                        lt = lot_next[lt]
                    g_units[g] -= units
                    if y >= 0:
                        yard_level[y] -= units
                    tr_gs[tr] = lot_gs[head] + 1
                    tr_head[tr] = head
                    tr_units[tr] = units
                    tr_tons[tr] = tons
                    st_type[sn], st_id[sn], st_t[sn] = A_TRAIN, tr, t
                    sn += 1
                    formed += 1
                if formed > 0 and y >= 0:
                    st_type[sn], st_id[sn], st_t[sn] = A_ADMIT, y, t
                    sn += 1
                if g_head[g] >= 0:
                    g_token[g] += 1
                    seq += 1
                    hn = _hpush(ht, hs, hk, ha, hb, hn, max(t, lot_tm[g_head[g]] + fmw), seq, E_FORM, g,
                                g_token[g])
            if sn >= st_type.shape[0] - 8:
                overflow |= OVERFLOW_LOTS
                break
            if hn >= cap_heap - 8:
                overflow |= OVERFLOW_HEAP
                break

    # -- end of horizon: work in progress and open waits ---------------------------------
    wip = np.zeros(n_flows)
    for i in range(hn):
        if hk[i] == E_TRAIN and not (hb[i] == 1 and ht[i] > H):
            _add_wip(wip, tr_head[ha[i]], lot_next, lot_flow, lot_units)
    for ln in range(n_lanes):
        n_w_rec = _close_queue(lane_head[ln], lane_port[ln], H, lot_next, lot_flow, lot_units, lot_tm,
                               flow_tpu, wip, nunits, ntons, wn, wt0, wt1, wu, wtn, n_w_rec, cap_waits)
    for g in range(n_grp):
        n_w_rec = _close_queue(g_head[g], grp_port[g], H, lot_next, lot_flow, lot_units, lot_tm,
                               flow_tpu, wip, nunits, ntons, wn, wt0, wt1, wu, wtn, n_w_rec, cap_waits)
    for y in range(n_yards):
        tr = yq_head[y]
        while tr >= 0:
            _add_wip(wip, tr_head[tr], lot_next, lot_flow, lot_units)
            port = gs_a[tr_gs[tr]]
            if n_w_rec < cap_waits and tr_qarr[tr] < H:
                n_w_rec = _add_wait(wn, wt0, wt1, wu, wtn, n_w_rec, port, tr_qarr[tr], H, tr_units[tr],
                                    tr_tons[tr])
            nunits[port] += tr_units[tr]
            ntons[port] += tr_tons[tr]
            tr = tr_qnext[tr]
    for v in range(n_v):
        _add_wip(wip, v_head[v], lot_next, lot_flow, lot_units)
        if v_inberth[v] and v_bt[v] < H:
            bg = vc_berth[v_cls[v], v_end[v]]
            if bg >= 0:
                berth_busy[bg] += H - v_bt[v]
    return (overflow, n_events, delivered, delivered_lots, wip, d_od[:n_d], d_tt[:n_d], d_u[:n_d],
            wn[:n_w_rec], wt0[:n_w_rec], wt1[:n_w_rec], wu[:n_w_rec], wtn[:n_w_rec], nunits, ntons,
            busy, berth_busy, voyages, vfill, vunits, wlost, spos)


@njit(cache=True)
def _push_lots(st_type, st_id, st_t, sn, tr_head, lot_next, lot_gs, tr, gs, t):
    """Push a train's lots as lot actions (reversed, so the first lot is handled first)."""
    cnt = 0
    lt = tr_head[tr]
    while lt >= 0:
        cnt += 1
        lt = lot_next[lt]
    k = 0
    lt = tr_head[tr]
    while lt >= 0:
        nx = lot_next[lt]
        lot_gs[lt] = gs
        lot_next[lt] = -1
        st_type[sn + cnt - 1 - k] = A_LOT
        st_id[sn + cnt - 1 - k] = lt
        st_t[sn + cnt - 1 - k] = t
        k += 1
        lt = nx
    return sn + cnt


@njit(cache=True)
def _load(v, t, c, e, vc_lanes, vc_cap, vc_shared, vc_hpu, vc_port, lane_head, lane_tail, lane_unit,
          lot_next, lot_units, lot_tm, lot_flow, lot_gs, lot_t0, n_lots, cap_lots, v_head, v_tail,
          v_load, v_fill, v_busy, yard_of, yard_level):
    """Load a berthed vessel from its lanes, oldest lot first, splitting the last lot to fit."""
    touched = np.zeros(4, np.bool_)
    port = vc_port[c, e]
    n_units = 0
    for u in range(4):
        if vc_cap[c, u] > 0:
            n_units += 1
    while True:
        best = -1
        best_tm = np.inf
        best_room = 0.0
        for q in range(vc_lanes.shape[2]):
            ln = vc_lanes[c, e, q]
            if ln < 0:
                break
            lt = lane_head[ln]
            if lt >= 0 and lot_tm[lt] < best_tm:
                u = lane_unit[ln]
                cap = vc_cap[c, u]
                if cap <= 0:
                    continue
                room = (1.0 - v_fill[v]) * cap if vc_shared[c] else cap - v_load[v, u]
                if u != 3:
                    room = math.floor(room + 1e-6)
                elif room <= 1e-6:
                    room = 0.0
                if room > 0:
                    best, best_tm, best_room = ln, lot_tm[lt], room
        if best < 0:
            break
        u = lane_unit[best]
        lt = lane_head[best]
        if lot_units[lt] > best_room + 1e-9:
            if n_lots >= cap_lots:
                return -1, touched
            part = n_lots
            n_lots += 1
            lot_flow[part] = lot_flow[lt]
            lot_gs[part] = lot_gs[lt]
            lot_units[part] = best_room
            lot_t0[part] = lot_t0[lt]
            lot_tm[part] = lot_tm[lt]
            lot_units[lt] -= best_room
            lt = part
        else:
            lane_head[best] = lot_next[lt]
            if lane_head[best] < 0:
                lane_tail[best] = -1
        lot_next[lt] = -1
        if v_tail[v] < 0:
            v_head[v] = lt
        else:
            lot_next[v_tail[v]] = lt
        v_tail[v] = lt
        n = lot_units[lt]
        v_load[v, u] += n
        if vc_shared[c]:
            v_fill[v] += n / vc_cap[c, u]
        else:
            s = 0.0
            for uu in range(4):
                if vc_cap[c, uu] > 0:
                    s += v_load[v, uu] / vc_cap[c, uu]
            v_fill[v] = s / n_units
        v_busy[v] = (v_busy[v] if v_busy[v] > t else t) + n * vc_hpu[c, e, u]
        y = yard_of[port, u]
        if y >= 0:
            yard_level[y] -= n
            touched[u] = True
    return n_lots, touched


class FastModel:
    """The compiled scenario flattened into the arrays :func:`_core` takes (built once)."""

    def __init__(self, cm: Compiled) -> None:
        self.cm = cm
        off, kinds, a_, b_, x_, d_, ch, srv = [], [], [], [], [], [], [], []
        n = 0
        for r, steps in enumerate(cm.routes):
            off.append(n)
            for si, (k, a, b, x, d) in enumerate(steps):
                kinds.append(k)
                a_.append(a)
                b_.append(b)
                x_.append(x)
                d_.append(d)
                ch.append(bool(cm.chained[r][si]) if cm.chained else False)
                srv.append(a if 0 < k < 4 else (b if k == S_NODE else -1))
            n += len(steps)
        self.route_off = np.asarray(off, np.int64)
        self.gs = (np.asarray(kinds, np.int64), np.asarray(a_, np.int64), np.asarray(b_, np.int64),
                   np.asarray(x_, float), np.asarray(d_, np.int64), np.asarray(ch, np.bool_),
                   np.asarray(srv, np.int64))
        sv = cm.servers
        c = np.asarray([s.c for s in sv], np.int64)
        self.srv = (c, np.asarray([s.service_h for s in sv], float),
                    np.asarray([s.dist for s in sv], np.int64),
                    np.asarray([s.per_unit for s in sv], np.bool_),
                    np.concatenate([[0], np.cumsum(c)]).astype(np.int64),
                    np.asarray(cm.lead if cm.lead else [0.0] * len(sv), float))
        nn = len(cm.nodes)
        self.lanes = (np.asarray([p for p, _, _ in cm.lanes], np.int64),
                      np.asarray([u for _, _, u in cm.lanes], np.int64))
        yard_of = np.full((nn, 4), -1, np.int64)
        for (p, u), y in cm.yard_of.items():
            yard_of[p, u] = y
        self.yards = (np.asarray([cap for _, _, cap in cm.yards], float), yard_of)
        route_unit: dict[int, int] = {}
        for f in cm.flows:
            for r in f.routes:
                route_unit[r] = f.unit
        self.groups = (np.asarray([p for _, p, _ in cm.groups], np.int64),
                       np.asarray([s for _, _, s in cm.groups], float),
                       np.asarray([yard_of[p, route_unit.get(r, 0)] for r, p, _ in cm.groups], np.int64))
        self.berths = np.asarray([cnt for _, _, cnt in cm.berths], np.int64)
        vcs = cm.vessels
        nvc = len(vcs)
        maxl = max([1] + [len(vc.lanes[e]) for vc in vcs for e in (0, 1)])
        vc_lanes = np.full((max(nvc, 1), 2, maxl), -1, np.int64)
        vc_cap = np.zeros((max(nvc, 1), 4))
        vc_hpu = np.zeros((max(nvc, 1), 2, 4))
        services = sorted({vc.service for vc in vcs})
        for i, vc in enumerate(vcs):
            for e in (0, 1):
                for q, ln in enumerate(vc.lanes[e]):
                    vc_lanes[i, e, q] = ln
                for u, rate in vc.rate[e].items():
                    vc_hpu[i, e, u] = 1.0 / rate
            for u, cap in vc.cap.items():
                vc_cap[i, u] = cap
        self.vessels = (
            np.asarray([vc.ports for vc in vcs], np.int64).reshape(-1, 2), vc_cap,
            np.asarray([vc.shared for vc in vcs], np.bool_), np.asarray([vc.crossing_h for vc in vcs], float),
            np.asarray([vc.port_time_h for vc in vcs], float).reshape(-1, 2),
            np.asarray([vc.berth for vc in vcs], np.int64).reshape(-1, 2), vc_hpu, vc_lanes,
            np.asarray([0 if vc.policy == "load_and_go" else 1 for vc in vcs], np.int64),
            np.asarray([vc.min_fill for vc in vcs], float), np.asarray([vc.max_wait_h for vc in vcs], float),
            np.asarray([vc.interval_h if vc.interval_h else 1.0 for vc in vcs], float),
            np.asarray([services.index(vc.service) for vc in vcs], np.int64), len(services))
        cls, end = [], []
        for i, vc in enumerate(vcs):
            for k in range(vc.count):
                cls.append(i)
                end.append(k % 2)
        self.fleet = (np.asarray(cls, np.int64), np.asarray(end, np.int64))
        self.flows = (np.asarray([f.od for f in cm.flows], np.int64),
                      np.asarray([f.unit for f in cm.flows], np.int64),
                      np.asarray([f.tonnes_per_unit for f in cm.flows], float))
        self.caps = [1.0, 1.0]   # growth factors remembered across replications
        self.samp_sizes: list[int] | None = None   # samples per distribution, learnt as runs go


def run_replication_fast(fm: FastModel, horizon_h: float, seed: np.random.SeedSequence | int,
                         warmup_h: float = 0.0) -> RepSummary:
    """One replication on the compiled core (same rules and random inputs as the Python engine).

    Parameters
    ----------
    fm
        The compiled scenario's arrays (:class:`FastModel`).
    horizon_h
        Simulated time (h).
    seed
        Seed sequence of the replication (see :func:`transcaspian.sim.engine.prepare`).
    warmup_h
        Lots released before this time (h) are left out of transit statistics.
    """
    cm = fm.cm
    H = float(horizon_h)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    prep = prepare(cm, H, ss)
    rel_t, rel_r, rel_f, rel_u = prep.releases
    rel_gs = fm.route_off[rel_r] if rel_r.size else np.zeros(0, np.int64)
    nn = len(cm.nodes)
    off = [0]
    st: list[float] = []
    en: list[float] = []
    w_of_port = np.full(nn, -1, np.int64)
    for port in range(nn):
        if port in prep.w_starts:
            st.extend(prep.w_starts[port])
            en.extend(prep.w_ends[port])
            w_of_port[port] = prep.w_of_port[port]
        off.append(len(st))
    weather = (np.asarray(off, np.int64), np.asarray(st, float), np.asarray(en, float), w_of_port,
               len(cm.weather))
    n_rel = rel_t.size
    while True:
        g, gs_ = fm.caps
        cap_lots = max(int((4 * n_rel + 20000) * g), n_rel + 1000)
        cap_trains = max(int((3 * n_rel + 10000) * g), n_rel + 1000)
        cap_waits = max(int((30 * n_rel + 20000) * g), 1000)
        # pending events: at most one per train, a few per vessel and formation group
        cap_heap = cap_trains + 8 * len(fm.fleet[0]) + 4 * len(cm.groups) + 1000
        sizes = ([int((8 * n_rel + 4096) * gs_)] * len(cm.dists) if fm.samp_sizes is None
                 else fm.samp_sizes)
        # each distribution's own stream, drawn in the order the Python engine draws it; a
        # longer draw starts with the same numbers, so the buffer size never changes results
        bufs = [draw(spec, np.random.default_rng(prep.children[2 + i]), sizes[i])
                for i, spec in enumerate(cm.dists)]
        samp = np.concatenate(bufs) if bufs else np.zeros(1)
        samp_len = np.asarray(sizes, np.int64) if bufs else np.zeros(0, np.int64)
        samp_off = (np.concatenate([[0], np.cumsum(samp_len)[:-1]]).astype(np.int64) if bufs
                    else np.zeros(0, np.int64))
        out = _core(H, float(warmup_h), nn, *fm.gs, *fm.srv, samp, samp_off, samp_len, *fm.lanes,
                    *fm.yards, *fm.groups, float(cm.formation_max_wait_h), fm.berths, *fm.vessels,
                    *fm.fleet, *weather, *fm.flows, rel_t, rel_gs, rel_f, rel_u,
                    cap_lots, cap_trains, cap_waits, cap_heap)
        flag = out[0]
        used = out[-1]
        if not flag:
            # size the next replications' buffers from this one's use (with a margin)
            fm.samp_sizes = [max(int(u * 1.5) + 512, sz if fm.samp_sizes is not None else 0)
                             for u, sz in zip(used.tolist(), sizes, strict=True)]
            break
        if flag & OVERFLOW_SAMPLES:
            fm.caps[1] *= 4.0
            fm.samp_sizes = [max(int(u * 1.5) + 512, 2 * sz) if u > sz else sz
                             for u, sz in zip(used.tolist(), sizes, strict=True)]
        if flag & ~OVERFLOW_SAMPLES:
            fm.caps[0] *= 2.0
    (_, n_events, delivered, delivered_lots, wip, d_od, d_tt, d_u, wn, wt0, wt1, wu, wtn, nunits,
     ntons, busy, berth_busy, voyages, vfill, vunits, wlost, _) = out
    nvc = len(cm.vessels)
    return summarise(cm, H, prep, n_events, delivered, delivered_lots, wip, d_od, d_tt, d_u, wn, wt0,
                     wt1, wu, wtn, nunits, ntons, busy, berth_busy, voyages[:nvc], vfill[:nvc],
                     vunits[:nvc], wlost[:len(cm.weather)], None)
