"""Run the kernel for one replication: the compiled scenario as :class:`Network` arrays
(built once), the replication's inputs, preallocated state (grown and rerun on overflow,
same numbers), and the records turned into a :class:`RepSummary`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from transcaspian.model.errors import Problem, UserError
from transcaspian.sim.compile import S_NODE, Compiled, draw
from transcaspian.sim.inputs import Prepared, prepare
from transcaspian.sim.kernel.loop import advance
from transcaspian.sim.kernel.state import (
    K_DELIV,
    K_EVENTS,
    K_LOG,
    K_OVERFLOW,
    K_WAITS,
    OVERFLOW_LOG,
    OVERFLOW_SAMPLES,
    Caps,
    Inputs,
    Network,
    Servers,
    State,
    Steps,
    new_state,
)
from transcaspian.sim.summary import EVENTS, Raw, RepSummary, summarise

TRACK_COLUMNS = ["lot", "parent", "flow", "event", "place", "time_h", "units"]


def _steps(cm: Compiled) -> tuple[np.ndarray, Steps]:
    off, rows, ch = [], [], []
    for r, steps in enumerate(cm.routes):
        off.append(len(rows))
        rows.extend(steps)
        ch.extend(bool(cm.chained[r][si]) if cm.chained else False for si in range(len(steps)))
    kind = np.asarray([s.kind for s in rows], np.int64)
    a = np.asarray([s.a for s in rows], np.int64)
    b = np.asarray([s.b for s in rows], np.int64)
    srv = np.where((kind > 0) & (kind < 4), a, np.where(kind == S_NODE, b, -1)).astype(np.int64)
    return np.asarray(off, np.int64), Steps(kind, a, b, np.asarray([s.x for s in rows], float),
                                            np.asarray([s.d for s in rows], np.int64),
                                            np.asarray(ch, np.bool_), srv)


def _vessels(cm: Compiled) -> dict[str, object]:
    vcs = cm.vessels
    nvc = max(len(vcs), 1)
    maxl = max([1] + [len(vc.lanes[e]) for vc in vcs for e in (0, 1)])
    vc_lanes = np.full((nvc, 2, maxl), -1, np.int64)
    vc_cap = np.zeros((nvc, 4))
    vc_hpu = np.zeros((nvc, 2, 4))
    services = sorted({vc.service for vc in vcs})
    for i, vc in enumerate(vcs):
        for e in (0, 1):
            vc_lanes[i, e, :len(vc.lanes[e])] = vc.lanes[e]
            for u, rate in vc.rate[e].items():
                vc_hpu[i, e, u] = 1.0 / rate
        for u, cap in vc.cap.items():
            vc_cap[i, u] = cap
    cls = [i for i, vc in enumerate(vcs) for _ in range(vc.count)]
    end = [k % 2 for vc in vcs for k in range(vc.count)]
    return dict(
        vc_port=np.asarray([vc.ports for vc in vcs], np.int64).reshape(-1, 2), vc_cap=vc_cap,
        vc_shared=np.asarray([vc.shared for vc in vcs], np.bool_),
        vc_cross=np.asarray([vc.crossing_h for vc in vcs], float),
        vc_ptime=np.asarray([vc.port_time_h for vc in vcs], float).reshape(-1, 2),
        vc_berth=np.asarray([vc.berth for vc in vcs], np.int64).reshape(-1, 2), vc_hpu=vc_hpu,
        vc_lanes=vc_lanes, vc_policy=np.asarray([vc.policy != "load_and_go" for vc in vcs], np.int64),
        vc_minfill=np.asarray([vc.min_fill for vc in vcs], float),
        vc_maxwait=np.asarray([vc.max_wait_h for vc in vcs], float),
        vc_interval=np.asarray([vc.interval_h if vc.interval_h else 1.0 for vc in vcs], float),
        vc_svc=np.asarray([services.index(vc.service) for vc in vcs], np.int64), n_svc=len(services),
        fleet_cls=np.asarray(cls, np.int64), fleet_end=np.asarray(end, np.int64))


def build_network(cm: Compiled) -> tuple[Network, np.ndarray]:
    """The compiled scenario as kernel arrays, and each route's first global step."""
    route_off, steps = _steps(cm)
    sv = cm.servers
    c = np.asarray([s.c for s in sv], np.int64)
    servers = Servers(c, np.asarray([s.service_h for s in sv], float),
                      np.asarray([s.dist for s in sv], np.int64),
                      np.asarray([s.per_unit for s in sv], np.bool_),
                      np.concatenate([[0], np.cumsum(c)]).astype(np.int64),
                      np.asarray(cm.lead if cm.lead else [0.0] * len(sv), float))
    nn = len(cm.nodes)
    yard_of = np.full((nn, 4), -1, np.int64)
    for (p, u), y in cm.yard_of.items():
        yard_of[p, u] = y
    route_unit = {r: f.unit for f in cm.flows for r in f.routes}
    net = Network(
        n_nodes=nn, steps=steps, servers=servers,
        lane_port=np.asarray([p for p, _, _ in cm.lanes], np.int64),
        lane_unit=np.asarray([u for _, _, u in cm.lanes], np.int64),
        yard_cap=np.asarray([cap for _, _, cap in cm.yards], float), yard_of=yard_of,
        grp_port=np.asarray([p for _, p, _ in cm.groups], np.int64),
        grp_size=np.asarray([s for _, _, s in cm.groups], float),
        grp_yard=np.asarray([yard_of[p, route_unit.get(r, 0)] for r, p, _ in cm.groups], np.int64),
        grp_max_wait=np.asarray(cm.formation_wait_h, float),
        berth_count=np.asarray([cnt for _, _, cnt in cm.berths], np.int64),
        **_vessels(cm),  # type: ignore[arg-type]
        flow_od=np.asarray([f.od for f in cm.flows], np.int64),
        flow_unit=np.asarray([f.unit for f in cm.flows], np.int64),
        flow_tpu=np.asarray([f.tonnes_per_unit for f in cm.flows], float),
        flow_origin=np.asarray([cm.nodes.index(f.origin) for f in cm.flows], np.int64),
        n_weather=len(cm.weather))
    return net, route_off


