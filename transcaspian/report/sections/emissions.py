"""The corridor-wide emissions section: annual CO2e of the served flows, by commodity."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from transcaspian.analysis.emissions import corridor_emissions, corridor_totals
from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.report import html as h
from transcaspian.report.html import Section

_TITLE = "Corridor emissions"


def emissions_by_commodity(scenario: Scenario, cap: Result) -> tuple[pd.DataFrame, dict[str, float]]:
    """Annual ISO 14083 emissions of the cargo the capacity LP serves, one row per commodity,
    and the corridor totals (:func:`~transcaspian.analysis.emissions.corridor_totals`).

    Returns
    -------
    A frame with ``commodity``, ``name``, ``t`` (t/yr), ``tkm`` (t-km/yr), ``co2e_wtw_t`` and
    ``co2e_ttw_t`` (t CO2e/yr), ``g_co2e_wtw_per_tkm`` (g CO2e WTW per t-km),
    ``missing_factors`` (elements without a factor, counted 0), and the totals dict.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.analysis import capacity
    >>> s = load_scenario("baseline-2024")
    >>> rows, total = emissions_by_commodity(s, capacity(s))
    >>> round(total["co2e_wtw_t"], -3), round(total["g_co2e_wtw_per_tkm"], 1)
    (544000.0, 36.3)
    """
    rows = corridor_emissions(scenario, cap["flow_routes"])
    total = corridor_totals(rows)
    g = (rows.groupby("commodity", sort=True)[["t", "tkm", "co2e_wtw_t", "co2e_ttw_t", "missing_factors"]]
         .sum().reset_index())
    # The intensity of each commodity by the same rule as the corridor's (one rule, one place).
    g["g_co2e_wtw_per_tkm"] = [corridor_totals(rows[rows["commodity"] == c])["g_co2e_wtw_per_tkm"]
                               for c in g["commodity"]]
    com = scenario.commodities
    g["name"] = [str(com.at[c, "name"]) if c in com.index else c for c in g["commodity"]]
    return g, total


def emissions_section(scenario: Scenario, cap: Result) -> Section:
    """Corridor-wide annual CO2e (well-to-wake and tank-to-wake) and intensity per t-km, by
    commodity with the total, for the flows the capacity LP serves."""
    if cap["flow_routes"].empty or float(cap["flow_routes"]["t"].sum()) <= 0:
        return Section("emissions", "Emissions", _TITLE,
                       h.note("No cargo is served in this scenario: the corridor emits nothing to report."))
    g, total = emissions_by_commodity(scenario, cap)
    missing = int(g["missing_factors"].sum())
    body = [h.kpis([
        (h.num(total["co2e_wtw_t"]), "t CO2e per year, well-to-wake"),
        (h.num(total["g_co2e_wtw_per_tkm"], 1), "g CO2e WTW per tonne-km"),
        (h.num(total["tkm"] / 1e9, 2), "bn tonne-km per year"),
    ])]
    body.append(h.note(
        "Method: ISO 14083:2023 / GLEC Framework v3 transport chain elements (each leg: t × km × the "
        "link's or service's factor; each transshipment hub: t × the node's factor), with the "
        "well-to-wake (WTW) and tank-to-wake (TTW) factors of this scenario. The tonnes are the "
        "flows the capacity LP serves on their routes (not the demand): cargo that does not fit is "
        "not counted. Intensity = WTW tonnes ÷ tonne-km."
        + (f" {missing} chain element(s) have no emission factor and count 0: the totals are a "
           "lower bound." if missing else "")))
    row_total = {"name": "total", **total, "missing_factors": missing}
    body.append(h.table(g, [
        h.Col("name", "commodity"),
        h.Col("t", "served t/yr", h.num, numeric=True),
        h.Col("tkm", "t-km/yr", h.num, numeric=True),
        h.Col("co2e_wtw_t", "t CO2e WTW/yr", h.num, numeric=True),
        h.Col("co2e_ttw_t", "t CO2e TTW/yr", h.num, numeric=True),
        h.Col("g_co2e_wtw_per_tkm", "g CO2e WTW/t-km", lambda v: h.num(v, 1), numeric=True),
    ], table_id="emissions-table", total_row=row_total))
    return Section("emissions", "Emissions", _TITLE, Markup("".join(body)))
