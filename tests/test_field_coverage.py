"""Field coverage: every scenario field that describes the corridor reaches both engines.

For each field of ``Node``, ``Link``, ``Service``, ``Vessel``, ``Berth``, ``WeatherRegime``
and ``SeaLevel`` either

- a perturbation of it in a small purpose-built scenario changes the static result (the
  capacity result; for a field that only sets time, the quote's expected transit time) and
  the simulation result (same seed, so common random numbers), and, where a direction is
  defined, both move the same way (``relation``: +1 both metrics move alike, -1 opposite);
- or it is listed in :data:`NOT_CORRIDOR` / :data:`ONE_ENGINE` with the reason it cannot
  matter to an engine.

A new schema field fails :func:`test_every_field_is_classified` until it is placed.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd
import pytest

from transcaspian.analysis import CapacityOptions, QuoteOptions, capacity, quote
from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.model.schema import Berth, Event, Link, Node, SeaLevel, Service, Vessel, WeatherRegime
from transcaspian.sim import SimOptions, simulate

A = {"assumption": "test"}
SEED = 7
SIM_YEARS = 1.0


def run_sim(scenario: Scenario, years: float = SIM_YEARS) -> Result:
    """The one call of the simulator in the analysis tests (one replication, common seed)."""
    # from an empty start: one replication compared pathwise under common random numbers (a
    # warm-up changes which lots fall in the measured window and breaks the pathwise order)
    return simulate(scenario, SimOptions(years=years, replications=1, seed=SEED, workers=1, warmup_days=0))


# -- the scenario ----------------------------------------------------------------------------
def _node(i: str, kind: str, **kw: Any) -> dict[str, Any]:
    return {"id": i, "name": i.upper(), "country": kw.pop("country", "KZ"), "lat": 43.0, "lon": 51.0,
            "kind": kind, **kw, **A}


def _rail(i: str, a: str, b: str, km: float, tpd: float, **kw: Any) -> dict[str, Any]:
    return {"id": i, "from": a, "to": b, "mode": "rail", "distance_km": km, "speed_kmh": 50,
            "gauge_mm": 1520, "trains_per_day": tpd, **kw, **A}


def _flow(i: str, o: str, d: str, com: str, units: float, upt: float, route: str,
          direction: str = "westbound") -> dict[str, Any]:
    return {"id": i, "origin": o, "destination": d, "commodity": com, "direction": direction,
            "annual_units": units, "units_per_train": upt, "route_options": [{"route": route, "share": 1}],
            **A}


def base_dict() -> dict[str, Any]:
    """o -rail- b (border) -rail- j (junction) -rail- pa ~sea~ pb -rail- d; pb -road- t;
    pb -pipeline- e. A ferry service (load-and-go, TEU + wagons + trucks on one deck) and a
    scheduled tanker cross pa -> pb; pa is shallow (sea level -0.4 m) and stormy."""
    rates = {"teu": 30, "wagon": 15, "truck": 20}
    return {
        "name": "coverage", "year": 2024, "price_year": 2024,
        "commodities": [
            {"id": "container", "name": "C", "unit": "teu", "category": "container", "tonnes_per_unit": 10,
             **A},
            {"id": "grain", "name": "G", "unit": "wagon", "category": "dry_bulk", "tonnes_per_unit": 60, **A},
            {"id": "lorries", "name": "L", "unit": "truck", "category": "roro", "tonnes_per_unit": 20, **A},
            {"id": "crude", "name": "O", "unit": "tonne", "category": "liquid_bulk", "tonnes_per_unit": 1,
             **A}],
        "sea_level": {"change_m": -0.4, **A},
        "nodes": [
            _node("o", "terminal", capacity_trains_per_day=6, dwell_h=2, yard_capacity_teu=5000),
            _node("b", "border", capacity_trains_per_day=4,
                  dwell_h={"dist": "triangular", "low": 2, "mode": 6, "high": 10}),
            _node("j", "junction", fixed_time_h=2),
            _node("pa", "seaport", max_draft_m=4.5, port_time_h=4, yard_capacity_teu=150,
                  yard_capacity_wagons=40, water_body="caspian"),
            _node("pb", "seaport", max_draft_m=6.0, port_time_h=3, yard_capacity_teu=1000,
                  yard_capacity_wagons=300, country="AZ"),
            _node("d", "terminal", country="AZ"), _node("t", "terminal", country="AZ"),
            _node("e", "pipeline_terminal", country="AZ")],
        "links": [
            _rail("o-b", "o", "b", 300, 4, trains_per_day_reverse=3,
                  delay_h={"dist": "uniform", "low": 0, "high": 4}),
            _rail("b-j", "b", "j", 200, 6), _rail("j-pa", "j", "pa", 150, 6),
            _rail("pb-d", "pb", "d", 250, 5, max_units_per_train={"teu": 60, "wagon": 40}),
            {"id": "pb-t", "from": "pb", "to": "t", "mode": "road", "distance_km": 100, "speed_kmh": 60,
             "trucks_per_day": 12, **A},
            {"id": "pb-e", "from": "pb", "to": "e", "mode": "pipeline", "distance_km": 200,
             "capacity_t_per_year": 6e5, "transit_h": 40, **A}],
        "services": [
            {"id": "f", "name": "Ferry", "kind": "rail_ferry", "from": "pa", "to": "pb", "distance_km": 400,
             "policy": "load_and_go", "min_fill_share": 0.8, "max_wait_h": 24, **A},
            {"id": "tk", "name": "Tanker", "kind": "tanker", "from": "pa", "to": "pb", "distance_km": 400,
             "policy": "scheduled", "departures_per_week": 2, **A}],
        "vessels": [
            {"id": "v", "name": "V", "service": "f", "count": 2,
             "capacity": {"teu": 100, "wagon": 30, "truck": 40}, "deadweight_t": 5000, "speed_kn": 12,
             "design_draft_m": 4.6, "tonnes_per_cm": 15, **A},
            {"id": "tv", "name": "TV", "service": "tk", "count": 1, "capacity": {"tonne": 6000},
             "deadweight_t": 7000, "speed_kn": 11, "design_draft_m": 4.6, "tonnes_per_cm": 18, **A}],
        "berths": [
            {"id": "pa-f", "node": "pa", "kind": "ferry", "count": 1, "handling_per_h": rates,
             "operating_h_per_day": 20, **A},
            {"id": "pb-f", "node": "pb", "kind": "ferry", "count": 1, "handling_per_h": rates, **A},
            # a slow Ro-Ro berth the ferry uses only if its berth or service kind changes
            {"id": "pa-r", "node": "pa", "kind": "roro", "count": 1,
             "handling_per_h": {u: r / 4 for u, r in rates.items()}, **A},
            {"id": "pa-o", "node": "pa", "kind": "oil", "count": 1, "handling_per_h": {"tonne": 800}, **A},
            {"id": "pb-o", "node": "pb", "kind": "oil", "count": 1, "handling_per_h": {"tonne": 800}, **A}],
        "weather": [{"id": "w-pa", "node": "pa", "closures_per_month": [2] * 12,
                     "closure_duration_h": {"dist": "triangular", "low": 12, "mode": 24, "high": 60}, **A}],
        "events": [
            {"id": "dock", "kind": "vessel_out", "element": "v", "count": 1, "start": "2024-03-01",
             "end": "2024-03-20", **A},
            {"id": "surge", "kind": "demand_surge", "element": "c-w", "factor": 1.2, "start": "2024-07-01",
             "end": "2024-07-31", **A}],
        "tariffs": [
            {"id": "t-ob", "element": "o-b", "unit": "teu", "usd_per_unit_km": 0.5, "party": "rail", **A},
            {"id": "t-f", "element": "f", "unit": "teu", "usd_per_unit_km": 1.0, "party": "line", **A}],
        "routes": [{"id": "r-w", "nodes": ["o", "b", "j", "pa", "pb", "d"]},
                   {"id": "r-e", "nodes": ["d", "pb", "pa", "j", "b", "o"]},
                   {"id": "r-t", "nodes": ["pa", "pb", "t"]}, {"id": "r-o", "nodes": ["pa", "pb", "e"]}],
        "demand": [
            _flow("c-w", "o", "d", "container", 8000, 50, "r-w"),
            _flow("c-e", "d", "o", "container", 8000, 50, "r-e", "eastbound"),
            _flow("g-w", "o", "d", "grain", 1500, 30, "r-w"),
            _flow("l-w", "pa", "t", "lorries", 2000, 10, "r-t"),
            _flow("o-w", "pa", "e", "crude", 4e5, 3000, "r-o")],
    }


COMPONENTS = {"nodes": Node, "links": Link, "services": Service, "vessels": Vessel, "berths": Berth,
              "weather": WeatherRegime, "events": Event, "sea_level": SeaLevel}


# -- metrics ---------------------------------------------------------------------------------
def cap_of(element: str, column: str = "capacity") -> Callable[[Result], float]:
    """Capacity metric: the summed ``column`` of an element's rows in the ``elements`` table."""
    return lambda r: float(r["elements"].loc[r["elements"]["element_id"] == element, column].sum())


