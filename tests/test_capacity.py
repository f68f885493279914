"""Capacity engine: element arithmetic by hand, exact LP optima on tiny networks, shadow
prices, and equality with networkx maximum flow on random graphs."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from transcaspian.analysis import CapacityOptions, element_capacities, vessel_cycle
from transcaspian.analysis import capacity as _capacity
from transcaspian.cli import register_all
from transcaspian.model import Scenario
from transcaspian.model.physics import vessel_berth

A = {"assumption": "test"}
#: The hand computations below are of theoretical capacity (the figures of the engine before
#: practical capacity); tests/test_practical_capacity.py checks the practical factors.
THEORETICAL = CapacityOptions.build(basis="theoretical")


def capacity(scenario: Scenario, options: CapacityOptions | None = None):
    """The engine on the theoretical basis unless options say otherwise."""
    return _capacity(scenario, options or THEORETICAL)


def node(i: str, kind: str = "junction", **kw: Any) -> dict[str, Any]:
    return {"id": i, "name": i, "country": kw.pop("country", "KZ"), "lat": 43.0, "lon": 51.0, "kind": kind,
            **kw, **A}


def rail(a: str, b: str, tpd: float, km: float = 100, rev: float | None = None, **kw: Any) -> dict[str, Any]:
    d = {"id": f"{a}-{b}", "from": a, "to": b, "mode": "rail", "distance_km": km, "speed_kmh": 50,
         "gauge_mm": 1520, "trains_per_day": tpd, **kw, **A}
    if rev is not None:
        d["trains_per_day_reverse"] = rev
    return d


def flow(i: str, o: str, d: str, units: float, routes: list[str], upt: float = 100, choice: str = "shares",
         commodity: str = "container", shares: list[float] | None = None) -> dict[str, Any]:
    if choice == "shares":
        shares = shares or [1.0 / len(routes)] * len(routes)
        opts = [{"route": r, "share": s} for r, s in zip(routes, shares, strict=True)]
    else:
        opts = [{"route": r} for r in routes]
    return {"id": i, "origin": o, "destination": d, "commodity": commodity, "direction": "westbound",
            "annual_units": units, "units_per_train": upt, "route_options": opts, "choice": choice, **A}


def scenario(**parts: Any) -> Scenario:
    base: dict[str, Any] = {
        "name": "cap", "year": 2024, "price_year": 2024,
        "commodities": [{"id": "container", "name": "C", "unit": "teu", "category": "container",
                         "tonnes_per_unit": 10, **A},
                        {"id": "trucks", "name": "T", "unit": "truck", "category": "roro",
                         "tonnes_per_unit": 20, **A}]}
    base.update(parts)
    return Scenario.from_dict(base)


# -- element arithmetic --------------------------------------------------------------------
def ports_scenario(**extra: Any) -> Scenario:
    parts = {
        "sea_level": {"change_m": -0.5, "assumption": "test"},
        "nodes": [node("pa", "seaport", port_time_h=4, max_draft_m=4.5),
                  node("pb", "seaport", port_time_h=6, max_draft_m=5.0, country="AZ")],
        "berths": [{"id": "pa-c", "node": "pa", "kind": "container", "count": 1,
                    "handling_per_h": {"teu": 25}, **A},
                   {"id": "pa-slow", "node": "pa", "kind": "general", "count": 1,
                    "handling_per_h": {"teu": 10}, **A},
                   {"id": "pb-c", "node": "pb", "kind": "container", "count": 2,
                    "handling_per_h": {"teu": 20}, "operating_h_per_day": 20, **A}],
        "services": [{"id": "f", "name": "F", "kind": "container_feeder", "from": "pa", "to": "pb",
                      "distance_km": 370.4, "policy": "load_and_go", "min_fill_share": 0.8, "max_wait_h": 48,
                      **A}],
        "vessels": [{"id": "v", "name": "V", "service": "f", "count": 2, "capacity": {"teu": 200},
                     "deadweight_t": 4000, "speed_kn": 10, "design_draft_m": 4.2, "tonnes_per_cm": 10, **A}],
        "weather": [{"id": "w", "node": "pa", "closures_per_month": [1] * 12, "closure_duration_h": 73, **A}],
    }
    parts.update(extra)
    return scenario(**parts)


def test_vessel_cycle_by_hand():
    """Crossing 370.4 km at 10 kn = 20 h; sea level -0.5 m leaves 4.0 m at pa for a 4.2 m
    draft: 20 cm x 10 t/cm = 200 t of 4000 t -> payload 0.95 (190 TEU); handling 190/25 =
    7.6 h at pa (fastest berth), at pb 20 TEU/h for 20 of 24 h = 16.67 TEU/h on average:
    190 / 16.67 = 11.4 h; each call discharges and loads."""
    s = ports_scenario()
    c = vessel_cycle(s, "v")
    assert c.crossing_h == pytest.approx(20.0)
    assert c.payload_factor == pytest.approx(0.95)
    assert c.handling_h == pytest.approx({"pa": 7.6, "pb": 11.4})
    assert c.port_h == pytest.approx({"pa": 4 + 15.2, "pb": 6 + 22.8})
    assert c.cycle_h == pytest.approx(40 + 19.2 + 28.8)
    assert c.availability == pytest.approx(1 - 12 * 73 / 8760)             # 0.9
    trips = 2 * 0.9 * 8760 / 88.0
    assert c.round_trips_per_year == pytest.approx(trips)
    el = element_capacities(s, "theoretical").set_index(["element_id", "direction"])
    assert el.loc[("v", "forward"), "capacity"] == pytest.approx(trips)
    assert el.loc[("v", "forward"), "capacity_teu"] == pytest.approx(trips * 190)
    assert el.loc[("v", "forward"), "capacity_t"] == pytest.approx(trips * 190 * 10)
    assert "88.0 h" in el.loc[("v", "forward"), "arithmetic"]
    assert el.loc[("pb-c", "both"), "capacity"] == pytest.approx(2 * 20 * 365)
    assert el.loc[("pb-c", "both"), "capacity_teu"] == pytest.approx(2 * 20 * 365 * 20)


def test_rail_node_pipeline_yard_capacities():
    s = scenario(
        nodes=[node("a", "terminal"), node("b", "border", capacity_trains_per_day=6),
               node("c", "seaport", yard_capacity_teu=5000), node("e", "pipeline_terminal")],
        links=[rail("a", "b", 10, rev=4, max_units_per_train={"teu": 80}), rail("b", "c", 12),
               {"id": "pipe", "from": "c", "to": "e", "mode": "pipeline", "distance_km": 50,
                "capacity_t_per_year": 2e6, "transit_h": 30, **A}])
    el = element_capacities(s, "theoretical").set_index(["element_id", "direction"])
    assert el.loc[("a-b", "forward"), "capacity"] == 3650
    assert el.loc[("a-b", "reverse"), "capacity"] == 1460
    assert el.loc[("a-b", "forward"), "capacity_teu"] == 3650 * 80
    assert el.loc[("b", "both"), "capacity"] == 6 * 365
    assert el.loc[("pipe", "both"), "capacity_t"] == 2e6
    yard = el.loc[("c", "both")]
    assert yard["capacity"] == 5000 and not yard["constrained"]


# -- LP optima -----------------------------------------------------------------------------
def shared_link_scenario(**extra: Any) -> Scenario:
    """o1 -> m and o2 -> m (10 trains/day) share m -> d (4 trains/day); 100 TEU trains.
    f1 asks 3 trains/day, f2 2 trains/day; o1-m costs 10 USD/TEU, o2-m 20 USD/TEU."""
    parts = {
        "nodes": [node("o1", "terminal"), node("o2", "terminal"), node("m"), node("d", "terminal")],
        "links": [rail("o1", "m", 10), rail("o2", "m", 10), rail("m", "d", 4)],
        "routes": [{"id": "r1", "nodes": ["o1", "m", "d"]}, {"id": "r2", "nodes": ["o2", "m", "d"]}],
        "demand": [flow("f1", "o1", "d", 3 * 365 * 100, ["r1"]),
                   flow("f2", "o2", "d", 2 * 365 * 100, ["r2"])],
        "tariffs": [{"id": "t1", "element": "o1-m", "unit": "teu", "usd_per_unit": 10, "party": "x", **A},
                    {"id": "t2", "element": "o2-m", "unit": "teu", "usd_per_unit": 20, "party": "x", **A}],
    }
    parts.update(extra)
    return scenario(**parts)


def test_lp_optimum_shared_link():
    r = capacity(shared_link_scenario())
    f = r["flows"].set_index("flow")
    # m-d carries 4 x 365 trains of 100 TEU = 146,000 TEU; the cheaper f1 goes first
    assert f["served_units"].sum() == pytest.approx(146_000)
    assert f.loc["f1", "served_units"] == pytest.approx(109_500)
    assert f.loc["f2", "served_units"] == pytest.approx(36_500)
    assert f.loc["f2", "unserved_t"] == pytest.approx(36_500 * 10)
    assert f.loc["f1", "cost_usd"] == pytest.approx(1_095_000)
    assert f.loc["f2", "cost_usd_per_unit"] == pytest.approx(20)
    summ = r["summary"].iloc[0]
    assert summ["served_t"] == pytest.approx(1_460_000)
    assert summ["demand_multiplier"] == pytest.approx(0.8)           # 5 lambda <= 4 trains/day
    assert summ["binding"] == "m-d (m->d)"
    assert summ["total_cost_usd"] == pytest.approx(1_825_000)
    u = r["utilisation"].set_index(["element_id", "direction"])
    assert u.loc[("m-d", "forward"), "utilisation"] == pytest.approx(1.0)
    assert u.loc[("o1-m", "forward"), "utilisation"] == pytest.approx(0.3)
    assert u.loc[("o1-m", "forward"), "utilisation_at_multiplier"] == pytest.approx(0.24)
    b = r["bottlenecks"].iloc[0]
    assert (b["element_id"], b["direction"], b["rank"]) == ("m-d", "forward", 1)
    assert b["shadow_served_t_per_unit"] == pytest.approx(1000)        # one train = 100 TEU x 10 t
    assert b["shadow_multiplier_per_unit"] == pytest.approx(1 / 1825)  # lambda per train/yr
    assert b["gain_multiplier_per_1pct"] == pytest.approx(14.6 / 1825)
    assert r["bottlenecks"].iloc[1:]["shadow_served_t_per_unit"].abs().max() == pytest.approx(0)
    assert r.meta["scenario"] == "cap" and len(r.meta["scenario_hash"]) == 64


def test_optimal_choice_fills_cheap_route_first():
    """Two parallel routes a-p-z (2 trains/day, cheap) and a-q-z (6 trains/day, dear)."""
    s = scenario(
        nodes=[node("a", "terminal"), node("p"), node("q"), node("z", "terminal")],
        links=[rail("a", "p", 2), rail("p", "z", 9), rail("a", "q", 6), rail("q", "z", 9)],
        routes=[{"id": "rp", "nodes": ["a", "p", "z"]}, {"id": "rq", "nodes": ["a", "q", "z"]}],
        demand=[flow("f", "a", "z", 5 * 365 * 50, ["rp", "rq"], upt=50, choice="optimal")],
        tariffs=[{"id": "tp", "element": "a-p", "unit": "teu", "usd_per_unit": 1, "party": "x", **A},
                 {"id": "tq", "element": "a-q", "unit": "teu", "usd_per_unit": 3, "party": "x", **A}])
    r = capacity(s)
    fr = r["flow_routes"].set_index("route")
    assert fr.loc["rp", "units"] == pytest.approx(2 * 365 * 50)
    assert fr.loc["rq", "units"] == pytest.approx(3 * 365 * 50)
    assert r["flows"].iloc[0]["cost_usd"] == pytest.approx(365 * 50 * (2 * 1 + 3 * 3))
    assert r["summary"].iloc[0]["demand_multiplier"] == pytest.approx(8 / 5)


def test_fixed_shares_limit_the_whole_flow():
    """Shares 0.5 / 0.5: the 2-train route caps the flow at 4 trains/day in total."""
    s = scenario(
        nodes=[node("a", "terminal"), node("p"), node("q"), node("z", "terminal")],
        links=[rail("a", "p", 2), rail("p", "z", 9), rail("a", "q", 6), rail("q", "z", 9)],
        routes=[{"id": "rp", "nodes": ["a", "p", "z"]}, {"id": "rq", "nodes": ["a", "q", "z"]}],
        demand=[flow("f", "a", "z", 5 * 365 * 50, ["rp", "rq"], upt=50)])
    r = capacity(s)
    f = r["flows"].iloc[0]
    assert f["served_units"] == pytest.approx(4 * 365 * 50)
    assert f["served_share"] == pytest.approx(0.8)
    assert f["routes"] == "rp 40%, rq 40%"
    assert r["summary"].iloc[0]["demand_multiplier"] == pytest.approx(0.8)


def test_border_counts_both_directions_and_train_length():
    """A border of 3 trains/day serves 2 trains/day each way -> lambda 0.75; a link limit of
    60 TEU per train makes 100-TEU trains count 100/60 trains."""
    s = scenario(
        nodes=[node("a", "terminal"), node("b", "border", capacity_trains_per_day=3), node("z", "terminal")],
        links=[rail("a", "b", 20), rail("b", "z", 20, max_units_per_train={"teu": 60})],
        routes=[{"id": "w", "nodes": ["a", "b", "z"]}, {"id": "e", "nodes": ["z", "b", "a"]}],
        demand=[flow("fw", "a", "z", 2 * 365 * 60, ["w"], upt=60),
                flow("fe", "z", "a", 2 * 365 * 60, ["e"], upt=100)])
    r = capacity(s)
    assert r["summary"].iloc[0]["demand_multiplier"] == pytest.approx(0.75)
    u = r["utilisation"].set_index(["element_id", "direction"])
    # fe: 2 x 365 x 60 TEU in 60-TEU trains on b-z (cap 60) and in 60-TEU trains at b
    assert u.loc[("b-z", "reverse"), "load"] == pytest.approx(2 * 365 * 60 / 60)
    assert u.loc[("a-b", "reverse"), "load"] == pytest.approx(2 * 365 * 60 / 100)
    assert r["bottlenecks"].iloc[0]["element_id"] == "b"


def test_berths_and_mixed_deck():
    """Ro-Ro shuttle: shared deck 100 TEU or 50 trucks; berths at 10 TEU/h and 5 trucks/h."""
    def build(mixed: str) -> Scenario:
        return scenario(
            nodes=[node("pa", "seaport", port_time_h=0), node("pb", "seaport", port_time_h=0)],
            berths=[{"id": "ba", "node": "pa", "kind": "roro", "count": 1,
                     "handling_per_h": {"teu": 1000, "truck": 1000}, **A},
                    {"id": "bb", "node": "pb", "kind": "roro", "count": 1,
                     "handling_per_h": {"teu": 1000, "truck": 1000}, **A}],
            services=[{"id": "s", "name": "S", "kind": "roro", "from": "pa", "to": "pb", "distance_km": 185.2,
                       "policy": "load_and_go", "min_fill_share": 0.5, "max_wait_h": 10, **A}],
            vessels=[{"id": "v", "name": "V", "service": "s", "count": 1,
                      "capacity": {"teu": 100, "truck": 50}, "mixed_load": mixed,
                      "deadweight_t": 3000, "speed_kn": 10, "design_draft_m": 4,
                      "tonnes_per_cm": 10, **A}],
            routes=[{"id": "r", "nodes": ["pa", "pb"]}],
            demand=[flow("c", "pa", "pb", 10_000, ["r"]),
                    flow("t", "pa", "pb", 5_000, ["r"], commodity="trucks", upt=10)])
    shared = capacity(build("shared"))
    cyc = vessel_cycle(build("shared"), "v")
    # crossing 10 h each way; handling 0.1 h (100 TEU at 1000/h) x 2 at each port
    assert cyc.cycle_h == pytest.approx(20 + 0.4)
    voyages = 8760 / 20.4
    assert shared["summary"].iloc[0]["demand_multiplier"] == pytest.approx(voyages / (100 + 100))
    sep = capacity(build("separate"))
    assert sep["summary"].iloc[0]["demand_multiplier"] == pytest.approx(voyages / 100)
    # berths: 8760 h at 1000 units/h cannot bind; their load is the units / rate
    u = shared["utilisation"].set_index("element_id")
    lam_load = shared["flows"]["served_units"].sum() / 1000
    assert u.loc["ba", "load"] == pytest.approx(lam_load)


def _two_berth_port(services: list[dict], vessels: list[dict]) -> Scenario:
    """Port pa with a container berth (10 TEU/h) and a general berth (30 TEU/h), 10 h/day each."""
    return scenario(
        nodes=[node("pa", "seaport", port_time_h=0), node("pb", "seaport", port_time_h=0)],
        berths=[{"id": "b1", "node": "pa", "kind": "container", "count": 1, "handling_per_h": {"teu": 10},
                 "operating_h_per_day": 10, **A},
                {"id": "b2", "node": "pa", "kind": "general", "count": 1, "handling_per_h": {"teu": 30},
                 "operating_h_per_day": 10, **A}],
        services=services, vessels=vessels,
        routes=[{"id": "r", "nodes": ["pa", "pb"]}],
        demand=[flow("c", "pa", "pb", 1e6, ["r"])])


def _service(sid: str, kind: str) -> dict:
    return {"id": sid, "name": sid.upper(), "kind": kind, "from": "pa", "to": "pb", "distance_km": 100,
            "policy": "scheduled", "departures_per_week": 100, **A}


def _vessel(vid: str, service: str) -> dict:
    return {"id": vid, "name": vid.upper(), "service": service, "count": 10, "capacity": {"teu": 1000},
            "deadweight_t": 3000, "speed_kn": 20, "design_draft_m": 4, "tonnes_per_cm": 10, **A}


def test_berth_binds_at_the_group_the_vessels_use():
    """A container feeder berths at the container group (as the simulator berths it): only b1's
    3,650 berth-hours x 10 TEU/h count, although a faster general berth exists."""
    s = _two_berth_port([_service("s", "container_feeder")], [_vessel("v", "s")])
    assert vessel_berth(s, s.get("vessels", "v"), "pa").id == "b1"
    r = capacity(s)
    assert r["flows"].iloc[0]["served_units"] == pytest.approx(36_500)
    b = r["bottlenecks"]
    assert set(b[b["binding"]]["element_id"]) == {"b1"}


def test_berth_groups_of_two_services_share_the_loading():
    """A feeder (container berth) and a tanker-kind service (general berth) on the same crossing:
    both groups' berth-hours count, 36,500 + 109,500 TEU."""
    s = _two_berth_port([_service("s", "container_feeder"), _service("t", "tanker")],
                        [_vessel("v", "s"), _vessel("w", "t")])
    r = capacity(s)
    assert r["flows"].iloc[0]["served_units"] == pytest.approx(146_000)
    b = r["bottlenecks"]
    assert set(b[b["binding"]]["element_id"]) == {"b1", "b2"}


