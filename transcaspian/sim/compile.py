"""Compile a validated :class:`~transcaspian.model.Scenario` into flat, picklable tables.

The kernel (:mod:`transcaspian.sim.kernel`) and the SimPy reference model in the
tests both read this compiled form, so they simulate exactly the same network. The
compilation is done once per run and shared by every replication and worker.

Conventions (see ``docs/simulator.md``): time in hours from the scenario start, units in
the commodity's handling unit, months of equal length (730 h).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from transcaspian.model.distributions import Distribution
from transcaspian.model.physics import (
    HOURS_PER_YEAR,
    berth_rate_per_h,
    crossing_h,
    node_headway_h,
    pipeline_h_per_t,
    road_headway_h,
    sailing_interval_h,
    section_headway_h,
    voyage_payload_factor,
    yard_capacity,
)
from transcaspian.model.scenario import Scenario

HOURS_PER_MONTH = HOURS_PER_YEAR / 12.0

#: Longest wait (h) for an onward train at a port whose ``formation_max_wait_h`` is empty.
DEFAULT_FORMATION_WAIT_H = 72.0


class Step(NamedTuple):
    """One step of a compiled route; what ``a``, ``b`` and ``d`` index depends on ``kind``."""

    kind: int    # S_* below
    a: int
    b: int
    x: float     # fixed time (h)
    d: int


# -- step kinds of a compiled route ------------------------------------------------------
# A step is a Step(kind, a, b, x, d):
S_NODE = 0   # processing at a land node: (S_NODE, node, server|-1, fixed_h, dwell dist|-1)
S_RAIL = 1   # rail section: (S_RAIL, server, delay dist|-1, travel_h, queue node [+ n_nodes: not counted])
S_ROAD = 2   # road link: (S_ROAD, server, delay dist|-1, travel_h, node where trucks queue)
S_PIPE = 3   # pipeline: (S_PIPE, server, -1, transit_h, inlet node)
S_YARD = 4   # gate-in at a seaport yard: (S_YARD, port node, yard, 0.0, -1)
S_SEA = 5    # wait in a lane for a vessel, cross, discharge: (S_SEA, lane, to node, 0.0, -1)
S_FORM = 6   # wait for an onward train at a port: (S_FORM, group, port node, 0.0, -1)
S_END = 7    # delivered at the destination: (S_END, node, -1, 0.0, -1)

STEP_NAMES = ("node", "rail", "road", "pipeline", "yard", "sea", "formation", "end")

#: Berth kinds each service kind prefers (first match wins among berths handling its units).
BERTH_PREFERENCE: dict[str, tuple[str, ...]] = {
    "container_feeder": ("container", "multipurpose", "general"),
    "black_sea_feeder": ("container", "multipurpose", "general"),
    "rail_ferry": ("ferry", "roro", "multipurpose"),
    "roro": ("roro", "ferry", "multipurpose"),
    "ropax": ("roro", "ferry", "multipurpose"),
    "tanker": ("oil", "multipurpose", "general"),
}

#: Sampler specification: (family, a, b, c, values, probabilities).
DistSpec = tuple[str, float, float, float, tuple[float, ...], tuple[float, ...]]


def dist_spec(d: Distribution) -> DistSpec:
    """A plain tuple describing a distribution, cheap to pickle and sample from."""
    if d.dist == "fixed":
        return ("fixed", float(d.value), 0.0, 0.0, (), ())
    if d.dist == "uniform":
        return ("uniform", float(d.low), float(d.high), 0.0, (), ())
    if d.dist == "triangular":
        return ("triangular", float(d.low), float(d.mode), float(d.high), (), ())
    if d.dist == "lognormal":
        mu, s = d.lognormal_params()
        return ("lognormal", mu, s, 0.0, (), ())
    w = np.ones(len(d.values)) if d.weights is None else np.asarray(d.weights, float)
    return ("empirical", 0.0, 0.0, 0.0, tuple(float(v) for v in d.values),
            tuple(float(p) for p in w / w.sum()))


def draw(spec: DistSpec, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` values of a compiled distribution (same families as the schema)."""
    fam, a, b, c, values, probs = spec
    if fam == "fixed":
        return np.full(n, a)
    if fam == "uniform":
        return rng.uniform(a, b, n)
    if fam == "triangular":
        return np.full(n, a) if a == c else rng.triangular(a, b, c, n)
    if fam == "lognormal":
        return rng.lognormal(a, b, n)
    return rng.choice(np.asarray(values), size=n, p=np.asarray(probs))