def total_cost(r: Result) -> float:
    return float(r["summary"]["total_cost_usd"].iloc[0])


def quote_days(r: Result) -> float:
    return float(r["options"]["transit_h"].iloc[0])


def sim_util(resource: str) -> Callable[[Result], float]:
    """Simulation metric: utilisation of a server or berth group (name or link id)."""
    def get(r: Result) -> float:
        u = r["utilisation"]
        sel = u[(u["resource"] == resource) | (u["link"] == resource)]
        return float(sel["utilisation"].sum())
    return get


def sim_transit(r: Result) -> float:
    """Simulation metric: lot-weighted mean transit time over all flows (h)."""
    t = r["transit_times"]
    return float((t["mean_h"] * t["lots"]).sum() / t["lots"].sum())


def sim_payload(vessel: str) -> Callable[[Result], float]:
    return lambda r: float(r["vessel_voyages"].loc[r["vessel_voyages"]["vessel"] == vessel,
                                                    "payload_factor"].iloc[0])


def sim_voyages(vessel: str) -> Callable[[Result], float]:
    return lambda r: float(r["vessel_voyages"].loc[r["vessel_voyages"]["vessel"] == vessel, "voyages"].sum())


def demand_t(r: Result) -> float:
    return float(r["summary"]["demand_t"].iloc[0])