def test_scheduled_sailings_cap():
    """2 departures/week carry 200 TEU each although the fleet could cycle far more."""
    s = scenario(
        nodes=[node("pa", "seaport", port_time_h=0), node("pb", "seaport", port_time_h=0)],
        services=[{"id": "s", "name": "S", "kind": "container_feeder", "from": "pa", "to": "pb",
                   "distance_km": 100, "policy": "scheduled", "departures_per_week": 2, **A}],
        vessels=[{"id": "v", "name": "V", "service": "s", "count": 3, "capacity": {"teu": 200},
                  "deadweight_t": 3000, "speed_kn": 20, "design_draft_m": 4, "tonnes_per_cm": 10, **A}],
        routes=[{"id": "r", "nodes": ["pa", "pb"]}],
        demand=[flow("c", "pa", "pb", 52 * 2 * 200 * 2, ["r"])])
    r = capacity(s)
    assert r["summary"].iloc[0]["demand_multiplier"] == pytest.approx(0.5)
    assert r["bottlenecks"].iloc[0]["element_type"] == "sailings"


def test_infeasible_option_is_noted_and_no_demand_is_unbounded():
    s = shared_link_scenario(demand=[])
    r = capacity(s)
    assert math.isinf(r["summary"].iloc[0]["demand_multiplier"])
    assert r["flows"].empty


