"""Element physics: the one place where scenario fields become rates, times and shares.

The capacity engine, the route/quote engine and the simulator's compile step all call
these functions, so a vessel's cycle, a berth's rate or a port's weather availability
means one thing everywhere.

Units: hours (h), days, km, knots (kn), metres (m), tonnes (t), handling units per hour.

Weather
    A regime's closed share is its expected closed hours over the year,
    ``sum(closures_per_month) x E[duration] / 8760`` (overlaps within a regime ignored;
    capped at 1). The simulator draws each regime as an independent closure process and
    closes the port while any of them is closed, so in each 730-h month the port's closed
    share is ``1 - prod_i (1 - share_i[m])`` over all regimes of the port; dated
    ``port_closed`` events combine with it month by month and the year's share is the mean
    over months (:func:`port_closed_share`, rule in :mod:`transcaspian.model.events`).
    A vessel on a service is available ``1 - closed(from) - closed(to)`` of the year
    (clamped to [0, 1]).
Berths
    A berth group handles ``handling_per_h x operating_h_per_day / 24`` units per hour
    on average over the day, and offers ``count x operating_h_per_day x 365`` berth-hours
    per year.
Vessels
    See :func:`vessel_cycle`; payload is cut by the draft deficit (:func:`payload_factor`);
    a port call is built from its parts (:func:`port_stay_h`).
Practical capacity
    What operators achieve rather than what the fleet or the track could do on paper:
    vessel off-hire (:func:`offhire_share`), the mean load of a sailing policy
    (:func:`mean_load_share`), berth occupancy ceilings (UNCTAD 1985,
    :func:`berth_occupancy_ceiling`) and rail capacity consumption (UIC Code 406,
    :func:`section_occupancy_ceiling`).

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NamedTuple

from transcaspian.model import events
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


def weather_closed_by_month(regimes: Sequence[WeatherRegime]) -> list[float]:
    """Share of each 730-h month a port is closed by its independent regimes, January first:
    ``1 - prod_i (1 - min(1, closures_per_month_i[m] x E[D_i] / 730))``.

    Examples
    --------
    >>> from transcaspian.model.schema import WeatherRegime
    >>> w = WeatherRegime(id="w", node="p", closures_per_month=[1] * 12, closure_duration_h=73)
    >>> round(weather_closed_by_month([w])[0], 9)
    0.1
    """
    out = []
    for m in range(12):
        shares = [min(1.0, w.closures_per_month[m] * w.closure_duration_h.mean_value()
                      / (HOURS_PER_YEAR / 12)) for w in regimes]
        out.append(1.0 - math.prod(1.0 - x for x in shares))
    return out


def port_closed_share(scenario: Scenario, port: str) -> float:
    """Expected share of the year a port is closed by its weather regimes or its dated
    ``port_closed`` events (0..1): per month weather or event, then the mean over the months
    (:func:`transcaspian.model.events.combined_closed_share`, the one rule)."""
    return events.combined_closed_share(weather_closed_by_month(port_regimes(scenario, port)),
                                        events.closed_share_by_month(scenario, "port_closed", port))


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


#: UNCTAD (1985) *Port development: a handbook for planners in developing countries*, 2nd ed.,
#: recommended maximum berth occupancy by the number of berths in a group (share of the
#: berth-hours): (berths, share); groups above the last row take its share.
UNCTAD_BERTH_OCCUPANCY: tuple[tuple[int, float], ...] = (
    (1, 0.40), (2, 0.50), (3, 0.55), (4, 0.60), (5, 0.65), (6, 0.70))


def berth_occupancy_ceiling(berth: Berth) -> float:
    """Highest occupancy a berth group is planned to run at (share of its berth-hours).

    ``berth.max_occupancy`` when given, else the UNCTAD (1985) recommendation for its
    number of berths (:data:`UNCTAD_BERTH_OCCUPANCY`): above it, vessels' waiting time at
    anchor grows out of proportion to the service time.

    Examples
    --------
    >>> from transcaspian.model.schema import Berth
    >>> b = Berth(id="b", node="p", kind="ferry", count=2, handling_per_h={"teu": 30})
    >>> berth_occupancy_ceiling(b), berth_occupancy_ceiling(b.model_copy(update={"count": 8}))
    (0.5, 0.7)
    >>> berth_occupancy_ceiling(b.model_copy(update={"max_occupancy": 0.8}))
    0.8
    """
    if berth.max_occupancy is not None:
        return float(berth.max_occupancy)
    share = UNCTAD_BERTH_OCCUPANCY[0][1]
    for n, value in UNCTAD_BERTH_OCCUPANCY:
        if berth.count >= n:
            share = value
    return share


def practical_berth_hours_per_year(berth: Berth) -> float:
    """Berth-hours a group can sell a year: :func:`berth_hours_per_year` x the ceiling (h).

    Examples
    --------
    >>> from transcaspian.model.schema import Berth
    >>> round(practical_berth_hours_per_year(Berth(id="b", node="p", kind="oil", count=3,
    ...                                            handling_per_h={"tonne": 500})), 3)  # 3 x 8760 x 0.55
    14454.0
    """
    return berth_hours_per_year(berth) * berth_occupancy_ceiling(berth)


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


# -- port stays ------------------------------------------------------------------------
class PortStay(NamedTuple):
    """One vessel call at a port, by part (h).

    ``pilotage_mooring_h``, ``clearance_h``, ``bunkering_h`` and ``other_h`` (the node's
    ``port_time_h``) are fixed per call; ``handling_h`` is the time to discharge (or load)
    one full payload at the vessel's berth rate; a call discharges then loads, so
    ``total_h = fixed_h + 2 x handling_h``.
    """

    pilotage_mooring_h: float
    clearance_h: float
    bunkering_h: float
    other_h: float
    handling_h: float

    @property
    def fixed_h(self) -> float:
        """Fixed time per call (h): pilotage and mooring + clearance + bunkering + other."""
        return self.pilotage_mooring_h + self.clearance_h + self.bunkering_h + self.other_h

    @property
    def total_h(self) -> float:
        """Arrival-to-departure time of a call that discharges and loads a full payload (h)."""
        return self.fixed_h + 2.0 * self.handling_h


def port_fixed_h(port: Node) -> float:
    """Fixed time of one vessel call at a port (h): pilotage and mooring + clearance +
    bunkering + other (``port_time_h``); empty parts count 0.

    Examples
    --------
    >>> from transcaspian.model.schema import Node
    >>> port_fixed_h(Node(id="p", name="P", country="KZ", lat=43, lon=51, kind="seaport",
    ...                   pilotage_mooring_h=2, clearance_h=3, bunkering_h=0.5, port_time_h=1))
    6.5
    """
    return sum(float(x or 0.0) for x in (port.pilotage_mooring_h, port.clearance_h, port.bunkering_h,
                                          port.port_time_h))


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


def port_stay_h(scenario: Scenario, vessel: Vessel | str, port: Node | str) -> PortStay:
    """A vessel class's call at a port, built from its parts (:class:`PortStay`, h).

    Handling is one full payload (at the voyage's payload factor, :func:`voyage_payload_factor`)
    at the mean rate of the vessel's berth group there (:func:`vessel_berth`), the slowest unit
    the vessel carries binding. The simulator's compile step reads the fixed part
    (:func:`port_fixed_h`) and handles the actual load at the berth rate.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> st = port_stay_h(s, "asco-ferry-kuryk", "kuryk")
    >>> round(st.fixed_h, 1), round(st.handling_h, 2), round(st.total_h, 1)
    (4.0, 2.2, 8.4)
    """
    v = scenario.get("vessels", vessel) if isinstance(vessel, str) else vessel
    p = scenario.get("nodes", port) if isinstance(port, str) else port
    svc = scenario.get("services", v.service)
    pf = voyage_payload_factor(v, scenario.get("nodes", svc.from_node), scenario.get("nodes", svc.to_node),
                               scenario.sea_level_change_m)
    hand, _ = _handling(scenario, v, p, pf)
    return PortStay(float(p.pilotage_mooring_h or 0.0), float(p.clearance_h or 0.0),
                    float(p.bunkering_h or 0.0), float(p.port_time_h or 0.0), hand)


# -- practical factors -------------------------------------------------------------------
def offhire_share(vessel: Vessel) -> float:
    """Share of the year a vessel of the class is out of service: ``offhire_days / 365``.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> v = load_scenario("baseline-2024").get("vessels", "kmtf-feeder-225")
    >>> round(offhire_share(v), 4) == round(v.offhire_days_per_year / 365, 4)
    True
    """
    return min(1.0, max(0.0, vessel.offhire_days_per_year / DAYS_PER_YEAR))


Direction = Literal["forward", "reverse"]


def mean_load_share(scenario: Scenario, service: Service | str, vessel: Vessel | str,
                    direction: Direction = "forward", offered_units_per_h: float | None = None,
                    unit: str | None = None) -> float:
    """Mean share of the usable payload a sailing carries under the service's policy (0..1).

    ``load_and_go``: a vessel loads what waits at its berth up to its payload, then, if it is
    not yet ``min_fill_share`` full, takes cargo as it arrives and sails at the trigger or after
    ``max_wait_h`` (the simulator's rule), so with cargo arriving at ``offered`` it carries
    ``min(min_fill_share, offered x max_wait_h / payload)``. Without an offered rate (cargo
    plentiful: the capacity engine's view, a queue at the berth) it loads its full payload, 1.
    ``scheduled``: a departure takes what waited since the last one,
    ``min(1, offered x interval / payload)``, or 1 without an offered rate.
    ``offered_units_per_h`` is the cargo reaching one vessel of the class in ``direction``
    (units/h of ``unit``, default the vessel's largest-capacity unit); ``payload`` is that
    unit's capacity x the payload factor.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> mean_load_share(s, "feeder-aktau-alat", "kmtf-feeder-225")       # a queue: full
    1.0
    >>> round(mean_load_share(s, "feeder-aktau-alat", "kmtf-feeder-225", "reverse", 3.0), 3)
    0.338
    >>> mean_load_share(s, "bsf-poti-constanta", "bsf-poti-700")
    1.0
    """
    s = scenario.get("services", service) if isinstance(service, str) else service
    v = scenario.get("vessels", vessel) if isinstance(vessel, str) else vessel
    if s.policy == "load_and_go":
        trigger = float(s.min_fill_share or 0.0)
        window = float(s.max_wait_h or 0.0)
    else:
        trigger, window = 1.0, sailing_interval_h(s)
    if offered_units_per_h is None:
        return 1.0
    u = unit or max(v.capacity, key=lambda k: v.capacity[k])
    pf = voyage_payload_factor(v, scenario.get("nodes", s.from_node), scenario.get("nodes", s.to_node),
                               scenario.sea_level_change_m)
    payload = v.capacity.get(u, 0.0) * pf
    if payload <= 0:
        return 0.0
    return min(trigger, max(0.0, offered_units_per_h) * window / payload)


def fill_wait_h(service: Service, fill_per_h: float, headway_h: float) -> float:
    """Mean wait of a ``load_and_go`` vessel at a port before it sails (h).

    Cargo reaches the class at ``fill_per_h`` (share of one payload per hour); a vessel
    arriving ``headway_h`` after the previous departure of its class finds
    ``fill_per_h x headway_h`` waiting and sails when ``min_fill_share`` is aboard or after
    ``max_wait_h``: ``min(max_wait_h, max(0, trigger - fill_per_h x headway_h) / fill_per_h)``.
    No wait for a scheduled service (its interval is its own limit) or where no cargo ever
    loads in that direction (the vessel returns in ballast at once, as simulated).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> svc = load_scenario("baseline-2024").get("services", "feeder-aktau-alat")   # 80 %, 24 h
    >>> fill_wait_h(svc, 0.01, 30.0), round(fill_wait_h(svc, 0.05, 10.0), 6), fill_wait_h(svc, 0.1, 10.0)
    (24.0, 6.0, 0.0)
    """
    if service.policy != "load_and_go" or fill_per_h <= 0:
        return 0.0
    need = float(service.min_fill_share or 0.0) - fill_per_h * max(0.0, headway_h)
    return min(float(service.max_wait_h or 0.0), max(0.0, need) / fill_per_h)


# -- vessel cycles -----------------------------------------------------------------------
@dataclass(frozen=True)
class VesselCycle:
    """Round-trip arithmetic of one vessel class on its service.

    Attributes
    ----------
    crossing_h
        One-way sailing time (h).
    port_h
        Time per call by port id: :attr:`PortStay.total_h` (fixed parts + discharge + loading
        of a full payload, h).
    handling_h
        Loading (or discharge) time of one full payload by port id (h).
    cycle_h
        ``2 x crossing_h + sum(port_h)`` (h).
    availability
        :func:`service_availability` (share of the year, weather only).
    payload_factor
        Usable share of unit capacity (draft vs sea level, shallower port binds).
    round_trips_per_year
        Theoretical fleet round trips per year = voyages per direction (voyages/yr):
        weather is the only time lost.
    offhire_share
        :func:`offhire_share` (share of the year out of service).
    round_trips_practical
        ``count x availability x 8760 / (cycle_h + fill waits) x (1 - offhire_share)``
        (voyages/yr per direction).
    fill_wait_h
        Mean wait for cargo per port (:func:`fill_wait_h`, h); empty without offered rates.
    load_share
        :func:`mean_load_share` by direction, without an offered rate (share of payload).
    stays
        :class:`PortStay` by port id.
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
    offhire_share: float = 0.0
    round_trips_practical: float = 0.0
    load_share: dict[str, float] = field(default_factory=dict)
    stays: dict[str, PortStay] = field(default_factory=dict)
    fill_wait_h: dict[str, float] = field(default_factory=dict)


def _fill_waits(s: Service, count: int, cycle: float, fill_per_h: Mapping[str, float]) -> dict[str, float]:
    """Fill waits at both ends at the demand that just fills the heavier end (the capacity
    the class offers under the offered imbalance), consistent with the headway they lengthen."""
    waits = {p: 0.0 for p in (s.from_node, s.to_node)}
    heavy = max((fill_per_h.get(p, 0.0) for p in waits), default=0.0)
    trigger = float(s.min_fill_share or 0.0)
    if heavy <= 0 or trigger <= 0:
        return waits
    for _ in range(100):
        headway = (cycle + sum(waits.values())) / max(count, 1)
        k = trigger / (heavy * headway) if headway > 0 else 1.0
        new = {p: fill_wait_h(s, k * fill_per_h.get(p, 0.0), headway) for p in waits}
        if all(abs(new[p] - waits[p]) < 1e-9 for p in waits):
            break
        waits = new
    return waits


def _stay_text(port: str, st: PortStay, note: str) -> str:
    parts = [f"{x:g} h {name}" for x, name in ((st.pilotage_mooring_h, "pilotage/mooring"),
                                               (st.clearance_h, "clearance"), (st.bunkering_h, "bunkering"),
                                               (st.other_h, "other")) if x]
    return f"{port}: {' + '.join(parts) or '0 h fixed'} + 2 x ({note})"


def vessel_cycle(scenario: Scenario, vessel: Vessel | str,
                 fill_per_h: Mapping[str, float] | None = None) -> VesselCycle:
    """Cycle time, availability, payload factor and round trips of a vessel class.

    ``cycle_h = 2 x crossing_h(distance) + sum over both ports of`` :func:`port_stay_h`
    ``.total_h`` (fixed parts + discharge and loading of a full payload at the berth rate).
    Round trips/yr = ``count x in-service share x availability x 8760 / cycle_h``
    (theoretical; the in-service share is what dated ``vessel_out`` events leave,
    :func:`transcaspian.model.events.vessel_available_share`); the practical figure also takes
    off-hire, ``x (1 - offhire_days / 365)``, and each sailing
    carries :func:`mean_load_share` of the payload. ``fill_per_h`` (share of one payload
    reaching the class per hour, by the port it loads at; only the ratio between the ports
    matters) adds the wait of a load-and-go vessel for cargo in the light direction to the
    practical cycle: scaled so that the heavier end fills without waiting (the class at its
    capacity), the lighter end waits :func:`fill_wait_h`, ``min(max_wait_h, headway x
    (heavy / light - 1))`` with ``headway = practical cycle / count``. The light direction of
    an imbalanced service costs both directions voyages; cargo in one direction only means a
    return in ballast without waiting.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> c = vessel_cycle(s, "kmtf-feeder-225")
    >>> round(c.cycle_h, 1), round(c.round_trips_per_year), round(c.round_trips_practical)
    (111.6, 398, 385)
    """
    v = scenario.get("vessels", vessel) if isinstance(vessel, str) else vessel
    s: Service = scenario.get("services", v.service)
    a: Node = scenario.get("nodes", s.from_node)
    b: Node = scenario.get("nodes", s.to_node)
    pf = voyage_payload_factor(v, a, b, scenario.sea_level_change_m)
    cross = crossing_h(v, s.distance_km)
    port_h: dict[str, float] = {}
    handling: dict[str, float] = {}
    stays: dict[str, PortStay] = {}
    parts = []
    for port in (a, b):
        h, note = _handling(scenario, v, port, pf)
        st = port_stay_h(scenario, v, port)
        stays[port.id] = st
        handling[port.id] = h
        port_h[port.id] = st.total_h
        parts.append(_stay_text(port.id, st, note))
    cycle = 2.0 * cross + sum(port_h.values())
    avail = service_availability(scenario, s)
    in_service = events.vessel_available_share(scenario, v)   # vessel_out events (model/events.py)
    trips = v.count * in_service * avail * HOURS_PER_YEAR / cycle if cycle > 0 else 0.0
    off = offhire_share(v)
    waits = _fill_waits(s, v.count, cycle, fill_per_h) if fill_per_h is not None else {}
    slow = cycle + sum(waits.values())
    practical = (v.count * in_service * avail * HOURS_PER_YEAR / slow * (1.0 - off)
                 if slow > 0 else 0.0)
    wait_text = ("; fill waits " + ", ".join(f"{p} {w:.1f} h" for p, w in waits.items())
                 + f": practical cycle {slow:.1f} h") if waits else ""
    share = {d: mean_load_share(scenario, s, v, d) for d in ("forward", "reverse")}
    text = (f"cycle = 2 x {s.distance_km:g} km / ({v.speed_kn:g} kn x 1.852) = {2 * cross:.1f} h sailing; "
            + "; ".join(parts) + f"; cycle {cycle:.1f} h; availability {avail:.3f} (weather); "
            f"{v.count} vessel(s)" + (f" x {in_service:.4f} in service (events)" if in_service < 1 else "")
            + f" x {avail:.3f} x 8760 / {cycle:.1f} = {trips:,.1f} voyages/yr each way; "
            f"off-hire {v.offhire_days_per_year:g} d/yr: x {1 - off:.3f}{wait_text} = {practical:,.1f} "
            "practical; "
            f"payload factor {pf:.3f}; mean load {share['forward']:.2f} ({s.policy})")
    return VesselCycle(v.id, s.id, cross, port_h, handling, cycle, avail, pf, trips, text, off, practical,
                       share, stays, waits)


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


#: UIC Code 406 (2004), recommended infrastructure occupancy of mixed-traffic lines over the
#: daily period (share of the time window; the peak-hour value is 0.75).
UIC406_MIXED_DAILY = 0.60


def section_occupancy_ceiling(link: Link) -> float:
    """Capacity consumption a rail section's paths may be used to (share).

    ``link.max_occupancy`` when given, else the UIC Code 406 daily value for mixed-traffic
    lines (:data:`UIC406_MIXED_DAILY`): beyond it, buffer times vanish and delays propagate.
    Links whose ``trains_per_day`` is already a published operating figure carry 1.0.

    Examples
    --------
    >>> from transcaspian.model.schema import Link
    >>> lk = Link(**{"id": "l", "from": "a", "to": "b", "mode": "rail", "distance_km": 100, "speed_kmh": 50,
    ...              "gauge_mm": 1520, "trains_per_day": 10})
    >>> section_occupancy_ceiling(lk), practical_paths_per_day(lk)
    (0.6, 6.0)
    """
    return UIC406_MIXED_DAILY if link.max_occupancy is None else float(link.max_occupancy)


def practical_paths_per_day(link: Link, reverse: bool = False) -> float:
    """Rail paths per day usable in practice: :func:`section_paths_per_day` x the ceiling
    (trains/day; example in :func:`section_occupancy_ceiling`)."""
    return section_paths_per_day(link, reverse) * section_occupancy_ceiling(link)


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
