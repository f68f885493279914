"""Annual capacity of every corridor element, and a linear programme that routes demand.

Element capacities (own unit per year, per direction where it matters):

Two bases (``CapacityOptions.basis``): **theoretical**, what the elements could do on paper,
and **practical** (the default), what operators achieve; each row carries both and its
``arithmetic`` shows every factor (all of them live in :mod:`transcaspian.model.physics`):

- rail section: ``trains_per_day x 365`` trains/yr each way; practical x the UIC Code 406
  occupancy ceiling (:func:`~transcaspian.model.physics.section_occupancy_ceiling`);
- road link: ``trucks_per_day x 365`` trucks/yr each way;
- pipeline: ``capacity_t_per_year`` (both directions together);
- border, gauge change, junction, terminal with ``capacity_trains_per_day``: trains/yr,
  both directions together;
- berth group: ``count x operating_h_per_day x 365`` berth-hours/yr, spent at
  ``1 / handling_per_h[unit]`` hours per unit loaded or discharged; practical x the UNCTAD
  berth occupancy ceiling (:func:`~transcaspian.model.physics.berth_occupancy_ceiling`);
- vessel class on a service: voyages/yr per direction = round trips =
  ``count x availability x 8760 / cycle_h`` (see :func:`~transcaspian.model.physics.vessel_cycle`,
  where every scenario -> rate rule lives; port stays from their parts,
  :func:`~transcaspian.model.physics.port_stay_h`); practical x ``(1 - offhire_days / 365)``
  voyages, each carrying the policy's mean load
  (:func:`~transcaspian.model.physics.mean_load_share`: the fill trigger of a load-and-go
  service). A round trip is one voyage each way, so the light direction has no more
  voyages than the heavy one; a scheduled
  service adds a sailings limit ``departures_per_week x 52`` per direction;
- yards: storage (TEU or wagons), reported but not a throughput limit.

Dated events (``events:``, :mod:`transcaspian.model.events`) act as lost availability in the
scenario year: a closed section or border keeps its open share of the year, a berth group or
vessel class its share of berth- or vessel-hours in service, a closed port enters the vessel
availability with the weather, and a demand surge adds its extra units to the year's demand.

The LP (HiGHS via :func:`scipy.optimize.linprog`) is documented in ``docs/analysis.md``:
stage 1 maximises served tonnes; stage 2 fixes served tonnes at the optimum (relative
tolerance ``CapacityOptions.served_tolerance``) and minimises tariff cost; a separate LP
finds the largest uniform demand multiplier. Bottlenecks are ranked by shadow prices.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field
from scipy import sparse
from scipy.optimize import linprog

from transcaspian.analysis.tariff import legs_unit_cost
from transcaspian.model import events as ev
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.network import Leg
from transcaspian.model.options import EngineOptions
from transcaspian.model.physics import (
    HOURS_PER_YEAR,
    berth_hours_per_year,
    berth_occupancy_ceiling,
    per_year,
    sailings_per_year,
    section_occupancy_ceiling,
    section_paths_per_day,
    vessel_berth,
    vessel_cycle,
)
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario
from transcaspian.model.schema import Berth, Vessel

UNIT_COLUMNS = {"teu": "capacity_teu", "wagon": "capacity_wagons", "truck": "capacity_trucks"}


class CapacityOptions(EngineOptions):
    """Options of the capacity engine (numerical settings of the LP, not corridor data).

    Examples
    --------
    >>> CapacityOptions.build(multiplier_cap=50).record()
    {'basis': 'practical', 'served_tolerance': 1e-09, 'multiplier_cap': 50.0, 'max_lp_nonzeros': 5000000}
    """

    basis: Literal["practical", "theoretical"] = Field(
        "practical", description="Which capacity the LP routes demand against: practical (what "
        "operators achieve: off-hire, mean load of the sailing policy, berth occupancy and rail "
        "capacity-consumption ceilings) or theoretical (the fleet and the track on paper)")

    served_tolerance: float = Field(
        1e-9, ge=0.0, le=1e-3, description="Relative slack on served tonnes when stage 2 minimises "
        "cost (share); served quantities within 1e-6 of the demand count as fully served")
    multiplier_cap: float = Field(
        1000.0, gt=1.0, le=1e9, description="Upper bound on the demand multiplier (x demand); "
        "reaching it means no capacitated element limits the demand (reported as inf)")
    max_lp_nonzeros: int = Field(
        5_000_000, ge=1, le=10**9, description="Largest LP accepted, in non-zero coefficients "
        "(count); a larger scenario is refused before solving (raise this to allow it)")


# -- cargo mix -------------------------------------------------------------------------------
def unit_tonnes(scenario: Scenario) -> dict[str, float]:
    """Tonnes per handling unit by unit kind: demand-weighted mean of the commodities (t/unit).

    Units without demand take the plain mean over commodities of that unit; absent units
    are left out.
    """
    com = {c.id: c for c in scenario.doc.commodities}
    weights: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for d in scenario.doc.demand:
        c = com.get(d.commodity)
        if c is not None and d.annual_units > 0:
            weights[c.unit].append((d.annual_units, c.tonnes_per_unit))
    out: dict[str, float] = {}
    for c in scenario.doc.commodities:
        if c.unit not in weights:
            same = [x.tonnes_per_unit for x in scenario.doc.commodities if x.unit == c.unit]
            out[c.unit] = float(np.mean(same))
    for unit, pairs in weights.items():
        w = sum(p[0] for p in pairs)
        out[unit] = sum(p[0] * p[1] for p in pairs) / w
    out.setdefault("tonne", 1.0)
    return out


def typical_units_per_train(scenario: Scenario) -> dict[str, float]:
    """Demand-weighted mean ``units_per_train`` by unit kind (units/train)."""
    com = {c.id: c for c in scenario.doc.commodities}
    acc: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for d in scenario.doc.demand:
        c = com.get(d.commodity)
        if c is None:
            continue
        w = d.annual_units if d.annual_units > 0 else 1e-9
        acc[c.unit][0] += w * d.units_per_train
        acc[c.unit][1] += w
    return {u: a[0] / a[1] for u, a in acc.items() if a[1] > 0}


# -- elements ------------------------------------------------------------------------------
@dataclass
class Element:
    """One capacity row: an element in one direction (or both).

    ``capacity`` and ``units`` are on the engine's basis; ``capacity_theoretical`` and
    ``capacity_practical`` are both, in the element's own unit.
    """

    key: tuple
    element_id: str
    element_type: str
    name: str
    from_node: str
    to_node: str
    direction: str
    capacity: float
    capacity_unit: str
    units: dict[str, float]
    arithmetic: str
    constrained: bool = True
    capacity_theoretical: float = math.nan
    capacity_practical: float = math.nan


def _open_text(scenario: Scenario, kind: str, element: str) -> str:
    """`` x open share`` for the arithmetic column when dated events close the element."""
    share = ev.open_share(scenario, kind, element)
    return f" x {share:.4f} open (events)" if share < 1 else ""


Basis = Literal["practical", "theoretical"]


def _pick(basis: Basis, theoretical: float, practical: float) -> float:
    return practical if basis == "practical" else theoretical


def vessel_payloads(scenario: Scenario, vessel: Vessel, reverse: bool, basis: Basis = "practical"
                    ) -> dict[str, float]:
    """Units one voyage of the class carries by unit, on a basis (units/voyage).

    Theoretical: ``capacity x payload_factor``; practical also x the policy's mean load
    (:func:`~transcaspian.model.physics.mean_load_share`, no offered rate).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> v = s.get("vessels", "kmtf-feeder-225")
    >>> {u: round(x, 1) for u, x in vessel_payloads(s, v, False, "theoretical").items()}
    {'teu': 213.0}
    >>> {u: round(x, 1) for u, x in vessel_payloads(s, v, False).items()}   # at capacity: full
    {'teu': 213.0}
    """
    cyc = vessel_cycle(scenario, vessel)
    share = cyc.load_share["reverse" if reverse else "forward"] if basis == "practical" else 1.0
    return {u: c * cyc.payload_factor * share for u, c in vessel.capacity.items()}


def _rail_elements(scenario: Scenario, basis: Basis, upt: dict[str, float]) -> list[Element]:
    out: list[Element] = []
    for lk in scenario.doc.links:
        if lk.mode != "rail":
            continue
        occ = section_occupancy_ceiling(lk)
        for rev in (False, True):
            tpd = section_paths_per_day(lk, rev)
            theo = per_year(tpd) * ev.open_share(scenario, "section_closed", lk.id)
            trains = _pick(basis, theo, theo * occ)
            per = {u: k for u, k in upt.items() if u != "truck"}
            per.update(lk.max_units_per_train or {})
            units = {u: trains * n for u, n in per.items()}
            a, b = (lk.to_node, lk.from_node) if rev else (lk.from_node, lk.to_node)
            text = (f"{tpd:g} trains/day x 365{_open_text(scenario, 'section_closed', lk.id)} = "
                    f"{theo:,.0f} trains/yr; practical x {occ:.2f} capacity "
                    f"consumption (UIC 406{'' if lk.max_occupancy is None else ', link value'}) = "
                    f"{theo * occ:,.0f}; {basis}: " + ", ".join(
                        f"x {n:g} {u}/train = {trains * n:,.0f} {u}" for u, n in sorted(per.items())))
            out.append(Element(("rail", lk.id, rev), lk.id, "rail_section", lk.name or lk.id, a, b,
                               "reverse" if rev else "forward", trains, "trains", units, text,
                               capacity_theoretical=theo, capacity_practical=theo * occ))
    return out


def _land_elements(scenario: Scenario) -> list[Element]:
    """Road links, pipelines and nodes with a train capacity (no practical factor: equal bases)."""
    upt = typical_units_per_train(scenario)
    out: list[Element] = []
    for lk in scenario.doc.links:
        if lk.mode == "road":
            for rev in (False, True):
                trucks = per_year(lk.trucks_per_day) * ev.open_share(scenario, "section_closed", lk.id)
                a, b = (lk.to_node, lk.from_node) if rev else (lk.from_node, lk.to_node)
                out.append(Element(("road", lk.id, rev), lk.id, "road", lk.name or lk.id, a, b,
                                   "reverse" if rev else "forward", trucks, "trucks",
                                   {"truck": trucks},
                                   f"{lk.trucks_per_day:g} trucks/day x 365"
                                   f"{_open_text(scenario, 'section_closed', lk.id)} = "
                                   f"{trucks:,.0f} trucks/yr",
                                   capacity_theoretical=trucks, capacity_practical=trucks))
        elif lk.mode == "pipeline":
            cap = lk.capacity_t_per_year
            out.append(Element(("pipe", lk.id), lk.id, "pipeline", lk.name or lk.id, lk.from_node,
                               lk.to_node, "both", cap, "t", {"tonne": cap},
                               f"declared throughput {cap:,.0f} t/yr", capacity_theoretical=cap,
                               capacity_practical=cap))
    for n in scenario.doc.nodes:
        if n.capacity_trains_per_day is not None:
            trains = per_year(n.capacity_trains_per_day) * ev.open_share(scenario, "border_closed", n.id)
            units = {u: trains * k for u, k in upt.items() if u != "truck"}
            out.append(Element(("node", n.id), n.id, n.kind, n.name, n.id, n.id, "both", trains, "trains",
                               units, f"{n.capacity_trains_per_day:g} trains/day x 365"
                               f"{_open_text(scenario, 'border_closed', n.id)} = {trains:,.0f} "
                               "trains/yr (both directions)", capacity_theoretical=trains,
                               capacity_practical=trains))
    return out


def _berth_elements(scenario: Scenario, basis: Basis) -> list[Element]:
    out: list[Element] = []
    for b in scenario.doc.berths:
        avail = ev.berth_available_share(scenario, b)
        theo = berth_hours_per_year(b) * avail
        occ = berth_occupancy_ceiling(b)
        hours = _pick(basis, theo, theo * occ)
        units = {u: hours * r for u, r in b.handling_per_h.items()}
        src = "berth value" if b.max_occupancy is not None else f"UNCTAD for {b.count} berth(s)"
        out.append(Element(("berth", b.id), b.id, "berth", f"{b.kind} berths at {b.node}", b.node, b.node,
                           "both", hours, "berth_h", units,
                           f"{b.count} berth(s) x {b.operating_h_per_day:g} h/day x 365"
                           + (f" x {avail:.4f} in service (events)" if avail < 1 else "")
                           + f" = {theo:,.0f} "
                           f"berth-h/yr; practical x {occ:.2f} occupancy ceiling ({src}) = "
                           f"{theo * occ:,.0f}; "
                           f"{basis}: " + ", ".join(f"x {r:g} {u}/h = {hours * r:,.0f} {u}"
                                                    for u, r in sorted(b.handling_per_h.items())),
                           capacity_theoretical=theo, capacity_practical=theo * occ))
    return out


def offered_fill_per_h(scenario: Scenario) -> dict[str, dict[str, float]]:
    """Cargo reaching each vessel class at each port it loads at, from the scenario's demand
    (share of one payload per hour, by vessel id then port id).

    A flow's units cross a sea leg on its routes (fixed shares; a flow free to choose is
    spread evenly over its feasible options), are shared among the classes able to sail the
    leg in proportion to their theoretical units a year, and fill ``1 / (capacity x
    payload_factor)`` of a payload each (annual means: seasonality is left to the simulator).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> f = offered_fill_per_h(load_scenario("baseline-2024"))
    >>> f["kmtf-feeder-225"]["aktau"] > f["kmtf-feeder-225"]["alat"] > 0     # westbound is heavier
    True
    """
    columns, _ = _columns(scenario)
    per_flow: dict[str, int] = defaultdict(int)
    for col in columns:
        per_flow[col.flow] += 1
    leg_units: dict[tuple, float] = defaultdict(float)
    for col in columns:
        for key, coef in col.usage.items():
            if key[0] == "sea":
                leg_units[key] += coef * col.demand_units / per_flow[col.flow]
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (_, services, a, _b, unit), units in leg_units.items():
        fleet = [v for v in scenario.doc.vessels if v.service in services and unit in v.capacity]
        yearly = {}
        for v in fleet:
            cyc = vessel_cycle(scenario, v)
            yearly[v.id] = (cyc.round_trips_per_year * v.capacity[unit] * cyc.payload_factor,
                            v.capacity[unit] * cyc.payload_factor)
        total = sum(y for y, _ in yearly.values())
        for vid, (y, payload) in yearly.items():
            if total > 0 and payload > 0:
                out[vid][a] += units * y / total / payload / HOURS_PER_YEAR
    return {vid: dict(ports) for vid, ports in out.items()}


def _sea_elements(scenario: Scenario, basis: Basis) -> list[Element]:
    out: list[Element] = []
    fills = offered_fill_per_h(scenario) if basis == "practical" else {}
    for v in scenario.doc.vessels:
        cyc = vessel_cycle(scenario, v, fills.get(v.id, {}) if basis == "practical" else None)
        s = scenario.get("services", v.service)
        voyages = _pick(basis, cyc.round_trips_per_year, cyc.round_trips_practical)
        for rev in (False, True):
            a, b = (s.to_node, s.from_node) if rev else (s.from_node, s.to_node)
            per = vessel_payloads(scenario, v, rev, basis)
            share = cyc.load_share["reverse" if rev else "forward"] if basis == "practical" else 1.0
            units = {u: voyages * x for u, x in per.items()}
            out.append(Element(("vessel", v.id, rev), v.id, "vessel", f"{v.name} on {s.id}", a, b,
                               "reverse" if rev else "forward", voyages, "voyages", units,
                               cyc.arithmetic + f"; {basis}: " + ", ".join(
                                   f"{voyages:,.1f} x {c:g} {u} x {cyc.payload_factor:.3f} x {share:.2f} "
                                   f"load = {units[u]:,.0f} {u}" for u, c in sorted(v.capacity.items())),
                               capacity_theoretical=cyc.round_trips_per_year,
                               capacity_practical=cyc.round_trips_practical))
    for s in scenario.doc.services:
        if s.policy != "scheduled":
            continue
        sail = sailings_per_year(s)
        fleet = [v for v in scenario.doc.vessels if v.service == s.id]
        for rev in (False, True):
            a, b = (s.to_node, s.from_node) if rev else (s.from_node, s.to_node)
            units: dict[str, float] = {}
            for v in fleet:
                for u, x in vessel_payloads(scenario, v, rev, basis).items():
                    units[u] = max(units.get(u, 0.0), sail * x)
            out.append(Element(("sailings", s.id, rev), s.id, "sailings", s.name, a, b,
                               "reverse" if rev else "forward", sail, "sailings", units,
                               f"{s.departures_per_week:g} departures/week x 52 = {sail:,.0f} sailings/yr "
                               "(largest vessel's payload per sailing)", capacity_theoretical=sail,
                               capacity_practical=sail))
    return out


def _elements(scenario: Scenario, basis: Basis = "practical") -> list[Element]:
    out = _rail_elements(scenario, basis, typical_units_per_train(scenario))
    out += _land_elements(scenario)
    out += _berth_elements(scenario, basis)
    out += _sea_elements(scenario, basis)
    for n in scenario.doc.nodes:
        for attr, unit in (("yard_capacity_teu", "teu"), ("yard_capacity_wagons", "wagon")):
            val = getattr(n, attr)
            if val is not None:
                out.append(Element(("yard", n.id, unit), n.id, "yard", f"{n.name} yard", n.id, n.id, "both",
                                   val, f"{unit}_storage", {}, f"storage of {val:,.0f} {unit} at once; "
                                   "not a throughput limit", constrained=False, capacity_theoretical=val,
                                   capacity_practical=val))
    return out


def capacity_elements(scenario: Scenario, basis: Basis = "practical") -> list[Element]:
    """Every capacity element of ``scenario`` on ``basis`` (the rows of the capacity LP)."""
    return _elements(scenario, basis)


# -- route usage ---------------------------------------------------------------------------
def route_usage(scenario: Scenario, legs: list[Leg], unit: str, units_per_train: float,
                tonnes_per_unit: float) -> dict[tuple, float]:
    """Resource use per unit carried over ``legs``.

    Keys: ``("rail", link, reverse)`` trains/unit, ``("road", link, reverse)`` trucks/unit,
    ``("pipe", link)`` t/unit, ``("node", id)`` trains/unit at nodes with a train capacity
    touched by a rail leg, ``("sea", services, from, to, unit)`` units and
    ``("berths", port, unit, services)`` units handled (loading or discharge) at the berth
    groups the services' vessels use there (:func:`~transcaspian.model.physics.vessel_berth`).
    """
    use: dict[tuple, float] = defaultdict(float)
    net = scenario.network
    node_upt: dict[str, float] = {}
    for leg in legs:
        if leg.kind == "link":
            lk = net.links[leg.link]
            if lk.mode == "rail":
                eff = min(units_per_train, (lk.max_units_per_train or {}).get(unit, math.inf))
                use[("rail", lk.id, leg.reverse)] += 1.0 / eff
                for n in (leg.from_node, leg.to_node):
                    node_upt[n] = min(node_upt.get(n, math.inf), eff)
            elif lk.mode == "road":
                use[("road", lk.id, leg.reverse)] += 1.0
            else:
                use[("pipe", lk.id)] += tonnes_per_unit
        else:
            use[("sea", leg.services, leg.from_node, leg.to_node, unit)] += 1.0
            use[("berths", leg.from_node, unit, leg.services)] += 1.0
            use[("berths", leg.to_node, unit, leg.services)] += 1.0
    for n, eff in node_upt.items():
        if net.nodes[n].capacity_trains_per_day is not None:
            use[("node", n)] += 1.0 / eff
    return dict(use)


def _leg_berths(scenario: Scenario, port: str, unit: str, services: tuple[str, ...]) -> list[Berth]:
    """Berth groups at ``port`` handling ``unit`` that the services' vessels carrying it use."""
    groups: dict[str, Berth] = {}
    for v in scenario.doc.vessels:
        if v.service in services and unit in v.capacity:
            bg = vessel_berth(scenario, v, port)
            if bg is not None and unit in bg.handling_per_h:
                groups.setdefault(bg.id, bg)
    return list(groups.values())


