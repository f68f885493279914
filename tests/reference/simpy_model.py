"""A plain SimPy implementation of the simulator's model, kept as the reference.

It reads the same compiled scenario (:func:`transcaspian.sim.compile.compile_scenario`)
and the same input generators (train release times, storm closures) as the engine, but
moves cargo with SimPy processes, ``Resource`` objects for servers and berths, and plain
queues for yards and lanes. Its KPIs must agree with the engine's within confidence
intervals (``tests/test_sim_reference.py``); it is also the yardstick for speed
(``benchmarks/bench_sim.py``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from transcaspian.sim.compile import (
    S_END,
    S_FORM,
    S_NODE,
    S_PIPE,
    S_RAIL,
    S_ROAD,
    S_SEA,
    S_YARD,
    Compiled,
    draw,
)
from transcaspian.sim.inputs import closures, release_times


@dataclass
class RefLot:
    """Units of one flow travelling together."""

    flow: int
    route: int
    units: float
    t0: float
    tm: float
    step: int = 0


@dataclass
class RefKPIs:
    """Replication KPIs of the reference model (same meaning as the engine's summary)."""

    created_units: np.ndarray        # per flow
    delivered_units: np.ndarray      # per flow
    od_units: np.ndarray             # per OD
    od_unit_h: np.ndarray            # per OD, units x transit (h)
    node_wait_unit_h: np.ndarray     # per node (waits ending within the horizon)
    voyages: np.ndarray              # vessel class x end
    voyage_fill: np.ndarray          # vessel class x end
    weather_lost_h: np.ndarray       # per weather regime
    # port calls per vessel class x end (arrivals, departures, sums of turnaround and of
    # arrival-to-berthing h) and trains through node servers (count, sum of dwell h)
    ports: dict[str, np.ndarray] = field(default_factory=dict)


class Yard:
    """A port yard: finite units, trains admitted first come first served."""

    def __init__(self, env: simpy.Environment, capacity: float) -> None:
        self.env, self.capacity, self.level = env, capacity, 0.0
        self.queue: deque[tuple[float, simpy.Event]] = deque()

    def request(self, units: float) -> simpy.Event:
        ev = self.env.event()
        self.queue.append((units, ev))
        self._admit()
        return ev

    def add(self, units: float) -> None:
        self.level += units

    def remove(self, units: float) -> None:
        self.level -= units
        self._admit()

    def _admit(self) -> None:
        while self.queue and (self.level + self.queue[0][0] <= self.capacity + 1e-9
                              or self.level <= 1e-9):
            units, ev = self.queue.popleft()
            self.level += units
            ev.succeed()


class Sampler:
    """Draws of one compiled distribution on its own stream."""

    def __init__(self, spec: Any, rng: np.random.Generator) -> None:
        self.spec, self.rng = spec, rng

    def __call__(self) -> float:
        return float(draw(self.spec, self.rng, 1)[0])


class ReferenceModel:
    """One replication of the corridor in SimPy."""

    def __init__(self, cm: Compiled, horizon_h: float, seed: np.random.SeedSequence | int) -> None:
        ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        streams = [np.random.default_rng(s) for s in ss.spawn(cm.n_streams)]
        self.cm, self.H = cm, float(horizon_h)
        self.env = simpy.Environment()
        env = self.env
        self.rng_arr, self.rng_route = streams[0], streams[1]
        self.samplers = [Sampler(spec, streams[2 + i]) for i, spec in enumerate(cm.dists)]
        self.servers = [simpy.Resource(env, capacity=s.c) for s in cm.servers]
        self.berths = [simpy.Resource(env, capacity=c) for (_, _, c) in cm.berths]
        self.yards = [Yard(env, cap) for (_, _, cap) in cm.yards]
        self.lanes: list[deque[RefLot]] = [deque() for _ in cm.lanes]
        self.cargo = {p: env.event() for p in range(len(cm.nodes))}
        self.groups: list[deque[RefLot]] = [deque() for _ in cm.groups]
        self.group_units = [0.0] * len(cm.groups)
        self.group_token = [0] * len(cm.groups)
        self.slot_next: dict[tuple[str, int], int] = {}
        n_nodes, nvc = len(cm.nodes), len(cm.vessels)
        self.k = RefKPIs(np.zeros(len(cm.flows)), np.zeros(len(cm.flows)), np.zeros(len(cm.ods)),
                         np.zeros(len(cm.ods)), np.zeros(n_nodes), np.zeros((nvc, 2)),
                         np.zeros((nvc, 2)), np.zeros(len(cm.weather)))
        self.k.ports = {key: np.zeros((nvc, 2)) for key in ("calls", "done", "turn", "anchor")}
        self.k.ports.update(srv_n=np.zeros(len(cm.servers)), srv_dwell=np.zeros(len(cm.servers)))
        self.closed: dict[int, tuple[list[float], list[float]]] = {}
        self.weather_of: dict[int, int] = {}
        for wi, (port, rates, dist) in enumerate(cm.weather):
            st, en, _ = closures(rates, cm.dists[dist], streams[2 + len(cm.dists) + wi], self.H)
            self.closed[port] = (st, en)
            self.weather_of[port] = wi
        for fi, f in enumerate(cm.flows):
            times = release_times(f.annual_units / f.units_per_train, f.seasonality, f.arrivals,
                                  self.rng_arr, self.H)
            u = self.rng_route.random(times.size)
            self.k.created_units[fi] = times.size * f.units_per_train
            for t0, x in zip(times.tolist(), u.tolist(), strict=True):
                r = f.routes[0] if len(f.routes) == 1 else f.routes[
                    int(np.searchsorted(np.cumsum(f.shares), x * 0.999999999))]
                env.process(self.release(fi, r, t0))
        for ci, vc in enumerate(cm.vessels):
            for j in range(vc.count):
                env.process(self.vessel(ci, j % 2))

    # -- helpers --------------------------------------------------------------------------
    def next_open(self, port: int, t: float) -> float:
        st, en = self.closed.get(port, ([], []))
        i = bisect_right(st, t) - 1
        return en[i] if i >= 0 and t < en[i] else t

    def wait(self, node: int, t0: float, t1: float, units: float) -> None:
        self.k.node_wait_unit_h[node % len(self.cm.nodes)] += units * (min(t1, self.H) - min(t0, self.H))

    def release(self, flow: int, route: int, t0: float) -> Generator[Any, Any, None]:
        yield self.env.timeout(t0)
        f = self.cm.flows[flow]
        lot = RefLot(flow, route, f.units_per_train, t0, t0)
        yield from self.train(route, 0, [lot], f.units_per_train)

    def hold(self, res: simpy.Resource, req: Any, hours: float) -> Generator[Any, Any, None]:
        yield self.env.timeout(hours)
        res.release(req)

    # -- trains ---------------------------------------------------------------------------
    def train(self, r: int, si: int, lots: list[RefLot], units: float) -> Generator[Any, Any, None]:
        env, steps = self.env, self.cm.routes[r]
        while True:
            k, a, b, x, d = steps[si]
            if k in (S_RAIL, S_ROAD, S_PIPE):
                srv = self.cm.servers[a]
                arrived = env.now
                req = self.servers[a].request()
                yield req
                self.wait(d, arrived, env.now, units)
                svc = srv.service_h * units if srv.per_unit else srv.service_h
                env.process(self.hold(self.servers[a], req, svc))
                travel = x if k == S_RAIL else svc + x
                if b >= 0:
                    travel += self.samplers[b]()
                yield env.timeout(travel)
            elif k == S_NODE:
                arrived = env.now
                if b >= 0:
                    srv = self.cm.servers[b]
                    with self.servers[b].request() as req:
                        yield req
                        self.wait(a, arrived, env.now, units)
                        yield env.timeout(self.samplers[srv.dist]() if srv.dist >= 0 else srv.service_h)
                extra = x + (self.samplers[d]() if d >= 0 else 0.0)
                if extra > 0:
                    yield env.timeout(extra)
                if b >= 0:
                    self.k.ports["srv_n"][b] += 1
                    self.k.ports["srv_dwell"][b] += env.now - arrived
            elif k == S_YARD:
                arrived = env.now
                yield self.yards[b].request(units)
                self.wait(a, arrived, env.now, units)
                for lot in lots:
                    lot.step = si + 1
                    self.lot_next(lot)
                return
            else:
                for lot in lots:
                    lot.step = si
                    self.lot_next(lot)
                return
            si += 1

    def lot_next(self, lot: RefLot) -> None:
        """A lot reaches ``lot.step`` now."""
        cm, now = self.cm, self.env.now
        k, a, b, _, _ = cm.routes[lot.route][lot.step]
        if k == S_SEA:
            lot.tm = now
            self.lanes[a].append(lot)
            port = cm.lanes[a][0]
            ev, self.cargo[port] = self.cargo[port], self.env.event()
            ev.succeed()
        elif k == S_FORM:
            lot.tm = now
            self.groups[a].append(lot)
            self.group_units[a] += lot.units
            y = cm.yard_of.get((b, cm.flows[lot.flow].unit))
            if y is not None:
                self.yards[y].add(lot.units)
            if self.group_units[a] >= cm.groups[a][2] - 1e-9:
                self.dispatch(a)
            elif len(self.groups[a]) == 1:
                self.group_token[a] += 1
                self.env.process(self.formation_timer(a, self.group_token[a], now + cm.formation_wait_h[a]))
        elif k == S_END:
            f = cm.flows[lot.flow]
            self.k.delivered_units[lot.flow] += lot.units
            self.k.od_units[f.od] += lot.units
            self.k.od_unit_h[f.od] += lot.units * (now - lot.t0)
        else:
            self.env.process(self.train(lot.route, lot.step, [lot], lot.units))

    def formation_timer(self, g: int, token: int, at: float) -> Generator[Any, Any, None]:
        yield self.env.timeout(at - self.env.now)
        if token == self.group_token[g]:
            self.dispatch(g)

    def dispatch(self, g: int) -> None:
        """Send onward trains from a formation group (full, or its oldest lot waited long enough)."""
        cm, now = self.cm, self.env.now
        buf, size, port = self.groups[g], cm.groups[g][2], cm.groups[g][1]
        fmw = cm.formation_wait_h[g]
        while buf and (self.group_units[g] >= size - 1e-9 or now >= buf[0].tm + fmw - 1e-9):
            lots: list[RefLot] = []
            units = 0.0
            while buf and units < size - 1e-9:
                lot = buf[0]
                room = size - units
                if lot.units > room + 1e-9:
                    if cm.flows[lot.flow].unit != 3:
                        room = math.floor(room + 1e-9)
                    if room <= 0:
                        break
                    part = RefLot(lot.flow, lot.route, room, lot.t0, lot.tm, lot.step)
                    lot.units -= room
                    lot = part
                else:
                    buf.popleft()
                lots.append(lot)
                units += lot.units
            if not lots:
                break
            self.group_units[g] -= units
            for lot in lots:
                self.wait(port, lot.tm, now, lot.units)
            self.env.process(self.train(lots[0].route, lots[0].step + 1, lots, units))
            y = cm.yard_of.get((port, cm.flows[lots[0].flow].unit))
            if y is not None:
                self.yards[y].remove(units)
        if buf:
            self.group_token[g] += 1
            self.env.process(self.formation_timer(g, self.group_token[g], max(now, buf[0].tm + fmw)))

    # -- vessels --------------------------------------------------------------------------
    def vessel(self, ci: int, end: int) -> Generator[Any, Any, None]:
        env, cm = self.env, self.cm
        vc = cm.vessels[ci]
        aboard: list[RefLot] = []
        load = [0.0] * 4
        while True:
            port = vc.ports[end]
            arrived = env.now
            self.k.ports["calls"][ci, end] += 1
            wi = self.weather_of.get(port)
            t_open = self.next_open(port, env.now)
            if t_open > env.now:
                self.k.weather_lost_h[wi] += t_open - env.now
                yield env.timeout(t_open - env.now)
            bg = vc.berth[end]
            req = None
            if bg >= 0:
                req = self.berths[bg].request()
                yield req
                t_open = self.next_open(port, env.now)
                if t_open > env.now:
                    self.k.weather_lost_h[wi] += t_open - env.now
                    yield env.timeout(t_open - env.now)
            berthed = env.now
            for lot in aboard:
                self.wait(port, arrived, env.now, lot.units)
            rate = vc.rate[end]
            h = vc.port_time_h[end] + sum(load[u] / rate[u] for u in range(4)
                                          if load[u] > 0 and rate.get(u))
            yield env.timeout(h)
            for lot in aboard:
                lot.step += 1
                self.lot_next(lot)
            aboard, load, fill, busy = [], [0.0] * 4, [0.0], [env.now]

            def load_now(aboard: list[RefLot] = aboard, load: list[float] = load,
                         fill: list[float] = fill, busy: list[float] = busy,
                         port: int = port, rate: dict[int, float] = rate,
                         end: int = end) -> None:
                while True:
                    best, best_tm = -1, math.inf
                    for ln in vc.lanes[end]:
                        q = self.lanes[ln]
                        if q and q[0].tm < best_tm and self.room(vc, load, fill[0], cm.lanes[ln][2]) > 0:
                            best, best_tm = ln, q[0].tm
                    if best < 0:
                        return
                    u = cm.lanes[best][2]
                    q = self.lanes[best]
                    lot = q[0]
                    room = self.room(vc, load, fill[0], u)
                    if lot.units > room + 1e-9:
                        part = RefLot(lot.flow, lot.route, room, lot.t0, lot.tm, lot.step)
                        lot.units -= room
                        lot = part
                    else:
                        q.popleft()
                    aboard.append(lot)
                    load[u] += lot.units
                    fill[0] = (fill[0] + lot.units / vc.cap[u]) if vc.shared else (
                        sum(load[uu] / c for uu, c in vc.cap.items()) / len(vc.cap))
                    busy[0] = max(busy[0], env.now) + (lot.units / rate[u] if rate.get(u) else 0.0)
                    y = cm.yard_of.get((port, u))
                    if y is not None:
                        self.yards[y].remove(lot.units)

            load_now()
            if not vc.lanes[end]:
                pass   # no cargo can ever load here: sail back in ballast
            elif vc.policy == "load_and_go":
                deadline = env.now + vc.max_wait_h
                while fill[0] < vc.min_fill - 1e-9 and env.now < deadline:
                    yield self.cargo[port] | env.timeout(deadline - env.now)
                    load_now()
            else:
                key = (vc.service, end)
                slot = max(math.ceil(env.now / vc.interval_h - 1e-9), self.slot_next.get(key, 0))
                self.slot_next[key] = slot + 1
                deadline = slot * vc.interval_h
                while env.now < deadline:
                    yield self.cargo[port] | env.timeout(deadline - env.now)
                    load_now()
            if busy[0] > env.now:
                yield env.timeout(busy[0] - env.now)
            t_open = self.next_open(port, env.now)
            if t_open > env.now:
                self.k.weather_lost_h[wi] += t_open - env.now
                yield env.timeout(t_open - env.now)
            if env.now <= self.H:
                self.k.voyages[ci, end] += 1
                self.k.voyage_fill[ci, end] += fill[0]
                self.k.ports["done"][ci, end] += 1
                self.k.ports["turn"][ci, end] += env.now - arrived
                self.k.ports["anchor"][ci, end] += berthed - arrived
            for lot in aboard:
                self.wait(port, lot.tm, env.now, lot.units)
            if req is not None:
                self.berths[bg].release(req)
            end = 1 - end
            yield env.timeout(vc.crossing_h)

    @staticmethod
    def room(vc: Any, load: list[float], fill: float, u: int) -> float:
        cap = vc.cap.get(u, 0.0)
        if cap <= 0:
            return 0.0
        room = (1.0 - fill) * cap if vc.shared else cap - load[u]
        if u != 3:
            return float(math.floor(room + 1e-6))
        return room if room > 1e-6 else 0.0

    def run(self) -> RefKPIs:
        """Simulate to the horizon and return the KPIs."""
        self.env.run(until=self.H + 1e-9)
        return self.k


def run_reference(cm: Compiled, horizon_h: float, seed: np.random.SeedSequence | int) -> RefKPIs:
    """One replication of the SimPy reference model."""
    return ReferenceModel(cm, horizon_h, seed).run()