def test_interchangeable_vessels_share_the_load_evenly():
    """Two classes on one service (1 and 3 vessels): after the balancing stage both run at
    the same utilisation, 300 TEU-voyages of demand over 4 vessels' voyages."""
    s = scenario(
        nodes=[node("pa", "seaport", port_time_h=0), node("pb", "seaport", port_time_h=0)],
        services=[{"id": "s", "name": "S", "kind": "container_feeder", "from": "pa", "to": "pb",
                   "distance_km": 185.2, "policy": "load_and_go", "min_fill_share": 0.5, "max_wait_h": 10,
                   **A}],
        vessels=[{"id": f"v{k}", "name": "V", "service": "s", "count": k, "capacity": {"teu": 100},
                  "deadweight_t": 3000, "speed_kn": 10, "design_draft_m": 4, "tonnes_per_cm": 10, **A}
                 for k in (1, 3)],
        routes=[{"id": "r", "nodes": ["pa", "pb"]}],
        demand=[flow("c", "pa", "pb", 100 * 300, ["r"])])
    u = capacity(s)["utilisation"].set_index(["element_id", "direction"])["utilisation"]
    voyages_per_vessel = 8760 / 20
    assert u[("v1", "forward")] == pytest.approx(300 / (4 * voyages_per_vessel))
    assert u[("v3", "forward")] == pytest.approx(u[("v1", "forward")])