# -- the LP --------------------------------------------------------------------------------
@dataclass
class Column:
    """A routing variable: the fraction of one flow's demand on a route (or a fixed mix).

    ``usage`` is resource use per unit of the flow carried (see :func:`route_usage`),
    ``passes`` the share of the column's cargo passing each resource.
    """

    flow: str
    routes: dict[str, float]
    demand_units: float
    tonnes_per_unit: float
    cost_per_unit: float
    usage: dict[tuple, float]
    passes: dict[tuple, float]


@dataclass
class CapacityModel:
    """The LP's structure, shared by the served, cost and multiplier programmes.

    Variables: one per column (share of the flow's demand, >= 0), then one per pool member
    (units/yr carried by a vessel class or handled by a berth group), then one per vessel
    class and direction (voyages/yr). ``ub`` rows are ``coefs @ x <= rhs``; ``cap_rows``
    gives the element index of each ``ub`` row (-1 for auxiliary rows); ``eq`` rows are
    pool balances ``sum(member units) - sum(column units) = 0``.
    """

    elements: list[Element]
    columns: list[Column]
    n_vars: int
    ub: list[tuple[dict[int, float], float]]
    cap_rows: list[int]
    eq: list[dict[int, float]]
    pool_members: dict[tuple, list[tuple[int, tuple]]]
    vessel_load: dict[tuple[str, bool], list[tuple[int, float, str]]]
    vessel_meta: dict[str, tuple[str, str]]
    flow_notes: dict[str, str] = field(default_factory=dict)
    wvar: dict[tuple[str, bool], int] = field(default_factory=dict)
    berth_load: dict[str, dict[int, float]] = field(default_factory=dict)


