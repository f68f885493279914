"""The built-in scenarios: strict provenance, calibration to published totals, projects.

Published figures (see docs/calibration.md and each scenario's ``sources``):

- 2024 TITR cargo, Kazakh Ministry of Transport: 4.484 Mt incl. oil (kz-mot-series)
- 2024 TITR containers, TITR Association: 56,500 TEU (titr-assoc-2025)
- 2024 Aktau-Baku-Aktau container crossings: 55,000 TEU (kmtf-teu-2024)
- 2024 Kazakh crude Aktau -> BTC: Jan-Jul 837 kt, i.e. ~1.435 Mt/yr; 2023: 1.392 Mt
- 2024 Baku port: 37,515 wagons and 58,169 wheeled vehicles, all lines (baku-port-2024)
- 2030 World Bank: 11 Mt across the Caspian, containers 4.074 Mt, oil 3.553 Mt
"""

from __future__ import annotations

import pytest

from transcaspian.model import Scenario, builtin_names, load_scenario
from transcaspian.model.diff import new_projects

#: Caspian Sea bounding box (degrees): a sea leg between two seaports inside it crosses the Caspian.
CASPIAN_LAT = (36.5, 47.5)
CASPIAN_LON = (46.5, 55.5)


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline-2024", strict=True)


@pytest.fixture(scope="module")
def target() -> Scenario:
    return load_scenario("target-2030", strict=True)


def caspian_ports(s: Scenario) -> set[str]:
    n = s.nodes
    inside = ((n["kind"] == "seaport") & n["lat"].between(*CASPIAN_LAT)
              & n["lon"].between(*CASPIAN_LON))
    return set(n.index[inside])


def crossing_share(s: Scenario, flow_id: str, ports: set[str], pair: set[str] | None = None) -> float:
    """Share of a flow whose route crosses the Caspian (or the given port pair) by sea."""
    flow = s.get("demand", flow_id)
    unit = s.unit_of(flow.commodity)
    share = 0.0
    for opt in flow.route_options:
        for leg in s.route_legs(opt.route, unit):
            ends = {leg.from_node, leg.to_node}
            if leg.kind == "sea" and ends <= ports and (pair is None or ends == pair):
                share += opt.share
                break
    return share


def crossing_t(s: Scenario) -> float:
    ports = caspian_ports(s)
    d = s.demand
    return sum(d.loc[f, "annual_t"] * crossing_share(s, f, ports) for f in d.index)


def by_category(s: Scenario, category: str, column: str = "annual_t") -> float:
    d = s.demand
    cat = s.commodities["category"]
    return float(d.loc[d["commodity"].map(cat) == category, column].sum())


# -- loading and provenance --------------------------------------------------------------
@pytest.mark.parametrize("name", ["baseline-2024", "target-2030"])
def test_builtin_loads_strict_without_warnings(name):
    assert name in builtin_names()
    s = load_scenario(name, strict=True)
    assert s.name == name
    assert s.warnings == []


def test_sources_are_original_urls_not_the_facts_file(baseline, target):
    for s in (baseline, target):
        urls = s.sources["url"]
        assert urls.str.match(r"^https?://").all()
        assert not urls.str.contains("middle-corridor-facts").any()


def test_network_size_is_moderate(baseline):
    assert 30 <= len(baseline.nodes) <= 45
    assert 35 <= len(baseline.links) <= 60
    assert 8 <= len(baseline.services) <= 12
    assert 15 <= len(baseline.demand) <= 30


def test_gauge_change_nodes_are_the_real_ones(baseline):
    n = baseline.nodes
    assert set(n.index[n["kind"] == "gauge_change"]) == {"dostyk", "altynkol", "akhalkalaki"}
    rail = baseline.links[baseline.links["mode"] == "rail"]
    gauges = rail.groupby(rail["from"].map(n["country"]))["gauge_mm"].unique()
    assert set(gauges["CN"]) == {1435}
    assert set(gauges["KZ"]) == {1520}
    assert set(gauges["TR"]) == {1435}


# -- baseline calibration ----------------------------------------------------------------
def test_baseline_total_matches_kz_ministry_2024(baseline):
    total = baseline.demand["annual_t"].sum()
    assert total == pytest.approx(4_484_000, rel=0.03)
    # every modelled 2024 flow crosses the Caspian, so the crossing equals the total
    assert crossing_t(baseline) == pytest.approx(total, rel=1e-9)


def test_baseline_containers_match_titr_association_teu(baseline):
    assert baseline.demand["annual_teu"].sum() == pytest.approx(56_500, rel=0.05)


def test_baseline_aktau_baku_container_crossings(baseline):
    ports = caspian_ports(baseline)
    d = baseline.demand
    teu = sum(d.loc[f, "annual_teu"] * crossing_share(baseline, f, ports, {"aktau", "alat"})
              for f in d.index)
    assert teu == pytest.approx(55_000, rel=0.05)


