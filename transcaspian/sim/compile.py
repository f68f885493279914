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

from transcaspian.model import events as model_events
from transcaspian.model.distributions import Distribution
from transcaspian.model.errors import Problem, ScenarioError
from transcaspian.model.network import Leg
from transcaspian.model.physics import (
    DEFAULT_FORMATION_WAIT_H,  # noqa: F401  (re-exported: the 72 h default lives in physics)
    HOURS_PER_YEAR,
    berth_rate_per_h,
    crossing_h,
    formation_max_wait_h,
    node_headway_h,
    pipeline_h_per_t,
    port_fixed_h,
    road_headway_h,
    sailing_interval_h,
    section_headway_h,
    vessel_berth,
    voyage_payload_factor,
    yard_capacity,
)
from transcaspian.model.scenario import Scenario

HOURS_PER_MONTH = HOURS_PER_YEAR / 12.0

#: Largest time (h) any compiled duration or mean may take (a century); beyond it is an input error.
MAX_HOURS = 100 * HOURS_PER_YEAR
#: Largest log-mean of a lognormal (its mean is exp of this; keeps exp() finite).
MAX_LOG_MEAN = math.log(MAX_HOURS)
#: Most parallel channels a node server may have (capacity x mean dwell / 24 h).
MAX_CHANNELS = 10_000
#: Most storm closures a port may start in a month (one an hour).
MAX_CLOSURES_PER_MONTH = HOURS_PER_YEAR / 12.0

#: Handling units, in the order of the unit indices of the compiled tables.
UNITS = ("teu", "wagon", "truck", "tonne")


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
    with np.errstate(invalid="ignore", divide="ignore"):
        probs = w / w.sum()
    return ("empirical", 0.0, 0.0, 0.0, tuple(float(v) for v in d.values), tuple(float(p) for p in probs))


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