# -- networkx oracle -----------------------------------------------------------------------
@st.composite
def random_networks(draw):
    n = draw(st.integers(3, 6))
    pairs = list(itertools.combinations(range(n), 2))
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=2, max_size=len(pairs), unique=True))
    caps = {p: (draw(st.integers(1, 9)), draw(st.integers(1, 9))) for p in chosen}
    node_caps = {i: draw(st.one_of(st.none(), st.integers(1, 12))) for i in range(1, n - 1)}
    return n, caps, node_caps


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_lp_throughput_equals_networkx_max_flow(net):
    """Rail sections are arcs (trains/day each way), intermediate junctions with a train
    capacity are split into in/out nodes joined by an arc of that capacity."""
    n, caps, node_caps = net
    g = nx.DiGraph()
    for i in range(n):
        g.add_edge((i, "in"), (i, "out"), capacity=node_caps[i] * 365 if node_caps.get(i) else math.inf)
    for (a, b), (fwd, rev) in caps.items():
        g.add_edge((a, "out"), (b, "in"), capacity=fwd * 365)
        g.add_edge((b, "out"), (a, "in"), capacity=rev * 365)
    undirected = nx.Graph(list(caps))
    undirected.add_nodes_from(range(n))
    paths = list(nx.all_simple_paths(undirected, 0, n - 1))
    if not paths:
        return
    expected = nx.maximum_flow_value(g, (0, "out"), (n - 1, "in"))
    ids = [f"n{i}" for i in range(n)]
    routes = [{"id": f"r{i}", "nodes": [ids[k] for k in p]} for i, p in enumerate(paths)]
    big = 10 * 9 * 365 * n
    chunks = [routes[i:i + 40] for i in range(0, len(routes), 40)]
    demand = [flow(f"f{i}", ids[0], ids[-1], big, [r["id"] for r in ch], upt=1, choice="optimal")
              for i, ch in enumerate(chunks)]
    s = scenario(nodes=[node(x, capacity_trains_per_day=node_caps[i]) if node_caps.get(i) else node(x)
                        for i, x in enumerate(ids)],
                 links=[rail(ids[a], ids[b], fwd, rev=rev) for (a, b), (fwd, rev) in caps.items()],
                 routes=routes, demand=demand)
    r = capacity(s)
    assert r["summary"].iloc[0]["served_t"] / 10 == pytest.approx(expected, rel=1e-7, abs=1e-6)
    if len(demand) == 1:       # one flow over every path: lambda x demand = max flow
        assert r["summary"].iloc[0]["demand_multiplier"] == pytest.approx(expected / big, rel=1e-7)
    # conservation: every route's units pass its first link, and no direction exceeds capacity
    u = r["utilisation"]
    assert (u["utilisation"] <= 1 + 1e-7).all()