def _columns(scenario: Scenario) -> tuple[list[Column], dict[str, str]]:
    """Routing columns of every demand flow (one per route, or one fixed mix for shares) and
    a note per flow whose route options cannot all carry it."""
    com = {c.id: c for c in scenario.doc.commodities}
    columns: list[Column] = []
    notes: dict[str, str] = {}
    legs_cache: dict[tuple[str, str, str | None], tuple[list[Leg] | None, float]] = {}

    def legs_of(route: str, unit: str, hazard: str | None) -> tuple[list[Leg] | None, float]:
        if (route, unit, hazard) not in legs_cache:
            legs, problems = scenario.network.legs(scenario.get("routes", route).nodes, unit, hazard)
            legs_cache[(route, unit, hazard)] = ((None, 0.0) if problems
                                                 else (legs, legs_unit_cost(scenario, legs, unit)))
        return legs_cache[(route, unit, hazard)]

    for d in scenario.doc.demand:
        c = com[d.commodity]
        feasible = []
        for opt in d.route_options:
            r = scenario.get("routes", opt.route)
            legs, cost = legs_of(opt.route, c.unit, c.hazard_class)
            if legs is not None and r.nodes[0] == d.origin and r.nodes[-1] == d.destination:
                feasible.append((opt, legs, cost))
        if not feasible:
            notes[d.id] = "no feasible route option"
            continue
        if len(feasible) < len(d.route_options):
            bad = sorted({o.route for o in d.route_options} - {f[0].route for f in feasible})
            notes[d.id] = f"route option(s) {', '.join(bad)} cannot carry {c.unit}"
        if d.annual_units <= 0:
            continue
        if d.choice == "shares":
            total = sum(opt.share or 0.0 for opt, _, _ in feasible)
            if total <= 0:
                notes[d.id] = "feasible route options have zero share"
                continue
            if abs(total - 1.0) > 1e-9:
                notes[d.id] = "; ".join(filter(None, [notes.get(d.id), "shares renormalised over "
                                                      "feasible options"]))
            groups = [[(opt, legs, rc, (opt.share or 0.0) / total) for opt, legs, rc in feasible]]
        else:
            groups = [[(opt, legs, rc, 1.0)] for opt, legs, rc in feasible]
        for group in groups:
            usage: dict[tuple, float] = defaultdict(float)
            passes: dict[tuple, float] = defaultdict(float)
            cost = 0.0
            for _opt, legs, rc, w in group:
                cost += w * rc
                for k, val in route_usage(scenario, legs, c.unit, d.units_per_train,
                                          c.tonnes_per_unit).items():
                    usage[k] += w * val
                    passes[k] += w
            columns.append(Column(d.id, {g[0].route: g[3] for g in group},
                                  ev.surged_annual_units(scenario, d),
                                  c.tonnes_per_unit, cost, dict(usage), dict(passes)))

    return columns, notes