def sim_released(flow: str) -> Callable[[Result], float]:
    """Simulation metric: units released a year by one flow (the others draw from the same
    arrival stream after it, so their releases move at random)."""
    return lambda r: float(r["throughput"].loc[r["throughput"]["flow"] == flow, "released_units"].sum())


def sim_closed(r: Result) -> float:
    return float(r["weather"]["closed_h_per_year"].sum())


QUOTES = {"teu": QuoteOptions(origin="o", destination="d", cargo="1 TEU", k=1),
          "crude": QuoteOptions(origin="pa", destination="e", cargo="500 t crude", k=1)}


@dataclass(frozen=True)
class Case:
    """One perturbation: set ``component[id].field`` to ``value`` (a function of the old value).

    ``static`` is ``capacity`` or ``quote`` (a field that only sets time; which quote by
    ``quote_of``). ``static_metric`` / ``sim_metric`` with ``relation`` (+1 alike, -1 opposite,
    0 no direction) state the expected direction.
    """

    component: str
    id: str | None
    field: str
    value: Callable[[Any], Any]
    static_metric: Callable[[Result], float]
    sim_metric: Callable[[Result], float]
    relation: int
    static: str = "capacity"
    quote_of: str = "teu"


def _times(k: float) -> Callable[[Any], Any]:
    return lambda old: old * k


def _set(new: Any) -> Callable[[Any], Any]:
    return lambda old: new


