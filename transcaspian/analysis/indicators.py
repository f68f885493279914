"""Indicators computed from a capacity Result: what the report shows beside the map and
the demand (functions of the result; the engine itself is unchanged).

Examples
--------
>>> from transcaspian.model import load_scenario
>>> from transcaspian.analysis import capacity
>>> s = load_scenario("baseline-2024")
>>> cap = capacity(s)
>>> util = map_element_utilisation(s, cap)
>>> bool(0 < util["aktau"] == map_utilisation(s, cap).query("map_element == 'aktau'")["utilisation"].max())
True
>>> g = capacity_against_demand(cap)
>>> bool((g["capacity_t"] == g["demand_t"] * multiplier(cap)).all())
True
"""

from __future__ import annotations

import math

import pandas as pd

from transcaspian.model import Scenario
from transcaspian.model.results import Result


def multiplier(cap: Result) -> float:
    """The largest uniform demand multiplier of a capacity result (x demand; inf: unbounded)."""
    return float(cap["summary"]["demand_multiplier"].iloc[0])


def map_utilisation(scenario: Scenario, cap: Result) -> pd.DataFrame:
    """The capacity result's ``utilisation`` rows, each with the map element it belongs to.

    Column ``map_element``: a link's or node's own id; a vessel class maps to its sea
    service, a berth group to its port node, a scheduled service's sailings to the service.
    """
    u = cap["utilisation"].copy()
    vessel_service = dict(zip(scenario.vessels.index, scenario.vessels["service"], strict=True)) \
        if not scenario.vessels.empty else {}
    u["map_element"] = [vessel_service.get(str(e), str(e)) if t == "vessel" else str(f) if t == "berth"
                        else str(e) for e, t, f in zip(u["element_id"], u["element_type"], u["from_node"],
                                                       strict=True)]
    return u


def map_element_utilisation(scenario: Scenario, cap: Result) -> dict[str, float]:
    """Utilisation (share) per map element: the busiest of its rows in :func:`map_utilisation`
    (a link's busier direction, a service's busiest vessel class or sailings limit, a
    node's busiest of its own capacity and its berth groups)."""
    u = map_utilisation(scenario, cap)
    return {str(k): float(v) for k, v in u.groupby("map_element", sort=False)["utilisation"].max().items()}


def capacity_against_demand(cap: Result) -> pd.DataFrame:
    """Demand, served, unserved and capacity at uniform growth by commodity and direction.

    Returns
    -------
    DataFrame
        ``commodity``, ``direction``, ``demand_t``, ``served_t``, ``unserved_t`` (t/yr),
        ``demand_units`` (units/yr), ``unit``, ``capacity_t`` (t/yr: demand × the uniform
        multiplier; NaN when no element limits demand).
    """
    f = cap["flows"]
    lam = multiplier(cap)
    g = f.groupby(["commodity", "direction"], as_index=False).agg(
        demand_t=("demand_t", "sum"), served_t=("served_t", "sum"), unserved_t=("unserved_t", "sum"),
        demand_units=("demand_units", "sum"), unit=("unit", "first"))
    g["capacity_t"] = g["demand_t"] * lam if math.isfinite(lam) else math.nan
    return g


def applied_projects(scenario: Scenario) -> pd.DataFrame:
    """The projects the scenario applies (``applied_projects``), in that order.

    Returns
    -------
    DataFrame
        ``project``, ``name``, ``capex_musd`` (MUSD, price year of the scenario) and ``payer``
        (the scenario's text on who pays; empty when it says nothing).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> p = applied_projects(load_scenario("target-2030"))
    >>> len(p), round(float(p["capex_musd"].sum()), 1)
    (15, 5491.4)
    >>> len(applied_projects(load_scenario("baseline-2024")))
    0
    """
    by_id = {p.id: p for p in scenario.doc.projects}
    rows = [{"project": pid, "name": by_id[pid].name, "capex_musd": float(by_id[pid].capex_musd),
             "payer": by_id[pid].payer or ""} for pid in scenario.doc.applied_projects if pid in by_id]
    return pd.DataFrame(rows, columns=["project", "name", "capex_musd", "payer"])