def build_model(scenario: Scenario, basis: Basis = "practical") -> CapacityModel:
    """Elements, routing columns and constraint rows of the capacity LP on a capacity basis."""
    elements = _elements(scenario, basis)
    columns, notes = _columns(scenario)
    n = len(columns)
    el_index = {e.key: i for i, e in enumerate(elements)}
    direct: dict[tuple, dict[int, float]] = defaultdict(dict)
    pools: dict[tuple, dict[int, float]] = defaultdict(dict)
    for j, col in enumerate(columns):
        for key, coef in col.usage.items():
            (pools if key[0] in ("sea", "berths") else direct)[key][j] = coef * col.demand_units
    ub: list[tuple[dict[int, float], float]] = []
    cap_rows: list[int] = []
    eq: list[dict[int, float]] = []
    pool_members: dict[tuple, list[tuple[int, tuple]]] = {}
    berth_rows: dict[str, dict[int, float]] = defaultdict(dict)
    vessel_load: dict[tuple[str, bool], list[tuple[int, float, str]]] = defaultdict(list)
    payload = {(v.id, rev): vessel_payloads(scenario, v, rev, basis) for v in scenario.doc.vessels
               for rev in (False, True)}
    for key, coefs in pools.items():
        row: dict[int, float] = {j: -val for j, val in coefs.items()}
        members: list[tuple[int, tuple]] = []
        if key[0] == "sea":
            _, services, a, b, unit = key
            for v in scenario.doc.vessels:
                if v.service in services and unit in v.capacity:
                    s = scenario.get("services", v.service)
                    rev = (a, b) != (s.from_node, s.to_node)
                    per_voyage = payload[(v.id, rev)][unit]
                    vessel_load[(v.id, rev)].append(
                        (n, 1.0 / per_voyage if per_voyage > 0 else math.inf, unit))
                    members.append((n, ("vessel", v.id, rev)))
                    row[n] = 1.0
                    n += 1
        else:
            _, port, unit, services = key
            for bg in _leg_berths(scenario, port, unit, services):
                    berth_rows[bg.id][n] = 1.0 / bg.handling_per_h[unit]
                    members.append((n, ("berth", bg.id)))
                    row[n] = 1.0
                    n += 1
        if members:
            pool_members[key] = members
            eq.append(row)
    for key, coefs in direct.items():
        if key in el_index:
            cap_rows.append(el_index[key])
            ub.append((coefs, elements[el_index[key]].capacity))
    for bid, coefs in berth_rows.items():
        i = el_index[("berth", bid)]
        cap_rows.append(i)
        ub.append((coefs, elements[i].capacity))
    meta = {v.id: (v.mixed_load, v.service) for v in scenario.doc.vessels}
    wvar: dict[tuple[str, bool], int] = {}
    for (vid, rev), loads in vessel_load.items():
        w = n
        n += 1
        wvar[(vid, rev)] = w
        by_unit: dict[str, dict[int, float]] = defaultdict(dict)
        for y, inv, u in loads:
            if math.isinf(inv):
                ub.append(({y: 1.0}, 0.0))
                cap_rows.append(-1)
            else:
                by_unit[u if meta[vid][0] == "separate" else "all"][y] = inv
        for coefs in by_unit.values():
            ub.append(({**coefs, w: -1.0}, 0.0))
            cap_rows.append(-1)
        i = el_index[("vessel", vid, rev)]
        cap_rows.append(i)
        ub.append(({w: 1.0}, elements[i].capacity))
    for s in scenario.doc.services:
        if s.policy != "scheduled":
            continue
        for rev in (False, True):
            ws = {wvar[(v.id, rev)]: 1.0 for v in scenario.doc.vessels
                  if v.service == s.id and (v.id, rev) in wvar}
            if ws:
                i = el_index[("sailings", s.id, rev)]
                cap_rows.append(i)
                ub.append((ws, elements[i].capacity))
    return CapacityModel(elements, columns, n, ub, cap_rows, eq, pool_members, dict(vessel_load),
                         meta, notes, wvar, dict(berth_rows))