def spec_mean(spec: DistSpec) -> float:
    """Expected value of a compiled distribution."""
    fam, a, b, c, values, probs = spec
    if fam == "fixed":
        return a
    if fam == "uniform":
        return (a + b) / 2.0
    if fam == "triangular":
        return (a + b + c) / 3.0
    if fam == "lognormal":
        return math.exp(a + b * b / 2.0)
    return float(np.dot(values, probs))


@dataclass
class Server:
    """A FIFO resource with ``c`` parallel channels.

    ``service`` is a fixed time per passage (h) or, when ``dist >= 0``, a draw from
    that distribution; ``per_unit`` multiplies the service time by the lot's units
    (road headway per truck, pipeline hours per tonne).
    """

    name: str
    kind: str            # section | border | node | road | pipeline
    node: int            # node where queueing time is reported
    c: int
    service_h: float
    dist: int = -1
    per_unit: bool = False
    link: str = ""
    direction: str = ""


@dataclass
class VesselClass:
    """One vessel class on one service, with everything needed at both ends.

    Index 0 of the per-end tuples is the service's ``from`` port, index 1 its ``to`` port.
    """

    id: str
    service: str
    count: int
    ports: tuple[int, int]
    cap: dict[int, float]            # unit index -> usable units per voyage (sea-level cut)
    cap_nominal: dict[int, float]
    shared: bool
    crossing_h: float
    port_time_h: tuple[float, float]
    berth: tuple[int, int]           # berth group per end (-1: no berth limit)
    rate: tuple[dict[int, float], dict[int, float]]   # units/h per unit per end (missing: instant)
    lanes: tuple[tuple[int, ...], tuple[int, ...]]    # lanes loaded at each end
    policy: str
    min_fill: float
    max_wait_h: float
    interval_h: float                # scheduled: hours between departures from one end
    payload_factor: float


@dataclass
class Flow:
    """A demand flow: trains released at the origin and the routes they may take."""

    id: str
    origin: str
    destination: str
    commodity: str
    direction: str
    unit: int
    tonnes_per_unit: float
    annual_units: float
    units_per_train: float
    arrivals: str
    seasonality: tuple[float, ...]
    routes: tuple[int, ...]
    shares: tuple[float, ...]
    od: int


@dataclass
class Compiled:
    """A scenario flattened into integer-indexed tables for the simulators."""

    scenario: str
    scenario_hash: str
    units: tuple[str, ...]
    nodes: list[str]
    node_kind: list[str]
    dists: list[DistSpec]
    servers: list[Server]
    routes: list[list[Step]]
    route_ids: list[str]
    flows: list[Flow]
    ods: list[tuple[str, str, str, str]]           # (origin, destination, commodity, direction)
    lanes: list[tuple[int, int, int]]              # (from port, to port, unit)
    yards: list[tuple[int, int, float]]            # (port node, unit, capacity units)
    yard_of: dict[tuple[int, int], int]            # (port node, unit) -> yard index
    groups: list[tuple[int, int, float]]           # formation: (route, port node, train units)
    formation_wait_h: list[float]                  # per group: longest wait for a train (h)
    berths: list[tuple[str, int, int]]             # (berth id, port node, count)
    vessels: list[VesselClass]
    weather: list[tuple[int, tuple[float, ...], int]]  # (port node, closures per month, dist)
    chained: list[list[bool]] = field(default_factory=list)
    lead: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_streams(self) -> int:
        """Independent random streams one replication uses (arrivals, routes, dists, weather)."""
        return 2 + len(self.dists) + len(self.weather)