CASES: dict[tuple[str, str], Case] = {(c.component, c.field): c for c in [
    # nodes
    Case("nodes", "b", "capacity_trains_per_day", _set(8), cap_of("b"), sim_util("b"), -1),
    Case("nodes", "b", "dwell_h", _set({"dist": "triangular", "low": 4, "mode": 12, "high": 20}),
         quote_days, sim_transit, +1, static="quote"),
    Case("nodes", "j", "fixed_time_h", _set(12), quote_days, sim_transit, +1, static="quote"),
    Case("nodes", "pa", "max_draft_m", _set(4.8), cap_of("v", "capacity_teu"), sim_payload("v"), +1),
    Case("nodes", "pa", "water_body", _set("other"), cap_of("v", "capacity_teu"), sim_payload("v"), +1),
    Case("nodes", "pa", "port_time_h", _set(30), cap_of("v"), sim_transit, -1),
    # the other parts of a port stay (physics.port_stay_h; compile reads physics.port_fixed_h)
    Case("nodes", "pa", "pilotage_mooring_h", _set(30), cap_of("v"), sim_transit, -1),
    Case("nodes", "pa", "clearance_h", _set(30), cap_of("v"), sim_transit, -1),
    Case("nodes", "pa", "bunkering_h", _set(30), cap_of("v"), sim_transit, -1),
    # yards (relation 0: a larger yard moves waiting from trains held upstream into the yard)
    Case("nodes", "pb", "formation_max_wait_h", _set(1), quote_days, sim_transit, +1, static="quote"),
    Case("nodes", "pa", "yard_capacity_teu", _set(1e5), cap_of("pa"), sim_transit, 0),
    Case("nodes", "pa", "yard_capacity_wagons", _set(1e5), cap_of("pa"), sim_transit, 0),
    # links
    Case("links", "o-b", "distance_km", _times(2.0), total_cost, sim_transit, +1),
    Case("links", "o-b", "speed_kmh", _times(0.5), quote_days, sim_transit, +1, static="quote"),
    Case("links", "o-b", "delay_h", _set({"dist": "uniform", "low": 5, "high": 15}), quote_days, sim_transit,
         +1, static="quote"),
    Case("links", "o-b", "trains_per_day", _set(2.5), cap_of("o-b"), sim_util("o-b"), -1),
    Case("links", "o-b", "trains_per_day_reverse", _set(1.5), cap_of("o-b"), sim_util("o-b"), -1),
    Case("links", "pb-d", "max_units_per_train", _set({"teu": 30, "wagon": 20}),
         cap_of("pb-d", "capacity_teu"), sim_util("pb-d"), -1),
    Case("links", "pb-t", "trucks_per_day", _set(8), cap_of("pb-t"), sim_util("pb-t"), -1),
    Case("links", "pb-e", "capacity_t_per_year", _set(4.5e5), cap_of("pb-e"), sim_util("pb-e"), -1),
    Case("links", "pb-e", "transit_h", _set(100), quote_days, sim_transit, +1, static="quote",
         quote_of="crude"),
    # services
    Case("services", "f", "distance_km", _times(1.5), cap_of("v"), sim_transit, -1),
    # kinds choose the berth group (physics.vessel_berth): a rail ferry moved to the slow Ro-Ro berth
    Case("services", "f", "kind", _set("roro"), cap_of("v"), sim_util("pa-r"), -1),
    Case("services", "f", "min_fill_share", _set(0.4), quote_days, sim_transit, +1, static="quote"),
    Case("services", "f", "max_wait_h", _set(6), quote_days, sim_transit, +1, static="quote"),
    Case("services", "tk", "departures_per_week", _set(4), cap_of("tk"), sim_voyages("tv"), +1),
    # vessels (relation 0: a larger or separately loaded vessel carries more per year but
    # waits longer to fill under load_and_go, so transit time has no defined direction)
    Case("vessels", "v", "count", _set(3), cap_of("v"), sim_transit, -1),
    Case("vessels", "v", "capacity", _set({"teu": 150, "wagon": 45, "truck": 60}),
         cap_of("v", "capacity_teu"), sim_voyages("v"), 0),
    Case("vessels", "v", "mixed_load", _set("separate"), cap_of("v", "capacity_t"), sim_transit, 0),
    Case("vessels", "v", "deadweight_t", _set(8000), cap_of("v", "capacity_teu"), sim_payload("v"), +1),
    Case("vessels", "v", "speed_kn", _set(6), cap_of("v"), sim_transit, -1),
    Case("vessels", "v", "design_draft_m", _set(4.9), cap_of("v", "capacity_teu"), sim_payload("v"), +1),
    Case("vessels", "v", "tonnes_per_cm", _set(25), cap_of("v", "capacity_teu"), sim_payload("v"), +1),
    # off-hire: practical voyages fall; the simulator takes each vessel out for its window
    Case("vessels", "v", "offhire_days_per_year", _set(60), cap_of("v"), sim_voyages("v"), +1),
    # berths
    Case("berths", "pa-f", "count", _set(2), cap_of("pa-f"), sim_util("pa-f"), -1),
    Case("berths", "pa-f", "kind", _set("general"), cap_of("v"), sim_util("pa-r"), -1),
    Case("berths", "pa-f", "handling_per_h", _set({"teu": 60, "wagon": 30, "truck": 40}),
         cap_of("pa-f", "capacity_teu"), sim_util("pa-f"), -1),
    Case("berths", "pa-f", "operating_h_per_day", _set(12), cap_of("pa-f"), sim_util("pa-f"), -1),
    # weather
    Case("weather", "w-pa", "closures_per_month", _set([6] * 12), cap_of("v"), sim_closed, -1),
    Case("weather", "w-pa", "closure_duration_h",
         _set({"dist": "triangular", "low": 24, "mode": 48, "high": 120}), cap_of("v"), sim_closed, -1),
    # sea level
    Case("sea_level", None, "change_m", _set(-0.8), cap_of("v", "capacity_teu"), sim_payload("v"), +1),
    # dated events: a longer or larger vessel outage carries less; a larger surge brings more
    Case("events", "dock", "count", _set(2), cap_of("v"), sim_voyages("v"), +1),
    Case("events", "dock", "start", _set("2024-02-01"), cap_of("v"), sim_voyages("v"), +1),
    Case("events", "dock", "end", _set("2024-04-30"), cap_of("v"), sim_voyages("v"), +1),
    Case("events", "surge", "factor", _set(2.0), demand_t, sim_released("c-w"), +1),
]}

