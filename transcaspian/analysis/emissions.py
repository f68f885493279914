"""Greenhouse-gas emissions of a transport chain per ISO 14083:2023 / GLEC Framework v3.

The chain is split into transport chain elements (TCE):

- each leg (rail section, road, pipeline, sea crossing) is a transport TCE:
  ``kg CO2e = t x km x factor (g CO2e/t-km) / 1000``, with the factor of the link or
  service (``emission_factor``), well-to-wake (WTW) and tank-to-wake (TTW);
- each hub where the cargo is transshipped is a hub TCE: ``kg CO2e = t x factor
  (kg CO2e/t)``, with the node's hub factor. Transshipment happens at both ends of a
  sea leg, at gauge-change nodes and where the land mode changes.

An element without a factor contributes 0 and is flagged ``missing_factor``.
Well-to-tank (WTT) = WTW - TTW.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from transcaspian.model.itinerary import Itinerary, itinerary_along
from transcaspian.model.scenario import Scenario
from transcaspian.model.schema import EmissionFactor

COLUMNS = ["seq", "tce", "kind", "element", "mode", "factor", "category", "t", "distance_km", "tkm",
           "wtw_factor", "ttw_factor", "co2e_wtw_kg", "co2e_ttw_kg", "co2e_wtt_kg", "missing_factor"]


def hub_nodes(scenario: Scenario, itinerary: Itinerary) -> list[int]:
    """Positions in ``itinerary.nodes`` where the cargo is transshipped (see module doc)."""
    net = scenario.network
    out = []
    legs = itinerary.legs
    for i, node in enumerate(itinerary.nodes):
        before = legs[i - 1] if i > 0 else None
        after = legs[i] if i < len(legs) else None
        sea = (before is not None and before.kind == "sea") or (after is not None and after.kind == "sea")
        gauge = net.nodes[node].kind == "gauge_change" and before is not None and after is not None
        mode_change = (before is not None and after is not None and before.kind == "link"
                       and after.kind == "link" and before.mode != after.mode)
        if sea or gauge or mode_change:
            out.append(i)
    return out


def _factor(scenario: Scenario, fid: str | None) -> EmissionFactor | None:
    if fid is None:
        return None
    return next((f for f in scenario.doc.emission_factors if f.id == fid), None)


def chain_emissions(scenario: Scenario, itinerary: Itinerary, tonnes: float) -> pd.DataFrame:
    """ISO 14083 transport chain elements of an itinerary as a DataFrame (see
    :func:`emission_rows` for the columns).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.model.itinerary import itinerary_along
    >>> s = load_scenario("baseline-2024")
    >>> rows = chain_emissions(s, itinerary_along(s, ["aktau", "alat"], "teu"), tonnes=20.0)
    >>> round(float(rows["co2e_wtw_kg"].sum()), 1)
    537.2
    """
    return pd.DataFrame(emission_rows(scenario, itinerary, tonnes), columns=COLUMNS)


def emission_rows(scenario: Scenario, itinerary: Itinerary, tonnes: float) -> list[dict[str, Any]]:
    """ISO 14083 transport chain elements of an itinerary for ``tonnes`` of cargo.

    Returns
    -------
    One row per TCE in chain order: ``seq`` (itinerary row), ``tce`` (label),
    ``kind`` (transport | hub), ``element`` (link, service or node id), ``mode``,
    ``factor`` (id), ``category`` (GLEC category), ``t``, ``distance_km``, ``tkm``,
    ``wtw_factor``/``ttw_factor`` (g/t-km for transport, kg/t for hubs), ``co2e_wtw_kg``,
    ``co2e_ttw_kg``, ``co2e_wtt_kg``, ``missing_factor``.
    """
    net = scenario.network
    rows: list[dict[str, Any]] = []
    hubs = set(hub_nodes(scenario, itinerary))
    for i, node in enumerate(itinerary.nodes):
        if i in hubs:
            f = _factor(scenario, net.nodes[node].emission_factor)
            wtw = f.wtw_kg_per_t if f else 0.0
            ttw = f.ttw_kg_per_t if f else 0.0
            rows.append({"seq": 2 * i, "tce": f"hub {node}", "kind": "hub", "element": node, "mode": "hub",
                         "factor": f.id if f else "", "category": f.category if f else "", "t": tonnes,
                         "distance_km": 0.0, "tkm": 0.0, "wtw_factor": wtw, "ttw_factor": ttw,
                         "co2e_wtw_kg": tonnes * wtw, "co2e_ttw_kg": tonnes * ttw,
                         "co2e_wtt_kg": tonnes * (wtw - ttw), "missing_factor": f is None})
        if i < len(itinerary.legs):
            leg = itinerary.legs[i]
            if leg.kind == "link":
                element, fid, km = leg.link, net.links[leg.link].emission_factor, leg.distance_km
            else:
                element = itinerary.services[i]
                svc = net.services[element]
                fid, km = svc.emission_factor, svc.distance_km
            f = _factor(scenario, fid)
            wtw = f.wtw_g_per_tkm if f else 0.0
            ttw = f.ttw_g_per_tkm if f else 0.0
            tkm = tonnes * km
            rows.append({"seq": 2 * i + 1, "tce": f"{leg.from_node} -> {leg.to_node}", "kind": "transport",
                         "element": element, "mode": leg.mode, "factor": f.id if f else "",
                         "category": f.category if f else "", "t": tonnes, "distance_km": km, "tkm": tkm,
                         "wtw_factor": wtw, "ttw_factor": ttw, "co2e_wtw_kg": tkm * wtw / 1000.0,
                         "co2e_ttw_kg": tkm * ttw / 1000.0, "co2e_wtt_kg": tkm * (wtw - ttw) / 1000.0,
                         "missing_factor": f is None})
    return rows


def reference_emissions(scenario: Scenario, reference_id: str, tonnes: float) -> tuple[float, float]:
    """(WTW, TTW) kg CO2e of ``tonnes`` on a reference route: t x distance x its factor."""
    ref = scenario.get("references", reference_id)
    f = _factor(scenario, ref.emission_factor)
    if f is None:
        return float("nan"), float("nan")
    tkm = tonnes * ref.distance_km
    return tkm * f.wtw_g_per_tkm / 1000.0, tkm * f.ttw_g_per_tkm / 1000.0


CORRIDOR_COLUMNS = ["flow", "route", "commodity", "t", "tkm", "co2e_wtw_t", "co2e_ttw_t",
                    "g_co2e_wtw_per_tkm", "missing_factors"]


def corridor_emissions(scenario: Scenario, flow_routes: pd.DataFrame) -> pd.DataFrame:
    """Annual ISO 14083 emissions of the cargo a capacity solution routes, one row per flow and route.

    Each ``flow_routes`` row (``flow``, ``route``, ``t`` per year, from :func:`capacity`) is
    priced with :func:`chain_emissions` along its route, with the first service that carries the
    flow's unit on each sea leg. Rows carrying no cargo are left out.

    Returns
    -------
    ``flow``, ``route``, ``commodity``, ``t`` (t/year), ``tkm`` (t-km/year), ``co2e_wtw_t`` and
    ``co2e_ttw_t`` (t CO2e/year), ``g_co2e_wtw_per_tkm`` (intensity), ``missing_factors``
    (elements without an emission factor, counted as 0).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.analysis.capacity import capacity
    >>> s = load_scenario("baseline-2024")
    >>> rows = corridor_emissions(s, capacity(s)["flow_routes"])
    >>> bool(rows["co2e_wtw_t"].sum() > 0), bool((rows["t"] > 0).all())
    (True, True)
    """
    com = {c.id: c for c in scenario.doc.commodities}
    flow_of = {d.id: d for d in scenario.doc.demand}
    out = []
    for r in flow_routes.itertuples(index=False):
        if r.t <= 1e-9:
            continue
        c = com[flow_of[r.flow].commodity]
        nodes = scenario.get("routes", r.route).nodes
        chain = chain_emissions(scenario, itinerary_along(scenario, list(nodes), c.unit), float(r.t))
        tkm = float(chain["tkm"].sum())
        wtw = float(chain["co2e_wtw_kg"].sum()) / 1000.0
        out.append({"flow": r.flow, "route": r.route, "commodity": c.id, "t": float(r.t), "tkm": tkm,
                    "co2e_wtw_t": wtw, "co2e_ttw_t": float(chain["co2e_ttw_kg"].sum()) / 1000.0,
                    "g_co2e_wtw_per_tkm": wtw * 1e6 / tkm if tkm > 0 else float("nan"),
                    "missing_factors": int(chain["missing_factor"].sum())})
    return pd.DataFrame(out, columns=CORRIDOR_COLUMNS)


def corridor_totals(rows: pd.DataFrame) -> dict[str, float]:
    """Corridor-wide totals of :func:`corridor_emissions` rows: t/year, t-km/year, t CO2e/year
    (WTW, TTW) and the WTW intensity in g CO2e per t-km.

    Examples
    --------
    >>> rows = pd.DataFrame({"t": [10.0], "tkm": [1000.0], "co2e_wtw_t": [0.02], "co2e_ttw_t": [0.015]})
    >>> corridor_totals(rows)["g_co2e_wtw_per_tkm"]
    20.0
    """
    tkm = float(rows["tkm"].sum())
    wtw = float(rows["co2e_wtw_t"].sum())
    return {"t": float(rows["t"].sum()), "tkm": tkm, "co2e_wtw_t": wtw,
            "co2e_ttw_t": float(rows["co2e_ttw_t"].sum()),
            "g_co2e_wtw_per_tkm": wtw * 1e6 / tkm if tkm > 0 else float("nan")}