def sparse_rows(rows: list[dict[int, float]], n: int) -> sparse.csr_array | None:
    """Rows given as {column: value} as a CSR matrix with ``n`` columns (None for no rows)."""
    if not rows:
        return None
    r, c, v = [], [], []
    for i, row in enumerate(rows):
        for j, val in row.items():
            r.append(i)
            c.append(j)
            v.append(val)
    return sparse.csr_array((np.array(v, float), (np.array(r), np.array(c))), shape=(len(rows), n))


@dataclass
class LPSolution:
    """Variable values, objective (as minimised) and ``<=``-row duals.

    ``duals[i]`` is the gain in the *maximised* objective per unit of extra right-hand
    side of ``ub`` row ``i`` (>= 0), from HiGHS ``ineqlin.marginals``.
    """

    x: np.ndarray
    objective: float
    duals: np.ndarray


def lp_nonzeros(model: CapacityModel) -> int:
    """Non-zero coefficients of the largest of the three LPs (count): an upper bound on its work."""
    rows = sum(len(r) for r, _ in model.ub) + sum(len(r) for r in model.eq)
    return rows + 2 * model.n_vars  # the multiplier and balancing stages add a column and rows


def check_lp_size(model: CapacityModel, options: CapacityOptions) -> None:
    """Refuse an LP larger than ``options.max_lp_nonzeros`` (UserError naming the option)."""
    nnz = lp_nonzeros(model)
    if nnz > options.max_lp_nonzeros:
        raise UserError([Problem(
            f"the capacity LP would have {nnz:,} non-zero coefficients ({model.n_vars:,} variables, "
            f"{len(model.columns):,} flow-route columns); the ceiling is {options.max_lp_nonzeros:,}: "
            "raise it to solve anyway", field="max_lp_nonzeros")], "the capacity analysis")


def _solve(model: CapacityModel, c: np.ndarray, extra_ub: list[tuple[dict[int, float], float]],
           extra_eq: list[tuple[dict[int, float], float]],
           bounds: list[tuple[float, float | None]]) -> LPSolution:
    n = len(c)
    ub_rows = [r for r, _ in model.ub] + [r for r, _ in extra_ub]
    b_ub = np.array([b for _, b in model.ub] + [b for _, b in extra_ub], dtype=float)
    eq_rows = list(model.eq) + [r for r, _ in extra_eq]
    b_eq = np.array([0.0] * len(model.eq) + [b for _, b in extra_eq], dtype=float)
    if n == 0:
        return LPSolution(np.zeros(0), 0.0, np.zeros(len(ub_rows)))
    res = linprog(c, A_ub=sparse_rows(ub_rows, n), b_ub=b_ub if ub_rows else None,
                  A_eq=sparse_rows(eq_rows, n), b_eq=b_eq if eq_rows else None, bounds=bounds,
                  method="highs")
    if res.status != 0:
        raise RuntimeError(f"capacity LP failed: {res.message}")
    duals = -np.asarray(res.ineqlin.marginals, float) if ub_rows else np.zeros(0)
    return LPSolution(np.asarray(res.x, float), float(res.fun), duals)


def _by_flow(model: CapacityModel) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for j, col in enumerate(model.columns):
        out[col.flow].append(j)
    return out


def _balance(model: CapacityModel, n: int, extra_ub: list[tuple[dict[int, float], float]],
             extra_eq: list[tuple[dict[int, float], float]], bounds: list[tuple[float, float | None]]
             ) -> LPSolution:
    """Spread each pool's cargo over its members (vessel classes able to sail a leg, berth
    groups able to handle a unit): with routing fixed by ``extra_*``, minimise the sum over
    pools of the pool's largest member utilisation. Without this step the LP's split
    between interchangeable vessels or berths is an arbitrary vertex."""
    el_index = {e.key: i for i, e in enumerate(model.elements)}
    rows: list[tuple[dict[int, float], float]] = []
    pools = list(model.pool_members.items())
    for k, (_key, members) in enumerate(pools):
        u = n + k
        for _, ekey in members:
            cap = model.elements[el_index[ekey]].capacity
            if cap <= 0:
                continue
            if ekey[0] == "vessel":
                rows.append(({model.wvar[(ekey[1], ekey[2])]: 1.0 / cap, u: -1.0}, 0.0))
            else:
                rows.append(({**{j: c / cap for j, c in model.berth_load[ekey[1]].items()}, u: -1.0}, 0.0))
    c = np.zeros(n + len(pools))
    c[n:] = 1.0
    return _solve(model, c, [*extra_ub, *rows], extra_eq, bounds + [(0.0, None)] * len(pools))


def solve_served(model: CapacityModel, options: CapacityOptions) -> tuple[LPSolution, LPSolution]:
    """Stage 1: maximise served tonnes. Stage 2: minimise tariff cost keeping that service.
    Stage 3: keep both and spread cargo evenly over interchangeable vessels and berths.

    Returns the stage 1 solution (its duals are tonnes/yr of extra service per unit of
    extra capacity: trains, voyages, berth-hours, t) and the stage 3 solution.
    """
    n = model.n_vars
    flow_rows = [({j: 1.0 for j in js}, 1.0) for js in _by_flow(model).values()]
    t = np.array([col.demand_units * col.tonnes_per_unit for col in model.columns])
    c1 = np.zeros(n)
    c1[: len(t)] = -t
    bounds: list[tuple[float, float | None]] = [(0.0, None)] * n
    s1 = _solve(model, c1, flow_rows, [], bounds)
    served = -s1.objective
    c2 = np.zeros(n)
    c2[: len(t)] = [col.demand_units * col.cost_per_unit for col in model.columns]
    keep = ({j: -t[j] for j in range(len(t))}, -served * (1.0 - options.served_tolerance))
    s2 = _solve(model, c2, [*flow_rows, keep], [], bounds)
    cost_cap = ({j: c2[j] for j in range(len(t)) if c2[j] != 0.0},
                s2.objective * (1.0 + options.served_tolerance) + 1e-6)
    s3 = _balance(model, n, [*flow_rows, keep, cost_cap], [], bounds)
    return s1, LPSolution(s3.x[:n], s2.objective, s2.duals)


