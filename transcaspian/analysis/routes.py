"""Itinerary enumeration and expected transit times with a queueing approximation.

Expected time of an itinerary = moving + dwell + expected waits, all in hours:

moving
    rail/road: ``distance_km / speed_kmh``; pipeline: ``transit_h``; sea: crossing time
    of the service's main vessel class, ``distance_km / (speed_kn x 1.852)``.
dwell
    at intermediate nodes: mean ``dwell_h`` + ``fixed_time_h``; on links: mean
    ``delay_h``; at a port where a sea leg starts or ends: the fixed time of a call
    (:func:`~transcaspian.model.physics.port_fixed_h`: pilotage and mooring, clearance,
    bunkering, ``port_time_h``) + the time to load (or discharge) one full payload at the
    best berth rate.
waits (queues), from the utilisation ``rho`` of the capacity engine's routed demand
    Each resource is an M/M/c queue whose mean wait is approximated by Sakasegawa (1977):
    ``Wq = rho^(sqrt(2(c+1)) - 1) / (c (1 - rho)) x s`` (exact for c = 1:
    ``rho / (1 - rho) x s``), with ``rho`` capped at :data:`RHO_MAX` (the row is then
    flagged ``saturated``).

    - rail section: c = 1, s = 24 / paths per day (h);
    - border / gauge change / junction with a train capacity: c = 1, s = 24 / trains per day;
    - berths: c = berth count of the fastest group for the unit, s = the vessel's handling
      time of a full payload;
    - load-and-go vessel: wait to fill = half of ``min(max_wait_h, min_fill_share x 8760 /
      loads per year)`` (a unit arrives uniformly while the vessel fills; loads per year =
      voyages' worth of routed cargo in that direction), plus a fleet queue in which every
      unit slot is a server: c = vessel count x payload (units), s = cycle time;
    - scheduled service: half the headway ``168 / departures_per_week``, plus a rollover
      queue with c = payload per sailing (units), s = headway;
    - weather: at each port of a sea leg, ``closed_share x E[D^2] / (2 E[D])`` (the mean
      residual closure seen by an arrival, D = closure duration).
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from transcaspian.analysis.congestion import Congestion
from transcaspian.analysis.emissions import chain_emissions, emission_rows
from transcaspian.analysis.tariff import itinerary_tariff, tariff_rows
from transcaspian.model.itinerary import Itinerary, itinerary_along, route_id_of
from transcaspian.model.network import LAND_MODES, Leg
from transcaspian.model.physics import (
    VesselCycle,
    node_headway_h,
    port_fixed_h,
    residual_closure_h,
    section_headway_h,
    vessel_berth,
    vessel_cycle,
)
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario
from transcaspian.model.schema import Vessel

#: Utilisation at which queue waits are capped (the row is flagged ``saturated``).
RHO_MAX = 0.95

SEGMENT_COLUMNS = ["seq", "kind", "node", "from_node", "to_node", "element", "element_type", "mode",
                   "node_kind", "country", "distance_km", "moving_h", "dwell_h", "wait_h", "time_h",
                   "utilisation", "saturated", "detail"]


def queue_wait_h(rho: float, servers: int, service_h: float) -> tuple[float, bool]:
    """Mean wait in queue of an M/M/c server group, Sakasegawa's approximation (h).

    ``Wq = rho^(sqrt(2(c+1)) - 1) / (c (1 - rho)) x service_h``; ``rho`` is capped at
    :data:`RHO_MAX`. Returns (wait, saturated) where saturated means rho >= RHO_MAX.
    """
    if not rho > 0 or service_h <= 0:
        return 0.0, False
    c = max(1, int(servers))
    saturated = rho >= RHO_MAX
    r = min(rho, RHO_MAX)
    return r ** (math.sqrt(2.0 * (c + 1)) - 1.0) / (c * (1.0 - r)) * service_h, saturated


@dataclass
class RoutePlanner:
    """Enumerates itineraries and times them against one capacity result.

    Build once per scenario from the result of
    :func:`~transcaspian.analysis.capacity.capacity` (its ``utilisation`` table sets the
    queue waits) and reuse for many quotes.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.analysis import capacity
    >>> s = load_scenario("baseline-2024")
    >>> planner = RoutePlanner(s, capacity(s))
    >>> len(planner.itineraries("aktau", "alat", "teu")) >= 1
    True
    """

    scenario: Scenario
    capacity_result: Result
    max_paths: int = 200
    detour_factor: float = 1.6
    _util: dict[tuple, float] = field(default_factory=dict, init=False)
    _adj: dict[str, dict[str, list[tuple[str, float]]]] = field(default_factory=dict, init=False)
    _paths: dict[tuple, list[Itinerary]] = field(default_factory=dict, init=False)
    _segments: dict[tuple, list[dict[str, Any]]] = field(default_factory=dict, init=False)
    _cycles: dict[str, VesselCycle] = field(default_factory=dict, init=False)
    _totals: dict[tuple, dict[str, Any]] = field(default_factory=dict, init=False)
    _along: dict[tuple, Itinerary] = field(default_factory=dict, init=False)
    congestion: Congestion = field(init=False)

    def __post_init__(self) -> None:
        self.congestion = Congestion(self.scenario, self.capacity_result)
        u = self.capacity_result["utilisation"]
        for row in u.itertuples(index=False):
            rev = row.direction == "reverse"
            self._util[(row.element_type, row.element_id, rev)] = float(row.utilisation)

    # -- utilisation lookups --------------------------------------------------------------
    def utilisation(self, element_type: str, element_id: str, reverse: bool = False) -> float:
        """Utilisation (share) of an element from the capacity result (0 when unknown)."""
        return self._util.get((element_type, element_id, reverse), 0.0)

    def cycle(self, vessel: Vessel) -> VesselCycle:
        if vessel.id not in self._cycles:
            self._cycles[vessel.id] = vessel_cycle(self.scenario, vessel)
        return self._cycles[vessel.id]

    # -- enumeration ----------------------------------------------------------------------
    def _adjacency(self, unit: str) -> dict[str, list[tuple[str, float]]]:
        if unit not in self._adj:
            adj: dict[str, list[tuple[str, float]]] = {n.id: [] for n in self.scenario.doc.nodes}
            net = self.scenario.network
            for lk in self.scenario.doc.links:
                if lk.mode in LAND_MODES[unit]:
                    adj[lk.from_node].append((lk.to_node, lk.distance_km))
                    adj[lk.to_node].append((lk.from_node, lk.distance_km))
            for s in self.scenario.doc.services:
                if unit in net.service_units(s.id):
                    adj[s.from_node].append((s.to_node, s.distance_km))
                    adj[s.to_node].append((s.from_node, s.distance_km))
            self._adj[unit] = adj
        return self._adj[unit]

    def itineraries(self, origin: str, destination: str, unit: str) -> list[Itinerary]:
        """Feasible simple paths origin -> destination for ``unit``, one per sea-service choice.

        Paths longer than ``detour_factor`` x the shortest distance are skipped, at most
        ``max_paths`` node paths are kept (shortest first); the gauge rule of
        :meth:`~transcaspian.model.network.Network.legs` is applied.
        """
        key = (origin, destination, unit)
        if key in self._paths:
            return self._paths[key]
        adj = self._adjacency(unit)
        to_dest = _dijkstra(adj, destination)
        out: list[Itinerary] = []
        if origin in to_dest:
            bound = to_dest[origin] * self.detour_factor + 1e-6
            found: list[tuple[float, list[str]]] = []
            stack = [(origin, [origin], 0.0)]
            while stack and len(found) < self.max_paths * 5:
                node, path, dist = stack.pop()
                if node == destination:
                    found.append((dist, path))
                    continue
                for nxt, km in sorted(adj[node], key=lambda e: -e[1]):
                    if nxt in path or nxt not in to_dest:
                        continue
                    if dist + km + to_dest[nxt] <= bound:
                        stack.append((nxt, [*path, nxt], dist + km))
            found.sort(key=lambda p: p[0])
            net = self.scenario.network
            seen: set[tuple[str, ...]] = set()
            for _, path in found:
                if len(seen) >= self.max_paths:
                    break
                nodes = tuple(path)
                if nodes in seen:
                    continue
                seen.add(nodes)
                legs, problems = net.legs(list(nodes), unit)
                if problems:
                    continue
                choices = [leg.services if leg.kind == "sea" else (None,) for leg in legs]
                for combo in itertools.product(*choices):
                    out.append(Itinerary(nodes, tuple(legs), tuple(combo), route_id_of(self.scenario, nodes)))
        self._paths[key] = out
        return out

    def itinerary_for(self, nodes: list[str], unit: str) -> Itinerary:
        """The itinerary along a given node list (first service on each sea leg; cached)."""
        key = (tuple(nodes), unit)
        if key not in self._along:
            self._along[key] = itinerary_along(self.scenario, nodes, unit)
        return self._along[key]

    # -- totals ---------------------------------------------------------------------------
    def totals(self, itinerary: Itinerary, unit: str) -> dict[str, Any]:
        """Scalar totals used for ranking (cached): ``transit_h, moving_h, dwell_h, wait_h``,
        ``cost_usd_per_unit`` (leg tariffs), ``through_usd_per_unit`` (or None),
        ``co2e_wtw_kg_per_t``, ``co2e_ttw_kg_per_t``, ``saturated``, ``co2e_complete``."""
        key = (itinerary.nodes, itinerary.services, unit)
        if key not in self._totals:
            rows = self.segments(itinerary, unit)
            tariff = itinerary_tariff(self.scenario, itinerary, unit, 1.0)
            em = chain_emissions(self.scenario, itinerary, 1.0)
            self._totals[key] = {
                "transit_h": sum(r["time_h"] for r in rows), "moving_h": sum(r["moving_h"] for r in rows),
                "dwell_h": sum(r["dwell_h"] for r in rows), "wait_h": sum(r["wait_h"] for r in rows),
                "saturated": any(r["saturated"] for r in rows), "cost_usd_per_unit": tariff["total_usd"],
                "through_usd_per_unit": tariff["through_usd"],
                "co2e_wtw_kg_per_t": float(em["co2e_wtw_kg"].sum()),
                "co2e_ttw_kg_per_t": float(em["co2e_ttw_kg"].sum()),
                "co2e_complete": not bool(em["missing_factor"].any())}
        return self._totals[key]

    # -- timing ---------------------------------------------------------------------------
    def main_vessel(self, service: str, unit: str) -> Vessel:
        """The class carrying the most of ``unit`` per year on a service."""
        fleet = [v for v in self.scenario.doc.vessels if v.service == service and unit in v.capacity]
        return max(fleet, key=lambda v: v.count * v.capacity[unit])

    def segments(self, itinerary: Itinerary, unit: str) -> list[dict[str, Any]]:
        """Timed rows of an itinerary: node rows (seq 0, 2, ...) and move rows (1, 3, ...).

        Columns are :data:`SEGMENT_COLUMNS`; times in hours.
        """
        key = (itinerary.nodes, itinerary.services, unit)
        if key in self._segments:
            return self._segments[key]
        sc = self.scenario
        net = sc.network
        legs = itinerary.legs
        rows: list[dict[str, Any]] = []
        rail_nodes = {n for leg in legs if leg.kind == "link" and leg.mode == "rail"
                      for n in (leg.from_node, leg.to_node)}
        last = len(itinerary.nodes) - 1
        for i, nid in enumerate(itinerary.nodes):
            node = net.nodes[nid]
            dwell = wait = 0.0
            sat = False
            rho = math.nan
            notes: list[str] = []
            if 0 < i < last:
                if node.dwell_h is not None:
                    dwell += node.dwell_h.mean_value()
                    notes.append(f"dwell {node.dwell_h.describe()} h")
                if node.fixed_time_h:
                    dwell += node.fixed_time_h
                    notes.append(f"fixed {node.fixed_time_h:g} h")
            if node.capacity_trains_per_day and nid in rail_nodes:
                rho = self.utilisation(node.kind, nid)
                w, s = queue_wait_h(rho, 1, node_headway_h(node))
                wait += w
                sat |= s
                notes.append(f"train queue rho {rho:.2f}: {w:.1f} h")
            for leg_i, end in ((i, "load"), (i - 1, "discharge")):
                if not 0 <= leg_i < len(legs) or legs[leg_i].kind != "sea":
                    continue
                sid = itinerary.services[leg_i]
                v = self.main_vessel(sid, unit)
                cyc = self.cycle(v)
                hand = cyc.handling_h.get(nid, 0.0)
                dwell += port_fixed_h(node) + hand
                notes.append(f"{end} {sid}: port {port_fixed_h(node):g} h + handling {hand:.1f} h")
                bw, bs, brho = self._berth_wait(v, nid, hand)
                ww = residual_closure_h(sc, nid)
                wait += bw + ww
                sat |= bs
                if bw or ww:
                    notes.append(f"berth queue rho {brho:.2f}: {bw:.1f} h; weather {ww:.1f} h")
                if end == "load":
                    lw = self.congestion.lane_wait(nid, legs[leg_i].to_node, unit)
                    wait += lw.total_h
                    sat |= lw.saturated
                    rho = lw.rho
                    notes.append(lw.text)
                elif i + 1 <= last and i < len(legs) and legs[i].kind == "link" and legs[i].mode == "rail":
                    fw, text = self.congestion.formation_wait_h(
                        itinerary.route_id, nid, unit, self._train_units(itinerary, legs[i], unit),
                        (legs[leg_i].from_node, nid))
                    wait += fw
                    notes.append(text)
            rows.append({"seq": 2 * i, "kind": "node", "node": nid, "from_node": nid, "to_node": nid,
                         "element": nid, "element_type": "node", "mode": "", "node_kind": node.kind,
                         "country": node.country, "distance_km": 0.0, "moving_h": 0.0, "dwell_h": dwell,
                         "wait_h": wait, "time_h": dwell + wait, "utilisation": rho, "saturated": sat,
                         "detail": "; ".join(notes)})
            if i < len(legs):
                rows.append(self._move_row(2 * i + 1, legs[i], itinerary.services[i], unit))
        self._segments[key] = rows
        return rows

    def _move_row(self, seq: int, leg: Leg, service: str | None, unit: str) -> dict[str, Any]:
        net = self.scenario.network
        dwell = wait = 0.0
        sat = False
        rho = math.nan
        if leg.kind == "link":
            lk = net.links[leg.link]
            moving = lk.moving_time_h()
            notes = [f"{lk.distance_km:g} km / {lk.speed_kmh:g} km/h" if lk.mode != "pipeline"
                     else f"transit {lk.transit_h:g} h"]
            if lk.delay_h is not None:
                dwell = lk.delay_h.mean_value()
                notes.append(f"delay {lk.delay_h.describe()} h")
            if lk.mode == "rail":
                rho = self.utilisation("rail_section", lk.id, leg.reverse)
                wait, sat = queue_wait_h(rho, 1, section_headway_h(lk, leg.reverse))
                notes.append(f"path queue rho {rho:.2f}: {wait:.1f} h")
            element, etype, mode, km = lk.id, "link", lk.mode, lk.distance_km
        else:
            v = self.main_vessel(service, unit)
            cyc = self.cycle(v)
            moving = cyc.crossing_h
            km = net.services[service].distance_km
            notes = [f"{km:g} km at {v.speed_kn:g} kn ({v.id})"]
            element, etype, mode = service, "service", "sea"
        return {"seq": seq, "kind": "move", "node": "", "from_node": leg.from_node, "to_node": leg.to_node,
                "element": element, "element_type": etype, "mode": mode, "node_kind": "", "country": "",
                "distance_km": km, "moving_h": moving, "dwell_h": dwell, "wait_h": wait,
                "time_h": moving + dwell + wait, "utilisation": rho, "saturated": sat,
                "detail": "; ".join(notes)}

    def _berth_wait(self, v: Vessel, port: str, handling_h: float) -> tuple[float, bool, float]:
        g = vessel_berth(self.scenario, v, port)
        if g is None:
            return 0.0, False, 0.0
        rho = self.utilisation("berth", g.id)
        w, s = queue_wait_h(rho, g.count, handling_h)
        return w, s, rho

    def _train_units(self, itinerary: Itinerary, onward: Leg, unit: str) -> float:
        """Units of the onward train from a port: the largest ``units_per_train`` of the demand
        on the itinerary's route (of any flow of the unit when it is no demand route), capped by
        the onward link's ``max_units_per_train`` (the simulator's formation rule)."""
        sc = self.scenario
        coms = {c.id: c.unit for c in sc.doc.commodities}
        sizes = [d.units_per_train for d in sc.doc.demand if coms[d.commodity] == unit
                 and (itinerary.route_id is None or any(o.route == itinerary.route_id
                                                        for o in d.route_options))]
        size = float(max(sizes, default=1.0))
        lim = sc.network.links[onward.link].max_units_per_train
        if lim and unit in lim:
            size = min(size, float(lim[unit]))
        return size if unit == "tonne" else max(1.0, math.floor(size + 1e-9))


def _dijkstra(adj: dict[str, list[tuple[str, float]]], source: str) -> dict[str, float]:
    dist = {source: 0.0}
    heap = [(0.0, source)]
    while heap:
        d, n = heapq.heappop(heap)
        if d > dist.get(n, math.inf):
            continue
        for m, km in adj.get(n, []):
            nd = d + km
            if nd < dist.get(m, math.inf):
                dist[m] = nd
                heapq.heappush(heap, (nd, m))
    return dist


LEG_COLUMNS = [*SEGMENT_COLUMNS, "cost_usd", "co2e_wtw_kg", "co2e_ttw_kg", "cum_distance_km", "cum_time_h",
               "cum_cost_usd", "cum_co2e_wtw_kg"]


def leg_rows(planner: RoutePlanner, itinerary: Itinerary, unit: str, tariff_lines: list[dict[str, Any]],
             emission_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Segment rows with cost and CO2e attached by ``seq`` and cumulative columns."""
    cost: dict[int, float] = {}
    for x in tariff_lines:
        cost[x["seq"]] = cost.get(x["seq"], 0.0) + x["cost_usd"]
    wtw: dict[int, float] = {}
    ttw: dict[int, float] = {}
    for x in emission_rows:
        wtw[x["seq"]] = wtw.get(x["seq"], 0.0) + x["co2e_wtw_kg"]
        ttw[x["seq"]] = ttw.get(x["seq"], 0.0) + x["co2e_ttw_kg"]
    out = []
    cd = ct = cc = ce = 0.0
    for r in planner.segments(itinerary, unit):
        seq = r["seq"]
        row = dict(r)
        row["cost_usd"] = cost.get(seq, 0.0)
        row["co2e_wtw_kg"] = wtw.get(seq, 0.0)
        row["co2e_ttw_kg"] = ttw.get(seq, 0.0)
        cd += row["distance_km"]
        ct += row["time_h"]
        cc += row["cost_usd"]
        ce += row["co2e_wtw_kg"]
        row.update(cum_distance_km=cd, cum_time_h=ct, cum_cost_usd=cc, cum_co2e_wtw_kg=ce)
        out.append(row)
    return out