# -- CLI -----------------------------------------------------------------------------------
app = register_all()
runner = CliRunner()


def test_cli_capacity(write_yaml, tmp_path):
    base = {"name": "cap", "year": 2024, "price_year": 2024,
            "commodities": [{"id": "container", "name": "C", "unit": "teu", "category": "container",
                             "tonnes_per_unit": 10, **A}]}
    s = shared_link_scenario()
    path = write_yaml({**base, **{k: v for k, v in s.to_dict().items() if k not in ("name",)}})
    r = runner.invoke(app, ["capacity", str(path), "--basis", "theoretical"], catch_exceptions=False)
    assert r.exit_code == 0 and "multiplier 0.800" in r.output and "m-d" in r.output
    r = runner.invoke(app, ["capacity", str(path), "--table", "all", "--format", "json"],
                      catch_exceptions=False)
    data = json.loads(r.output)
    assert data["meta"]["scenario"] == "cap"
    assert set(data["tables"]) == {"summary", "elements", "flows", "flow_routes", "utilisation",
                                   "bottlenecks"}
    r = runner.invoke(app, ["capacity", str(path), "--table", "bottlenecks", "--format", "csv",
                            "-o", str(tmp_path / "out")], catch_exceptions=False)
    assert r.exit_code == 0 and "scenario_hash=" in r.stderr and r.stdout.startswith("rank,")
    assert (tmp_path / "out" / "elements.csv").exists() and (tmp_path / "out" / "meta.json").exists()
    r = runner.invoke(app, ["capacity", str(tmp_path / "missing.yaml")], catch_exceptions=False)
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_two_weather_regimes_on_one_port_combine_as_simulated():
    """Two independent regimes at pa, each closing 12 x 73 h = 10 % of the year: capacity
    counts pa closed 1 - 0.9 x 0.9 = 19 % (availability 0.81, was 0.9 when the second entry
    was ignored); the simulator merges both closure processes and closes pa about as long
    (Poisson starts, overlaps merged: 1 - exp(-0.2) = 18.1 %)."""
    from test_field_coverage import run_sim

    from transcaspian.model.physics import port_closed_share, residual_closure_h

    w = {"node": "pa", "closures_per_month": [1] * 12, "closure_duration_h": 73, **A}
    one = ports_scenario()
    two = ports_scenario(weather=[{"id": "w", **w}, {"id": "w2", **w}])
    assert port_closed_share(two, "pa") == pytest.approx(0.19)
    assert vessel_cycle(two, "v").availability == pytest.approx(0.81)
    ratio = vessel_cycle(two, "v").round_trips_per_year / vessel_cycle(one, "v").round_trips_per_year
    assert ratio == pytest.approx(0.81 / 0.9)
    el = element_capacities(two, "theoretical").set_index(["element_id", "direction"])
    assert el.loc[("v", "forward"), "capacity"] == pytest.approx(2 * 0.81 * 8760 / 88.0)
    # residual closure seen by an arrival: share x E[D^2] / (2 E[D]) = 0.1 x 73 / 2 per regime
    assert residual_closure_h(two, "pa") == pytest.approx(2 * 0.1 * 36.5)
    res = run_sim(two, years=40)
    closed = res["weather"].groupby("port")["closed_h_per_year"].max()["pa"] / 8760
    assert closed == pytest.approx(1 - math.exp(-0.2), abs=0.015)
    assert closed == pytest.approx(port_closed_share(two, "pa"), abs=0.025)


