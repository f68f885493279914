"""The tables the planner returns, declared once: column, dtype, unit, meaning.

``docs/results.md`` is generated from :data:`PLAN` (``make docs``); the report and the CLI
read a plan folder with it.

Examples
--------
>>> PLAN.table("projects").column("capex_musd").unit
'MUSD'
"""

from __future__ import annotations

from transcaspian.model.results import Column as C
from transcaspian.model.results import ResultSchema, TableSchema

PROJECT = C("project", "str", "", "project id")
YEAR = C("year", "int64", "year", "calendar year")

PLAN = ResultSchema("plan", "`plan(scenario, options)`: which projects to build and when, who pays, "
                    "checked by exact capacity and by simulation, with cost-benefit (docs/planning.md).", (
    TableSchema("projects", "Every project the plan builds (committed ones included), one row each.", (
        PROJECT, C("name", "str", "", "readable name"),
        C("status", "str", "", "committed (under construction or completed) | chosen (by the plan)"),
        C("category", "str", "", "infrastructure | fleet | facilitation | operations"),
        C("units", "int64", "units", "units built (1 for a yes/no project)"),
        C("start_year", "int64", "year", "construction starts (first unit)"),
        C("in_service_year", "int64", "year", "first unit in service"),
        C("capex_musd", "float64", "MUSD", "capital cost, all units, undiscounted"),
        C("opex_musd_per_year", "float64", "MUSD/yr", "operating cost, all units"),
        C("payers", "str", "", "who pays, with MUSD, e.g. 'ktz 120; ebrd 80'"),
        C("npv_musd", "float64", "MUSD", "economic NPV of the project's share of the plan's benefits"),
        C("bcr", "float64", "1", "benefit-cost ratio"),
        C("eirr", "float64", "1/yr", "economic internal rate of return (NaN: none)"),
        C("payback_year", "float64", "year", "discounted payback year (NaN: not within the period)"))),
    TableSchema("capex", "Capital spending by project, payer and year.", (
        PROJECT, C("payer", "str", "", "payer id"), C("payer_name", "str", "", "payer"),
        C("payer_kind", "str", "", "state_budget | railway | port | fund | ifi | private_operator"),
        YEAR, C("capex_musd", "float64", "MUSD", "spent that year, undiscounted"))),
    TableSchema("years", "The corridor year by year under the plan (exact capacity engine).", (
        YEAR, C("demand_t", "float64", "t/yr", "demand on the path, after the route-choice response; "
                "target year: the path's mix scaled to the target"),
        C("required_t", "float64", "t/yr", "what the plan must carry (target year: the target)"),
        C("capacity_t", "float64", "t/yr", "what the year carries at its demand mix: demand x the largest "
          "uniform multiplier when all the demand fits, else the tonnes served"),
        C("served_t", "float64", "t/yr", "served (capacity LP)"),
        C("served_share", "float64", "share", "served / demand"),
        C("utilisation", "float64", "share", "highest element utilisation"),
        C("binding_element", "str", "", "element with the highest utilisation"),
        C("shadow_t_per_1pct", "float64", "t/yr", "served tonnes gained per 1 % more capacity of the "
          "binding element (capacity LP dual)"),
        C("margin", "float64", "share", "capacity margin the plan held over demand that year"),
        C("projects_in_service", "int64", "projects", "projects (units) in service"),
        C("trade_value_musd", "float64", "MUSD/yr", "value of the cargo served"),
        C("kz_az_trade_musd", "float64", "MUSD/yr", "value of the cargo served between Kazakhstan and "
          "Azerbaijan, both ways (against the two governments' 1 bn USD goal)"),
        C("met", "bool", "", "the year's requirement is met by the exact capacity engine"))),
    TableSchema("elements", "The most used elements each year: is the removal of bottlenecks synchronous?", (
        YEAR, C("element", "str", "", "element id"), C("name", "str", "", "readable name"),
        C("element_type", "str", "", "rail_section | vessel | berth | ..."),
        C("utilisation", "float64", "share", "load / practical capacity"),
        C("rank", "int64", "", "1 = most used that year"))),
    TableSchema("demand", "Demand and the route-choice response per flow and year.", (
        YEAR, C("flow", "str", "", "demand flow id"), C("commodity", "str", "", "commodity id"),
        C("path_t", "float64", "t/yr", "demand on the path before the response"),
        C("response", "float64", "1", "route-choice multiplier (1: not in a market)"),
        C("demand_t", "float64", "t/yr", "demand after the response"),
        C("served_t", "float64", "t/yr", "served (capacity LP)"),
        C("trade_value_musd", "float64", "MUSD/yr", "value of the cargo served"))),
    TableSchema("simcheck", "The years checked by Monte Carlo simulation.", (
        YEAR, C("round", "int64", "", "planning round the check belongs to"),
        C("replications", "int64", "", "replications"),
        C("served_share", "float64", "share", "delivered / demand, all flows (tonnes)"),
        C("od", "str", "", "origin:destination of the time target ('' without one)"),
        C("p50_days", "float64", "days", "median door-to-door time on od (else the largest market flow)"),
        C("p90_days", "float64", "days", "90th percentile"),
        C("met", "bool", "", "served share and time target met"))),
    TableSchema("appraisal", "The plan's economic cash flows by year (MUSD, undiscounted).", (
        YEAR, C("capex_musd", "float64", "MUSD", "investment"),
        C("opex_musd", "float64", "MUSD", "operating"),
        C("residual_musd", "float64", "MUSD", "residual value (last year)"),
        C("cost_saving_musd", "float64", "MUSD", "transport-cost savings against the alternatives"),
        C("time_saving_musd", "float64", "MUSD", "time savings x value of time"),
        C("co2e_musd", "float64", "MUSD", "CO2e avoided x carbon price"),
        C("co2e_avoided_t", "float64", "t", "CO2e avoided (well-to-wheel)"),
        C("net_musd", "float64", "MUSD", "benefits + residual - costs"),
        C("discount_factor", "float64", "1", "1 / (1 + r)^(year - start)"))),
    TableSchema("sensitivity", "NPV, BCR and EIRR when one assumption changes.", (
        C("case", "str", "", "what changed"), C("npv_musd", "float64", "MUSD", "economic NPV"),
        C("bcr", "float64", "1", "benefit-cost ratio"), C("eirr", "float64", "1/yr", "EIRR"))),
    TableSchema("payers", "Capital spending by payer, and its largest year against its budget.", (
        C("payer", "str", "", "payer id"), C("name", "str", "", "payer"),
        C("kind", "str", "", "state_budget | railway | port | fund | ifi | private_operator"),
        C("capex_musd", "float64", "MUSD", "total, undiscounted"),
        C("peak_musd_per_year", "float64", "MUSD/yr", "largest yearly spend"),
        C("budget_musd_per_year", "float64", "MUSD/yr", "budget (NaN: not limited)"),
        C("share", "float64", "share", "of the plan's capex"))),
    TableSchema("revenue", "Tariff revenue per party in the target year (financial, not in the NPV).", (
        C("party", "str", "", "who is paid"), C("route", "str", "", "through-tariff route id"),
        C("share", "float64", "share", "party's share of the through tariff"),
        C("usd_per_t", "float64", "USD/t", "party's revenue per tonne"),
        C("revenue_musd_per_year", "float64", "MUSD/yr", "party's revenue from the flows on the route"))),
))
