"""Tariffs along an itinerary: per-element rates summed, and unified through tariffs.

A per-element rate (:class:`~transcaspian.model.schema.Tariff`) applies when its ``element``
is a link or sea service the itinerary uses, or a node it visits (origin and destination
included), and its ``unit`` is the cargo's unit:
``usd_per_unit + usd_per_unit_km x km`` per unit (km = link or sea distance; 0 at nodes).
A through tariff applies when the itinerary's node list is exactly a scenario route with a
:class:`~transcaspian.model.schema.ThroughTariff` in the cargo's unit; its revenue is
split by the declared party shares.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pandas as pd

from transcaspian.model.errors import Problem, UserError
from transcaspian.model.itinerary import Itinerary
from transcaspian.model.network import Leg
from transcaspian.model.scenario import Scenario
from transcaspian.model.schema import Tariff, ThroughTariff

#: Unit words of a through-tariff level -> (handling unit, units of it per word): FEU = 2 TEU.
LEVEL_UNITS: dict[str, tuple[str, float]] = {
    "teu": ("teu", 1.0), "teus": ("teu", 1.0), "feu": ("teu", 2.0), "feus": ("teu", 2.0),
    "wagon": ("wagon", 1.0), "wagons": ("wagon", 1.0), "truck": ("truck", 1.0), "trucks": ("truck", 1.0),
    "t": ("tonne", 1.0), "tonne": ("tonne", 1.0), "tonnes": ("tonne", 1.0), "ton": ("tonne", 1.0),
}
_LEVEL = re.compile(r"\s*(?:usd\s*)?(\d+(?:\.\d*)?|\.\d+)\s*(?:usd\s*)?/\s*([a-z]+)\s*", re.IGNORECASE)

LINE_COLUMNS = ["seq", "element", "element_type", "tariff", "party", "usd_per_unit_flat",
                "usd_per_unit_km", "km", "usd_per_unit", "units", "cost_usd"]
PARTY_COLUMNS = ["party", "leg_sum_usd", "leg_sum_share", "through_usd", "through_share"]


def parse_through_tariff(text: str, field: str = "through_tariff") -> tuple[float, str]:
    """Read a through-tariff level ``AMOUNT/UNIT``: ``2500/FEU``, ``1250/TEU``, ``1800/wagon``, ``60/tonne``.

    Returns ``(usd_per_unit, unit)`` in a handling unit (teu | wagon | truck | tonne): an FEU
    counts 2 TEU, so ``2500/FEU`` is ``(1250.0, "teu")``.

    Raises
    ------
    UserError
        One problem naming ``field`` (the option) when the text is not AMOUNT/UNIT with a
        positive amount and a known unit.

    Examples
    --------
    >>> parse_through_tariff("2500/FEU"), parse_through_tariff("60 / tonne")
    ((1250.0, 'teu'), (60.0, 'tonne'))
    >>> try:
    ...     parse_through_tariff("2500 per FEU")
    ... except UserError as e:
    ...     print(e.problems[0].field)
    through_tariff
    """
    m = _LEVEL.fullmatch(text or "")
    units = "TEU, FEU, wagon, truck or tonne"
    if m is None:
        msg = (f"cannot read the through tariff '{text}': expected AMOUNT/UNIT in USD, e.g. 2500/FEU, "
               f"1250/TEU, 1800/wagon, 60/tonne")
    elif m.group(2).lower() not in LEVEL_UNITS:
        msg = f"unknown unit '{m.group(2)}' in the through tariff '{text}'; use {units}"
    elif not float(m.group(1)) > 0:
        msg = f"the through tariff must be a positive amount, got '{text}'"
    else:
        unit, per = LEVEL_UNITS[m.group(2).lower()]
        return float(m.group(1)) / per, unit
    raise UserError([Problem(msg, field=field)], "the through tariff")


def level_per_unit(usd_per_unit: float, unit: str, to_unit: str, tonnes_per_unit: float,
                   field: str = "through_tariff") -> float:
    """A through-tariff level (USD per ``unit``) in USD per ``to_unit``.

    A level per tonne converts to any unit (x ``tonnes_per_unit``); otherwise the units
    must agree (UserError naming ``field``).

    Examples
    --------
    >>> level_per_unit(60.0, "tonne", "teu", 10.0), level_per_unit(1250.0, "teu", "teu", 10.0)
    (600.0, 1250.0)
    """
    if unit == to_unit:
        return usd_per_unit
    if unit == "tonne":
        return usd_per_unit * tonnes_per_unit
    raise UserError([Problem(f"the through tariff is per {unit} but the cargo is handled in {to_unit}",
                             field=field)], "the through tariff")


def _rates(scenario: Scenario, unit: str) -> dict[str, list[Tariff]]:
    out: dict[str, list[Tariff]] = defaultdict(list)
    for t in scenario.doc.tariffs:
        if t.unit == unit:
            out[t.element].append(t)
    return out


def _element_cost(rates: dict[str, list[Tariff]], element: str, km: float) -> float:
    return sum(t.usd_per_unit + t.usd_per_unit_km * km for t in rates.get(element, []))


def legs_unit_cost(scenario: Scenario, legs: list[Leg], unit: str) -> float:
    """Tariff per unit over ``legs`` and the nodes they visit (USD/unit).

    A sea leg served by several services takes the cheapest service's rate.
    """
    rates = _rates(scenario, unit)
    total = 0.0
    nodes: list[str] = []
    for leg in legs:
        if not nodes:
            nodes.append(leg.from_node)
        nodes.append(leg.to_node)
        if leg.kind == "link":
            total += _element_cost(rates, leg.link, leg.distance_km)
        else:
            total += min(_element_cost(rates, s, scenario.network.services[s].distance_km)
                         for s in leg.services)
    return total + sum(_element_cost(rates, n, 0.0) for n in nodes)


def through_tariff_for(scenario: Scenario, nodes: tuple[str, ...] | list[str], unit: str
                       ) -> ThroughTariff | None:
    """The through tariff of the scenario route whose node list equals ``nodes``, if any."""
    routes = {r.id for r in scenario.doc.routes if tuple(r.nodes) == tuple(nodes)}
    return next((t for t in scenario.doc.through_tariffs if t.route in routes and t.unit == unit), None)


def tariff_rows(scenario: Scenario, itinerary: Itinerary, unit: str, units: float
                ) -> tuple[list[dict[str, Any]], ThroughTariff | None]:
    """Per-element charge rows (columns :data:`LINE_COLUMNS`) and the through tariff, if any."""
    rates = _rates(scenario, unit)
    lines: list[dict[str, Any]] = []

    def add(seq: int, element: str, etype: str, km: float) -> None:
        for t in rates.get(element, []):
            per = t.usd_per_unit + t.usd_per_unit_km * km
            lines.append({"seq": seq, "element": element, "element_type": etype, "tariff": t.id,
                          "party": t.party, "usd_per_unit_flat": t.usd_per_unit,
                          "usd_per_unit_km": t.usd_per_unit_km, "km": km, "usd_per_unit": per,
                          "units": units, "cost_usd": per * units})

    for i, node in enumerate(itinerary.nodes):
        add(2 * i, node, "node", 0.0)
        if i < len(itinerary.legs):
            leg = itinerary.legs[i]
            if leg.kind == "link":
                add(2 * i + 1, leg.link, "link", leg.distance_km)
            else:
                sid = itinerary.services[i]
                add(2 * i + 1, sid, "service", scenario.network.services[sid].distance_km)
    return lines, through_tariff_for(scenario, itinerary.nodes, unit)


def party_rows(lines: list[dict[str, Any]], through: ThroughTariff | None, units: float
               ) -> list[dict[str, Any]]:
    """Revenue by party (columns :data:`PARTY_COLUMNS`): leg sum and through-tariff share."""
    total = sum(x["cost_usd"] for x in lines)
    by_party: dict[str, float] = defaultdict(float)
    for x in lines:
        by_party[x["party"]] += x["cost_usd"]
    through_usd = through.usd_per_unit * units if through is not None else None
    out = []
    for p in sorted(set(by_party) | set(through.shares if through else {})):
        leg_sum = by_party.get(p, 0.0)
        out.append({"party": p, "leg_sum_usd": leg_sum,
                    "leg_sum_share": leg_sum / total if total > 0 else 0.0,
                    "through_usd": through_usd * through.shares.get(p, 0.0) if through is not None else None,
                    "through_share": through.shares.get(p, 0.0) if through is not None else None})
    return out


def itinerary_tariff(scenario: Scenario, itinerary: Itinerary, unit: str, units: float
                     ) -> dict[str, Any]:
    """Per-element charges, party split and through tariff of an itinerary.

    Parameters
    ----------
    itinerary
        From :meth:`~transcaspian.analysis.routes.RoutePlanner.itineraries`.
    unit
        Handling unit the rates are charged per.
    units
        Quantity shipped (units).

    Returns
    -------
    dict with ``lines`` (DataFrame: ``seq`` of the itinerary row the charge belongs to,
    ``element, element_type, tariff, party, usd_per_unit_flat, usd_per_unit_km, km,
    usd_per_unit, units, cost_usd``), ``parties`` (DataFrame: ``party, leg_sum_usd,
    leg_sum_share, through_usd, through_share``), ``total_usd`` (leg sum, USD),
    ``through_usd`` (USD, or None when no through tariff covers the itinerary) and
    ``through_tariff`` (its id or None).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.model.itinerary import itinerary_along
    >>> s = load_scenario("baseline-2024")
    >>> itinerary_tariff(s, itinerary_along(s, ["aktau", "alat"], "teu"), "teu", 2.0)["total_usd"]
    560.0
    """
    lines, through = tariff_rows(scenario, itinerary, unit, units)
    return {"lines": pd.DataFrame(lines, columns=LINE_COLUMNS),
            "parties": pd.DataFrame(party_rows(lines, through, units), columns=PARTY_COLUMNS),
            "total_usd": sum(x["cost_usd"] for x in lines),
            "through_usd": through.usd_per_unit * units if through is not None else None,
            "through_tariff": through.id if through is not None else None}
