"""Element physics: the one place where scenario fields become rates, times and shares.

The capacity engine, the route/quote engine and the simulator's compile step all call
these functions, so a vessel's cycle, a berth's rate or a port's weather availability
means one thing everywhere.

Units: hours (h), days, km, knots (kn), metres (m), tonnes (t), handling units per hour.

Weather
    A regime's closed share is its expected closed hours over the year,
    ``sum(closures_per_month) x E[duration] / 8760`` (overlaps within a regime ignored;
    capped at 1). The simulator draws each regime as an independent closure process and
    closes the port while any of them is closed, so the port's closed share is
    ``1 - prod_i (1 - share_i)`` over all regimes of the port (one regime: its share).
    A vessel on a service is available ``1 - closed(from) - closed(to)`` of the year
    (clamped to [0, 1]).
Berths
    A berth group handles ``handling_per_h x operating_h_per_day / 24`` units per hour
    on average over the day, and offers ``count x operating_h_per_day x 365`` berth-hours
    per year.
Vessels
    See :func:`vessel_cycle`; payload is cut by the draft deficit (:func:`payload_factor`).

Examples
--------
>>> from transcaspian.model import load_scenario
>>> s = load_scenario("baseline-2024")
>>> round(port_closed_share(s, "aktau"), 3)
0.096
>>> round(vessel_cycle(s, s.doc.vessels[0]).availability, 3)
0.845
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from transcaspian.model.schema import Berth, Link, Node, Service, Vessel, WeatherRegime

if TYPE_CHECKING:
    from transcaspian.model.scenario import Scenario

HOURS_PER_YEAR = 8760.0
HOURS_PER_DAY = 24.0
HOURS_PER_WEEK = 168.0
DAYS_PER_YEAR = 365.0
WEEKS_PER_YEAR = 52.0
KM_PER_NM = 1.852


# -- sailing and draft -------------------------------------------------------------------
def crossing_h(vessel: Vessel, distance_km: float) -> float:
    """Sailing time at service speed (h): ``distance_km / (speed_kn x 1.852)``.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> v = load_scenario("baseline-2024").doc.vessels[0]
    >>> crossing_h(v, 18.52 * v.speed_kn)
    10.0
    """
    return distance_km / (vessel.speed_kn * KM_PER_NM)


def level_change_at(port: Node, caspian_change_m: float) -> float:
    """Water-level change at a port (m): the Caspian change, or 0 for other seas."""
    return caspian_change_m if port.water_body in (None, "caspian") else 0.0


def draft_deficit_m(vessel: Vessel, port: Node, sea_level_change_m: float) -> float:
    """How much the vessel's design draft exceeds the water available at the port (m, >= 0).

    Available draft = port ``max_draft_m`` (at the reference sea level) + level change,
    where the change applies to Caspian ports only (see :func:`level_change_at`).
    A port without ``max_draft_m`` never limits draft.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")       # a 4.6 m tanker at Aktau's 4.4 m
    >>> round(draft_deficit_m(s.get("vessels", "caspian-tanker-7k"), s.get("nodes", "aktau"), 0.0), 2)
    0.2
    """
    if port.max_draft_m is None:
        return 0.0
    available = port.max_draft_m + level_change_at(port, sea_level_change_m)
    return max(0.0, vessel.design_draft_m - available)


def payload_factor(vessel: Vessel, port: Node, sea_level_change_m: float) -> float:
    """Share of the vessel's unit capacity usable at a port, in [0, 1].

    The draft deficit costs ``deficit_cm x tonnes_per_cm`` of deadweight; unit capacity
    shrinks in the same proportion: ``1 - deficit_cm x tpc / deadweight_t``.

    Examples
    --------
    >>> from transcaspian.model.schema import Node, Vessel
    >>> v = Vessel(id="v", name="V", service="s", count=1, capacity={"teu": 100}, deadweight_t=5000,
    ...            speed_kn=10, design_draft_m=4.6, tonnes_per_cm=15)
    >>> port = Node(id="p", name="P", country="KZ", lat=43, lon=51, kind="seaport", max_draft_m=4.5)
    >>> round(draft_deficit_m(v, port, -0.4), 2)      # 4.6 m design, 4.5 - 0.4 = 4.1 m of water
    0.5
    >>> round(payload_factor(v, port, -0.4), 3)       # 50 cm x 15 t/cm = 750 t of 5000 t
    0.85
    """
    lost_t = draft_deficit_m(vessel, port, sea_level_change_m) * 100.0 * vessel.tonnes_per_cm
    return min(1.0, max(0.0, 1.0 - lost_t / vessel.deadweight_t))


def voyage_payload_factor(vessel: Vessel, port_a: Node, port_b: Node,
                          sea_level_change_m: float) -> float:
    """Payload share for a voyage between two ports: the shallower end binds."""
    return min(payload_factor(vessel, port_a, sea_level_change_m),
               payload_factor(vessel, port_b, sea_level_change_m))


# -- weather -----------------------------------------------------------------------------
def closed_share(regime: WeatherRegime | None) -> float:
    """Expected share of the year one regime closes its port (0..1, overlaps ignored).

    Examples
    --------
    >>> from transcaspian.model.schema import WeatherRegime
    >>> closed_share(WeatherRegime(id="w", node="p", closures_per_month=[1] * 12, closure_duration_h=73))
    0.1
    """
    if regime is None:
        return 0.0
    return min(1.0, regime.expected_closed_h_per_year() / HOURS_PER_YEAR)


def port_regimes(scenario: Scenario, port: str) -> list[WeatherRegime]:
    """Every weather regime of a port, in scenario order."""
    return [w for w in scenario.doc.weather if w.node == port]


def combined_closed_share(regimes: Sequence[WeatherRegime]) -> float:
    """Closed share of a port under independent regimes: ``1 - prod(1 - share_i)``.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> w = port_regimes(load_scenario("baseline-2024"), "aktau")[0]
    >>> round(combined_closed_share([w, w]), 4) == round(1 - (1 - closed_share(w)) ** 2, 4)
    True
    """
    return 1.0 - math.prod(1.0 - closed_share(w) for w in regimes)


def port_closed_share(scenario: Scenario, port: str) -> float:
    """Expected share of the year a port is closed by all its weather regimes (0..1)."""
    return combined_closed_share(port_regimes(scenario, port))


def service_availability(scenario: Scenario, service: Service) -> float:
    """Share of the year a vessel on ``service`` can work: ``1 - closed(from) - closed(to)``."""
    closed = port_closed_share(scenario, service.from_node) + port_closed_share(scenario, service.to_node)
    return min(1.0, max(0.0, 1.0 - closed))


def residual_closure_h(scenario: Scenario, port: str) -> float:
    """Expected wait for the port to reopen seen by an arriving vessel (h).

    Per regime ``share x E[D^2] / (2 E[D])`` (the mean residual closure, D its duration),
    summed over the port's regimes (first order in the shares, like the shares themselves).
    """
    total = 0.0
    for w in port_regimes(scenario, port):
        m = w.closure_duration_h.mean_value()
        if m > 0:
            total += closed_share(w) * (w.closure_duration_h.variance() + m * m) / (2.0 * m)
    return total


# -- berths ------------------------------------------------------------------------------
def berth_hours_per_year(berth: Berth) -> float:
    """Berth-hours a group offers per year: ``count x operating_h_per_day x 365`` (h).

    Examples
    --------
    >>> from transcaspian.model.schema import Berth
    >>> berth_hours_per_year(Berth(id="b", node="p", kind="ferry", count=2, handling_per_h={"teu": 30},
    ...                            operating_h_per_day=12))
    8760.0
    """
    return berth.count * berth.operating_h_per_day * DAYS_PER_YEAR


def berth_rate_per_h(berth: Berth, unit: str) -> float | None:
    """Mean handling rate of one berth over the day: ``handling_per_h x operating_h / 24``
    (units/h), or None when the group does not handle ``unit``.

    Examples
    --------
    >>> from transcaspian.model.schema import Berth
    >>> b = Berth(id="b", node="p", kind="ferry", handling_per_h={"teu": 30}, operating_h_per_day=12)
    >>> berth_rate_per_h(b, "teu"), berth_rate_per_h(b, "wagon")
    (15.0, None)
    """
    rate = berth.handling_per_h.get(unit)
    return None if rate is None else float(rate) * berth.operating_h_per_day / HOURS_PER_DAY


def port_berths(scenario: Scenario, port: str) -> list[Berth]:
    """Berth groups at a seaport."""
    return [b for b in scenario.doc.berths if b.node == port]


#: Berth kinds each service kind prefers, best first (see :func:`vessel_berth`).
BERTH_PREFERENCE: dict[str, tuple[str, ...]] = {
    "container_feeder": ("container", "multipurpose", "general"),
    "black_sea_feeder": ("container", "multipurpose", "general"),
    "rail_ferry": ("ferry", "roro", "multipurpose"),
    "roro": ("roro", "ferry", "multipurpose"),
    "ropax": ("roro", "ferry", "multipurpose"),
    "tanker": ("oil", "multipurpose", "general"),
}


def vessel_berth(scenario: Scenario, vessel: Vessel, port: str) -> Berth | None:
    """The berth group a vessel class uses at a port, or None (no berth limits it there).

    Among the port's groups that handle at least one of the vessel's units, the first by:
    the service kind's preferred berth kinds (:data:`BERTH_PREFERENCE`), then the most units
    in common with the vessel, then the order in the scenario. The simulator berths the
    vessel there; the capacity engine charges its handling to that group and times its
    port stay at that group's rates.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> v = s.get("vessels", "kmtf-feeder-225")
    >>> vessel_berth(s, v, "aktau").kind
    'multipurpose'
    """
    kind = scenario.get("services", vessel.service).kind
    pref = BERTH_PREFERENCE.get(kind, ())
    units = set(vessel.capacity)
    cands = [(i, b) for i, b in enumerate(port_berths(scenario, port)) if units & set(b.handling_per_h)]
    if not cands:
        return None

    def rank(item: tuple[int, Berth]) -> tuple[int, int, int]:
        i, b = item
        return (pref.index(b.kind) if b.kind in pref else len(pref),
                -len(units & set(b.handling_per_h)), i)

    return min(cands, key=rank)[1]


# -- vessel cycles -----------------------------------------------------------------------
@dataclass(frozen=True)
class VesselCycle:
    """Round-trip arithmetic of one vessel class on its service.

    Attributes
    ----------
    crossing_h
        One-way sailing time (h).
    port_h
        Time per call by port id: ``port_time_h`` + discharge + loading of a full payload (h).
    handling_h
        Loading (or discharge) time of one full payload by port id (h).
    cycle_h
        ``2 x crossing_h + sum(port_h)`` (h).
    availability
        :func:`service_availability` (share of the year).
    payload_factor
        Usable share of unit capacity (draft vs sea level, shallower port binds).
    round_trips_per_year
        Fleet round trips per year = voyages per direction (voyages/yr).
    arithmetic
        The computation written out.
    """

    vessel: str
    service: str
    crossing_h: float
    port_h: dict[str, float]
    handling_h: dict[str, float]
    cycle_h: float
    availability: float
    payload_factor: float
    round_trips_per_year: float
    arithmetic: str


def _handling(scenario: Scenario, vessel: Vessel, port: Node, pf: float) -> tuple[float, str]:
    """Time to load (or discharge) one full payload at a port (h): the slowest unit binds."""
    berth = vessel_berth(scenario, vessel, port.id)
    times = []
    for unit, cap in vessel.capacity.items():
        rate = None if berth is None else berth_rate_per_h(berth, unit)
        if rate:
            times.append((cap * pf / rate, unit, rate))
    if not times:
        return 0.0, "no berth rate"
    h, unit, rate = max(times)
    return h, f"{vessel.capacity[unit]:g} {unit} x {pf:.3f} / {rate:g} per h = {h:.1f} h"


def vessel_cycle(scenario: Scenario, vessel: Vessel | str) -> VesselCycle:
    """Cycle time, availability, payload factor and round trips of a vessel class.

    ``cycle_h = 2 x crossing_h(distance) + sum over both ports of (port_time_h +
    2 x handling_h)``, where ``handling_h`` is the time to load (or discharge) one full
    payload, ``capacity[u] x payload_factor / mean rate for u`` at the vessel's berth group
    (:func:`vessel_berth`) at that port,
    taking the slowest unit the vessel carries; a call discharges then loads.
    Round trips/yr = ``count x availability x 8760 / cycle_h``.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> c = vessel_cycle(s, s.doc.vessels[0])
    >>> round(c.cycle_h, 1), round(c.round_trips_per_year)
    (111.6, 199)
    """
    v = scenario.get("vessels", vessel) if isinstance(vessel, str) else vessel
    s: Service = scenario.get("services", v.service)
    a: Node = scenario.get("nodes", s.from_node)
    b: Node = scenario.get("nodes", s.to_node)
    pf = voyage_payload_factor(v, a, b, scenario.sea_level_change_m)
    cross = crossing_h(v, s.distance_km)
    port_h: dict[str, float] = {}
    handling: dict[str, float] = {}
    parts = []
    for port in (a, b):
        h, note = _handling(scenario, v, port, pf)
        handling[port.id] = h
        pt = port.port_time_h or 0.0
        port_h[port.id] = pt + 2.0 * h
        parts.append(f"{port.id}: {pt:g} h port + 2 x ({note})")
    cycle = 2.0 * cross + sum(port_h.values())
    avail = service_availability(scenario, s)
    trips = v.count * avail * HOURS_PER_YEAR / cycle if cycle > 0 else 0.0
    text = (f"cycle = 2 x {s.distance_km:g} km / ({v.speed_kn:g} kn x 1.852) = {2 * cross:.1f} h sailing; "
            + "; ".join(parts) + f"; cycle {cycle:.1f} h; availability {avail:.3f}; "
            f"{v.count} vessel(s) x {avail:.3f} x 8760 / {cycle:.1f} = {trips:,.1f} voyages/yr each way; "
            f"payload factor {pf:.3f}")
    return VesselCycle(v.id, s.id, cross, port_h, handling, cycle, avail, pf, trips, text)


def sailing_interval_h(service: Service) -> float:
    """Hours between departures from one end of a scheduled service (h), 0 if unscheduled."""
    return HOURS_PER_WEEK / service.departures_per_week if service.departures_per_week else 0.0


def sailings_per_year(service: Service) -> float:
    """Scheduled departures per year from each end: ``departures_per_week x 52``."""
    return (service.departures_per_week or 0.0) * WEEKS_PER_YEAR


# -- land elements -----------------------------------------------------------------------
def section_paths_per_day(link: Link, reverse: bool = False) -> float:
    """Rail paths per day in a direction (trains/day).

    Examples
    --------
    >>> from transcaspian.model.schema import Link
    >>> lk = Link(**{"id": "l", "from": "a", "to": "b", "mode": "rail", "distance_km": 100, "speed_kmh": 50,
    ...              "gauge_mm": 1520, "trains_per_day": 8, "trains_per_day_reverse": 6})
    >>> section_paths_per_day(lk), section_paths_per_day(lk, reverse=True), section_headway_h(lk)
    (8.0, 6.0, 3.0)
    """
    return float(link.paths_per_day(reverse))


def section_headway_h(link: Link, reverse: bool = False) -> float:
    """Hours between consecutive trains on a rail section in a direction: ``24 / paths`` (h)."""
    return HOURS_PER_DAY / section_paths_per_day(link, reverse)


def road_headway_h(link: Link) -> float:
    """Hours between trucks on a road link: ``24 / trucks_per_day`` (h per truck)."""
    return HOURS_PER_DAY / float(link.trucks_per_day)


def pipeline_h_per_t(link: Link) -> float:
    """Pipeline occupancy per tonne: ``8760 / capacity_t_per_year`` (h/t)."""
    return HOURS_PER_YEAR / float(link.capacity_t_per_year)


def node_headway_h(node: Node) -> float | None:
    """Hours per train at a node with a train capacity: ``24 / capacity_trains_per_day`` (h)."""
    cap = node.capacity_trains_per_day
    return None if cap is None else HOURS_PER_DAY / cap


def per_year(per_day: float) -> float:
    """A daily rate as an annual one (x 365)."""
    return per_day * DAYS_PER_YEAR


def yard_capacity(node: Node, unit: str) -> float | None:
    """Yard storage at a node for ``unit`` (TEU or wagons at once), or None (no limit).

    Examples
    --------
    >>> from transcaspian.model.schema import Node
    >>> n = Node(id="p", name="P", country="KZ", lat=43, lon=51, kind="seaport", yard_capacity_teu=900)
    >>> yard_capacity(n, "teu"), yard_capacity(n, "wagon")
    (900.0, None)
    """
    cap = {"teu": node.yard_capacity_teu, "wagon": node.yard_capacity_wagons}.get(unit)
    return None if cap is None else float(cap)


#: Longest wait (h) for an onward train at a seaport whose ``formation_max_wait_h`` is empty.
DEFAULT_FORMATION_WAIT_H = 72.0


def formation_max_wait_h(port: Node) -> float:
    """Longest wait (h) of discharged units for an onward train at a port: its
    ``formation_max_wait_h``, or :data:`DEFAULT_FORMATION_WAIT_H` when empty.

    Examples
    --------
    >>> from transcaspian.model.schema import Node
    >>> formation_max_wait_h(Node(id="p", name="P", country="KZ", lat=43, lon=51, kind="seaport"))
    72.0
    """
    return DEFAULT_FORMATION_WAIT_H if port.formation_max_wait_h is None else float(port.formation_max_wait_h)
