"""Practical capacity (issue 9 item 1): each factor by hand on a tiny network, practical <=
theoretical on the built-ins, the theoretical basis reproducing the figures from before, and
the built-in figures recorded.

Hand figures use ``ports_scenario`` of tests/test_capacity.py: a 2-vessel feeder pa -> pb,
cycle 88 h (20 h crossings, 19.2 h at pa, 28.8 h at pb), weather availability 0.9, payload
factor 0.95 (190 of 200 TEU), a 1-berth group at pa and a 2-berth group at pb.
"""

from __future__ import annotations

import pytest
from test_capacity import A, flow, node, ports_scenario, rail, scenario
from typer.testing import CliRunner

from transcaspian.analysis import CapacityOptions, capacity, element_capacities, vessel_cycle
from transcaspian.analysis.capacity import vessel_payloads
from transcaspian.cli import register_all
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.physics import (
    UIC406_MIXED_DAILY,
    berth_occupancy_ceiling,
    mean_load_share,
    port_fixed_h,
    port_stay_h,
    practical_paths_per_day,
    section_occupancy_ceiling,
)
from transcaspian.model.schema import Berth, Link
from transcaspian.sim.compile import compile_scenario

THEORETICAL = CapacityOptions.build(basis="theoretical")
TRIPS = 2 * 0.9 * 8760 / 88.0          # theoretical voyages/yr each way of ports_scenario


def with_vessel(**kw: object) -> Scenario:
    """ports_scenario with fields of vessel ``v`` replaced."""
    d = ports_scenario().to_dict()
    d["vessels"][0].update(kw)
    return Scenario.from_dict(d)


def rows(s: Scenario, basis: str = "practical"):
    return element_capacities(s, basis).set_index(["element_id", "direction"])


# -- off-hire ------------------------------------------------------------------------------
def test_offhire_cuts_voyages_by_the_days_out_of_service():
    """73 days off-hire a year = 20 % of the year: practical voyages = 0.8 x theoretical; at
    capacity cargo queues at the berth, so each voyage loads its full payload: 0.8 x TRIPS x 190."""
    s = with_vessel(offhire_days_per_year=73.0)
    c = vessel_cycle(s, "v")
    assert c.round_trips_per_year == pytest.approx(TRIPS)
    assert c.offhire_share == pytest.approx(0.2)
    assert c.round_trips_practical == pytest.approx(0.8 * TRIPS)
    r = rows(s).loc[("v", "forward")]
    assert r["capacity_theoretical"] == pytest.approx(TRIPS)
    assert r["capacity_practical"] == pytest.approx(0.8 * TRIPS)
    assert r["capacity"] == pytest.approx(0.8 * TRIPS)
    assert r["capacity_teu"] == pytest.approx(0.8 * TRIPS * 190)
    assert r["practical_share"] == pytest.approx(0.8)
    assert "off-hire 73 d/yr: x 0.800" in r["arithmetic"]
    t = rows(s, "theoretical").loc[("v", "forward")]
    assert t["capacity"] == pytest.approx(TRIPS) and t["capacity_teu"] == pytest.approx(TRIPS * 190)


# -- berth occupancy ceilings ---------------------------------------------------------------
@pytest.mark.parametrize(("count", "share"), [(1, 0.40), (2, 0.50), (3, 0.55), (4, 0.60), (5, 0.65),
                                              (6, 0.70), (10, 0.70), (12, 0.70)])
def test_unctad_berth_occupancy_by_number_of_berths(count: int, share: float):
    b = Berth(id="b", node="p", kind="container", count=count, handling_per_h={"teu": 20}, **A)
    assert berth_occupancy_ceiling(b) == share
    assert berth_occupancy_ceiling(b.model_copy(update={"max_occupancy": 0.9})) == 0.9