def _server_for_node(node: Any, dists: list[DistSpec], name_idx: int) -> tuple[Server | None, float, int]:
    """Server for a land node (if it has capacity), its fixed time and pure-delay dist."""
    fixed = float(node.fixed_time_h or 0.0)
    dwell = node.dwell_h
    cap = node.capacity_trains_per_day
    if cap is None:
        if dwell is None:
            return None, fixed, -1
        dists.append(dist_spec(dwell))
        return None, fixed, len(dists) - 1
    if dwell is None:
        return Server(node.id, "node", name_idx, 1, node_headway_h(node)), fixed, -1
    dists.append(dist_spec(dwell))
    mean = max(dwell.mean_value(), 1e-9)
    c = max(1, round(cap * mean / 24.0))
    kind = "border" if node.kind in ("border", "gauge_change") else "node"
    return Server(node.id, kind, name_idx, c, mean, dist=len(dists) - 1), fixed, -1


def compile_scenario(scenario: Scenario) -> Compiled:
    """Flatten a scenario for simulation.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    Compiled
        Integer-indexed tables shared by the kernel and the SimPy reference. Each
        formation group waits at most its port's ``formation_max_wait_h`` (72 h when empty).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> cm = compile_scenario(load_scenario("baseline-2024"))
    >>> cm.routes[0][0]
    Step(kind=1, a=0, b=-1, x=51.4, d=0)
    >>> STEP_NAMES[cm.routes[0][0].kind], len(cm.groups), set(cm.formation_wait_h)
    ('rail', 30, {72.0})
    """
    doc = scenario.doc
    units = ("teu", "wagon", "truck", "tonne")
    uidx = {u: i for i, u in enumerate(units)}
    nodes = [n.id for n in doc.nodes]
    nidx = {n: i for i, n in enumerate(nodes)}
    node_obj = {n.id: n for n in doc.nodes}
    links = {lk.id: lk for lk in doc.links}
    services = {s.id: s for s in doc.services}
    commodities = {c.id: c for c in doc.commodities}
    sea_dz = scenario.sea_level_change_m

    dists: list[DistSpec] = []
    servers: list[Server] = []
    node_server: dict[str, tuple[int, float, int]] = {}
    link_server: dict[tuple[str, bool], int] = {}
    link_dist: dict[str, int] = {}

    def node_proc(nid: str) -> tuple[int, float, int]:
        if nid not in node_server:
            srv, fixed, dist = _server_for_node(node_obj[nid], dists, nidx[nid])
            s = -1
            if srv is not None:
                servers.append(srv)
                s = len(servers) - 1
            node_server[nid] = (s, fixed, dist)
        return node_server[nid]

    def link_srv(link_id: str, reverse: bool) -> int:
        key = (link_id, reverse)
        if key not in link_server:
            lk = links[link_id]
            a, b = (lk.to_node, lk.from_node) if reverse else (lk.from_node, lk.to_node)
            direction = "reverse" if reverse else "forward"
            if lk.mode == "rail":
                srv = Server(f"{link_id}:{a}->{b}", "section", nidx[a], 1,
                             section_headway_h(lk, reverse), link=link_id, direction=direction)
            elif lk.mode == "road":
                srv = Server(f"{link_id}:{a}->{b}", "road", nidx[a], 1, road_headway_h(lk),
                             per_unit=True, link=link_id, direction=direction)
            else:
                srv = Server(f"{link_id}:{a}->{b}", "pipeline", nidx[a], 1,
                             pipeline_h_per_t(lk), per_unit=True,
                             link=link_id, direction=direction)
            servers.append(srv)
            link_server[key] = len(servers) - 1
        return link_server[key]

    def delay_of(link_id: str) -> int:
        if link_id not in link_dist:
            d = links[link_id].delay_h
            if d is None:
                link_dist[link_id] = -1
            else:
                dists.append(dist_spec(d))
                link_dist[link_id] = len(dists) - 1
        return link_dist[link_id]

    lanes: list[tuple[int, int, int]] = []
    lane_idx: dict[tuple[int, int, int], int] = {}
    yards: list[tuple[int, int, float]] = []
    yard_of: dict[tuple[int, int], int] = {}
    groups: list[tuple[int, int, float]] = []
    formation_wait_h: list[float] = []
    routes: list[list[Step]] = []
    route_ids: list[str] = []
    route_key: dict[tuple[str, str], int] = {}
    route_group_steps: dict[int, list[int]] = {}

    def yard(port: str, unit: str) -> int:
        key = (nidx[port], uidx[unit])
        if key not in yard_of:
            cap = yard_capacity(node_obj[port], unit)
            yards.append((nidx[port], uidx[unit], math.inf if cap is None else float(cap)))
            yard_of[key] = len(yards) - 1
        return yard_of[key]

    def add_node_step(steps: list[Step], nid: str) -> None:
        if node_obj[nid].kind == "seaport":
            return
        s, fixed, dist = node_proc(nid)
        if s >= 0 or fixed > 0 or dist >= 0:
            steps.append(Step(S_NODE, nidx[nid], s, fixed, dist))

    def compile_route(route_id: str, unit: str) -> int:
        key = (route_id, unit)
        if key in route_key:
            return route_key[key]
        legs = scenario.legs(route_id, unit)
        r = len(routes)
        steps: list[Step] = []
        origin = legs[0].from_node
        if node_obj[origin].kind == "seaport":
            if legs[0].kind == "sea":
                steps.append(Step(S_YARD, nidx[origin], yard(origin, unit), 0.0, -1))
        elif legs[0].kind == "link" and links[legs[0].link].mode == "rail":
            add_node_step(steps, origin)
        for i, leg in enumerate(legs):
            nxt = legs[i + 1] if i + 1 < len(legs) else None
            b = leg.to_node
            if leg.kind == "sea":
                key3 = (nidx[leg.from_node], nidx[b], uidx[unit])
                if key3 not in lane_idx:
                    lanes.append(key3)
                    lane_idx[key3] = len(lanes) - 1
                steps.append(Step(S_SEA, lane_idx[key3], nidx[b], 0.0, -1))
                if nxt is not None and nxt.kind == "link" and links[nxt.link].mode == "rail":
                    steps.append(Step(S_FORM, -1, nidx[b], 0.0, -1))  # group filled in below
                    route_group_steps.setdefault(r, []).append(len(steps) - 1)
                    yard(b, unit)
                elif nxt is not None and nxt.kind == "sea":
                    yard(b, unit)
                continue
            lk = links[leg.link]
            srv = link_srv(lk.id, leg.reverse)
            kind = {"rail": S_RAIL, "road": S_ROAD, "pipeline": S_PIPE}[lk.mode]
            travel = lk.moving_time_h()
            # a queue at the section entry is reported at its first node; the units are
            # counted there only if no server or port step there counted them already
            wnode = nidx[leg.from_node]
            prev = steps[-1] if steps else None
            if prev is not None and ((prev[0] == S_NODE and prev[1] == wnode and prev[2] >= 0)
                                     or (prev[0] in (S_FORM, S_SEA) and prev[2] == wnode)):
                wnode += len(nodes)
            steps.append(Step(kind, srv, delay_of(lk.id) if lk.mode != "pipeline" else -1, travel,
                          wnode))
            if nxt is None:
                if lk.mode == "rail":
                    add_node_step(steps, b)
            elif node_obj[b].kind == "seaport" and nxt.kind == "sea":
                steps.append(Step(S_YARD, nidx[b], yard(b, unit), 0.0, -1))
            elif lk.mode == "rail" and nxt.kind == "link" and links[nxt.link].mode == "rail":
                add_node_step(steps, b)
        steps.append(Step(S_END, nidx[legs[-1].to_node], -1, 0.0, -1))
        routes.append(steps)
        route_ids.append(route_id)
        route_key[key] = r
        return r

    flows: list[Flow] = []
    ods: list[tuple[str, str, str, str]] = []
    od_idx: dict[tuple[str, str, str, str], int] = {}
    route_train_units: dict[int, float] = {}
    for d in doc.demand:
        if d.annual_units <= 0:
            continue
        com = commodities[d.commodity]
        opts = [(o.route, o.share) for o in d.route_options]
        if any(s is None for _, s in opts) or sum(s or 0 for _, s in opts) <= 0:
            opts = [(rid, 1.0 / len(opts)) for rid, _ in opts]   # 'optimal' without shares
        rids, shares = [], []
        for rid, share in opts:
            if share and share > 0:
                rids.append(compile_route(rid, com.unit))
                shares.append(float(share))
        tot = sum(shares)
        for r in rids:
            route_train_units[r] = max(route_train_units.get(r, 0.0), float(d.units_per_train))
        key = (d.origin, d.destination, d.commodity, d.direction)
        if key not in od_idx:
            od_idx[key] = len(ods)
            ods.append(key)
        flows.append(Flow(d.id, d.origin, d.destination, d.commodity, d.direction, uidx[com.unit],
                          float(com.tonnes_per_unit), float(d.annual_units),
                          float(d.units_per_train), d.arrivals, tuple(d.seasonality),
                          tuple(rids), tuple(s / tot for s in shares), od_idx[key]))

    # formation groups: one per (route, step), train size from the onward rail link
    for r, step_ids in route_group_steps.items():
        steps = routes[r]
        for si in step_ids:
            _, _, port, _, _ = steps[si]
            nxt_link = servers[steps[si + 1][1]].link
            unit = units[next((f.unit for f in flows if r in f.routes), 0)]
            size = route_train_units.get(r, 1.0)
            lim = links[nxt_link].max_units_per_train
            if lim and unit in lim:
                size = min(size, float(lim[unit]))
            if unit != "tonne":
                size = max(1.0, math.floor(size + 1e-9))
            groups.append((r, port, size))
            steps[si] = Step(S_FORM, len(groups) - 1, port, 0.0, -1)
            wait_h = node_obj[nodes[port]].formation_max_wait_h
            formation_wait_h.append(DEFAULT_FORMATION_WAIT_H if wait_h is None else float(wait_h))

    # berths and vessels
    berths: list[tuple[str, int, int]] = []
    berth_rates: list[dict[int, float]] = []
    berth_kind: list[str] = []
    for b in doc.berths:
        berths.append((b.id, nidx[b.node], b.count))
        berth_rates.append({uidx[u]: berth_rate_per_h(b, u) for u in b.handling_per_h})
        berth_kind.append(b.kind)

    def pick_berth(port: str, kind: str, vunits: set[int]) -> int:
        cands = [i for i, (_, n, _) in enumerate(berths)
                 if n == nidx[port] and set(berth_rates[i]) & vunits]
        if not cands:
            return -1
        pref = BERTH_PREFERENCE.get(kind, ())
        return min(cands, key=lambda i: (pref.index(berth_kind[i]) if berth_kind[i] in pref
                                         else len(pref), -len(set(berth_rates[i]) & vunits), i))

    vessels: list[VesselClass] = []
    for v in doc.vessels:
        svc = services[v.service]
        pa, pb = node_obj[svc.from_node], node_obj[svc.to_node]
        pf = voyage_payload_factor(v, pa, pb, sea_dz)
        cap_nom = {uidx[u]: float(c) for u, c in v.capacity.items()}
        cap = {u: c * pf for u, c in cap_nom.items()}
        vunits = set(cap)
        ends = (svc.from_node, svc.to_node)
        bgroups = tuple(pick_berth(p, svc.kind, vunits) for p in ends)
        rates = tuple(berth_rates[g] if g >= 0 else {} for g in bgroups)
        lanes_at = tuple(
            tuple(i for i, (f, t, u) in enumerate(lanes)
                  if f == nidx[ends[e]] and t == nidx[ends[1 - e]] and u in vunits)
            for e in (0, 1))
        vessels.append(VesselClass(
            v.id, svc.id, v.count, (nidx[svc.from_node], nidx[svc.to_node]), cap, cap_nom,
            v.mixed_load == "shared", crossing_h(v, svc.distance_km),
            (float(pa.port_time_h or 0.0), float(pb.port_time_h or 0.0)), bgroups, rates,
            lanes_at, svc.policy, float(svc.min_fill_share or 0.0), float(svc.max_wait_h or 0.0),
            sailing_interval_h(svc), pf))

    weather = []
    for w in doc.weather:
        dists.append(dist_spec(w.closure_duration_h))
        weather.append((nidx[w.node], tuple(w.closures_per_month), len(dists) - 1))

    chained = chain_steps(routes, servers, dists)
    return Compiled(
        chained=chained, lead=server_leads(routes, len(servers), dists),
        scenario=scenario.name, scenario_hash=scenario.hash, units=units, nodes=nodes,
        node_kind=[n.kind for n in doc.nodes], dists=dists, servers=servers, routes=routes,
        route_ids=route_ids, flows=flows, ods=ods, lanes=lanes, yards=yards, yard_of=yard_of,
        groups=groups, formation_wait_h=formation_wait_h, berths=berths,
        vessels=vessels, weather=weather)