def itinerary_legs(planner: RoutePlanner, itinerary: Itinerary, unit: str, units: float,
                   tonnes: float) -> pd.DataFrame:
    """Timed, costed, CO2e-rated rows of one itinerary with cumulative columns (TCD input).

    Columns: :data:`SEGMENT_COLUMNS` (``seq`` even for nodes, odd for moves; ``kind``
    node | move; ``distance_km``; ``moving_h, dwell_h, wait_h, time_h``; ``utilisation``
    of the queue that sets the row's wait; ``saturated``; ``detail`` with the arithmetic)
    plus ``cost_usd`` (tariffs for ``units``), ``co2e_wtw_kg``, ``co2e_ttw_kg``,
    ``cum_distance_km``, ``cum_time_h``, ``cum_cost_usd``, ``cum_co2e_wtw_kg``.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.model.itinerary import itinerary_along
    >>> from transcaspian.analysis import RoutePlanner, capacity
    >>> s = load_scenario("baseline-2024")
    >>> planner = RoutePlanner(s, capacity(s))
    >>> it = itinerary_along(s, ["aktau", "alat"], "teu")
    >>> itinerary_legs(planner, it, "teu", 2.0, 20.0)["kind"].tolist()
    ['node', 'move', 'node']
    """
    lines, _ = tariff_rows(planner.scenario, itinerary, unit, units)
    em = emission_rows(planner.scenario, itinerary, tonnes)
    return pd.DataFrame(leg_rows(planner, itinerary, unit, lines, em), columns=LEG_COLUMNS)