def test_practical_berth_hours_are_the_ceiling_share():
    """pa-c: 1 berth x 24 h x 365 = 8,760 berth-h, practical x 0.40 = 3,504 (25 TEU/h:
    219,000 TEU on paper, 87,600 in practice); pb-c: 2 x 20 h x 365 = 14,600, x 0.50 = 7,300."""
    e = rows(ports_scenario())
    assert e.loc[("pa-c", "both"), "capacity_theoretical"] == pytest.approx(8760)
    assert e.loc[("pa-c", "both"), "capacity"] == pytest.approx(3504)
    assert e.loc[("pa-c", "both"), "capacity_teu"] == pytest.approx(87600)
    assert e.loc[("pb-c", "both"), "capacity"] == pytest.approx(7300)
    assert "x 0.50 occupancy ceiling (UNCTAD for 2 berth(s))" in e.loc[("pb-c", "both"), "arithmetic"]
    d = ports_scenario().to_dict()
    d["berths"][2]["max_occupancy"] = 0.8
    assert rows(Scenario.from_dict(d)).loc[("pb-c", "both"), "capacity"] == pytest.approx(0.8 * 14600)


# -- UIC 406 -------------------------------------------------------------------------------
def test_uic406_ceiling_on_rail_paths():
    """10 paths/day: 3,650 trains/yr on paper, 60 % = 2,190 in practice (UIC 406 daily value for
    mixed-traffic lines); a link whose figure is already practical (max_occupancy 1) keeps all."""
    s = scenario(nodes=[node("a"), node("b")], links=[rail("a", "b", 10)])
    lk = s.get("links", "a-b")
    assert section_occupancy_ceiling(lk) == UIC406_MIXED_DAILY == 0.6
    assert practical_paths_per_day(lk) == pytest.approx(6.0)
    e = rows(s)
    assert e.loc[("a-b", "forward"), "capacity"] == pytest.approx(2190)
    assert e.loc[("a-b", "forward"), "capacity_theoretical"] == pytest.approx(3650)
    one = Link(**{**lk.model_dump(by_alias=True, exclude_none=True), "max_occupancy": 1.0})
    assert practical_paths_per_day(one) == 10.0


def test_practical_basis_serves_less_and_names_the_bottleneck():
    """4,000 TEU/yr on a 1 path/day section, 10 TEU/train: 3,650 TEU/yr on paper (served 91.25 %),
    2,190 in practice (54.75 %); the section binds on both bases."""
    s = scenario(nodes=[node("a"), node("b")], links=[rail("a", "b", 1)],
                 routes=[{"id": "r", "nodes": ["a", "b"]}], demand=[flow("f", "a", "b", 4000, ["r"], upt=10)])
    theo = capacity(s, THEORETICAL)["summary"].iloc[0]
    prac = capacity(s)["summary"].iloc[0]
    assert theo["served_share"] == pytest.approx(3650 / 4000)
    assert prac["served_share"] == pytest.approx(2190 / 4000)
    assert prac["basis"] == "practical" and theo["basis"] == "theoretical"
    assert "a-b" in prac["binding"] and prac["demand_multiplier"] == pytest.approx(2190 / 4000)


# -- mean load per sailing policy ------------------------------------------------------------
def test_mean_load_share_by_policy():
    """load_and_go loads its full payload when cargo queues (plentiful: the capacity view) and
    sails at the 80 % trigger when cargo streams in fast; with 2 TEU/h offered and a 48 h wait
    only 96 of 190 TEU are aboard when it leaves (0.505); scheduled takes all (1.0) or what
    waited since the last departure (weekly, 1 TEU/h: 168 / 190 = 0.884)."""
    s = ports_scenario()
    assert mean_load_share(s, "f", "v") == 1.0
    assert mean_load_share(s, "f", "v", "reverse", offered_units_per_h=2.0) == pytest.approx(96 / 190)
    assert mean_load_share(s, "f", "v", offered_units_per_h=100.0) == 0.8
    d = s.to_dict()
    d["services"][0].update(policy="scheduled", departures_per_week=1)
    d["services"][0].pop("min_fill_share")
    d["services"][0].pop("max_wait_h")
    sch = Scenario.from_dict(d)
    assert mean_load_share(sch, "f", "v") == 1.0
    assert mean_load_share(sch, "f", "v", offered_units_per_h=1.0) == pytest.approx(168 / 190)
    assert vessel_payloads(sch, sch.get("vessels", "v"), False) == pytest.approx({"teu": 190})
    assert vessel_payloads(s, s.get("vessels", "v"), True) == pytest.approx({"teu": 190})