def _is_server_step(step: Step) -> int:
    """Server index of a step that queues at a FIFO server, else -1."""
    k, a, b, _, _ = step
    if k in (S_RAIL, S_ROAD, S_PIPE):
        return a
    if k == S_NODE and b >= 0:
        return b
    return -1


def chain_steps(routes: list[list[Step]], servers: list[Server],
                dists: list[DistSpec]) -> list[list[bool]]:
    """Mark server steps that may be evaluated as soon as their feeding server is.

    A server S can be evaluated ahead of time (without an event of its own) when every
    train that ever reaches S comes straight from one server P, trains leave P in the
    order P served them (no random delay or dwell after P, FIFO), and the time from P to
    S is the same for all. S then sees its arrivals in time order as P is evaluated, so
    the FIFO (Lindley) recursion at S gives exactly what a separate event would. This
    removes most events on long rail corridors without changing any result.
    """
    def fixed(dist: int) -> bool:
        return dist < 0 or dists[dist][0] == "fixed"

    feeders: dict[int, set[tuple[int, float]]] = {}
    occurrences: dict[int, list[tuple[int, int]]] = {}
    for r, steps in enumerate(routes):
        for si, step in enumerate(steps):
            srv = _is_server_step(step)
            if srv < 0:
                continue
            occurrences.setdefault(srv, []).append((r, si))
            key: tuple[int, float] = (-1, 0.0)
            delta = 0.0
            j = si - 1
            while j >= 0:
                k, _, b, x, d = steps[j]
                if k == S_NODE and b < 0:          # pure delay between servers
                    if not fixed(d):
                        break
                    delta += x + (dists[d][1] if d >= 0 else 0.0)
                    j -= 1
                    continue
                p = _is_server_step(steps[j])
                if p < 0:
                    break
                if k == S_RAIL and b < 0:
                    key = (p, round(delta + x, 9))
                elif k in (S_ROAD, S_PIPE) and b < 0:
                    key = (p, round(delta + x, 9))    # exit = start + units x h + x: order kept
                elif k == S_NODE and fixed(servers[p].dist) and fixed(d):
                    key = (p, round(delta + x + (dists[d][1] if d >= 0 else 0.0), 9))
                break
            feeders.setdefault(srv, set()).add(key)
    out = [[False] * len(steps) for steps in routes]
    for srv, keys in feeders.items():
        if len(keys) == 1 and next(iter(keys))[0] >= 0:
            for r, si in occurrences[srv]:
                out[r][si] = True
    return out


