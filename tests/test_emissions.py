"""ISO 14083 / GLEC transport-chain emissions: a hand-worked two-leg chain with hubs."""

from __future__ import annotations

import copy

import pytest

from transcaspian.analysis import chain_emissions
from transcaspian.analysis.emissions import hub_nodes, reference_emissions
from transcaspian.model import Scenario
from transcaspian.model.itinerary import itinerary_along

A = {"assumption": "test"}


def chain_scenario(sea_factor: bool = True) -> Scenario:
    """o -rail 1000 km-> p1 -sea 400 km-> p2; hubs at both ports."""
    d = {
        "name": "chain", "year": 2024, "price_year": 2024,
        "commodities": [{"id": "container", "name": "C", "unit": "teu", "category": "container",
                         "tonnes_per_unit": 12, **A}],
        "nodes": [{"id": "o", "name": "O", "country": "KZ", "lat": 43, "lon": 60, "kind": "terminal", **A},
                  {"id": "p1", "name": "P1", "country": "KZ", "lat": 43, "lon": 51, "kind": "seaport",
                   "emission_factor": "hub-a", **A},
                  {"id": "p2", "name": "P2", "country": "AZ", "lat": 40, "lon": 50, "kind": "seaport",
                   "emission_factor": "hub-b", **A}],
        "links": [{"id": "o-p1", "from": "o", "to": "p1", "mode": "rail", "distance_km": 1000,
                   "speed_kmh": 50, "gauge_mm": 1520, "trains_per_day": 10, "emission_factor": "rail", **A}],
        "services": [{"id": "s", "name": "S", "kind": "container_feeder", "from": "p1", "to": "p2",
                      "distance_km": 400, "policy": "scheduled", "departures_per_week": 2,
                      **({"emission_factor": "feeder"} if sea_factor else {}), **A}],
        "vessels": [{"id": "v", "name": "V", "service": "s", "count": 1, "capacity": {"teu": 300},
                     "deadweight_t": 4000, "speed_kn": 12, "design_draft_m": 4, "tonnes_per_cm": 10, **A}],
        "emission_factors": [
            {"id": "rail", "category": "rail diesel", "kind": "transport", "wtw_g_per_tkm": 25,
             "ttw_g_per_tkm": 20, **A},
            {"id": "feeder", "category": "container feeder", "kind": "transport", "wtw_g_per_tkm": 40,
             "ttw_g_per_tkm": 35, **A},
            {"id": "hub-a", "category": "port terminal", "kind": "hub", "wtw_kg_per_t": 1.5,
             "ttw_kg_per_t": 1.2, **A},
            {"id": "hub-b", "category": "port terminal", "kind": "hub", "wtw_kg_per_t": 2.5,
             "ttw_kg_per_t": 0.5, **A}],
        "references": [{"id": "suez", "name": "Suez", "kind": "sea", "via": "Suez Canal", "origin": "China",
                        "destination": "Europe", "distance_km": 20000, "transit_days_low": 35,
                        "transit_days_high": 45, "cost_usd_per_feu_low": 2000, "cost_usd_per_feu_high": 3000,
                        "emission_factor": "feeder", **A}],
    }
    return Scenario.from_dict(copy.deepcopy(d))


def test_iso14083_worked_example():
    """2 TEU x 12 t = 24 t.
    rail: 24 t x 1000 km = 24,000 t-km x 25 g = 600 kg WTW, x 20 g = 480 kg TTW
    sea:  24 t x  400 km =  9,600 t-km x 40 g = 384 kg WTW, x 35 g = 336 kg TTW
    hubs: p1 24 x 1.5 = 36 / 24 x 1.2 = 28.8; p2 24 x 2.5 = 60 / 24 x 0.5 = 12
    total WTW 1080 kg, TTW 856.8 kg, WTT 223.2 kg."""
    s = chain_scenario()
    it = itinerary_along(s, ["o", "p1", "p2"], "teu")
    em = chain_emissions(s, it, 24.0)
    assert list(em["kind"]) == ["transport", "hub", "transport", "hub"]
    assert list(em["element"]) == ["o-p1", "p1", "s", "p2"]
    assert list(em["co2e_wtw_kg"]) == pytest.approx([600, 36, 384, 60])
    assert list(em["co2e_ttw_kg"]) == pytest.approx([480, 28.8, 336, 12])
    assert em["tkm"].sum() == pytest.approx(33_600)
    assert em["co2e_wtw_kg"].sum() == pytest.approx(1080)
    assert em["co2e_ttw_kg"].sum() == pytest.approx(856.8)
    assert em["co2e_wtt_kg"].sum() == pytest.approx(223.2)
    assert not em["missing_factor"].any()


def test_missing_factor_flagged_and_counted_zero():
    s = chain_scenario(sea_factor=False)
    it = itinerary_along(s, ["o", "p1", "p2"], "teu")
    em = chain_emissions(s, it, 24.0).set_index("element")
    assert em.loc["s", "missing_factor"] and em.loc["s", "co2e_wtw_kg"] == 0
    assert em["co2e_wtw_kg"].sum() == pytest.approx(600 + 36 + 60)


def test_hubs_only_where_cargo_changes_vehicle():
    s = chain_scenario()
    it = itinerary_along(s, ["o", "p1", "p2"], "teu")
    assert hub_nodes(s, it) == [1, 2]       # the origin terminal is not a transshipment


def test_reference_route_emissions():
    s = chain_scenario()
    wtw, ttw = reference_emissions(s, "suez", 24.0)
    assert (wtw, ttw) == pytest.approx((24 * 20000 * 40 / 1000, 24 * 20000 * 35 / 1000))