def test_at_capacity_a_vessel_loads_its_full_payload():
    """A feeder-only corridor asking 40,000 TEU/yr westbound, more than the fleet can carry. At
    capacity cargo queues at the berth, so each sailing loads its full payload (the simulator's
    rule: load what waits, up to the payload) whatever the 80 % trigger: both bases serve
    TRIPS x 190 = 34,044 TEU (no off-hire, no berth binds: pa 87,600 TEU a year in practice, pb
    146,000), and the empty return sails in ballast without waiting."""
    d = ports_scenario().to_dict()
    d["routes"] = [{"id": "r", "nodes": ["pa", "pb"]}]
    d["demand"] = [flow("f", "pa", "pb", 40000, ["r"])]
    s = Scenario.from_dict(d)
    assert capacity(s, THEORETICAL)["summary"]["served_t"].iloc[0] / 10 == pytest.approx(TRIPS * 190)
    assert capacity(s)["summary"]["served_t"].iloc[0] / 10 == pytest.approx(TRIPS * 190)


def test_directional_imbalance_costs_both_directions_voyages():
    """10,000 TEU/yr pa -> pb and 8,000 back: at the class's capacity the heavy end fills at once
    and the light end waits headway x (10/8 - 1) for the 80 % trigger; with headway = (88 + w) / 2
    h that is w = (88 + w) / 8, w = 88 / 7 = 12.57 h; practical voyages 2 x 0.9 x 8760 / 100.57
    = 156.8 each way, against 179.2 on paper. Only the ratio matters: 10x both flows, same wait."""
    d = ports_scenario().to_dict()
    d["routes"] = [{"id": "w", "nodes": ["pa", "pb"]}, {"id": "e", "nodes": ["pb", "pa"]}]
    d["demand"] = [flow("fw", "pa", "pb", 10000, ["w"]), flow("fe", "pb", "pa", 8000, ["e"])]
    s = Scenario.from_dict(d)
    r = rows(s).loc[("v", "forward")]
    assert r["capacity"] == pytest.approx(2 * 0.9 * 8760 / (88 + 88 / 7))
    assert "fill waits pa 0.0 h, pb 12.6 h" in r["arithmetic"]
    assert rows(s, "theoretical").loc[("v", "forward"), "capacity"] == pytest.approx(TRIPS)
    d["demand"] = [flow("fw", "pa", "pb", 100000, ["w"]), flow("fe", "pb", "pa", 80000, ["e"])]
    assert rows(Scenario.from_dict(d)).loc[("v", "forward"), "capacity"] == pytest.approx(r["capacity"])
    d["demand"] = [flow("fw", "pa", "pb", 10000, ["w"])]          # one direction: back in ballast
    assert rows(Scenario.from_dict(d)).loc[("v", "forward"), "capacity"] == pytest.approx(TRIPS)


# -- port stays from their parts --------------------------------------------------------------
def test_port_stay_parts_sum_and_reach_cycle_and_simulator():
    """pa's 4 h split as 1 h pilotage/mooring + 2 h clearance + 0.5 h bunkering + 0.5 h other:
    the same 88 h cycle; 2 h more clearance adds 2 h to the cycle and to the compiled call."""
    d = ports_scenario().to_dict()
    d["nodes"][0].update(pilotage_mooring_h=1.0, clearance_h=2.0, bunkering_h=0.5, port_time_h=0.5)
    s = Scenario.from_dict(d)
    st = port_stay_h(s, "v", "pa")
    assert (st.pilotage_mooring_h, st.clearance_h, st.bunkering_h, st.other_h) == (1.0, 2.0, 0.5, 0.5)
    assert st.fixed_h == port_fixed_h(s.get("nodes", "pa")) == 4.0
    assert st.handling_h == pytest.approx(7.6) and st.total_h == pytest.approx(19.2)
    assert vessel_cycle(s, "v").cycle_h == pytest.approx(88.0)
    assert compile_scenario(s).vessels[0].port_time_h == (4.0, 6.0)
    d["nodes"][0]["clearance_h"] = 4.0
    s2 = Scenario.from_dict(d)
    assert vessel_cycle(s2, "v").cycle_h == pytest.approx(90.0)
    assert compile_scenario(s2).vessels[0].port_time_h == (6.0, 6.0)
    assert "1 h pilotage/mooring + 4 h clearance + 0.5 h bunkering + 0.5 h other" in \
        vessel_cycle(s2, "v").arithmetic