def solve_multiplier(model: CapacityModel, options: CapacityOptions,
                     flows: Collection[str] | None = None) -> tuple[float, LPSolution]:
    """Largest lambda such that lambda x every flow's demand (flows with a route) is routable.

    ``flows``: scale only these flows and carry none of the others (the "alone" reading of
    :func:`commodity_maxima`); None scales every flow.

    Returns lambda and the solution (variable ``model.n_vars`` is lambda); duals are
    lambda gained per unit of extra capacity.
    """
    n = model.n_vars + 1
    lam = model.n_vars
    by_flow = _by_flow(model)
    scaled = set(by_flow) if flows is None else set(flows) & set(by_flow)
    eqs = [({**{j: 1.0 for j in js}, lam: -1.0}, 0.0) for f, js in by_flow.items() if f in scaled]
    c = np.zeros(n)
    c[lam] = -1.0
    bounds: list[tuple[float, float | None]] = [(0.0, None)] * n
    bounds[lam] = (0.0, options.multiplier_cap)
    for j in (j for f, js in by_flow.items() if f not in scaled for j in js):
        bounds[j] = (0.0, 0.0)
    if not eqs:
        return math.inf, LPSolution(np.zeros(n), 0.0, np.zeros(len(model.ub)))
    sol = _solve(model, c, [], eqs, bounds)
    value = -sol.objective
    floor = ({lam: -1.0}, -value * (1.0 - options.served_tolerance))
    balanced = _balance(model, n, [floor], eqs, bounds)
    sol = LPSolution(balanced.x[:n], sol.objective, sol.duals)
    return (math.inf if value >= options.multiplier_cap * (1 - 1e-9) else value), sol