def test_capacity_options_are_bounded_and_recorded():
    from transcaspian.model.errors import UserError

    with pytest.raises(UserError) as e:
        CapacityOptions.build(multiplier_cap=0.5, served_tolerance=-1.0)
    assert sorted(p.field for p in e.value.problems) == ["multiplier_cap", "served_tolerance"]
    s = ports_scenario()
    res = capacity(s, CapacityOptions.build(multiplier_cap=10, basis="theoretical"))
    assert res.meta["options"] == {"basis": "theoretical", "served_tolerance": 1e-9, "multiplier_cap": 10.0,
                                   "max_lp_nonzeros": 5_000_000}


def test_an_lp_beyond_the_ceiling_is_refused_before_solving():
    """The baseline LP has 770-odd non-zeros; a ceiling below that refuses, naming the option."""
    from transcaspian.analysis.capacity import build_model, lp_nonzeros
    from transcaspian.model import load_scenario
    from transcaspian.model.errors import UserError

    s = load_scenario("baseline-2024")
    nnz = lp_nonzeros(build_model(s, "theoretical"))
    assert 100 < nnz < 5_000_000
    with pytest.raises(UserError) as e:
        capacity(s, CapacityOptions.build(max_lp_nonzeros=nnz - 1, basis="theoretical"))
    assert e.value.problems[0].field == "max_lp_nonzeros" and f"{nnz:,}" in str(e.value)
    assert capacity(s, CapacityOptions.build(max_lp_nonzeros=nnz, basis="theoretical")
                    )["summary"].shape[0] == 1