#: Fields that do not describe the corridor's operation (labels, provenance, topology, validity).
NOT_CORRIDOR: dict[str, str] = {
    "source": "provenance", "assumption": "provenance", "field_provenance": "provenance",
    "id": "label", "name": "label", "country": "label (tariff parties and reports)",
    "lat": "map position", "lon": "map position", "operator": "tariff party shares (quote only)",
    "emission_factor": "CO2e (quote and emissions only)", "kind": "categorical: which rules apply",
    "from_node": "topology", "to_node": "topology", "node": "topology: which port",
    "service": "topology: which service", "mode": "categorical: which rules apply",
    "gauge_mm": "a validity rule (a route must change gauge at a gauge_change node), not a rate",
    "policy": "categorical: selects which of min_fill_share / max_wait_h / departures_per_week apply",
    "declared_capacity_t_per_year": "published figure kept for comparison, read by no engine",
    "reference_year": "label: the year the drafts refer to",
    "element": "topology: which element an event acts on", "note": "label",
    "dg_classes": "a validity rule (which dangerous goods may use a vessel or port), not a rate",
}

#: Corridor fields one engine reads and the other cannot, with the reason.
ONE_ENGINE: dict[tuple[str, str], str] = {
    ("berths", "max_occupancy"): "a planning ceiling on berth-hours (UNCTAD): practical capacity "
                                 "only; the simulator queues vessels at the berths instead, so the "
                                 "waiting the ceiling guards against shows there",
    ("links", "max_occupancy"): "a planning ceiling on rail paths (UIC 406): practical capacity only; "
                                "the simulator admits trains up to trains_per_day and shows the "
                                "delays of running near it",
}


def test_every_field_is_classified():
    """Each field of every corridor component is perturbed below or listed with a reason."""
    for comp, cls in COMPONENTS.items():
        for name in cls.model_fields:
            key = (comp, name)
            placed = [key in CASES, key in ONE_ENGINE, name in NOT_CORRIDOR and key not in CASES]
            assert sum(placed) >= 1, f"{comp}.{name} is neither perturbed nor listed with a reason"
            assert not (key in CASES and key in ONE_ENGINE), key