def _weather(cm: Compiled, prep: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    off, st, en = [0], [], []
    w_of_port = np.full(len(cm.nodes), -1, np.int64)
    for port in range(len(cm.nodes)):
        if port in prep.w_starts:
            st.extend(prep.w_starts[port])
            en.extend(prep.w_ends[port])
            w_of_port[port] = prep.w_of_port[port]
        off.append(len(st))
    return np.asarray(off, np.int64), np.asarray(st, float), np.asarray(en, float), w_of_port


#: Bytes per preallocated row: a lot (its arrays, delivery record, two stack rows), a train,
#: a waiting record, a heap entry, a tracking-log row (see :func:`~.state.new_state`).
LOT_BYTES, TRAIN_BYTES, WAIT_BYTES, HEAP_BYTES, LOG_BYTES = (7 * 8 + 3 * 8 + 2 * 3 * 8, 6 * 8, 5 * 8, 5 * 8,
                                                           5 * 8)
#: Bytes per released train in the replication's inputs (release arrays, their parts, first steps).
RELEASE_BYTES = 9 * 8
#: Bytes per pre-drawn sample (the draw and its concatenated copy).
SAMPLE_BYTES = 2 * 8
#: Largest kernel memory (bytes) of one replication when not told otherwise (8 GB).
DEFAULT_MAX_BYTES = 8e9


def array_caps(n_rel: int, n_vessels: int, n_groups: int, track: bool,
               growth: list[float] | None = None) -> Caps:
    """Rows to preallocate for a replication releasing ``n_rel`` trains.

    ``growth`` (lots/trains/waits, samples, log) multiplies the sizes after an overflow.
    """
    g, _, gl = growth or [1.0, 1.0, 1.0]
    trains = max(int((3 * n_rel + 10000) * g), n_rel + 1000)
    # pending events: at most one per train, a few per vessel and formation group
    heap = trains + 8 * n_vessels + 4 * n_groups + 1000
    return Caps(lots=max(int((4 * n_rel + 20000) * g), n_rel + 1000), trains=trains,
                waits=max(int((30 * n_rel + 20000) * g), 1000), heap=heap,
                log=int((40 * n_rel + 10000) * gl) if track else 0)


def first_samples(n_rel: int, growth: float = 1.0) -> int:
    """Samples pre-drawn per distribution before a replication has shown its use."""
    return int((8 * n_rel + 4096) * growth)


def memory_bytes(caps: Caps, n_samples: int, n_rel: int) -> float:
    """Kernel memory (bytes) of one replication: preallocated state, samples, releases."""
    return (caps.lots * LOT_BYTES + caps.trains * TRAIN_BYTES + caps.waits * WAIT_BYTES
            + caps.heap * HEAP_BYTES + caps.log * LOG_BYTES + n_samples * SAMPLE_BYTES
            + n_rel * RELEASE_BYTES)


#: Port-performance arrays of :class:`~.state.PortStats` a replication reports (windowed).
PORT_KEYS = ("calls", "done", "turn", "anchor", "atberth", "thist", "sn", "swait", "sdwell", "shist")


def window_arrays(st: State) -> dict[str, np.ndarray]:
    """The running totals of a replication that the measured window counts (copies)."""
    s, ps = st.stats, st.ps
    out = {"delivered": s.delivered, "delivered_lots": s.delivered_lots, "nunits": s.nunits,
           "ntons": s.ntons, "voyages": s.voyages, "vfill": s.vfill, "vunits": s.vunits, "wlost": s.wlost,
           "busy": st.srv.busy, "berth_busy": st.fleet.berth_busy}
    out.update({key: getattr(ps, key) for key in PORT_KEYS})
    return {key: np.array(v, copy=True) for key, v in out.items()}


def window_base(net: Network, st: State, W: float) -> dict[str, np.ndarray]:
    """Totals at the end of the warm-up ``W`` (h), to be subtracted at the end; berth-hours of
    vessels berthed across ``W`` count from ``W``; the longest queue restarts at ``W``."""
    base = window_arrays(st)
    fl = st.fleet
    for v in range(fl.cls.shape[0]):
        bg = net.vc_berth[fl.cls[v], fl.end[v]]
        if fl.inberth[v] and bg >= 0 and fl.bt[v] < W:
            base["berth_busy"][bg] += W - fl.bt[v]   # counted from W when the vessel leaves
    st.ps.sqmax[:] = 0.0
    return base


class KernelModel:
    """A compiled scenario ready for the kernel; remembers array sizes across replications.

    ``max_bytes`` caps the memory of one replication's arrays (:func:`memory_bytes`): a run
    that would need more, first or after growing its arrays, raises a UserError.
    """

    def __init__(self, cm: Compiled, max_bytes: float = DEFAULT_MAX_BYTES) -> None:
        self.cm = cm
        self.max_bytes = max_bytes
        self.net, self.route_off = build_network(cm)
        self.growth = [1.0, 1.0, 1.0]   # lots/trains/waits, samples, log
        self.samp_sizes: list[int] | None = None   # samples per distribution, learnt as runs go

    def _caps(self, n_rel: int, track: bool) -> Caps:
        return array_caps(n_rel, len(self.net.fleet_cls), len(self.cm.groups), track, self.growth)

    def _inputs(self, prep: Prepared, horizon_h: float, warmup_h: float, track: bool) -> Inputs:
        cm = self.cm
        rel_t, rel_r, rel_f, rel_u = prep.releases
        sizes = ([first_samples(rel_t.size, self.growth[1])] * len(cm.dists)
                 if self.samp_sizes is None else self.samp_sizes)
        # each distribution's own stream; a longer draw starts with the same numbers, so the
        # buffer size never changes results
        bufs = [draw(spec, np.random.default_rng(prep.children[2 + i]), sizes[i])
                for i, spec in enumerate(cm.dists)]
        samp_len = np.asarray(sizes, np.int64) if bufs else np.zeros(0, np.int64)
        return Inputs(
            horizon_h=horizon_h, warmup_h=warmup_h, track=track,
            samp=np.concatenate(bufs) if bufs else np.zeros(1), samp_len=samp_len,
            samp_off=(np.concatenate([[0], np.cumsum(samp_len)[:-1]]).astype(np.int64) if bufs
                      else np.zeros(0, np.int64)),
            **dict(zip(("w_off", "w_st", "w_en", "w_of_port"), _weather(cm, prep), strict=True)),
            rel_t=rel_t, rel_gs=self.route_off[rel_r] if rel_r.size else np.zeros(0, np.int64),
            rel_flow=rel_f, rel_units=rel_u)

    def _grow(self, flag: int, used: np.ndarray, sizes: np.ndarray) -> None:
        if not flag:
            # size the next replications' buffers from this one's use (with a margin)
            self.samp_sizes = [max(int(u * 1.5) + 512, sz if self.samp_sizes is not None else 0)
                               for u, sz in zip(used.tolist(), sizes.tolist(), strict=True)]
            return
        if flag & OVERFLOW_SAMPLES:
            self.growth[1] *= 4.0
            self.samp_sizes = [max(int(u * 1.5) + 512, 2 * sz) if u > sz else sz
                               for u, sz in zip(used.tolist(), sizes.tolist(), strict=True)]
        if flag & OVERFLOW_LOG:
            self.growth[2] *= 2.0
        if flag & ~(OVERFLOW_SAMPLES | OVERFLOW_LOG):
            self.growth[0] *= 2.0

    def run(self, horizon_h: float, seed: np.random.SeedSequence | int, warmup_h: float = 0.0,
            track: bool = False) -> RepSummary:
        """One replication.

        Parameters
        ----------
        horizon_h
            Simulated time (h).
        seed
            Seed sequence (or int) of the replication (see :func:`transcaspian.sim.inputs.prepare`).
        warmup_h
            Warm-up (h) at the start of the horizon: the measured window is
            ``[warmup_h, horizon_h]`` and every windowed statistic (deliveries, transit times of
            lots delivered in it, waits, busy hours, voyages, port calls) counts only it; work
            in progress is counted at the end. The scenario's calendar starts at ``warmup_h``.
        track
            Keep the tracking log (``RepSummary.log``, a DataFrame of :data:`TRACK_COLUMNS`).
        """
        H = float(horizon_h)
        ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        W = min(max(float(warmup_h), 0.0), H)
        prep = prepare(self.cm, H, ss, W)
        while True:
            caps = self._caps(prep.releases[0].size, track)
            self._check_memory(caps, prep.releases[0].size)
            inp = self._inputs(prep, H, W, track)
            st = new_state(self.net, inp, caps)
            base = None
            if W > 0:
                advance(self.net, inp, st, W, True, False)
                base = window_base(self.net, st, W)
            advance(self.net, inp, st, H, W <= 0, True)
            flag = int(st.k[K_OVERFLOW])
            self._grow(flag, st.srv.spos, inp.samp_len)
            if not flag:
                return summarise(self.cm, prep, self._raw(st, H, W, track, base))

    def _check_memory(self, caps: Caps, n_rel: int) -> None:
        """Refuse arrays beyond ``max_bytes`` (UserError naming the ceiling)."""
        n_samp = (sum(self.samp_sizes) if self.samp_sizes is not None
                  else first_samples(n_rel, self.growth[1]) * len(self.cm.dists))
        need = memory_bytes(caps, n_samp, n_rel)
        if need > self.max_bytes:
            raise UserError([Problem(
                f"one replication of {n_rel:,} trains needs {need / 1e9:.3g} GB of simulator arrays "
                f"(lots {caps.lots:,}, waiting records {caps.waits:,}, samples {n_samp:,}); the "
                f"ceiling is {self.max_bytes / 1e9:.3g} GB (option max_memory_gb)", field="max_memory_gb")],
                "the simulation options")

    def _raw(self, st: State, H: float, W: float, track: bool, base: dict[str, np.ndarray] | None) -> Raw:
        cm, k = self.cm, st.k
        nvc, nd, nw = len(cm.vessels), int(k[K_DELIV]), int(k[K_WAITS])
        a = window_arrays(st)
        if base is not None:   # the measured window only: less what the warm-up recorded
            a = {key: (v - base[key] if key in base else v) for key, v in a.items()}
        s = st.stats
        ports = {key: a[key] for key in PORT_KEYS}
        ports["sqmax"] = st.ps.sqmax.copy()
        return Raw(H, int(k[K_EVENTS]), a["delivered"], a["delivered_lots"], s.wip, s.d_od[:nd], s.d_tt[:nd],
                   s.d_u[:nd], s.wn[:nw], s.wt0[:nw], s.wt1[:nw], s.wu[:nw], s.wtn[:nw], a["nunits"],
                   a["ntons"], a["busy"], a["berth_busy"], a["voyages"][:nvc], a["vfill"][:nvc],
                   a["vunits"][:nvc], a["wlost"][:len(cm.weather)], self._log(st) if track else None,
                   warmup_h=W, ports=ports)

    def _log(self, st: State) -> pd.DataFrame:
        """The tracking log as a DataFrame (lot ids from 1, as released, then as split;
        ``flow``, ``event`` and ``place`` are categoricals)."""
        cm, g, n = self.cm, st.log, int(st.k[K_LOG])
        lot = g.lot[:n]
        parent = st.lots.parent[lot]

        def cat(codes: np.ndarray, names: list[str] | tuple[str, ...]) -> pd.Categorical:
            return pd.Categorical.from_codes(codes, categories=pd.Index(list(names), dtype=object))

        return pd.DataFrame({
            "lot": lot + 1, "parent": np.where(parent >= 0, parent + 1, -1),
            "flow": cat(st.lots.flow[lot], [f.id for f in cm.flows]), "event": cat(g.event[:n], EVENTS),
            "place": cat(g.place[:n], cm.nodes), "time_h": g.time[:n].copy(), "units": g.units[:n].copy()},
            columns=TRACK_COLUMNS)


def run_replication(cm: Compiled | KernelModel, horizon_h: float, seed: np.random.SeedSequence | int,
                    warmup_h: float = 0.0, track: bool = False) -> RepSummary:
    """One replication of a compiled scenario on the kernel (see :meth:`KernelModel.run`).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.sim.compile import compile_scenario
    >>> rep = run_replication(compile_scenario(load_scenario("baseline-2024")), 24.0 * 30, 1)
    >>> bool(rep.created_units.sum() > 0), rep.horizon_h
    (True, 720.0)
    """
    model = cm if isinstance(cm, KernelModel) else KernelModel(cm)
    return model.run(horizon_h, seed, warmup_h, track)