DEMAND_ROUTE_COLUMNS = ["flow", "route", "share", "transit_h", "transit_days", "saturated"]


def demand_route_rows(planner: RoutePlanner, origin: str, destination: str, commodity: str
                      ) -> list[dict[str, Any]]:
    """The scenario's demand of an origin, destination and commodity on its routes.

    One row per flow and route option with the flow's share (``optimal`` flows: the
    capacity engine's split) and the route's expected time (h); empty without such demand.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.analysis import capacity
    >>> s = load_scenario("baseline-2024")
    >>> rows = demand_route_rows(RoutePlanner(s, capacity(s)), "xian", "baku", "container")
    >>> [r["route"] for r in rows][:1], round(sum(r["share"] for r in rows), 6)
    (['r-xian-baku-dostyk-aktau'], 1.0)
    """
    sc = planner.scenario
    unit = {c.id: c.unit for c in sc.doc.commodities}[commodity]
    routes = {r.id: r for r in sc.doc.routes}
    rows = []
    for d in sc.doc.demand:
        if (d.origin, d.destination, d.commodity) != (origin, destination, commodity):
            continue
        for rid, share in planner.congestion.route_shares.get(d.id, []):
            t = planner.totals(planner.itinerary_for(list(routes[rid].nodes), unit), unit)
            rows.append({"flow": d.id, "route": rid, "share": share, "transit_h": t["transit_h"],
                         "transit_days": t["transit_h"] / 24.0, "saturated": t["saturated"]})
    return rows


