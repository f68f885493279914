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
>>> multiplier(cap) == float(cap["summary"]["demand_multiplier"].iloc[0])
True
"""

from __future__ import annotations

import pandas as pd

from transcaspian.analysis.labels import element_label, vessel_class_text
from transcaspian.model import Scenario
from transcaspian.model.results import Result

#: Columns of :func:`grouped_bottlenecks`.
GROUPED_COLUMNS = ["rank", "element_id", "element_type", "name", "from_node", "to_node", "direction",
                   "utilisation", "utilisation_at_multiplier", "headroom", "capacity_unit",
                   "gain_served_t_per_1pct", "gain_multiplier_per_1pct", "binding", "members", "classes"]


def multiplier(cap: Result) -> float:
    """The largest uniform demand multiplier of a capacity result (x demand; inf: unbounded)."""
    return float(cap["summary"]["demand_multiplier"].iloc[0])


def _vessel_service(scenario: Scenario) -> dict[str, str]:
    """Vessel class id -> the sea service it sails on."""
    v = scenario.vessels
    return {str(i): str(x) for i, x in zip(v.index, v["service"], strict=True)} if not v.empty else {}


def map_utilisation(scenario: Scenario, cap: Result) -> pd.DataFrame:
    """The capacity result's ``utilisation`` rows, each with the map element it belongs to.

    Column ``map_element``: a link's or node's own id; a vessel class maps to its sea
    service, a berth group to its port node, a scheduled service's sailings to the service.
    """
    u = cap["utilisation"].copy()
    vessel_service = _vessel_service(scenario)
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


def grouped_bottlenecks(scenario: Scenario, cap: Result) -> pd.DataFrame:
    """The capacity result's ``bottlenecks`` with one row per element a person names: the
    vessel classes of a sea service (one direction) become one row of that service.

    A service row has ``element_type`` "sea_service", the service id as ``element_id``, the
    busiest class's ``utilisation`` and ``utilisation_at_multiplier`` (shares), the classes'
    summed ``headroom`` (voyages/yr) and gains per 1 % more capacity (+1 % of every class:
    ``gain_served_t_per_1pct`` t/yr, ``gain_multiplier_per_1pct`` x demand), ``binding`` if any
    class binds, its class ids in ``members`` and the classes in words in ``classes``. Other
    rows are the engine's, each its own member. Rows keep the engine's order (a group sits
    at its highest-ranked member) and are ranked again from 1; ``name`` is
    :func:`~transcaspian.analysis.labels.element_label`.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.analysis import capacity
    >>> s = load_scenario("baseline-2024")
    >>> g = grouped_bottlenecks(s, capacity(s))
    >>> r = g[(g["element_id"] == "ferry-kuryk-alat") & (g["direction"] == "forward")].iloc[0]
    >>> r["name"], r["members"], bool(r["binding"])
    ('Kuryk–Alat rail ferry (ASCO)', 'asco-ferry-kuryk, asco-ferry-kuryk-legacy', True)
    """
    b = cap["bottlenecks"].copy()
    service = _vessel_service(scenario)
    vessel = b["element_type"] == "vessel"
    b["group"] = [service.get(str(e), str(e)) if v else str(e)
                  for e, v in zip(b["element_id"], vessel, strict=True)]
    b["group_type"] = b["element_type"].where(~vessel, "sea_service")
    keys = ["group", "group_type", "from_node", "to_node", "direction", "capacity_unit"]
    g = b.groupby(keys, sort=False, dropna=False).agg(
        first_rank=("rank", "min"), utilisation=("utilisation", "max"),
        utilisation_at_multiplier=("utilisation_at_multiplier", "max"), headroom=("headroom", "sum"),
        gain_served_t_per_1pct=("gain_served_t_per_1pct", "sum"),
        gain_multiplier_per_1pct=("gain_multiplier_per_1pct", "sum"), binding=("binding", "any"),
        members=("element_id", lambda ids: ", ".join(str(i) for i in ids))).reset_index()
    g = g.sort_values("first_rank", kind="stable").reset_index(drop=True)
    g = g.rename(columns={"group": "element_id", "group_type": "element_type"})
    g.insert(0, "rank", range(1, len(g) + 1))
    g["name"] = [element_label(scenario, e, t, u) for e, t, u in
                 zip(g["element_id"], g["element_type"], g["capacity_unit"], strict=True)]
    g["classes"] = ["; ".join(vessel_class_text(scenario, m) for m in ms.split(", "))
                    if t == "sea_service" else ""
                    for t, ms in zip(g["element_type"], g["members"], strict=True)]
    return g[GROUPED_COLUMNS].astype({"binding": bool})
