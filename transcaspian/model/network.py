"""How a route's consecutive nodes are joined: which link or sea services carry a unit.

Shared by validation and every engine so that all agree on what a route means.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

from transcaspian.model.schema import Link, ScenarioDoc, Service

#: Land modes that can carry each handling unit.
LAND_MODES: dict[str, tuple[str, ...]] = {
    "teu": ("rail",),
    "wagon": ("rail",),
    "truck": ("road",),
    "tonne": ("pipeline", "rail"),
}


@dataclass(frozen=True)
class Leg:
    """One step of a route between two consecutive nodes.

    Attributes
    ----------
    kind
        ``link`` for a land link, ``sea`` for a crossing by one of ``services``.
    link
        Link id (land legs).
    reverse
        True when the link is traversed from its ``to`` end to its ``from`` end.
    services
        Sea services able to carry the unit between the two ports (sea legs).
    distance_km
        Link length or the (first) service's sea distance (km).
    """

    kind: Literal["link", "sea"]
    from_node: str
    to_node: str
    distance_km: float
    link: str | None = None
    reverse: bool = False
    services: tuple[str, ...] = ()
    mode: str = ""


class Network:
    """Lookups over a validated-shape scenario document."""

    def __init__(self, doc: ScenarioDoc) -> None:
        self.doc = doc
        self.nodes = {n.id: n for n in doc.nodes}
        self.links = {lk.id: lk for lk in doc.links}
        self.services = {s.id: s for s in doc.services}
        self._links_by_pair: dict[frozenset[str], list[Link]] = {}
        for lk in doc.links:
            self._links_by_pair.setdefault(frozenset((lk.from_node, lk.to_node)), []).append(lk)
        self._services_by_pair: dict[frozenset[str], list[Service]] = {}
        for s in doc.services:
            self._services_by_pair.setdefault(frozenset((s.from_node, s.to_node)), []).append(s)
        self._units_by_service: dict[str, set[str]] = {}
        for v in doc.vessels:
            self._units_by_service.setdefault(v.service, set()).update(v.capacity)

    def service_units(self, service_id: str) -> set[str]:
        """Units some vessel of the service can carry."""
        return self._units_by_service.get(service_id, set())

    def leg(self, a: str, b: str, unit: str) -> tuple[Leg | None, str]:
        """The leg a -> b for ``unit``, or (None, reason)."""
        pair = frozenset((a, b))
        modes = LAND_MODES[unit]
        for lk in self._links_by_pair.get(pair, []):
            if lk.mode in modes:
                return Leg("link", a, b, lk.distance_km, link=lk.id,
                           reverse=lk.from_node != a, mode=lk.mode), ""
        services = [s for s in self._services_by_pair.get(pair, [])
                    if unit in self.service_units(s.id)]
        if services:
            return Leg("sea", a, b, services[0].distance_km,
                       services=tuple(s.id for s in services), mode="sea"), ""
        if self._links_by_pair.get(pair) or self._services_by_pair.get(pair):
            return None, f"{a} -> {b} has no link or vessel that carries {unit}"
        return None, f"no link or sea service joins {a} and {b}"

    def dangerous_goods(self, legs: list[Leg], hazard_class: str) -> list[str]:
        """Why cargo of UN class ``hazard_class`` may not take these legs (empty when it may).

        The one dangerous-goods rule: every seaport the legs call at that declares
        ``dg_classes`` must list the class, and each sea leg needs a vessel class that may
        carry it (one whose ``dg_classes`` lists it or is not declared). The capacity pools
        and the simulator do not separate the cargo further onto those vessels.
        """
        problems: list[str] = []
        for leg in legs:
            if leg.kind != "sea":
                continue
            for port in (leg.from_node, leg.to_node):
                allowed = self.nodes[port].dg_classes
                if allowed is not None and hazard_class not in allowed:
                    problems.append(f"port '{port}' does not handle class {hazard_class}")
            fleet = [v for v in self.doc.vessels if v.service in leg.services]
            if fleet and not any(v.dg_classes is None or hazard_class in v.dg_classes for v in fleet):
                problems.append(f"no vessel class on {leg.from_node} -> {leg.to_node} carries class "
                                f"{hazard_class} ({', '.join(v.id for v in fleet)})")
        return list(dict.fromkeys(problems))

    def legs(self, nodes: list[str], unit: str, hazard_class: str | None = None
             ) -> tuple[list[Leg], list[str]]:
        """Legs along ``nodes`` for ``unit`` and the problems found (empty when feasible).

        Gauge rule: consecutive rail links of different gauge must meet at a
        ``gauge_change`` node. Containers and bulk are transshipped at sea legs (the
        gauge starts afresh); wagons ride the ferry, so their gauge carries over.
        Dangerous goods (``hazard_class``): see :meth:`dangerous_goods`.
        """
        legs: list[Leg] = []
        problems: list[str] = []
        missing = [n for n in nodes if n not in self.nodes]
        if missing:
            return [], [f"unknown node '{n}'" for n in missing]
        gauge: int | None = None
        for a, b in itertools.pairwise(nodes):
            leg, why = self.leg(a, b, unit)
            if leg is None:
                problems.append(why)
                gauge = None
                continue
            if leg.kind == "link" and leg.mode == "rail":
                g = self.links[leg.link].gauge_mm
                if gauge is not None and g != gauge and self.nodes[a].kind != "gauge_change":
                    problems.append(f"train passes from {gauge} mm to {g} mm track at '{a}', "
                                    "which is not a gauge_change node")
                gauge = g
            elif leg.kind == "sea" and unit != "wagon":
                gauge = None
            legs.append(leg)
        if hazard_class is not None:
            problems += self.dangerous_goods(legs, hazard_class)
        return legs, problems
