"""Reference routes that fit a shipment: the northern rail and deep-sea routes whose end points
contain the quoted origin and destination, as option rows beside the corridor's itineraries.

A reference route (``scenario.references``) lists the countries it serves at each end
(``origin_countries``, ``destination_countries``, ISO 3166-1 alpha-2; a missing list matches
any country). A quote from Xi'an (CN) to Constanta (RO) is compared with the China -> Europe
routes, one to Istanbul (TR) with the China -> Turkiye routes, one to Baku (AZ) with none.

Examples
--------
>>> from transcaspian.model import load_scenario
>>> s = load_scenario("baseline-2024")
>>> [r.id for r in fitting_references(s, "xian", "istanbul")]
['ref-sea-suez-turkiye', 'ref-sea-cape-turkiye']
"""

from __future__ import annotations

import math
from typing import Any

from transcaspian.analysis.emissions import reference_emissions
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.loading import suggest
from transcaspian.model.scenario import Scenario
from transcaspian.model.schema import ReferenceRoute

__all__ = ["fitting_references", "reference_rows"]


def _country(scenario: Scenario, node: str, field: str) -> str:
    nodes = scenario.nodes
    if node not in nodes.index:
        raise UserError([Problem(f"unknown node '{node}'{suggest(node, list(nodes.index))}", field=field)],
                        "the reference routes")
    return str(nodes.at[node, "country"])


def _serves(countries: list[str] | None, country: str) -> bool:
    return countries is None or country in countries


def fitting_references(scenario: Scenario, origin: str, destination: str) -> list[ReferenceRoute]:
    """The reference routes whose end points contain the countries of two nodes.

    Parameters
    ----------
    scenario
        The scenario whose ``references`` and ``nodes`` are read.
    origin, destination
        Node ids of the quoted shipment.

    Returns
    -------
    list of ReferenceRoute
        In scenario order; empty when none serves the pair.

    Raises
    ------
    UserError
        Naming ``origin`` or ``destination`` when the node does not exist.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> [r.id for r in fitting_references(s, "xian", "constanta")]
    ['ref-northern-rail', 'ref-sea-suez', 'ref-sea-cape']
    >>> fitting_references(s, "xian", "baku")
    []
    """
    problems: list[Problem] = []
    countries: dict[str, str] = {}
    for field, node in (("origin", origin), ("destination", destination)):
        try:
            countries[field] = _country(scenario, node, field)
        except UserError as exc:
            problems.extend(exc.problems)
    if problems:
        raise UserError(problems, "the reference routes")
    return [ref for ref in scenario.doc.references
            if _serves(ref.origin_countries, countries["origin"])
            and _serves(ref.destination_countries, countries["destination"])]


def reference_rows(scenario: Scenario, origin: str, destination: str, *, unit: str, units: float,
                   tonnes: float) -> list[dict[str, Any]]:
    """Quote option rows of the reference routes that fit the shipment (container cargo only).

    Parameters
    ----------
    scenario
        The scenario.
    origin, destination
        Node ids of the quoted shipment (see :func:`fitting_references`).
    unit
        The cargo's handling unit; only ``teu`` cargo is compared with the references.
    units
        Number of units (TEU); costs are the published per-FEU range x ``units / 2``.
    tonnes
        Cargo mass (t) for the reference's CO2e (t x km x its emission factor).

    Returns
    -------
    list of dict
        One row per fitting reference with the quote's option columns: ``kind`` =
        reference, ``option`` = its id, ``nodes`` = its own end points, ``transit_days`` the
        middle of the published range (days), ``cost_usd`` the middle of the cost range (USD).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> rows = reference_rows(s, "xian", "tbilisi", unit="teu", units=2, tonnes=20)
    >>> [(r["option"], r["transit_days"], r["cost_usd"]) for r in rows]
    [('ref-sea-poti', 37.5, 2250.0)]
    >>> reference_rows(s, "xian", "constanta", unit="wagon", units=1, tonnes=60)
    []
    """
    if unit != "teu":
        return []
    rows = []
    feu = units / 2.0
    for ref in fitting_references(scenario, origin, destination):
        wtw, ttw = reference_emissions(scenario, ref.id, tonnes)
        lo, hi = ref.cost_usd_per_feu_low * feu, ref.cost_usd_per_feu_high * feu
        days = (ref.transit_days_low + ref.transit_days_high) / 2.0
        rows.append({"option": ref.id, "rank": math.nan, "kind": "reference", "name": ref.name,
                     "via": ref.via, "route": "", "nodes": f"{ref.origin} - {ref.destination}",
                     "distance_km": ref.distance_km,
                     "transit_h": days * 24.0, "transit_days": days, "transit_days_low": ref.transit_days_low,
                     "transit_days_high": ref.transit_days_high, "moving_h": math.nan, "dwell_h": math.nan,
                     "wait_h": math.nan, "cost_usd": (lo + hi) / 2.0, "cost_usd_low": lo, "cost_usd_high": hi,
                     "through_tariff_usd": math.nan, "price_usd": (lo + hi) / 2.0,
                     "co2e_wtw_kg": wtw, "co2e_ttw_kg": ttw,
                     "saturated": False, "co2e_complete": not math.isnan(wtw)})
    return rows
