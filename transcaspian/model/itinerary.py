"""Itineraries: a path through the network for one unit, with the sea service of each sea leg.

Model-level data shared by the route planner, tariffs, emissions and TCD, so none of these
engines imports another to know what an itinerary is.

Examples
--------
>>> from transcaspian.model import load_scenario
>>> s = load_scenario("baseline-2024")
>>> it = itinerary_along(s, ["aktau", "alat"], "teu")
>>> it.legs[0].kind, round(it.distance_km)
('sea', 508)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from transcaspian.model.network import Leg

if TYPE_CHECKING:
    from transcaspian.model.scenario import Scenario

__all__ = ["Itinerary", "Leg", "itinerary_along", "route_id_of"]


@dataclass(frozen=True)
class Itinerary:
    """A path through the network for one unit, with the sea service chosen per sea leg.

    Attributes
    ----------
    nodes
        Node ids in travel order.
    legs
        One :class:`~transcaspian.model.network.Leg` per pair of consecutive nodes.
    services
        ``services[i]`` is the service of sea leg ``i`` (None for land legs).
    route_id
        The scenario route with the same node list, if any.
    """

    nodes: tuple[str, ...]
    legs: tuple[Leg, ...]
    services: tuple[str | None, ...]
    route_id: str | None = None

    @property
    def distance_km(self) -> float:
        """Length of the itinerary (km)."""
        return sum(leg.distance_km for leg in self.legs)

    def via(self, scenario: Scenario) -> str:
        """Short label: borders and gauge changes passed, and each sea crossing with its
        service kind, e.g. ``dostyk; kuryk>alat rail_ferry; poti>constanta black_sea_feeder``."""
        net = scenario.network
        parts: list[str] = []
        for i, node in enumerate(self.nodes[1:-1], start=1):
            if net.nodes[node].kind in ("border", "gauge_change"):
                parts.append(node)
            leg = self.legs[i]
            if leg.kind == "sea":
                parts.append(f"{leg.from_node}>{leg.to_node} {net.services[self.services[i]].kind}")
        if self.legs and self.legs[0].kind == "sea":
            first = self.legs[0]
            parts.insert(0, f"{first.from_node}>{first.to_node} {net.services[self.services[0]].kind}")
        return "; ".join(parts) if parts else "direct"


def route_id_of(scenario: Scenario, nodes: tuple[str, ...]) -> str | None:
    """The id of the scenario route whose node list is ``nodes`` (the last such), if any."""
    return next((r.id for r in reversed(scenario.doc.routes) if tuple(r.nodes) == tuple(nodes)), None)


def itinerary_along(scenario: Scenario, nodes: list[str], unit: str) -> Itinerary:
    """The itinerary along a given node list, with the first service on each sea leg.

    Raises
    ------
    ValueError
        When the node list cannot carry ``unit`` (the problems joined by ``; ``).
    """
    legs, problems = scenario.network.legs(list(nodes), unit)
    if problems:
        raise ValueError("; ".join(problems))
    services = tuple(leg.services[0] if leg.kind == "sea" else None for leg in legs)
    return Itinerary(tuple(nodes), tuple(legs), services, route_id_of(scenario, tuple(nodes)))
