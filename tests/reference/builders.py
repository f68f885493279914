"""Tiny scenarios, built as dicts, where one element of the simulator behaves as a textbook queue."""

from __future__ import annotations

import math
from typing import Any

from transcaspian.model import Scenario

SRC = [{"id": "s1", "title": "Test", "url": "https://example.org", "year": 2024}]
HUGE_PATHS = 1.0e6   # rail paths/day so large that a section never queues


def node(nid: str, kind: str = "city", **kw: Any) -> dict[str, Any]:
    """A node dict at a dummy position."""
    return {"id": nid, "name": nid.upper(), "country": "KZ", "lat": 43.0, "lon": 51.0,
            "kind": kind, "source": "s1", **kw}


def rail(a: str, b: str, km: float = 100.0, paths: float = HUGE_PATHS, **kw: Any) -> dict[str, Any]:
    """A rail link dict (50 km/h, 1520 mm)."""
    return {"id": f"{a}-{b}", "from": a, "to": b, "mode": "rail", "distance_km": km,
            "speed_kmh": 50.0, "gauge_mm": 1520, "trains_per_day": paths, "source": "s1", **kw}


def exponential_quantiles(mean_h: float, n: int = 2000) -> dict[str, Any]:
    """An empirical distribution at the mid-quantiles of an exponential (h)."""
    values = [-mean_h * math.log(1.0 - (i + 0.5) / n) for i in range(n)]
    return {"dist": "empirical", "values": values}


def empirical_moments(dist: dict[str, Any]) -> tuple[float, float]:
    """Mean and second moment of an equally weighted empirical distribution."""
    v = dist["values"]
    return sum(v) / len(v), sum(x * x for x in v) / len(v)


def line_scenario(trains_per_h: float, *, border: dict[str, Any] | None = None,
                  section_paths: float = HUGE_PATHS, arrivals: str = "poisson",
                  units_per_train: float = 1.0) -> Scenario:
    """Origin -> (border) -> destination by rail, Poisson (or regular) trains."""
    nodes = [node("o"), node("d")]
    links = []
    route = ["o", "d"]
    if border is not None:
        nodes.insert(1, node("x", "border", **border))
        links = [rail("o", "x"), rail("x", "d")]
        route = ["o", "x", "d"]
    else:
        links = [rail("o", "d", paths=section_paths)]
    d = {
        "name": "line", "year": 2024, "price_year": 2024, "sources": SRC,
        "commodities": [{"id": "c", "name": "C", "unit": "teu", "category": "container",
                         "tonnes_per_unit": 10, "source": "s1"}],
        "nodes": nodes, "links": links, "routes": [{"id": "r", "nodes": route}],
        "demand": [{"id": "f", "origin": "o", "destination": "d", "commodity": "c",
                    "direction": "westbound", "annual_units": trains_per_h * 8760 * units_per_train,
                    "units_per_train": units_per_train, "arrivals": arrivals,
                    "route_options": [{"route": "r", "share": 1}], "source": "s1"}],
    }
    return Scenario.from_dict(d)


def sea_scenario(*, annual_units: float = 10000.0, units_per_train: float = 100.0,
                 arrivals: str = "poisson", vessels: int = 2, capacity: float = 300.0,
                 min_fill: float = 0.8, max_wait_h: float = 48.0, policy: str = "load_and_go",
                 departures_per_week: float | None = None, closures_per_month: float = 0.0,
                 closure_h: float = 24.0, sea_level_m: float = 0.0, handling_per_h: float = 0.0,
                 port_time_h: float = 4.0, onward: bool = True, max_draft_m: float = 4.5,
                 yard_teu: float | None = None, border: bool = False,
                 paths: float = 10.0) -> Scenario:
    """a -rail-> pa ~sea~> pb (-rail-> d): one container flow over one feeder service."""
    pa: dict[str, Any] = {"max_draft_m": max_draft_m, "port_time_h": port_time_h}
    if yard_teu is not None:
        pa["yard_capacity_teu"] = yard_teu
    nodes = [node("a"), node("pa", "seaport", **pa),
             node("pb", "seaport", max_draft_m=max_draft_m, port_time_h=port_time_h - 1.0)]
    links = [rail("a", "pa", km=300.0, paths=paths)]
    route = ["a", "pa", "pb"]
    if border:
        nodes.append(node("x", "border", capacity_trains_per_day=12.0, dwell_h=2.0))
        links = [rail("a", "x", km=300.0, paths=10.0), rail("x", "pa", km=100.0, paths=10.0)]
        route = ["a", "x", "pa", "pb"]
    if onward:
        nodes.append(node("d"))
        links.append(rail("pb", "d", km=200.0, paths=10.0))
        route.append("d")
    svc: dict[str, Any] = {"id": "f1", "name": "Feeder", "kind": "container_feeder", "from": "pa",
                           "to": "pb", "distance_km": 450.0, "policy": policy, "source": "s1"}
    if policy == "load_and_go":
        svc.update(min_fill_share=min_fill, max_wait_h=max_wait_h)
    else:
        svc.update(departures_per_week=departures_per_week)
    d: dict[str, Any] = {
        "name": "sea", "year": 2024, "price_year": 2024, "sources": SRC,
        "sea_level": {"change_m": sea_level_m},
        "commodities": [{"id": "container", "name": "C", "unit": "teu", "category": "container",
                         "tonnes_per_unit": 12, "source": "s1"}],
        "nodes": nodes, "links": links, "services": [svc],
        "vessels": [{"id": "v1", "name": "V1", "service": "f1", "count": vessels,
                     "capacity": {"teu": capacity}, "deadweight_t": 4500, "speed_kn": 11,
                     "design_draft_m": 4.2, "tonnes_per_cm": 12, "source": "s1"}],
        "routes": [{"id": "r1", "nodes": route}],
        "demand": [{"id": "d1", "origin": "a", "destination": route[-1], "commodity": "container",
                    "direction": "westbound", "annual_units": annual_units,
                    "units_per_train": units_per_train, "arrivals": arrivals,
                    "route_options": [{"route": "r1", "share": 1}], "source": "s1"}],
    }
    if handling_per_h > 0:
        d["berths"] = [{"id": f"b-{p}", "node": p, "kind": "container", "count": 1,
                        "handling_per_h": {"teu": handling_per_h}, "source": "s1"}
                       for p in ("pa", "pb")]
    if closures_per_month > 0:
        d["weather"] = [{"id": "w-pa", "node": "pa", "closures_per_month": [closures_per_month] * 12,
                         "closure_duration_h": closure_h, "source": "s1"}]
    return Scenario.from_dict(d)