# -- the built-ins ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["baseline-2024", "target-2030"])
def test_practical_never_exceeds_theoretical(name: str):
    s = load_scenario(name)
    prac, theo = element_capacities(s), element_capacities(s, "theoretical")
    assert (prac["capacity_practical"] <= prac["capacity_theoretical"] + 1e-9).all()
    assert (prac["practical_share"] <= 1.0 + 1e-12).all() and (prac["practical_share"] > 0).all()
    for col in ("capacity", "capacity_teu", "capacity_wagons", "capacity_trucks"):
        p, t = prac[col].fillna(0), theo[col].fillna(0)
        assert (p <= t + 1e-6).all(), col
    assert (theo["capacity"] == theo["capacity_theoretical"]).all()
    assert (prac["capacity"] == prac["capacity_practical"]).all()


def test_theoretical_basis_reproduces_the_figures_before_practical_capacity():
    """On de7e4a7 (before this work) baseline-2024's multiplier was 0.940 with 3 feeders; the
    port-stay parts sum to the old per-call times, so with the old fleet the theoretical basis
    gives the same figure (the off-hire, occupancy and load factors are practical only)."""
    d = load_scenario("baseline-2024").doc.to_dict()
    next(v for v in d["vessels"] if v["id"] == "kmtf-feeder-225")["count"] = 3
    # the uranium flow came later (data branch): the figure is for the demand of that time
    d["demand"] = [f for f in d["demand"] if f["id"] != "d-uranium-kyzylorda-poti"]
    old = Scenario.from_dict(d)
    s = capacity(old, THEORETICAL)["summary"].iloc[0]
    assert s["demand_multiplier"] == pytest.approx(0.940, abs=5e-4)
    assert s["binding"].startswith("kmtf-feeder-225 (aktau->alat)")


BUILTIN = {  # (basis, scenario): (served Mt, demand Mt, multiplier), measured on this branch
    ("theoretical", "baseline-2024"): (4.486, 4.486, 1.148),
    ("practical", "baseline-2024"): (4.326, 4.486, 0.857),
    ("theoretical", "target-2030"): (11.004, 11.004, 1.081),
    ("practical", "target-2030"): (9.444, 11.004, 0.649),
}


@pytest.mark.parametrize(("basis", "name"), list(BUILTIN))
def test_builtin_figures(basis: str, name: str):
    s = capacity(load_scenario(name), CapacityOptions.build(basis=basis))["summary"].iloc[0]
    served, demand, lam = BUILTIN[(basis, name)]
    assert (s["served_t"] / 1e6, s["demand_t"] / 1e6, s["demand_multiplier"]) == pytest.approx(
        (served, demand, lam), abs=1e-3)


def test_cli_basis_option():
    runner = CliRunner()
    app = register_all()
    r = runner.invoke(app, ["capacity", "baseline-2024"], catch_exceptions=False)
    assert r.exit_code == 0 and "Practical capacity: served 4.326 of 4.486" in r.output
    r = runner.invoke(app, ["capacity", "baseline-2024", "--basis", "theoretical"], catch_exceptions=False)
    assert r.exit_code == 0 and "Theoretical capacity: served 4.486 of 4.486" in r.output
    assert "multiplier 1.148" in r.output
    r = runner.invoke(app, ["capacity", "baseline-2024", "--basis", "paper"], catch_exceptions=False)
    assert r.exit_code == 2
