"""Congestion of the sea crossings and the onward trains, on the scenario's whole demand.

The quote's waits at a port (see :mod:`transcaspian.analysis.routes`) come from here. The
model follows the simulator's rules (docs/simulator.md) in closed form, all times in hours:

lanes
    Cargo of unit ``u`` from port A to port B waits in one lane for any vessel whose service
    links A and B and carries ``u`` (the lane's *pool*). Offered load: every demand flow on
    every route option through the crossing, at its share (``optimal`` flows at the capacity
    engine's split), ``annual_units / 8760`` units/h per unit.
effective vessel cycle
    ``2 x crossing + sum over both ends of (port_time_h + discharge + max(fill wait, loading)
    + residual weather closure)``, where handling is at the berth rates of
    :func:`~transcaspian.model.physics.vessel_cycle` scaled by the mean load of a voyage
    from that end, and a ``load_and_go`` vessel waits for its fill trigger
    (:meth:`Congestion._fill_wait_h`), fading out as the mean load goes from the trigger to a
    full deck (a backlog fills it at once). Voyages per hour = ``count / cycle``, at most the
    timetable's departures for a scheduled service.
pool utilisation ``rho``
    The smallest utilisation at which the pool's classes carry the lane's units (a small LP:
    units of each kind spread over the classes able to carry them, ``sum_u x_vu / cap_vu <=
    rho x voyages_v``). ``rho >= 1``: the crossing is SATURATED.
waits in the lane
    - backlog: a deterministic fluid queue over the year from an empty start (work arrives
      at ``rho x seasonality(t)``, one unit of work is served per hour); the arrival-weighted
      mean of the backlog in hours (:func:`fluid_backlog_wait_h`). Below saturation it is
      the seasonal peaks' queue; above it the wait grows through the year;
    - a vessel to board: with probability ``1 - rho`` a vessel lies at the berth and the lot
      waits for its fill trigger (lots of a train's size; :func:`batch_wait_h`), else for
      the next vessel: half the pool's departure interval;
    - scheduled services: half the interval between departures (the vessel waits for its
      slot);
    - split lots: a vessel's last lot is split; its remainder waits for the next vessel
      (``train / (2 x payload)`` of the cargo waits the departure interval).
onward trains
    At the far port a route's units wait for ``units_per_train`` (capped by the onward
    link's ``max_units_per_train``) or the port's ``formation_max_wait_h``: lots of a
    train's size arrive at the route's rate (:func:`batch_wait_h`), and the first part of a
    split lot waits for its remainder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from transcaspian.model.physics import (
    HOURS_PER_YEAR,
    VesselCycle,
    formation_max_wait_h,
    residual_closure_h,
    sailing_interval_h,
    vessel_cycle,
)
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario
from transcaspian.model.schema import Vessel

__all__ = ["Congestion", "Lane", "batch_wait_h", "erlang_min_h", "fluid_backlog_wait_h"]

#: Hours of a month as the simulator counts them (8760 / 12).
HOURS_PER_MONTH = HOURS_PER_YEAR / 12.0
#: Utilisation at which the random queue of a lane is capped (beyond it the fluid backlog rules).
RHO_MAX = 0.95
#: Squared coefficient of variation of a vessel's cycle (weather holds; assumption).
RANDOM_CYCLE_SCV = 0.1
#: Steps per month of the fluid backlog integration.
FLUID_STEPS_PER_MONTH = 30


def fluid_backlog_wait_h(rho: float, seasonality: list[float] | tuple[float, ...],
                         horizon_h: float = HOURS_PER_YEAR) -> float:
    """Arrival-weighted mean backlog (h) of a fluid queue over ``horizon_h`` from empty.

    Work arrives at ``rho x seasonality[month]`` hours of work per hour (months of 730 h,
    repeating), the server does one hour of work per hour; an arrival at ``t`` waits the
    backlog ``Q(t)``. Below ``rho = 1`` only seasonal peaks above 1 build a queue. Like the
    simulator's transit statistics, the mean is over the cargo served within the horizon
    (``t + Q(t) <= horizon_h``); cargo still queued at its end is not counted.

    Examples
    --------
    >>> float(round(fluid_backlog_wait_h(0.5, [1.0] * 12), 6))
    0.0
    >>> int(round(fluid_backlog_wait_h(1.1, [1.0] * 12)))      # 0.1 t for t <= 8760 / 1.1: 0.1 x 7964 / 2
    398
    """
    if not rho > 0:
        return 0.0
    season = np.asarray(seasonality, float)
    season = season / season.mean() if season.mean() > 0 else np.ones(12)
    n = max(1, round(horizon_h / HOURS_PER_MONTH * FLUID_STEPS_PER_MONTH))
    dt = horizon_h / n
    t_mid = (np.arange(n) + 0.5) * dt
    rate = rho * season[(t_mid // HOURS_PER_MONTH).astype(int) % 12]
    q = 0.0
    num = den = 0.0
    for t, r in zip(t_mid, rate, strict=True):
        q0 = q
        q = max(0.0, q + (r - 1.0) * dt)
        wait = (q0 + q) / 2.0
        if t + wait > horizon_h:
            break                      # not carried within the horizon: not counted
        num += r * dt * wait
        den += r * dt
    return float(num / den) if den > 0 else 0.0


def batch_wait_h(rate_per_h: float, lot: float, target: float, max_wait_h: float) -> float:
    """Mean wait (h) of units gathering into a group of ``target`` units, in lots of ``lot``.

    The first lot starts the clock; the group leaves when ``target`` units are in or
    ``max_wait_h`` after the first lot. Lots arrive at ``rate_per_h / lot`` per hour. When
    they fill the group in ``F = (target / lot - 1) x lot / rate <= max_wait_h`` the mean
    over lots is ``F / 2``; else the group leaves at the timeout with ``k = rate x
    max_wait_h / lot`` lots after the first, mean ``max_wait_h (1 + k / 2) / (1 + k)``
    (0 when one lot fills the group).

    Examples
    --------
    >>> batch_wait_h(1.0, 110, 110, 72)       # one train fills the onward train
    0.0
    >>> batch_wait_h(0.0, 50, 100, 72)        # nothing else comes: the timeout
    72.0
    """
    if lot >= target - 1e-9:
        return 0.0
    if not rate_per_h > 0:
        return float(max_wait_h)
    fill_h = (target / lot - 1.0) * lot / rate_per_h
    if fill_h <= max_wait_h:
        return fill_h / 2.0            # filled: lots spread over the fill time, the last waits 0
    k = rate_per_h * max_wait_h / lot
    return max_wait_h * (1.0 + k / 2.0) / (1.0 + k)


def erlang_min_h(k: float, rate: float, cap_h: float) -> float:
    """``E[min(cap_h, S)]`` for ``S`` the time of the ``k``-th Poisson arrival at ``rate`` /h (h).

    A fractional ``k`` interpolates between its neighbours; ``k <= 0`` gives 0.

    Examples
    --------
    >>> round(erlang_min_h(1, 0.01, 24.0), 2)      # 100 (1 - exp(-0.24))
    21.34
    """
    if k <= 0 or cap_h <= 0:
        return 0.0
    lo = math.floor(k)

    def one(n: int) -> float:
        if n <= 0:
            return 0.0
        steps = 400
        dt = min(cap_h, (n + 12.0 * math.sqrt(n) + 12.0) / rate) / steps
        total = 0.0
        for i in range(steps):
            x = rate * (i + 0.5) * dt
            term, tail = 1.0, 1.0
            for m in range(1, n):
                term *= x / m
                tail += term
            total += math.exp(-x) * tail * dt
        return total

    a = one(lo)
    return a if k == lo else a + (k - lo) * (one(lo + 1) - a)


@dataclass
class Lane:
    """The crossing A -> B with its pool of vessel classes (one row per direction).

    Attributes
    ----------
    rate
        Offered units per hour by unit.
    lot
        Mean lot (train) size arriving at the port, by unit (units).
    seasonality
        Load-weighted monthly profile of the arriving cargo.
    rho
        Pool utilisation (share; >= 1 saturated).
    departures_per_h
        Voyages per hour of the pool from A (all classes).
    """

    origin: str
    destination: str
    vessels: list[str] = field(default_factory=list)
    rate: dict[str, float] = field(default_factory=dict)
    lot: dict[str, float] = field(default_factory=dict)
    seasonality: list[float] = field(default_factory=lambda: [0.0] * 12)
    rho: float = 0.0
    departures_per_h: float = 0.0
    rho_unit: dict[str, float] = field(default_factory=dict)
    backlog_unit: dict[str, float] = field(default_factory=dict)
    use: dict[str, float] = field(default_factory=dict)


@dataclass
class LaneWait:
    """The wait of a unit in a lane, by part (h), with the arithmetic."""

    board_h: float
    backlog_h: float
    split_h: float
    rho: float
    saturated: bool
    text: str

    @property
    def total_h(self) -> float:
        """Total wait in the lane (h)."""
        return self.board_h + self.backlog_h + self.split_h


class Congestion:
    """Lane utilisations, effective vessel cycles and formation rates of one scenario.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.analysis import capacity
    >>> s = load_scenario("baseline-2024")
    >>> c = Congestion(s, capacity(s))
    >>> round(c.lane_wait("aktau", "alat", "wagon").rho, 2)      # the Aktau ferries run at 90 %
    0.9
    """

    def __init__(self, scenario: Scenario, capacity_result: Result | None = None) -> None:
        self.scenario = scenario
        self.lanes: dict[tuple[str, str], Lane] = {}
        self.route_rate: dict[tuple[str, str], float] = {}
        self.route_lot: dict[tuple[str, str], float] = {}
        self.cycle_h: dict[str, float] = {}
        self._cycles: dict[str, VesselCycle] = {}
        self.route_shares: dict[str, list[tuple[str, float]]] = {}
        self._load(capacity_result)
        self._solve()

    # -- offered load ---------------------------------------------------------------------
    def _route_shares(self, capacity_result: Result | None) -> dict[str, list[tuple[str, float]]]:
        split: dict[str, list[tuple[str, float]]] = {}
        if capacity_result is not None and "flow_routes" in capacity_result.tables:
            for r in capacity_result["flow_routes"].itertuples(index=False):
                split.setdefault(r.flow, []).append((r.route, float(r.share)))
        out = {}
        for d in self.scenario.doc.demand:
            opts = [(o.route, o.share) for o in d.route_options]
            if d.choice == "optimal" and split.get(d.id):
                opts = split[d.id]
            elif any(s is None for _, s in opts) or sum(s or 0.0 for _, s in opts) <= 0:
                opts = [(r, 1.0 / len(opts)) for r, _ in opts]
            tot = sum(s or 0.0 for _, s in opts)
            out[d.id] = [(r, (s or 0.0) / tot) for r, s in opts if s and tot > 0]
        return out

    def _load(self, capacity_result: Result | None) -> None:
        sc = self.scenario
        coms = {c.id: c for c in sc.doc.commodities}
        for svc in sc.doc.services:
            for a, b in ((svc.from_node, svc.to_node), (svc.to_node, svc.from_node)):
                lane = self.lanes.setdefault((a, b), Lane(a, b))
                lane.vessels += [v.id for v in sc.doc.vessels if v.service == svc.id]
        weight: dict[tuple[str, str], float] = {}
        self.route_shares = self._route_shares(capacity_result)
        for d in sc.doc.demand:
            unit = coms[d.commodity].unit
            for rid, share in self.route_shares[d.id]:
                rate = d.annual_units * share / HOURS_PER_YEAR
                legs = sc.route_legs(rid, unit)
                for i, leg in enumerate(legs):
                    if leg.kind != "sea":
                        continue
                    lane = self.lanes[(leg.from_node, leg.to_node)]
                    old = lane.rate.get(unit, 0.0)
                    lane.rate[unit] = old + rate
                    lane.lot[unit] = (lane.lot.get(unit, 0.0) * old + d.units_per_train * rate) / (old + rate)
                    w = weight.get((leg.from_node, leg.to_node), 0.0)
                    lane.seasonality = [(x * w + y * rate) / (w + rate)
                                        for x, y in zip(lane.seasonality, d.seasonality, strict=True)]
                    weight[(leg.from_node, leg.to_node)] = w + rate
                    nxt = legs[i + 1] if i + 1 < len(legs) else None
                    if nxt is not None and nxt.kind == "link" and nxt.mode == "rail":
                        key = (rid, leg.to_node)
                        self.route_rate[key] = self.route_rate.get(key, 0.0) + rate
                        self.route_lot[key] = max(self.route_lot.get(key, 0.0), float(d.units_per_train))

    # -- pools ----------------------------------------------------------------------------
    def _vessel(self, vid: str) -> Vessel:
        return self.scenario.get("vessels", vid)

    def _cycle(self, v: Vessel) -> VesselCycle:
        """The physics cycle of a class (cached)."""
        if v.id not in self._cycles:
            self._cycles[v.id] = vessel_cycle(self.scenario, v)
        return self._cycles[v.id]

    def capacity_units(self, v: Vessel, cyc: VesselCycle) -> dict[str, float]:
        """Usable units per voyage of a class (sea-level cut), by unit."""
        return {u: c * cyc.payload_factor for u, c in v.capacity.items() if c > 0}

    def _deck_rate(self, lane: Lane, v: Vessel, cyc: VesselCycle) -> float:
        caps = self.capacity_units(v, cyc)
        return sum(r / caps[u] for u, r in lane.rate.items() if u in caps)

    def _effective_cycle(self, v: Vessel, cyc: VesselCycle) -> float:
        """Hours of one round trip as the simulator sails it (see the module docstring)."""
        sc = self.scenario
        svc = sc.get("services", v.service)
        total = 2.0 * cyc.crossing_h
        for a, b in ((svc.from_node, svc.to_node), (svc.to_node, svc.from_node)):
            out, back = self.lanes[(a, b)], self.lanes[(b, a)]
            load_out, load_in = out.use.get(v.id, 0.0), back.use.get(v.id, 0.0)
            hand = cyc.handling_h.get(a, 0.0)
            fill = 0.0
            if svc.policy == "load_and_go" and out.rate:
                # a backlog above the fill trigger fills the vessel at once: the wait fades out
                # between a mean load at the trigger and a full deck
                room = min(1.0, (1.0 - load_out) / max(1e-9, 1.0 - svc.min_fill_share))
                fill = self._fill_wait_h(out, v, cyc, svc.min_fill_share, svc.max_wait_h) * room
            port = sc.get("nodes", a).port_time_h or 0.0
            total += port + hand * load_in + max(fill, hand * load_out) + residual_closure_h(sc, a)
        return total

    def _fill_wait_h(self, lane: Lane, v: Vessel, cyc: VesselCycle, trigger: float, max_wait_h: float
                     ) -> float:
        """Mean time (h) a load-and-go vessel waits at berth for its fill trigger.

        Lots (trains) arrive at ``nu = sum_u rate_u / lot_u`` per hour, each filling
        ``lot_u / cap_u`` of the deck; ``j = ceil(trigger / mean lot share)`` lots trigger the
        departure: ``E[min(max_wait_h, Erlang(j, nu / n))]``, less the lots gathered since the
        pool's previous departure (``nu / departures_per_h``), where ``n = max(1, departures_per_h
        x max_wait_h)`` vessels wait at once and share the arriving cargo.
        """
        caps = self.capacity_units(v, cyc)
        nu = sum(r / lane.lot[u] for u, r in lane.rate.items() if u in caps and lane.lot.get(u))
        if nu <= 0:
            return max_wait_h
        share = sum(r / caps[u] for u, r in lane.rate.items() if u in caps) / nu
        gathered = nu / lane.departures_per_h if lane.departures_per_h > 0 else 0.0
        j = max(0.0, math.ceil(trigger / max(share, 1e-9) - 1e-9) - gathered)
        waiting = max(1.0, lane.departures_per_h * max_wait_h)   # vessels at berth at once (Little)
        return erlang_min_h(j, nu / waiting, max_wait_h)

    def _pool_rho(self, lane: Lane) -> None:
        """Utilisation of the lane by unit, filling the classes' decks unit by unit.

        Units carried by the fewest classes go first (wagons only fit ferries): unit ``u``
        sees ``rho_u = rate_u / sum_v (voyages_v x cap_vu x free deck share_v)`` and takes
        ``min(1, rho_u)`` of each carrier's free deck; ``use`` is each class's deck share used.
        """
        vs = {vid: self._vessel(vid) for vid in lane.vessels}
        caps = {vid: self.capacity_units(v, self._cycle(v)) for vid, v in vs.items()}
        units = [u for u, r in lane.rate.items() if r > 0]
        order = sorted(units, key=lambda u: (sum(u in c for c in caps.values()), u))
        lane.rho_unit, lane.use = self._fill_decks(lane, vs, caps, order)
        lane.rho = max(lane.rho_unit.values(), default=0.0)

    def _fill_decks(self, lane: Lane, vs: dict[str, Vessel], caps: dict[str, dict[str, float]],
                    order: list[str], share: bool = True) -> tuple[dict[str, float], dict[str, float]]:
        """Utilisation by unit and deck share used by class, filling decks in ``order``.

        ``share``: a unit waits as long as the decks it shares (its carriers' total pressure,
        weighted by its share of them); else its own utilisation of the room left to it.
        """
        free = dict.fromkeys(vs, 1.0)
        pressure = dict.fromkeys(vs, 0.0)
        taken: dict[str, dict[str, float]] = {}
        own: dict[str, float] = {}
        for u in order:
            carriers = [vid for vid in vs if u in caps[vid]]
            offer = sum(self.voyages_per_h(vs[vid]) * caps[vid][u] * free[vid] for vid in carriers)
            rho = lane.rate[u] / offer if offer > 0 else math.inf
            own[u] = rho
            taken[u] = {vid: free[vid] * self.voyages_per_h(vs[vid]) * caps[vid][u] for vid in carriers}
            for vid in carriers:
                pressure[vid] += free[vid] * min(rho, 1e3)
                free[vid] -= free[vid] * min(1.0, rho)
        if share:
            own = {u: (sum(w * pressure[vid] for vid, w in t.items()) / sum(t.values())
                       if sum(t.values()) > 0 else math.inf) for u, t in taken.items()}
        return own, {vid: 1.0 - f for vid, f in free.items()}

    def voyages_per_h(self, v: Vessel) -> float:
        """Voyages per hour of a class from each end (effective cycle; a scheduled service's
        departures cap it)."""
        svc = self.scenario.get("services", v.service)
        rate = v.count / self.cycle_h[v.id]
        interval = sailing_interval_h(svc)
        return min(rate, 1.0 / interval) if interval else rate

    def _solve(self, rounds: int = 12) -> None:
        """Cycles and utilisations are interdependent (loads set handling and fill waits):
        iterate, each cycle moving half way to its new value."""
        sc = self.scenario
        for v in sc.doc.vessels:
            self.cycle_h[v.id] = self._cycle(v).cycle_h
        for _ in range(rounds):
            for lane in self.lanes.values():
                self._pool_rho(lane)
            for lane in self.lanes.values():
                lane.departures_per_h = sum(self.voyages_per_h(self._vessel(v)) for v in lane.vessels)
            for v in sc.doc.vessels:
                self.cycle_h[v.id] = (self.cycle_h[v.id] + self._effective_cycle(v, self._cycle(v))) / 2.0
        for lane in self.lanes.values():
            self._pool_rho(lane)
            lane.departures_per_h = sum(self.voyages_per_h(self._vessel(v)) for v in lane.vessels)
            lane.backlog_unit = {u: max(fluid_backlog_wait_h(min(rho, 10.0), lane.seasonality),
                                        self._random_queue_h(lane, u, rho))
                                 for u, rho in lane.rho_unit.items()}

    def _random_queue_h(self, lane: Lane, unit: str, rho: float) -> float:
        """Queue of vessel loads at a busy lane (h): Sakasegawa's M/M/c wait with the pool's
        vessels as servers and the mean effective cycle as service time, scaled by Kingman's
        ``(ca^2 + cs^2) / 2`` with ``ca^2`` from :meth:`_lot_scv` (small lots arrive smoother
        than vessel loads) and ``cs^2 = RANDOM_CYCLE_SCV`` (weather in the cycle)."""
        vs = [self._vessel(v) for v in lane.vessels if unit in self._vessel(v).capacity]
        if not vs or not rho > 0:
            return 0.0
        count = sum(v.count for v in vs)
        cycle = sum(v.count * self.cycle_h[v.id] for v in vs) / count
        ca2 = self._lot_scv(lane)
        r = min(rho, RHO_MAX)
        wq = r ** (math.sqrt(2.0 * (count + 1)) - 1.0) / (count * (1.0 - r)) * cycle
        return wq * (ca2 + RANDOM_CYCLE_SCV) / 2.0

    def _lot_scv(self, lane: Lane) -> float:
        """Arrival variability of the lane's work: ``sum_u w_u min(1, lot_u / payload_u)`` over
        units, ``w_u`` each unit's share of the deck load (payload: the pool's mean per voyage)."""
        num = den = 0.0
        for u, r in lane.rate.items():
            vs = [self._vessel(v) for v in lane.vessels if u in self._vessel(v).capacity]
            count = sum(v.count for v in vs)
            if r <= 0 or count == 0:
                continue
            pay = sum(v.count * v.capacity[u] * self._cycle(v).payload_factor
                      for v in vs) / count
            num += r / pay * min(1.0, lane.lot.get(u, 0.0) / pay)
            den += r / pay
        return num / den if den > 0 else 1.0

    # -- waits ----------------------------------------------------------------------------
    def lane_wait(self, origin: str, destination: str, unit: str) -> LaneWait:
        """The mean wait (h) of a unit in the lane origin -> destination, by part."""
        lane = self.lanes[(origin, destination)]
        rho = lane.rho_unit.get(unit, 0.0)
        backlog = lane.backlog_unit.get(unit, 0.0)
        interval = 1.0 / lane.departures_per_h if lane.departures_per_h > 0 else 0.0
        lot = lane.lot.get(unit, 0.0)
        vs = [self._vessel(v) for v in lane.vessels if unit in self._vessel(v).capacity]
        pay = max((v.capacity[unit] * self._cycle(v).payload_factor for v in vs), default=1.0)
        services = {v.service: self.scenario.get("services", v.service) for v in vs}
        timetabled = [sv for sv in services.values() if sv.policy == "scheduled"]
        if vs and len(timetabled) == len(services):
            board = 1.0 / sum(1.0 / sailing_interval_h(sv) for sv in timetabled) / 2.0
            how = f"half the sailing interval {2 * board:.1f} h"
        else:
            v = max(vs, key=lambda x: self.voyages_per_h(x) * x.capacity[unit])
            svc = self.scenario.get("services", v.service)
            fill = self._fill_wait_h(lane, v, self._cycle(v), svc.min_fill_share,
                                     svc.max_wait_h) / 2.0
            busy = min(1.0, rho)
            board = (1.0 - busy) * fill + busy * interval / 2.0
            how = (f"vessel at berth ({1 - busy:.0%}): rest of its fill wait {fill:.1f} h, else half the "
                   f"{interval:.1f} h departure interval")
        split = min(1.0, lot / pay) / 2.0 * interval if lot > 0 else 0.0
        sat = rho >= 1.0
        text = (f"lane {origin}->{destination} {unit}: pool rho {rho:.2f}{' SATURATED' if sat else ''}; "
                f"board {board:.1f} h ({how}); backlog {backlog:.1f} h; split lots {split:.1f} h")
        return LaneWait(board, backlog, split, rho, sat, text)

    def formation_wait_h(self, route: str | None, port: str, unit: str, train_units: float,
                         previous: tuple[str, str] | None) -> tuple[float, str]:
        """Mean wait (h) for an onward train at ``port`` on ``route``, with the arithmetic."""
        wait_max = formation_max_wait_h(self.scenario.get("nodes", port))
        rate = self.route_rate.get((route, port), 0.0) if route else 0.0
        lot = self.route_lot.get((route, port), train_units) if route else train_units
        gather = batch_wait_h(rate, min(lot, train_units), train_units, wait_max)
        split = 0.0
        if previous is not None:
            lw = self.lane_wait(previous[0], port, unit)
            split = lw.split_h if gather == 0.0 else 0.0
            split = min(split, wait_max)
        return gather + split, (f"onward train of {train_units:g} {unit} (max wait {wait_max:g} h): "
                                f"gathering {gather:.1f} h + split lots {split:.1f} h")