def expected_days(demand_routes: pd.DataFrame, options: pd.DataFrame,
                  simulated: pd.DataFrame | None = None) -> tuple[float, bool, str]:
    """The quote's expected days, whether a saturated queue sets them, and their basis.

    With a simulation of the scenario that delivered the pair's demand: the simulated mean
    transit (lot-weighted over directions), basis ``simulation``. Else, with demand of the
    pair: the share- and volume-weighted mean of the analytic days over its routes (the
    figure the simulator's mean transit measures), basis ``demand routes``; else the first
    corridor option's days, basis its option id. ``saturated`` is always the analytic flag.

    Examples
    --------
    >>> routes = pd.DataFrame({"share": [0.75, 0.25], "transit_days": [10.0, 14.0],
    ...                        "saturated": [False, True]})
    >>> expected_days(routes, pd.DataFrame())
    (11.0, True, 'demand routes')
    >>> sim = pd.DataFrame({"lots": [30, 10], "mean_days": [12.0, 16.0]})
    >>> expected_days(routes, pd.DataFrame(), sim)
    (13.0, True, 'simulation')
    """
    if not demand_routes.empty:
        w = demand_routes["share"]
        days = float((demand_routes["transit_days"] * w).sum() / w.sum())
        saturated, basis = bool(demand_routes["saturated"].any()), "demand routes"
    else:
        best = options[options["kind"] == "corridor"].iloc[0]
        days, saturated, basis = float(best["transit_days"]), bool(best["saturated"]), str(best["option"])
    if simulated is not None and not simulated.empty and simulated["lots"].sum() > 0:
        lots = simulated["lots"]
        days, basis = float((simulated["mean_days"] * lots).sum() / lots.sum()), "simulation"
    return days, saturated, basis