def test_baseline_oil_matches_aktau_to_btc(baseline):
    oil = by_category(baseline, "liquid_bulk")
    assert oil == pytest.approx(837_000 * 12 / 7, rel=0.05)
    assert 1_392_000 <= oil <= 1_500_000  # between the 2023 actual and the 2024 plan


def test_baseline_wagons_and_trucks_are_plausible_against_baku_port(baseline):
    d = baseline.demand
    wagons = d.loc[d["unit"] == "wagon", "annual_units"].sum()
    trucks = d.loc[d["unit"] == "truck", "annual_units"].sum()
    # TITR flows are a part (Kazakh lines) of all wagons and vehicles handled at Baku in 2024
    assert 0.5 * 37_515 <= wagons <= 37_515
    assert 0.4 * 58_169 <= trucks <= 58_169


def test_baseline_applies_no_projects_and_keeps_2024_sea_level(baseline):
    assert baseline.doc.applied_projects == []
    assert baseline.sea_level_change_m == 0.0
    assert len(baseline.projects) >= 12


# -- target 2030 -------------------------------------------------------------------------
def test_target_caspian_crossing_matches_world_bank_11_mt(target):
    assert crossing_t(target) == pytest.approx(11_000_000, rel=0.03)


def test_target_containers_and_oil_match_world_bank_mix(target):
    assert by_category(target, "container") == pytest.approx(4_074_000, rel=0.05)
    assert by_category(target, "liquid_bulk") == pytest.approx(3_553_000, rel=0.05)


def test_target_applies_every_baseline_project(baseline, target):
    """target-2030 applies every listed project that is not a candidate (candidates are choices)."""
    applied = target.doc.applied_projects
    assert len(applied) == len(set(applied))
    listed = baseline.projects
    assert set(applied) == set(listed.index[listed["status"] != "candidate"])
    listed = new_projects(baseline, target)
    assert set(listed["id"]) == set(applied)
    assert listed["capex_musd"].sum() > 0


def test_target_projects_changed_the_network(baseline, target):
    assert target.links.loc["dostyk-aktogay", "trains_per_day"] == 60
    assert baseline.links.loc["dostyk-aktogay", "trains_per_day"] == 12
    assert "aktau-container-hub" in target.berths.index
    assert "aktau-container-hub" not in baseline.berths.index
    assert target.nodes.loc["poti", "max_draft_m"] == 13.5
    assert target.vessels.loc["adports-780", "capacity_teu"] == 780


def test_target_sea_level_follows_the_20cm_per_year_decline(target):
    assert target.sea_level_change_m == pytest.approx(-0.20 * (2030 - 2024))


# -- routes ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["baseline-2024", "target-2030"])
def test_every_flow_has_a_feasible_route(name):
    s = load_scenario(name, strict=True)
    for fid in s.demand.index:
        flow = s.get("demand", fid)
        unit = s.unit_of(flow.commodity)
        assert sum(o.share for o in flow.route_options) == pytest.approx(1.0)
        for opt in flow.route_options:
            nodes = s.get("routes", opt.route).nodes
            assert (nodes[0], nodes[-1]) == (flow.origin, flow.destination)
            legs = s.route_legs(opt.route, unit)  # raises if infeasible
            assert len(legs) == len(nodes) - 1


# -- planning data -----------------------------------------------------------------------
def test_central_demand_paths_lead_from_baseline_to_target(baseline, target):
    covered = set()
    for dp in baseline.doc.demand_paths:
        comms = list(dp.commodities)
        covered |= set(comms)
        b = baseline.demand.loc[baseline.demand["commodity"].isin(comms), "annual_t"].sum()
        t = target.demand.loc[target.demand["commodity"].isin(comms), "annual_t"].sum()
        assert dp.central[2024] == 1.0
        assert dp.central[2030] / dp.central[2024] == pytest.approx(t / b, rel=1e-3), dp.id
        assert all(dp.low[y] <= dp.central[y] <= dp.high[y] for y in dp.central), dp.id
    assert covered == set(baseline.commodities.index)


def test_class_7_uranium_route_uses_declared_ports_and_vessels(baseline):
    assert baseline.commodities.loc["uranium", "hazard_class"] == "7"
    flow = baseline.get("demand", "d-uranium-kyzylorda-poti")
    nodes = {n.id: n for n in baseline.doc.nodes}
    for opt in flow.route_options:
        for nid in baseline.get("routes", opt.route).nodes:
            if nodes[nid].kind == "seaport":
                assert "7" in nodes[nid].dg_classes, nid
    # every Caspian vessel and seaport declares its classes; crude and fertiliser keep theirs
    caspian = {s.id for s in baseline.doc.services if s.kind != "black_sea_feeder"}
    for v in baseline.doc.vessels:
        if v.service in caspian:
            assert v.dg_classes, v.id
    for n in baseline.doc.nodes:
        if n.kind == "seaport":
            assert n.dg_classes, n.id
    assert "3" in nodes["aktau"].dg_classes and "3" in nodes["sangachal-jetty"].dg_classes
    assert all("5.1" in nodes[p].dg_classes for p in ("kuryk", "turkmenbashi", "alat", "batumi"))