def perturbed(case: Case) -> Scenario:
    d = base_dict()
    if case.id is None:
        d[case.component][case.field] = case.value(d[case.component].get(case.field))
    else:
        row = next(x for x in d[case.component] if x["id"] == case.id)
        row[case.field] = case.value(row.get(case.field))
    return Scenario.from_dict(d)


def static_result(s: Scenario, case: Case) -> Result:
    return quote(s, QUOTES[case.quote_of]) if case.static == "quote" else capacity(s)


@cache
def base_results() -> dict[str, Result]:
    s = Scenario.from_dict(copy.deepcopy(base_dict()))
    return {"capacity": capacity(s), "teu": quote(s, QUOTES["teu"]), "crude": quote(s, QUOTES["crude"]),
            "sim": run_sim(s)}


def differs(a: Result, b: Result, skip: tuple[str, ...] = ()) -> bool:
    """True when some table of two results differs (numbers compared exactly)."""
    for name, df in a.tables.items():
        if name in skip:
            continue
        other = b.tables.get(name)
        if other is None or not df.reset_index(drop=True).equals(other.reset_index(drop=True)):
            return True
    return False


def test_base_scenario_exercises_every_engine_path():
    """The base scenario carries all five flows in both engines (capacity on paper) and the pa
    yard fills up."""
    base = base_results()
    theoretical = capacity(Scenario.from_dict(base_dict()), CapacityOptions.build(basis="theoretical"))
    assert theoretical["summary"]["served_share"].iloc[0] == pytest.approx(1.0)
    # practical capacity (ceilings, off-hire, the light direction's wait) carries most of it
    assert 0.9 < base["capacity"]["summary"]["served_share"].iloc[0] < 1.0
    delivered = base["sim"]["wip"].set_index("flow")["delivered_units"]
    assert (delivered > 0).all() and len(delivered) == 5
    assert not math.isnan(sim_transit(base["sim"]))


@pytest.mark.parametrize("key", list(CASES), ids=[f"{c}.{f}" for c, f in CASES])
def test_perturbing_a_field_changes_both_engines(key: tuple[str, str]):
    case = CASES[key]
    base = base_results()
    s = perturbed(case)
    static_base = base[case.quote_of] if case.static == "quote" else base["capacity"]
    static_new = static_result(s, case)
    sim_new = run_sim(s)
    assert differs(static_base, static_new), f"{case.static} ignores {key}"
    assert differs(base["sim"], sim_new, skip=("replications",)), f"the simulator ignores {key}"
    if case.relation:
        ds = case.static_metric(static_new) - case.static_metric(static_base)
        dm = case.sim_metric(sim_new) - case.sim_metric(base["sim"])
        assert ds != 0 and dm != 0, (key, ds, dm)
        assert math.copysign(1, ds) * math.copysign(1, dm) == case.relation, (key, ds, dm)


def test_second_weather_entry_reaches_both_engines():
    """A second regime on a port (issue 7: capacity used to ignore it) lowers the vessel
    capacity and lengthens the simulated closures."""
    d = base_dict()
    d["weather"].append({**d["weather"][0], "id": "w-pa-2", "closures_per_month": [1] * 12})
    s = Scenario.from_dict(d)
    base = base_results()
    assert cap_of("v")(capacity(s)) < cap_of("v")(base["capacity"])
    assert sim_closed(run_sim(s)) > sim_closed(base["sim"])


def test_weather_direction_matches_closed_share():
    """More closures: capacity's closed share and the simulated closed hours rise together."""
    from transcaspian.model.physics import port_closed_share

    s = perturbed(CASES[("weather", "closures_per_month")])
    base = Scenario.from_dict(base_dict())
    assert port_closed_share(s, "pa") > port_closed_share(base, "pa")
    assert sim_closed(run_sim(s)) > sim_closed(base_results()["sim"])


def test_differs_detects_equal_results():
    base = base_results()
    assert not differs(base["capacity"], capacity(Scenario.from_dict(base_dict())))
    assert isinstance(base["sim"]["transit_times"], pd.DataFrame)