# -- each commodity's own maximum (alone on the network) ---------------------------------------
def maxima_scenario() -> Scenario:
    """The shared link with two commodities and a reverse flow: m -> d runs 4 trains/day, d -> m
    2 trains/day, 100-TEU trains. Containers (10 t/TEU) westbound 3 trains/day and eastbound
    1 train/day, boxes (20 t/TEU) westbound 2 trains/day."""
    s = shared_link_scenario()
    doc = s.doc.model_dump(mode="json", by_alias=True, exclude_none=True)
    doc["commodities"].append({"id": "boxes", "name": "B", "unit": "teu", "category": "container",
                               "tonnes_per_unit": 20, **A})
    doc["links"] = [rail("o1", "m", 10), rail("o2", "m", 10), rail("m", "d", 4, rev=2)]
    doc["routes"].append({"id": "r3", "nodes": ["d", "m", "o1"]})
    doc["demand"] = [flow("f1", "o1", "d", 3 * 365 * 100, ["r1"]),
                     flow("f2", "o2", "d", 2 * 365 * 100, ["r2"], commodity="boxes"),
                     {**flow("f3", "d", "o1", 365 * 100, ["r3"]), "direction": "eastbound"}]
    return Scenario.from_dict(doc)


def test_each_commodity_alone_fills_the_shared_link():
    """Alone, each group takes the whole of m -> d (or d -> m): containers westbound 4 trains/day
    x 365 x 100 TEU x 10 t = 1.46 Mt (x 4/3 of 3 trains/day), boxes the same trains at 20 t/TEU
    = 2.92 Mt (x 2), containers eastbound the 2 reverse trains/day = 0.73 Mt (x 2). By commodity
    alone both container directions grow together, so the westbound 4/3 binds:
    4/3 x (1.095 + 0.365) Mt. Together all flows grow only 0.8x (5 trains/day for 4)."""
    from transcaspian.analysis.capacity import commodity_maxima
    from transcaspian.analysis.tables import COMMODITY_MAXIMA

    s = maxima_scenario()
    cap = capacity(s)
    assert cap["summary"].iloc[0]["demand_multiplier"] == pytest.approx(0.8)
    m = commodity_maxima(s, cap)
    assert COMMODITY_MAXIMA.problems(m) == []
    m = m.set_index(["commodity", "direction"])
    assert m.loc[("container", "westbound"), "max_t"] == pytest.approx(1_460_000)
    assert m.loc[("container", "westbound"), "max_multiplier"] == pytest.approx(4 / 3)
    assert m.loc[("boxes", "westbound"), "max_t"] == pytest.approx(2_920_000)
    assert m.loc[("container", "eastbound"), "max_t"] == pytest.approx(730_000)
    assert m.loc[("container", "eastbound"), "max_multiplier"] == pytest.approx(2.0)
    assert set(m["binding"]) == {"m-d"}
    assert m["demand_t"].sum() == pytest.approx(cap["flows"]["demand_t"].sum())
    assert m["served_t"].sum() == pytest.approx(cap["flows"]["served_t"].sum())
    by_com = commodity_maxima(s, cap, by=("commodity",)).set_index("commodity")
    assert by_com.loc["container", "max_t"] == pytest.approx(4 / 3 * (1_095_000 + 365_000))
    with pytest.raises(ValueError, match="subset"):
        commodity_maxima(s, cap, by=("route",))


def test_baseline_commodity_maxima_exceed_demand_and_served():
    """Baseline 2024 (practical basis): containers alone could ship more than their demand
    (0.565 Mt; about 0.81 Mt alone, the Black Sea ferry binding), and no group's own maximum
    is below what it is served with everything else running."""
    from transcaspian.analysis.capacity import commodity_maxima
    from transcaspian.model import load_scenario

    s = load_scenario("baseline-2024")
    cap = _capacity(s)
    by_com = commodity_maxima(s, cap, by=("commodity",)).set_index("commodity")
    assert by_com.loc["container", "demand_t"] == pytest.approx(565_000)
    assert by_com.loc["container", "max_t"] > by_com.loc["container", "demand_t"]
    assert (by_com["max_t"] >= by_com["served_t"] * (1 - 1e-9)).all()
    m = commodity_maxima(s, cap)
    assert (m["max_t"] >= m["served_t"] * (1 - 1e-9)).all()
    assert len(m) == len(cap["flows"].groupby(["commodity", "direction"]))