def server_leads(routes: list[list[Step]], n_servers: int,
                 dists: list[DistSpec]) -> list[float]:
    """Shortest possible time (h) from any point where a train can pause to its arrival at each server.

    A train pauses (has an event) at a release, at a server, or when it leaves a port.
    If the earliest pending event is at time T, no train can reach server S before
    ``T + lead[S]``, so the engine may evaluate an arrival at S earlier than that at once.
    """
    def low(dist: int) -> float:
        if dist < 0:
            return 0.0
        fam, a, _, _, _, _ = dists[dist]
        return a if fam in ("fixed", "uniform", "triangular") else 0.0

    lead = [math.inf] * n_servers
    for steps in routes:
        for si, step in enumerate(steps):
            srv = _is_server_step(step)
            if srv < 0:
                continue
            acc = 0.0
            j = si - 1
            while j >= 0:
                k, _, b, x, d = steps[j]
                if k == S_NODE and b < 0:
                    acc += x + low(d)
                    j -= 1
                    continue
                if k in (S_RAIL, S_ROAD, S_PIPE):
                    acc += x + (low(b) if k != S_PIPE else 0.0)
                elif k == S_NODE:
                    acc += x + low(d)
                break
            lead[srv] = min(lead[srv], acc)
    return [0.0 if math.isinf(v) else v for v in lead]