def dist_problem(spec: DistSpec) -> str | None:
    """Why a compiled distribution cannot be sampled (non-finite parameters, bad weights), or None.

    Examples
    --------
    >>> dist_problem(("uniform", 0.0, math.inf, 0.0, (), ()))
    'parameters must be finite numbers (got uniform 0, inf)'
    >>> dist_problem(("fixed", 2.0, 0.0, 0.0, (), ())) is None
    True
    """
    fam, a, b, c, values, probs = spec
    nums = {"fixed": (a,), "uniform": (a, b), "triangular": (a, b, c), "lognormal": (a, b)}.get(fam, values)
    if not all(math.isfinite(x) for x in nums):
        return f"parameters must be finite numbers (got {fam} {', '.join(f'{x:g}' for x in nums)})"
    if fam == "lognormal" and (b < 0 or a + b * b / 2.0 > MAX_LOG_MEAN):
        return f"lognormal mean and p90 give a mean or spread beyond any duration (mu {a:g}, sigma {b:g})"
    if fam == "empirical" and not (all(math.isfinite(p) and p >= 0 for p in probs) and probs):
        return "weights must be finite, non-negative and not all zero"
    if not abs(spec_mean(spec)) <= MAX_HOURS:
        return f"mean {spec_mean(spec):g} h is beyond {MAX_HOURS:g} h"
    return None


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
    port_time_h: tuple[float, float]  # fixed time per call per end (physics.port_fixed_h)
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
class EventTables:
    """Dated events (``events:``) and off-hire by compiled index; windows in h from the start of
    simulated year 1 (the scenario year), from :func:`transcaspian.model.events.windows`.

    ``port``: port node -> closure windows; ``server``: server -> windows it admits no train
    (a closed section in both directions, a closed border); ``berth``: (berth group, start,
    end, berths out); ``vessel``: (vessel class, start, end, vessels out: the class's first
    ones); ``offhire_h``: per vessel class, hours a year each vessel is off hire; ``surge``:
    flow -> (start, end, arrival multiplier) segments.
    """

    port: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    server: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    berth: list[tuple[int, float, float, int]] = field(default_factory=list)
    vessel: list[tuple[int, float, float, int]] = field(default_factory=list)
    offhire_h: list[float] = field(default_factory=list)
    surge: dict[int, list[tuple[float, float, float]]] = field(default_factory=dict)


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
    events: EventTables = field(default_factory=EventTables)

    @property
    def n_streams(self) -> int:
        """Independent random streams one replication uses (arrivals, routes, dists, weather,
        off-hire starts); child ``i`` of a seed sequence does not depend on how many are spawned."""
        return 2 + len(self.dists) + len(self.weather) + 1


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
    ('rail', 31, {72.0})
    """
    b = _Builder(scenario)
    b.add_flows()          # compiles each flow's routes (servers, distributions, lanes, yards)
    b.add_groups()
    b.add_berths()
    b.add_vessels()
    b.add_weather()
    b.add_events()
    b.check_servers()
    if b.problems:
        raise ScenarioError(b.problems, f"scenario {scenario.name!r} (cannot be simulated)")
    return b.compiled()


class _Builder:
    """Accumulates the tables of :class:`Compiled` while a scenario is read once, in order.

    Servers, distributions, lanes and yards are numbered as they are first met (routes in
    the order of the demand flows that use them, then weather), so the same scenario always
    gives the same indices.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        doc = scenario.doc
        self.uidx = {u: i for i, u in enumerate(UNITS)}
        self.nodes = [n.id for n in doc.nodes]
        self.nidx = {n: i for i, n in enumerate(self.nodes)}
        self.node_obj = {n.id: n for n in doc.nodes}
        self.links = {lk.id: lk for lk in doc.links}
        self.dists: list[DistSpec] = []
        self.servers: list[Server] = []
        self.node_server: dict[str, tuple[int, float, int]] = {}
        self.link_server: dict[tuple[str, bool], int] = {}
        self.link_dist: dict[str, int] = {}
        self.lanes: list[tuple[int, int, int]] = []
        self.lane_idx: dict[tuple[int, int, int], int] = {}
        self.yards: list[tuple[int, int, float]] = []
        self.yard_of: dict[tuple[int, int], int] = {}
        self.routes: list[list[Step]] = []
        self.route_ids: list[str] = []
        self.route_key: dict[tuple[str, str], int] = {}
        self.route_group_steps: dict[int, list[int]] = {}
        self.route_train_units: dict[int, float] = {}
        self.flows: list[Flow] = []
        self.ods: list[tuple[str, str, str, str]] = []
        self.groups: list[tuple[int, int, float]] = []
        self.formation_wait_h: list[float] = []
        self.berths: list[tuple[str, int, int]] = []
        self.berth_rates: list[dict[int, float]] = []
        self.vessels: list[VesselClass] = []
        self.weather: list[tuple[int, tuple[float, ...], int]] = []
        self.events = EventTables()
        self.problems: list[Problem] = []

    # -- numbers checked before they are used (finite, in range), named by element --------
    def finite(self, value: float | None, component: str, cid: str, fld: str,
               low: float = 0.0, high: float = math.inf) -> float:
        """``value`` as a float if finite and in [low, high]; else a problem is recorded and ``low``."""
        v = 0.0 if value is None else float(value)
        if math.isfinite(v) and low <= v <= high:
            return v
        bound = f"a finite number >= {low:g}" + (f" and <= {high:,.6g}" if math.isfinite(high) else "")
        self.problems.append(Problem(f"must be {bound} to simulate (got {v:g})", component=component,
                                     id=cid, field=fld))
        return low

    def check_servers(self) -> None:
        """Every server's service time (h) is finite (headways of links, nodes and pipelines)."""
        for s in self.servers:
            if not (math.isfinite(s.service_h) and s.service_h >= 0):
                cid, comp = (s.link, "links") if s.link else (self.nodes[s.node], "nodes")
                self.problems.append(Problem(
                    f"gives a service time of {s.service_h:g} h per train for {s.name}; it must be finite",
                    component=comp, id=cid))

    # -- servers and distributions of nodes and links -----------------------------------
    def add_dist(self, d: Distribution, component: str, cid: str, fld: str) -> int:
        """Index of a new compiled distribution (a problem, and a fixed 0, if it cannot be sampled)."""
        spec = dist_spec(d)
        why = dist_problem(spec)
        if why is not None:
            self.problems.append(Problem(why, component=component, id=cid, field=fld))
            spec = ("fixed", 0.0, 0.0, 0.0, (), ())
        self.dists.append(spec)
        return len(self.dists) - 1

    def node_proc(self, nid: str) -> tuple[int, float, int]:
        """(server or -1, fixed time h, pure-delay distribution or -1) of a land node."""
        if nid not in self.node_server:
            srv, fixed, dist = self.server_for_node(self.node_obj[nid])
            s = -1
            if srv is not None:
                self.servers.append(srv)
                s = len(self.servers) - 1
            self.node_server[nid] = (s, fixed, dist)
        return self.node_server[nid]

    def server_for_node(self, node: Any) -> tuple[Server | None, float, int]:
        """Server for a land node (if it has capacity), its fixed time and pure-delay dist."""
        fixed = self.finite(node.fixed_time_h, "nodes", node.id, "fixed_time_h", high=MAX_HOURS)
        dwell = node.dwell_h
        cap = node.capacity_trains_per_day
        name_idx = self.nidx[node.id]
        if cap is None:
            if dwell is None:
                return None, fixed, -1
            return None, fixed, self.add_dist(dwell, "nodes", node.id, "dwell_h")
        cap = self.finite(cap, "nodes", node.id, "capacity_trains_per_day")
        if dwell is None:
            return Server(node.id, "node", name_idx, 1, node_headway_h(node)), fixed, -1
        d = self.add_dist(dwell, "nodes", node.id, "dwell_h")
        mean = dwell.mean_value()
        mean = max(mean if math.isfinite(mean) else 0.0, 1e-9)
        c = max(1, round(self.finite(cap * mean / 24.0, "nodes", node.id, "capacity_trains_per_day",
                                     high=MAX_CHANNELS)))   # parallel channels
        kind = "border" if node.kind in ("border", "gauge_change") else "node"
        return Server(node.id, kind, name_idx, c, mean, dist=d), fixed, -1

    def link_srv(self, link_id: str, reverse: bool) -> int:
        """Server of a link in one direction (rail section, road or pipeline)."""
        key = (link_id, reverse)
        if key not in self.link_server:
            lk = self.links[link_id]
            a, b = (lk.to_node, lk.from_node) if reverse else (lk.from_node, lk.to_node)
            name, at, dn = f"{link_id}:{a}->{b}", self.nidx[a], "reverse" if reverse else "forward"
            if lk.mode == "rail":
                srv = Server(name, "section", at, 1, section_headway_h(lk, reverse), link=link_id,
                             direction=dn)
            elif lk.mode == "road":
                srv = Server(name, "road", at, 1, road_headway_h(lk), per_unit=True, link=link_id,
                             direction=dn)
            else:
                srv = Server(name, "pipeline", at, 1, pipeline_h_per_t(lk), per_unit=True,
                             link=link_id, direction=dn)
            self.servers.append(srv)
            self.link_server[key] = len(self.servers) - 1
        return self.link_server[key]

    def delay_of(self, link_id: str) -> int:
        """Delay distribution of a link (-1: none)."""
        if link_id not in self.link_dist:
            d = self.links[link_id].delay_h
            self.link_dist[link_id] = -1 if d is None else self.add_dist(d, "links", link_id, "delay_h")
        return self.link_dist[link_id]

    def yard(self, port: str, unit: str) -> int:
        """Yard of a unit at a seaport."""
        key = (self.nidx[port], self.uidx[unit])
        if key not in self.yard_of:
            cap = yard_capacity(self.node_obj[port], unit)
            self.yards.append((key[0], key[1], math.inf if cap is None else float(cap)))
            self.yard_of[key] = len(self.yards) - 1
        return self.yard_of[key]

    def lane(self, a: str, b: str, unit: str) -> int:
        """Lane of a unit from port ``a`` to port ``b``."""
        key = (self.nidx[a], self.nidx[b], self.uidx[unit])
        if key not in self.lane_idx:
            self.lanes.append(key)
            self.lane_idx[key] = len(self.lanes) - 1
        return self.lane_idx[key]

    # -- routes -> steps ------------------------------------------------------------------
    def is_rail(self, leg: Leg | None) -> bool:
        """Whether a leg runs on a rail link."""
        return leg is not None and leg.kind == "link" and self.links[leg.link].mode == "rail"

    def add_node_step(self, steps: list[Step], nid: str) -> None:
        """Processing at a land node, if it takes time or has a server."""
        if self.node_obj[nid].kind == "seaport":
            return
        s, fixed, dist = self.node_proc(nid)
        if s >= 0 or fixed > 0 or dist >= 0:
            steps.append(Step(S_NODE, self.nidx[nid], s, fixed, dist))

    def compile_route(self, route_id: str, unit: str) -> int:
        """Index of a route's steps for one unit (compiled on first use)."""
        key = (route_id, unit)
        if key in self.route_key:
            return self.route_key[key]
        legs = self.scenario.route_legs(route_id, unit)
        r = len(self.routes)
        steps: list[Step] = []
        origin = legs[0].from_node
        if self.node_obj[origin].kind == "seaport":
            if legs[0].kind == "sea":
                steps.append(Step(S_YARD, self.nidx[origin], self.yard(origin, unit), 0.0, -1))
        elif self.is_rail(legs[0]):
            self.add_node_step(steps, origin)
        for i, leg in enumerate(legs):
            nxt = legs[i + 1] if i + 1 < len(legs) else None
            if leg.kind == "sea":
                self.sea_steps(steps, r, leg, nxt, unit)
            else:
                self.link_steps(steps, leg, nxt, unit)
        steps.append(Step(S_END, self.nidx[legs[-1].to_node], -1, 0.0, -1))
        self.routes.append(steps)
        self.route_ids.append(route_id)
        self.route_key[key] = r
        return r

    def sea_steps(self, steps: list[Step], r: int, leg: Leg, nxt: Leg | None, unit: str) -> None:
        """A crossing, then (before an onward train) a formation step whose group is set later."""
        b = leg.to_node
        steps.append(Step(S_SEA, self.lane(leg.from_node, b, unit), self.nidx[b], 0.0, -1))
        if self.is_rail(nxt):
            steps.append(Step(S_FORM, -1, self.nidx[b], 0.0, -1))  # group filled in by add_groups
            self.route_group_steps.setdefault(r, []).append(len(steps) - 1)
            self.yard(b, unit)
        elif nxt is not None and nxt.kind == "sea":
            self.yard(b, unit)

    def link_steps(self, steps: list[Step], leg: Leg, nxt: Leg | None, unit: str) -> None:
        """A link's server step, then the node or yard step it leads to."""
        lk = self.links[leg.link]
        b = leg.to_node
        srv = self.link_srv(lk.id, leg.reverse)
        kind = {"rail": S_RAIL, "road": S_ROAD, "pipeline": S_PIPE}[lk.mode]
        # a queue at the section entry is reported at its first node; the units are
        # counted there only if no server or port step there counted them already
        wnode = self.nidx[leg.from_node]
        prev = steps[-1] if steps else None
        if prev is not None and ((prev[0] == S_NODE and prev[1] == wnode and prev[2] >= 0)
                                 or (prev[0] in (S_FORM, S_SEA) and prev[2] == wnode)):
            wnode += len(self.nodes)
        what = "transit_h" if lk.mode == "pipeline" else "distance_km / speed_kmh"
        travel = self.finite(lk.moving_time_h(), "links", lk.id, what, high=MAX_HOURS)
        steps.append(Step(kind, srv, self.delay_of(lk.id) if lk.mode != "pipeline" else -1, travel, wnode))
        if nxt is None:
            if lk.mode == "rail":
                self.add_node_step(steps, b)
        elif self.node_obj[b].kind == "seaport" and nxt.kind == "sea":
            steps.append(Step(S_YARD, self.nidx[b], self.yard(b, unit), 0.0, -1))
        elif lk.mode == "rail" and self.is_rail(nxt):
            self.add_node_step(steps, b)

    # -- flows and formation groups -------------------------------------------------------
    def add_flows(self) -> None:
        """One :class:`Flow` per demand with units, compiling the routes it may take."""
        doc = self.scenario.doc
        commodities = {c.id: c for c in doc.commodities}
        od_idx: dict[tuple[str, str, str, str], int] = {}
        for d in doc.demand:
            if d.annual_units <= 0:
                continue
            com = commodities[d.commodity]
            self.check_flow(d, com)
            opts = [(o.route, o.share) for o in d.route_options]
            if any(s is None for _, s in opts) or sum(s or 0 for _, s in opts) <= 0:
                opts = [(rid, 1.0 / len(opts)) for rid, _ in opts]   # 'optimal' without shares
            rids, shares = [], []
            for rid, share in opts:
                if share and share > 0:
                    rids.append(self.compile_route(rid, com.unit))
                    shares.append(float(share))
            tot = sum(shares)
            for r in rids:
                self.route_train_units[r] = max(self.route_train_units.get(r, 0.0),
                                                float(d.units_per_train))
            key = (d.origin, d.destination, d.commodity, d.direction)
            if key not in od_idx:
                od_idx[key] = len(self.ods)
                self.ods.append(key)
            self.flows.append(Flow(
                d.id, d.origin, d.destination, d.commodity, d.direction, self.uidx[com.unit],
                float(com.tonnes_per_unit), float(d.annual_units), float(d.units_per_train), d.arrivals,
                tuple(d.seasonality), tuple(rids), tuple(s / tot for s in shares), od_idx[key]))

    def check_flow(self, d: Any, com: Any) -> None:
        """A demand's numbers are finite: units a year, units per train, seasonality, tonnes per unit."""
        self.finite(d.annual_units, "demand", d.id, "annual_units")
        if not self.finite(d.units_per_train, "demand", d.id, "units_per_train") > 0:
            self.problems.append(Problem("must be more than 0 to simulate", component="demand", id=d.id,
                                         field="units_per_train"))
        for m, x in enumerate(d.seasonality):
            self.finite(x, "demand", d.id, f"seasonality[{m}]")
        self.finite(com.tonnes_per_unit, "commodities", com.id, "tonnes_per_unit")

    def add_groups(self) -> None:
        """Formation groups: one per (route, formation step), train size from the onward rail link."""
        for r, step_ids in self.route_group_steps.items():
            steps = self.routes[r]
            for si in step_ids:
                port = steps[si].b
                nxt_link = self.servers[steps[si + 1].a].link
                unit = UNITS[next((f.unit for f in self.flows if r in f.routes), 0)]
                size = self.route_train_units.get(r, 1.0)
                lim = self.links[nxt_link].max_units_per_train
                if lim and unit in lim:
                    size = min(size, float(lim[unit]))
                if unit != "tonne":
                    size = max(1.0, math.floor(size + 1e-9))
                self.groups.append((r, port, size))
                steps[si] = Step(S_FORM, len(self.groups) - 1, port, 0.0, -1)
                self.formation_wait_h.append(formation_max_wait_h(self.node_obj[self.nodes[port]]))

    # -- berths, vessels, weather ---------------------------------------------------------
    def add_berths(self) -> None:
        """Berth groups with their handling rates (units/h per unit)."""
        for b in self.scenario.doc.berths:
            self.berths.append((b.id, self.nidx[b.node], b.count))
            self.berth_rates.append({self.uidx[u]: self.berth_rate(b, u) for u in b.handling_per_h})

    def berth_rate(self, b: Any, unit: str) -> float:
        """A berth's handling rate (units/h), finite and above 0 (the kernel divides by it)."""
        rate = berth_rate_per_h(b, unit)
        if rate is None or not (math.isfinite(rate) and rate > 0):
            self.problems.append(Problem(f"gives a handling rate of {rate} {unit}/h; it must be a finite "
                                         "number above 0 to simulate", component="berths", id=b.id,
                                         field=f"handling_per_h.{unit}"))
            return 1.0
        return rate

    def pick_berth(self, vessel: Any, port: str) -> int:
        """Index of the berth group the vessel class uses at a port (-1: no berth limit);
        the rule is :func:`~transcaspian.model.physics.vessel_berth`, shared with capacity."""
        b = vessel_berth(self.scenario, vessel, port)
        return -1 if b is None else next(i for i, (bid, _, _) in enumerate(self.berths) if bid == b.id)

    def add_vessels(self) -> None:
        """One :class:`VesselClass` per vessel entry, with berths, rates and lanes at both ends."""
        services = {s.id: s for s in self.scenario.doc.services}
        nidx = self.nidx
        for v in self.scenario.doc.vessels:
            svc = services[v.service]
            pa, pb = self.node_obj[svc.from_node], self.node_obj[svc.to_node]
            pf = voyage_payload_factor(v, pa, pb, self.scenario.sea_level_change_m)
            cap_nom = {self.uidx[u]: self.finite(c, "vessels", v.id, f"capacity.{u}")
                       for u, c in v.capacity.items()}
            cap = {u: c * pf for u, c in cap_nom.items()}
            vunits = set(cap)
            ends = (svc.from_node, svc.to_node)
            bgroups = tuple(self.pick_berth(v, p) for p in ends)
            rates = tuple(self.berth_rates[g] if g >= 0 else {} for g in bgroups)
            lanes_at = tuple(
                tuple(i for i, (f, t, u) in enumerate(self.lanes)
                      if f == nidx[ends[e]] and t == nidx[ends[1 - e]] and u in vunits)
                for e in (0, 1))
            self.vessels.append(VesselClass(
                v.id, svc.id, v.count, (nidx[svc.from_node], nidx[svc.to_node]), cap, cap_nom,
                v.mixed_load == "shared",
                self.finite(crossing_h(v, svc.distance_km), "vessels", v.id,
                            f"speed_kn (crossing of service {svc.id})", high=MAX_HOURS),
                (self.finite(port_fixed_h(pa), "nodes", pa.id, "port_time_h", high=MAX_HOURS),
                 self.finite(port_fixed_h(pb), "nodes", pb.id, "port_time_h", high=MAX_HOURS)), bgroups,
                rates, lanes_at, svc.policy, float(svc.min_fill_share or 0.0), float(svc.max_wait_h or 0.0),
                sailing_interval_h(svc), pf))

    def add_weather(self) -> None:
        """Storm regimes: (port node, closures per month, closure-duration distribution)."""
        for w in self.scenario.doc.weather:
            top = MAX_CLOSURES_PER_MONTH
            rates = tuple(self.finite(x, "weather", w.id, f"closures_per_month[{m}]", high=top)
                          for m, x in enumerate(w.closures_per_month))
            self.weather.append((self.nidx[w.node], rates,
                                 self.add_dist(w.closure_duration_h, "weather", w.id, "closure_duration_h")))

    def add_events(self) -> None:
        """Dated events and off-hire as :class:`EventTables` (elements by compiled index)."""
        sc, ev = self.scenario, EventTables()
        ev.offhire_h = [min(HOURS_PER_YEAR, 24.0 * v.offhire_days_per_year) for v in sc.doc.vessels]
        berth_idx = {bid: i for i, (bid, _, _) in enumerate(self.berths)}
        vessel_idx = {vc.id: i for i, vc in enumerate(self.vessels)}
        for w in model_events.windows(sc):
            span = (w.start_h, w.end_h)
            if w.kind == "port_closed":
                ev.port.setdefault(self.nidx[w.element], []).append(span)
            elif w.kind == "section_closed":
                for rev in (False, True):
                    if (w.element, rev) in self.link_server:
                        ev.server.setdefault(self.link_server[(w.element, rev)], []).append(span)
            elif w.kind == "border_closed":
                srv = self.node_server.get(w.element, (-1, 0.0, -1))[0]
                if srv >= 0:
                    ev.server.setdefault(srv, []).append(span)
            elif w.kind == "berth_out":
                ev.berth.append((berth_idx[w.element], *span, w.count))
            elif w.kind == "vessel_out":
                ev.vessel.append((vessel_idx[w.element], *span, w.count))
        for fi, f in enumerate(self.flows):
            segs = model_events.surge_segments(model_events.windows(sc, "demand_surge", f.id))
            if segs:
                ev.surge[fi] = segs
        ev.port = {k: model_events.merge(v) for k, v in ev.port.items()}
        ev.server = {k: model_events.merge(v) for k, v in ev.server.items()}
        self.events = ev

    def compiled(self) -> Compiled:
        """The tables as a :class:`Compiled`, with chained steps and server leads."""
        sc = self.scenario
        return Compiled(
            chained=chain_steps(self.routes, self.servers, self.dists),
            lead=server_leads(self.routes, len(self.servers), self.dists),
            scenario=sc.name, scenario_hash=sc.hash, units=UNITS, nodes=self.nodes,
            node_kind=[n.kind for n in sc.doc.nodes], dists=self.dists, servers=self.servers,
            routes=self.routes, route_ids=self.route_ids, flows=self.flows, ods=self.ods,
            lanes=self.lanes, yards=self.yards, yard_of=self.yard_of, groups=self.groups,
            formation_wait_h=self.formation_wait_h, berths=self.berths, vessels=self.vessels,
            weather=self.weather, events=self.events)


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