def element_loads(model: CapacityModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Load of every element in its own unit and in tonnes per year, for a solution ``x``.

    Vessel load is the voyages needed: ``sum_u units_u / payload_u`` for a shared deck,
    the largest term for separate spaces; a scheduled service's load is the voyages of
    its classes.
    """
    m = len(model.elements)
    load = np.zeros(m)
    load_t = np.zeros(m)
    el_index = {e.key: i for i, e in enumerate(model.elements)}
    for (row, _), i in zip(model.ub, model.cap_rows, strict=True):
        if i >= 0 and model.elements[i].element_type not in ("vessel", "sailings"):
            load[i] = sum(coef * x[j] for j, coef in row.items())
    voyages: dict[tuple[str, bool], float] = {}
    for (vid, rev), loads in model.vessel_load.items():
        by_unit: dict[str, float] = defaultdict(float)
        for y, inv, u in loads:
            if not math.isinf(inv):
                by_unit[u] += x[y] * inv
        need = (max(by_unit.values(), default=0.0) if model.vessel_meta[vid][0] == "separate"
                else sum(by_unit.values()))
        voyages[(vid, rev)] = need
        load[el_index[("vessel", vid, rev)]] = need
    for i, e in enumerate(model.elements):
        if e.element_type == "sailings":
            load[i] = sum(val for (vid, rev), val in voyages.items()
                          if rev == e.key[2] and model.vessel_meta[vid][1] == e.element_id)
    # tonnes
    pool_t: dict[tuple, float] = defaultdict(float)
    for j, col in enumerate(model.columns):
        t = x[j] * col.demand_units * col.tonnes_per_unit
        if t <= 0:
            continue
        for key, share in col.passes.items():
            if key[0] in ("sea", "berths"):
                pool_t[key] += t * share
            elif key in el_index:
                load_t[el_index[key]] += t * share
    for key, members in model.pool_members.items():
        units = sum(x[y] for y, _ in members)
        if units <= 0:
            continue
        for y, ekey in members:
            load_t[el_index[ekey]] += pool_t[key] * x[y] / units
    for i, e in enumerate(model.elements):
        if e.element_type == "sailings":
            load_t[i] = sum(load_t[el_index[("vessel", vid, e.key[2])]] for vid, meta in
                            model.vessel_meta.items() if meta[1] == e.element_id
                            and ("vessel", vid, e.key[2]) in el_index)
    return load, load_t


def _share(load: float, cap: float) -> float:
    if cap > 0:
        return load / cap
    return 0.0 if load <= 0 else math.inf


# -- the engine ----------------------------------------------------------------------------
ELEMENT_COLUMNS = ["element_id", "element_type", "name", "from_node", "to_node", "direction",
                   "capacity", "capacity_unit", "capacity_theoretical", "capacity_practical",
                   "practical_share", "capacity_teu", "capacity_wagons", "capacity_trucks",
                   "capacity_t", "capacity_t_basis", "constrained", "arithmetic"]


def element_capacities(scenario: Scenario, basis: Basis = "practical") -> pd.DataFrame:
    """Annual capacity of every element with the arithmetic (no flows; see :func:`capacity`).

    Columns: ``element_id, element_type, name, from_node, to_node, direction`` (forward,
    reverse or both), ``capacity`` (per year in ``capacity_unit``: trains, trucks, t,
    berth_h, voyages, sailings; yards: storage) on ``basis``, ``capacity_theoretical`` and
    ``capacity_practical`` (both bases, same unit), ``practical_share`` (practical /
    theoretical, in the unit figures too: a vessel's load share included), ``capacity_teu``,
    ``capacity_wagons``,
    ``capacity_trucks`` (units/yr if only that unit used the element), ``capacity_t``
    (t/yr; here the best single unit at its mean tonnes/unit), ``capacity_t_basis``,
    ``constrained`` (False for storage), ``arithmetic``.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> e = element_capacities(load_scenario("baseline-2024"))
    >>> e.loc[e["element_id"] == "dostyk", "capacity"].tolist()
    [4380.0]
    >>> r = e[e["element_id"] == "aktau-dry"].iloc[0]
    >>> float(r["capacity_theoretical"]), round(r["capacity_practical"]), float(r["practical_share"])
    (26280.0, 14454, 0.55)
    """
    return _element_frame(_elements(scenario, basis), unit_tonnes(scenario), None, None,
                          _unit_shares(scenario))


def _unit_shares(scenario: Scenario) -> dict[tuple, float]:
    """Practical / theoretical of each element's unit figures (for a vessel this includes
    its mean load, which the own unit, voyages, does not show)."""
    th = {e.key: e for e in _elements(scenario, "theoretical")}
    out = {}
    for e in _elements(scenario, "practical"):
        t = th[e.key]
        u = next((u for u in e.units if t.units.get(u, 0) > 0), None)
        if u is not None:
            out[e.key] = e.units[u] / t.units[u]
    return out


def _element_frame(elements: list[Element], tpu: dict[str, float], load: np.ndarray | None,
                   load_t: np.ndarray | None, shares: dict[tuple, float] | None = None) -> pd.DataFrame:
    rows = []
    for i, e in enumerate(elements):
        row: dict[str, Any] = {k: getattr(e, k) for k in ("element_id", "element_type", "name", "from_node",
                                                         "to_node", "direction", "capacity",
                                                         "capacity_unit", "capacity_theoretical",
                                                         "capacity_practical")}
        own = (e.capacity_practical / e.capacity_theoretical if e.capacity_theoretical > 0 else 1.0)
        row["practical_share"] = (shares or {}).get(e.key, own)
        for u, col in UNIT_COLUMNS.items():
            row[col] = e.units.get(u, np.nan)
        best = max(((val * tpu[u], u) for u, val in e.units.items() if u in tpu), default=(np.nan, ""))
        if load is not None and load[i] > 0 and e.capacity > 0 and load_t is not None:
            row["capacity_t"] = load_t[i] * e.capacity / load[i]
            row["capacity_t_basis"] = "current cargo mix"
        else:
            row["capacity_t"] = best[0]
            row["capacity_t_basis"] = f"{best[1]} only" if best[1] else ""
        row["constrained"] = e.constrained
        row["arithmetic"] = e.arithmetic
        rows.append(row)
    return pd.DataFrame(rows, columns=ELEMENT_COLUMNS)


def capacity(scenario: Scenario, options: CapacityOptions | None = None) -> Result:
    """Capacities, demand routing, utilisation, demand multiplier and bottlenecks.

    Returns
    -------
    Result with tables

    ``elements``
        See :func:`element_capacities`; ``capacity_t`` at the routed cargo mix where
        the element carries cargo.
    ``flows``
        One row per demand flow: ``flow, origin, destination, commodity, unit, direction,
        demand_units, served_units, unserved_units, demand_t, served_t, unserved_t,
        served_share, cost_usd`` (tariffs, per year), ``cost_usd_per_unit, routes`` (text,
        share per route), ``note``.
    ``flow_routes``
        ``flow, route, units, t, share`` (of the flow's demand).
    ``utilisation``
        Constrained elements: ``element_id, element_type, from_node, to_node, direction,
        load, capacity, capacity_unit, utilisation`` (share), ``load_t, headroom``
        (own unit), ``utilisation_at_multiplier`` (share, at the largest multiplier).
    ``bottlenecks``
        Elements ranked by the multiplier shadow price, then the served-tonnes shadow price,
        then headroom: ``rank, element_id, element_type, from_node, to_node, direction,
        utilisation, utilisation_at_multiplier, headroom, capacity_unit,
        shadow_served_t_per_unit`` (t/yr served per extra unit of capacity),
        ``gain_served_t_per_1pct`` (t/yr for +1 % capacity), ``shadow_multiplier_per_unit``,
        ``gain_multiplier_per_1pct``, ``binding`` (bool).
    ``summary``
        One row: ``demand_t, served_t, unserved_t, served_share, demand_multiplier``
        (inf when no capacitated element limits demand), ``total_cost_usd, binding``
        (ids of the binding elements at the multiplier), ``basis`` (practical or theoretical).

    ``meta["options"]`` holds the :class:`CapacityOptions` used.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> res = capacity(load_scenario("baseline-2024"), CapacityOptions.build(multiplier_cap=100))
    >>> res.meta["options"]["multiplier_cap"], list(res.tables)[:3]
    (100.0, ['summary', 'elements', 'flows'])
    """
    options = options or CapacityOptions()
    model = build_model(scenario, options.basis)
    check_lp_size(model, options)
    tpu = unit_tonnes(scenario)
    s1, s2 = solve_served(model, options)
    lam, sm = solve_multiplier(model, options)
    load, load_t = element_loads(model, s2.x)
    load_m, _ = element_loads(model, sm.x[: model.n_vars])
    elements = _element_frame(model.elements, tpu, load, load_t, _unit_shares(scenario))
    flows, flow_routes = _flow_tables(scenario, model, s2)
    utilisation, bottlenecks = _utilisation_tables(model, load, load_t, load_m, lam, s1, sm)
    summary = _summary(flows, bottlenecks, lam, options.basis)
    meta = scenario.metadata(engine="capacity", options=options.record())
    return Result(meta, {"summary": summary, "elements": elements, "flows": flows,
                         "flow_routes": flow_routes, "utilisation": utilisation,
                         "bottlenecks": bottlenecks})


FLOW_COLUMNS = ["flow", "origin", "destination", "commodity", "unit", "direction", "demand_units",
                "served_units", "unserved_units", "demand_t", "served_t", "unserved_t", "served_share",
                "cost_usd", "cost_usd_per_unit", "routes", "note"]


def _flow_tables(scenario: Scenario, model: CapacityModel, sol: LPSolution
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``flows`` and ``flow_routes`` tables of a routing solution (units and t per year)."""
    com = {c.id: c for c in scenario.doc.commodities}
    served_units: dict[str, float] = defaultdict(float)
    cost: dict[str, float] = defaultdict(float)
    route_rows = []
    for j, col in enumerate(model.columns):
        units = sol.x[j] * col.demand_units
        served_units[col.flow] += units
        cost[col.flow] += units * col.cost_per_unit
        for r, w in col.routes.items():
            route_rows.append({"flow": col.flow, "route": r, "units": units * w,
                               "t": units * w * col.tonnes_per_unit,
                               "share": sol.x[j] * w})
    flow_routes = pd.DataFrame(route_rows, columns=["flow", "route", "units", "t", "share"])
    if not flow_routes.empty:
        flow_routes = flow_routes.groupby(["flow", "route"], as_index=False, sort=False).sum()
    frows = []
    for d in scenario.doc.demand:
        c = com[d.commodity]
        d = d.model_copy(update={"annual_units": ev.surged_annual_units(scenario, d)})  # surges (events)
        su = min(max(served_units.get(d.id, 0.0), 0.0), d.annual_units)
        if d.annual_units - su < 1e-6 * d.annual_units:
            su = d.annual_units
        fr = flow_routes[flow_routes["flow"] == d.id] if not flow_routes.empty else flow_routes
        text = ", ".join(f"{r.route} {r.share:.0%}" for r in fr.itertuples() if r.units > 1e-9)
        frows.append({
            "flow": d.id, "origin": d.origin, "destination": d.destination, "commodity": d.commodity,
            "unit": c.unit, "direction": d.direction, "demand_units": d.annual_units,
            "served_units": su, "unserved_units": d.annual_units - su,
            "demand_t": d.annual_units * c.tonnes_per_unit, "served_t": su * c.tonnes_per_unit,
            "unserved_t": (d.annual_units - su) * c.tonnes_per_unit,
            "served_share": su / d.annual_units if d.annual_units > 0 else 1.0,
            "cost_usd": cost.get(d.id, 0.0),
            "cost_usd_per_unit": cost.get(d.id, 0.0) / su if su > 0 else np.nan,
            "routes": text, "note": model.flow_notes.get(d.id, "")})
    return pd.DataFrame(frows, columns=FLOW_COLUMNS), flow_routes


UTILISATION_COLUMNS = ["element_id", "element_type", "from_node", "to_node", "direction", "load", "capacity",
                       "capacity_unit", "utilisation", "load_t", "headroom", "utilisation_at_multiplier"]
SHADOW_COLUMNS = ["shadow_served_t_per_unit", "gain_served_t_per_1pct", "shadow_multiplier_per_unit",
                  "gain_multiplier_per_1pct"]


def _utilisation_tables(model: CapacityModel, load: np.ndarray, load_t: np.ndarray, load_m: np.ndarray,
                        lam: float, s1: LPSolution, sm: LPSolution) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``utilisation`` and ``bottlenecks`` tables: loads, headroom and shadow prices."""
    dual_served: dict[int, float] = defaultdict(float)
    dual_lam: dict[int, float] = defaultdict(float)
    for r, i in enumerate(model.cap_rows):
        if i >= 0:
            dual_served[i] += float(s1.duals[r]) if r < len(s1.duals) else 0.0
            dual_lam[i] += float(sm.duals[r]) if r < len(sm.duals) else 0.0
    urows = []
    for i, e in enumerate(model.elements):
        if not e.constrained:
            continue
        urows.append({
            "element_id": e.element_id, "element_type": e.element_type, "from_node": e.from_node,
            "to_node": e.to_node, "direction": e.direction, "load": load[i], "capacity": e.capacity,
            "capacity_unit": e.capacity_unit, "utilisation": _share(load[i], e.capacity),
            "load_t": load_t[i], "headroom": e.capacity - load[i],
            "utilisation_at_multiplier": _share(load_m[i], e.capacity) if math.isfinite(lam) else np.nan,
            "shadow_served_t_per_unit": max(0.0, dual_served.get(i, 0.0)),
            "gain_served_t_per_1pct": max(0.0, dual_served.get(i, 0.0)) * e.capacity / 100.0,
            "shadow_multiplier_per_unit": max(0.0, dual_lam.get(i, 0.0)),
            "gain_multiplier_per_1pct": max(0.0, dual_lam.get(i, 0.0)) * e.capacity / 100.0,
        })
    util_all = pd.DataFrame(urows, columns=UTILISATION_COLUMNS + SHADOW_COLUMNS)
    utilisation = util_all[UTILISATION_COLUMNS].copy()
    bott = util_all.copy()
    bott["headroom_share"] = 1.0 - bott["utilisation"]
    bott["binding"] = (bott["gain_multiplier_per_1pct"] > 1e-12) | (bott["gain_served_t_per_1pct"] > 1e-9) | (
        bott["utilisation_at_multiplier"] >= 1.0 - 1e-6)
    bott = bott.sort_values(["gain_multiplier_per_1pct", "gain_served_t_per_1pct", "headroom_share"],
                            ascending=[False, False, True], kind="stable").reset_index(drop=True)
    bott.insert(0, "rank", np.arange(1, len(bott) + 1))
    bottlenecks = bott[["rank", "element_id", "element_type", "from_node", "to_node", "direction",
                        "utilisation", "utilisation_at_multiplier", "headroom", "capacity_unit",
                        *SHADOW_COLUMNS, "binding"]]
    return utilisation, bottlenecks


def _summary(flows: pd.DataFrame, bottlenecks: pd.DataFrame, lam: float, basis: str) -> pd.DataFrame:
    """The one-row ``summary`` table."""
    demand_t = float(flows["demand_t"].sum()) if not flows.empty else 0.0
    served_t = float(flows["served_t"].sum()) if not flows.empty else 0.0
    binding = bottlenecks[bottlenecks["binding"]]
    names = [f"{r.element_id} ({r.from_node}->{r.to_node})" if r.direction != "both" else r.element_id
             for r in binding.itertuples()]
    return pd.DataFrame([{
        "demand_t": demand_t, "served_t": served_t, "unserved_t": demand_t - served_t,
        "served_share": served_t / demand_t if demand_t > 0 else 1.0,
        "demand_multiplier": lam,
        "total_cost_usd": float(flows["cost_usd"].sum()) if not flows.empty else 0.0,
        "binding": "; ".join(names), "basis": basis}])


MAXIMA_KEYS = ("commodity", "direction")


def commodity_maxima(scenario: Scenario, cap: Result,
                     by: tuple[str, ...] = MAXIMA_KEYS) -> pd.DataFrame:
    """Each commodity's (and direction's) own largest servable volume, the others carried at zero.

    The multiplier LP (:func:`solve_multiplier`) re-solved once per group of flows: the
    group's flows grow together by one factor while every other flow carries nothing (the
    "alone" reading: groups compete for the same elements, so the maxima do not add up).
    Options and basis are those of ``cap``, the :func:`capacity` result of ``scenario``.

    Returns
    -------
    DataFrame
        One row per group (columns ``by``), then ``unit``, ``demand_units`` (units/yr),
        ``demand_t``, ``served_t`` (t/yr, from ``cap``), ``max_multiplier`` (x the group's
        demand; inf: no capacitated element limits it), ``max_t`` (t/yr: the multiplier x
        the demand of the group's flows that have a feasible route) and ``binding`` (ids of
        the elements limiting the group alone). See
        :data:`~transcaspian.analysis.tables.COMMODITY_MAXIMA`.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> m = commodity_maxima(s, capacity(s), by=("commodity",)).set_index("commodity")
    >>> [round(float(m.at[c, k]) / 1e6, 3) for c in ("container", "crude") for k in ("demand_t", "max_t")]
    [0.565, 0.807, 1.435, 1.891]
    """
    if not by or set(by) - set(MAXIMA_KEYS):
        raise ValueError(f"by must be a non-empty subset of {MAXIMA_KEYS}, got {by!r}")
    options = CapacityOptions.build(**cap.meta["options"])
    model = build_model(scenario, options.basis)
    routed_t = {col.flow: col.demand_units * col.tonnes_per_unit for col in model.columns}
    flows = cap["flows"]
    rows = []
    for key, g in flows.groupby(list(by), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        ids = [f for f in g["flow"] if f in routed_t]
        lam, sol = solve_multiplier(model, options, ids) if ids else (0.0, None)
        binding = [] if sol is None or not math.isfinite(lam) else sorted(
            {model.elements[i].element_id for r, i in enumerate(model.cap_rows)
             if i >= 0 and r < len(sol.duals) and sol.duals[r] > 1e-12})
        rows.append({**dict(zip(by, key, strict=True)), "unit": str(g["unit"].iloc[0]),
                     "demand_units": float(g["demand_units"].sum()),
                     "demand_t": float(g["demand_t"].sum()), "served_t": float(g["served_t"].sum()),
                     "max_multiplier": lam, "max_t": lam * sum(routed_t[f] for f in ids) if ids else 0.0,
                     "binding": "; ".join(binding)})
    return pd.DataFrame(rows, columns=[*by, "unit", "demand_units", "demand_t", "served_t",
                                       "max_multiplier", "max_t", "binding"])
