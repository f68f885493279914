"""The tables the static engines return, declared once: column, dtype, unit, meaning.

``docs/results.md`` is generated from these declarations (``make docs``) and
``tests/test_results_schema.py`` checks that every table
:func:`~transcaspian.analysis.capacity`, :func:`~transcaspian.analysis.quote`,
:func:`~transcaspian.analysis.time_cost_distance` and :func:`~transcaspian.analysis.tariff_scan`
return matches them.

Examples
--------
>>> CAPACITY.table("summary").column("demand_multiplier").unit
'x demand'
"""

from __future__ import annotations

from transcaspian.model.results import (
    COMMODITY,
    DESTINATION,
    DIRECTION,
    FLOW,
    ORIGIN,
    ResultSchema,
    TableSchema,
)
from transcaspian.model.results import Column as C

# -- columns shared by several tables ---------------------------------------------------------
ELEMENT_ID = C("element_id", "str", "", "capacity element: link, node, berth group, vessel class or "
               "service id")
ELEMENT_TYPE = C("element_type", "str", "", "rail, road, pipeline, node, berth, vessel or sailings")
FROM_NODE = C("from_node", "str", "", "node the element starts at (its node for node elements)")
TO_NODE = C("to_node", "str", "", "node the element ends at (its node for node elements)")
DIRECTION_EL = C("direction", "str", "", "'forward', 'reverse' or 'both' (both directions together)")
CAPACITY_UNIT = C("capacity_unit", "str", "", "the element's own unit: trains, trucks, t, berth_h, "
                  "voyages or sailings per year")
UTILISATION = C("utilisation", "float64", "share", "load at the scenario's demand / capacity")
UTIL_AT_MULT = C("utilisation_at_multiplier", "float64", "share",
                 "utilisation with demand scaled by the largest uniform multiplier (NaN if unbounded)")
HEADROOM = C("headroom", "float64", "capacity_unit/yr", "capacity left at the scenario's demand")
UNIT = C("unit", "str", "", "handling unit: teu, wagon, truck or tonne")
OPTION = C("option", "str", "", "quote option id (#1 is the best corridor itinerary)")
SEQ = C("seq", "int64", "", "position of the leg along the itinerary, from 0")
DISTANCE = C("distance_km", "float64", "km", "distance of the leg")
MOVING = C("moving_h", "float64", "h", "time moving (distance / speed)")
DWELL = C("dwell_h", "float64", "h", "mean dwell at nodes (border, gauge change, port handling)")
WAIT = C("wait_h", "float64", "h", "expected queueing wait computed from utilisation")
TIME = C("time_h", "float64", "h", "moving + dwell + wait")
COST = C("cost_usd", "float64", "USD", "leg tariffs for the cargo (price year of the scenario)")
WTW = C("co2e_wtw_kg", "float64", "kg CO2e", "well-to-wheel emissions (ISO 14083 / GLEC)")
TTW = C("co2e_ttw_kg", "float64", "kg CO2e", "tank-to-wheel emissions")
SATURATED = C("saturated", "bool", "", "a queue on the way is saturated: offered load >= capacity (a sea "
              "lane: its wait is the backlog built over the year; a land queue: capped at rho 0.95, a floor)")
KIND_LEG = C("kind", "str", "", "'node' (a stop) or 'move' (a link or sea leg)")
NODE_KIND = C("node_kind", "str", "", "node kind (border, gauge_change, seaport, ...); empty for moves")
COUNTRY = C("country", "str", "", "ISO 3166 alpha-2 country of the node")

CAPACITY = ResultSchema("capacity", "`capacity(scenario, options)`: element capacities, demand routed by "
                        "a linear programme (HiGHS), the largest uniform demand multiplier and "
                        "bottlenecks.", (
    TableSchema("summary", "One row: the headline figures.", (
        C("demand_t", "float64", "t/yr", "total demand"),
        C("served_t", "float64", "t/yr", "demand the network can carry (most tonnes at least cost)"),
        C("unserved_t", "float64", "t/yr", "demand left unserved"),
        C("served_share", "float64", "share", "served_t / demand_t"),
        C("demand_multiplier", "float64", "x demand", "largest factor all flows can grow by together "
          "(inf: no capacitated element limits demand)"),
        C("total_cost_usd", "float64", "USD/yr", "leg tariffs of the served routing"),
        C("binding", "str", "", "ids of the elements binding at the multiplier, comma separated"),
        C("basis", "str", "", "capacity basis the LP used: practical (default) or theoretical"))),
    TableSchema("elements", "Annual capacity of every element with the arithmetic behind it.", (
        ELEMENT_ID, ELEMENT_TYPE, C("name", "str", "", "readable name"), FROM_NODE, TO_NODE, DIRECTION_EL,
        C("capacity", "float64", "capacity_unit/yr", "capacity in the element's own unit on the basis "
          "used (summary.basis)"), CAPACITY_UNIT,
        C("capacity_theoretical", "float64", "capacity_unit/yr", "on paper: full loads, weather the "
          "only lost time, berths and track usable to 100 %"),
        C("capacity_practical", "float64", "capacity_unit/yr", "what operators achieve: vessel "
          "off-hire, berth occupancy (UNCTAD) and rail capacity-consumption (UIC 406) ceilings"),
        C("practical_share", "float64", "share", "practical / theoretical of the unit figures "
          "(capacity_teu, ...; a vessel's mean load under its sailing policy included)"),
        C("capacity_teu", "float64", "TEU/yr", "capacity in TEU (NaN if the element carries none)"),
        C("capacity_wagons", "float64", "wagons/yr", "capacity in wagons (NaN if none)"),
        C("capacity_trucks", "float64", "trucks/yr", "capacity in trucks (NaN if none)"),
        C("capacity_t", "float64", "t/yr", "capacity in tonnes on the basis stated"),
        C("capacity_t_basis", "str", "", "how capacity_t was converted (typical train, payload, ...)"),
        C("constrained", "bool", "", "the element limits flows in the LP"),
        C("arithmetic", "str", "", "the formula with the scenario's numbers"))),
    TableSchema("flows", "Every demand flow: demand, served, unserved and the routes used.", (
        FLOW, ORIGIN, DESTINATION, COMMODITY, UNIT, DIRECTION,
        C("demand_units", "float64", "units/yr", "demand"),
        C("served_units", "float64", "units/yr", "served"),
        C("unserved_units", "float64", "units/yr", "unserved"),
        C("demand_t", "float64", "t/yr", "demand"), C("served_t", "float64", "t/yr", "served"),
        C("unserved_t", "float64", "t/yr", "unserved"),
        C("served_share", "float64", "share", "served / demand"),
        C("cost_usd", "float64", "USD/yr", "leg tariffs of the served units"),
        C("cost_usd_per_unit", "float64", "USD/unit", "mean tariff per served unit"),
        C("routes", "str", "", "routes used with their shares"),
        C("note", "str", "", "why a flow is not (fully) served, if known"))),
    TableSchema("flow_routes", "Served units of every flow by route.", (
        FLOW, C("route", "str", "", "route id"), C("units", "float64", "units/yr", "served on the route"),
        C("t", "float64", "t/yr", "served on the route"),
        C("share", "float64", "share", "share of the flow's served units"))),
    TableSchema("utilisation", "Load against capacity of every element and direction.", (
        ELEMENT_ID, ELEMENT_TYPE, FROM_NODE, TO_NODE, DIRECTION_EL,
        C("load", "float64", "capacity_unit/yr", "load of the served routing"),
        C("capacity", "float64", "capacity_unit/yr", "capacity"), CAPACITY_UNIT, UTILISATION,
        C("load_t", "float64", "t/yr", "tonnes through the element"), HEADROOM, UTIL_AT_MULT)),
    TableSchema("bottlenecks", "Capacity-limited elements ranked by what 1 % more capacity buys.", (
        C("rank", "int64", "", "1 = most valuable to expand"), ELEMENT_ID, ELEMENT_TYPE, FROM_NODE, TO_NODE,
        DIRECTION_EL, UTILISATION, UTIL_AT_MULT, HEADROOM, CAPACITY_UNIT,
        C("shadow_served_t_per_unit", "float64", "t/yr per capacity_unit",
          "dual of the served-tonnes LP: tonnes gained per unit of extra capacity"),
        C("gain_served_t_per_1pct", "float64", "t/yr", "tonnes served gained by +1 % capacity"),
        C("shadow_multiplier_per_unit", "float64", "x demand per capacity_unit",
          "dual of the multiplier LP"),
        C("gain_multiplier_per_1pct", "float64", "x demand", "multiplier gained by +1 % capacity"),
        C("binding", "bool", "", "binds at the multiplier"))),
))

COMMODITY_MAXIMA = TableSchema(
    "commodity_maxima", "`commodity_maxima(scenario, cap)`: each commodity's (and direction's) own "
    "largest servable volume, the multiplier LP re-solved with only that group's flows growing and "
    "every other flow at zero (the maxima do not add up: the groups share elements).", (
        COMMODITY, DIRECTION, UNIT, C("demand_units", "float64", "units/yr", "demand of the group"),
        C("demand_t", "float64", "t/yr", "demand of the group"),
        C("served_t", "float64", "t/yr", "served in the capacity result (every flow at its demand)"),
        C("max_multiplier", "float64", "x demand", "largest factor the group's flows can grow by "
          "together, alone on the network (inf: no capacitated element limits them)"),
        C("max_t", "float64", "t/yr", "max_multiplier x the demand of the group's flows with a "
          "feasible route: the most the group can ship alone"),
        C("binding", "str", "", "ids of the elements limiting the group alone, '; ' separated")))

LEGS = TableSchema("legs", "Every leg of every corridor option, stops and moves in order.", (
    OPTION, SEQ, KIND_LEG, C("node", "str", "", "node of a stop; empty for moves"),
    C("from_node", "str", "", "start node of a move; empty for stops"),
    C("to_node", "str", "", "end node of a move; empty for stops"),
    C("element", "str", "", "link, service or node id"),
    C("element_type", "str", "", "rail, road, pipeline, sea or node"),
    C("mode", "str", "", "rail, road, pipeline or sea; empty for stops"), NODE_KIND, COUNTRY,
    DISTANCE, MOVING, DWELL, WAIT, TIME,
    C("utilisation", "float64", "share", "utilisation of the element used for the wait"), SATURATED,
    C("detail", "str", "", "service, vessel or queue detail"), COST, WTW, TTW,
    C("cum_distance_km", "float64", "km", "distance from the origin at the end of the leg"),
    C("cum_time_h", "float64", "h", "time from the origin at the end of the leg"),
    C("cum_cost_usd", "float64", "USD", "cost from the origin at the end of the leg"),
    C("cum_co2e_wtw_kg", "float64", "kg CO2e", "WTW emissions from the origin at the end of the leg")))

QUOTE = ResultSchema("quote", "`quote(scenario, origin, destination, cargo, k)`: the k best itineraries "
                     "for one shipment beside the reference routes (northern, Suez, Cape).", (
    TableSchema("options", "Corridor options and reference routes, ranked.", (
        OPTION, C("rank", "float64", "", "rank by the chosen criterion (NaN for references)"),
        C("kind", "str", "", "'corridor' or 'reference'"), C("name", "str", "", "readable name"),
        C("via", "str", "", "main nodes passed"), C("route", "str", "", "scenario route id, if any"),
        C("nodes", "str", "", "node ids along the option (references: their own ends)"),
        C("distance_km", "float64", "km", "total distance"),
        C("transit_h", "float64", "h", "expected door-to-door time"),
        C("transit_days", "float64", "days", "transit_h / 24"),
        C("transit_days_low", "float64", "days", "published low (references; NaN for corridor options)"),
        C("transit_days_high", "float64", "days", "published high (references)"),
        MOVING, DWELL, WAIT, C("cost_usd", "float64", "USD", "sum of leg tariffs for the cargo"),
        C("cost_usd_low", "float64", "USD", "published low (references)"),
        C("cost_usd_high", "float64", "USD", "published high (references)"),
        C("through_tariff_usd", "float64", "USD", "the scenario's through tariff, if one applies"),
        C("price_usd", "float64", "USD", "through tariff if any, else the sum of leg tariffs"), WTW, TTW,
        SATURATED, C("co2e_complete", "bool", "", "every leg had an emission factor"))),
    LEGS,
    TableSchema("tariffs", "Tariff lines of every option.", (
        OPTION, SEQ, C("element", "str", "", "link, service or node charged"),
        C("element_type", "str", "", "rail, road, pipeline, sea or node"),
        C("tariff", "str", "", "tariff id"), C("party", "str", "", "who is paid"),
        C("usd_per_unit_flat", "float64", "USD/unit", "flat rate"),
        C("usd_per_unit_km", "float64", "USD/unit-km", "distance rate"), C("km", "float64", "km",
            "charged km"),
        C("usd_per_unit", "float64", "USD/unit", "flat + distance rate x km"),
        C("units", "float64", "units", "units charged"), C("cost_usd", "float64", "USD", "line total"))),
    TableSchema("parties", "What each party receives, by option.", (
        OPTION, C("party", "str", "", "railway, port, shipping line..."),
        C("leg_sum_usd", "float64", "USD", "sum of the party's leg tariffs"),
        C("leg_sum_share", "float64", "share", "share of the option's leg tariffs"),
        C("through_usd", "object", "USD", "the party's part of a through tariff (None without one)"),
        C("through_share", "object", "share", "share of the through tariff (None without one)"))),
    TableSchema("emissions", "Emissions by transport chain element (ISO 14083).", (
        OPTION, SEQ, C("tce", "str", "", "transport chain element label"),
        C("kind", "str", "", "'transport' or 'hub'"), C("element", "str", "", "link, service or node"),
        C("mode", "str", "", "rail, road, pipeline, sea or hub"), C("factor", "str", "",
            "emission factor id"),
        C("category", "str", "", "emission factor category"), C("t", "float64", "t", "cargo mass"),
        DISTANCE, C("tkm", "float64", "t-km", "tonne-kilometres"),
        C("wtw_factor", "float64", "g CO2e/t-km (hubs: per t)", "WTW factor"),
        C("ttw_factor", "float64", "g CO2e/t-km (hubs: per t)", "TTW factor"), WTW, TTW,
        C("co2e_wtt_kg", "float64", "kg CO2e", "well-to-tank = WTW - TTW"),
        C("missing_factor", "bool", "", "no emission factor for this element"))),
    TableSchema("demand_routes", "The scenario's demand of this origin, destination and commodity on its "
                "routes at its route shares (what the simulator runs); empty when there is none.", (
        C("flow", "str", "", "demand flow id"), C("route", "str", "", "route id"),
        C("share", "float64", "share", "the flow's share on the route (optimal flows: the capacity split)"),
        C("transit_h", "float64", "h", "expected door-to-door time on the route"),
        C("transit_days", "float64", "days", "transit_h / 24"), SATURATED)),
    TableSchema("through_parties", "With a through-tariff level (quote --through-tariff): each party's "
                "share and revenue for the shipment on the options that follow a through-tariff route.", (
        OPTION, C("through_tariff", "str", "", "through tariff id"),
        C("route", "str", "", "its route id"), C("party", "str", "", "railway, port, shipping line..."),
        C("share", "float64", "share", "the party's share of the through tariff"),
        C("usd_per_unit", "float64", "USD/unit", "the through-tariff level quoted"),
        C("units", "float64", "units", "units shipped"),
        C("revenue_usd", "float64", "USD", "share x level x units"),
        C("scenario_usd_per_unit", "float64", "USD/unit", "the scenario's own through rate")),
        optional=True),
    TableSchema("demand_response", "With a through-tariff level: how each market with a flow of this "
                "origin, destination and commodity responds when the corridor charges that level "
                "(its logit, days unchanged); empty without such a market.", (
        C("market", "str", "", "market id"), ORIGIN, DESTINATION, COMMODITY,
        C("route", "str", "", "route of the corridor's best itinerary by time"),
        C("basis_today", "str", "", "today's corridor price: 'through tariff' or 'leg sum'"),
        C("tariff_usd_per_t_today", "float64", "USD/t", "the corridor's price today (calibration)"),
        C("tariff_usd_per_t", "float64", "USD/t", "the level quoted, per tonne"),
        C("days", "float64", "days", "the corridor's expected days"),
        C("response", "float64", "x volume", "multiplier on the market's corridor volume today"),
        C("tonnes_today", "float64", "t/yr", "the market's corridor volume today (its flows)"),
        C("tonnes", "float64", "t/yr", "response x tonnes_today")), optional=True),
    TableSchema("simulated", "With a simulation result: simulated days of the flow(s) between the ends.", (
        ORIGIN, DESTINATION, COMMODITY, DIRECTION, C("lots", "float64", "lots/yr", "lots delivered"),
        C("p50_days", "float64", "days", "median transit"), C("p90_days", "float64", "days",
            "90th percentile"),
        C("p95_days", "float64", "days", "95th percentile"), C("mean_days", "float64", "days", "mean"),
        C("mean_days_ci95", "float64", "days", "95 % CI half-width of the mean")), optional=True),
))

TCD = ResultSchema("tcd", "`time_cost_distance(scenario, nodes, cargo)`: the UNESCAP time/cost-distance "
                   "table and the CAREC CPMM indicators of one itinerary.", (
    TableSchema("legs", LEGS.meaning, LEGS.columns[1:]),
    TableSchema("tcd", "Time/cost-distance rows: sloped for moves, vertical for stops.", (
        SEQ, KIND_LEG, C("label", "str", "", "node id, or 'a -> b' for moves"),
        C("mode", "str", "", "mode of a move"), NODE_KIND, DISTANCE, TIME, COST,
        C("cum_distance_start_km", "float64", "km", "distance from the origin at the start"),
        C("cum_distance_km", "float64", "km", "distance from the origin at the end"),
        C("cum_time_start_h", "float64", "h", "time at the start"), C("cum_time_h", "float64", "h",
            "time at the end"),
        C("cum_cost_start_usd", "float64", "USD", "cost at the start"),
        C("cum_cost_usd", "float64", "USD", "cost at the end"),
        C("vertical", "bool", "", "a stop (time and cost grow, distance does not)"))),
    TableSchema("borders", "CPMM TFI1/TFI2: time and cost at borders and gauge changes.", (
        C("node", "str", "", "border or gauge change node"), NODE_KIND, COUNTRY,
        C("cum_distance_km", "float64", "km", "distance from the origin"), TIME, DWELL, WAIT, COST)),
    TableSchema("sections", "CPMM TFI3/TFI4: cost and speed of the sections between stops.", (
        C("section", "int64", "", "section number from 1"), FROM_NODE, TO_NODE,
        C("modes", "str", "", "modes on the section, '+' separated"), DISTANCE, MOVING,
        C("delay_h", "float64", "h", "dwell and waits at stops inside the section"), TIME, COST,
        C("speed_without_delay_kmh", "float64", "km/h", "distance / moving time (SWOD)"),
        C("speed_with_delay_kmh", "float64", "km/h", "distance / (moving + delay) (SWD)"))),
))

LEVEL = C("level", "float64", "USD/unit", "through-tariff level in the scan's unit (FEU, TEU, wagon, "
          "truck or tonne)")
TARIFF = ResultSchema("tariff", "`tariff_scan(scenario, options)`: a through tariff as a lever: at each "
                      "level, the corridor's demand response, tonnes carried and each party's revenue "
                      "against its costs.", (
    TableSchema("levels", "One row per level scanned.", (
        LEVEL, C("unit", "str", "", "unit of the level: feu, teu, wagon, truck or tonne"),
        C("usd_per_unit", "float64", "USD/unit", "the level per unit of the through tariff (FEU = 2 TEU)"),
        C("tariff_usd_per_t", "float64", "USD/t", "the level per tonne"),
        C("response", "float64", "x volume", "multiplier on the market's corridor volume today (1 without "
          "a market)"),
        C("tonnes", "float64", "t/yr", "tonnes carried on the route: served tonnes x their flow's response"),
        C("units", "float64", "units/yr", "units carried on the route"),
        C("revenue_usd", "float64", "USD/yr", "level x units"),
        C("all_cover", "bool", "", "every party's share of the level covers its cost per unit"),
        C("short", "str", "", "parties that do not cover their costs, comma separated"))),
    TableSchema("parties", "One row per level and party.", (
        LEVEL, C("party", "str", "", "railway, port, shipping line..."),
        C("share", "float64", "share", "the party's share of the through tariff"),
        C("revenue_usd_per_unit", "float64", "USD/unit", "share x level"),
        C("revenue_usd", "float64", "USD/yr", "share x level x units"),
        C("cost_usd_per_unit", "float64", "USD/unit", "the party's cost of carrying one unit"),
        C("cost_basis", "str", "", "'declared' (costs_usd_per_unit) or 'cost ratio' (share of the "
          "scenario's rate x cost_ratio, an assumption)"),
        C("cost_usd", "float64", "USD/yr", "cost per unit x units"),
        C("margin_usd", "float64", "USD/yr", "revenue - cost"),
        C("covers", "bool", "", "revenue per unit >= cost per unit"))),
    TableSchema("summary", "One row: the answer.", (
        C("route", "str", "", "route of the through tariff"), C("through_tariff", "str", "", "its id"),
        C("unit", "str", "", "unit of the levels"),
        C("market", "str", "", "market that responds ('' if none)"),
        C("scenario_level", "float64", "USD/unit", "the scenario's through rate in the scan's unit"),
        C("tonnes_today", "float64", "t/yr", "tonnes on the route in the scenario's routing"),
        C("chosen_level", "float64", "USD/unit", "the level carrying the most cargo with every party "
          "covering its costs (NaN: none)"),
        C("chosen_tonnes", "float64", "t/yr", "tonnes carried at the chosen level"),
        C("change_pct", "float64", "%", "chosen_tonnes against tonnes_today"),
        C("answer", "str", "", "the answer line, or why there is no such level"))),
))

SCHEMAS = (CAPACITY, QUOTE, TCD, TARIFF)

SCEN = C("scenario", "str", "", "scenario name")
COMPARE = ResultSchema("compare", "`compare(scenarios, options)`: scenarios side by side, each with its "
                       "deltas (delta_* = scenario - first scenario, the base).", (
    TableSchema("summary", "One row per scenario: capacity, served share, CO2e and projects.", (
        SCEN, C("scenario_hash", "str", "", "content hash (SHA-256)"),
        C("year", "int64", "year", "year the scenario represents"),
        C("demand_t", "float64", "t/yr", "total demand"),
        C("served_t", "float64", "t/yr", "demand served (capacity LP)"),
        C("served_share", "float64", "share", "served_t / demand_t"),
        C("demand_multiplier", "float64", "x demand", "largest uniform demand multiplier"),
        C("capacity_t", "float64", "t/yr", "demand_multiplier x demand_t: tonnes carried when all flows "
          "grow together until an element binds"),
        C("co2e_wtw_t", "float64", "t CO2e/yr", "corridor-wide WTW emissions of the served routing"),
        C("g_co2e_wtw_per_tkm", "float64", "g CO2e/t-km", "WTW intensity"),
        C("projects", "int64", "count", "projects applied"),
        C("capex_musd", "float64", "MUSD", "capital cost of the projects applied"),
        C("delta_{unit}", "float64", "as the figure", "figure - the base's"))),
    TableSchema("od_times", "Days on the base's main origin-destination pairs, per scenario.", (
        SCEN, ORIGIN, DESTINATION, C("cargo", "str", "", "shipment quoted"),
        C("basis", "str", "", "'analytic' (quote) or 'simulation (N replications)' for P50/P90"),
        C("expected_days", "float64", "days", "analytic expected door-to-door days (quote)"),
        C("p50_days", "float64", "days", "simulated median (NaN without a simulation)"),
        C("p90_days", "float64", "days", "simulated 90th percentile (NaN without a simulation)"),
        C("saturated", "bool", "", "a queue on the way is saturated"),
        C("delta_{unit}", "float64", "days", "figure - the base's on the same pair"))),
    TableSchema("bottlenecks", "Binding elements that differ from the base: removed, new or still.", (
        SCEN, C("change", "str", "", "'removed' (binds in the base only), 'new' (here only) or 'still'"),
        ELEMENT_ID, C("name", "str", "", "what a person calls the element (analysis.labels.element_label)"),
        ELEMENT_TYPE, FROM_NODE, TO_NODE, DIRECTION_EL,
        C("utilisation_base", "float64", "share", "utilisation in the base (NaN: absent)"),
        C("utilisation", "float64", "share", "utilisation in this scenario (NaN: absent)"),
        C("delta_utilisation", "float64", "share", "utilisation - utilisation_base"))),
    TableSchema("projects", "Projects applied in one scenario and not the other.", (
        SCEN, C("change", "str", "", "'added' (applied here, not in the base) or 'removed'"),
        C("project", "str", "", "project id"), C("name", "str", "", "readable name"),
        C("capex_musd", "float64", "MUSD", "capital cost"), C("payer", "str", "", "who pays (as announced)"),
        C("funding", "str", "", "payers that may fund it with their largest shares"),
        C("in_service_year", "int64", "year", "year it enters service"))),
))

#: ``commodity_maxima`` as a result of its own (the report's capacity-against-demand chart).
MAXIMA = ResultSchema("commodity_maxima", "Each commodity's own maximum alone "
                      "(`analysis.capacity.commodity_maxima`).", (COMMODITY_MAXIMA,))

SCHEMAS = (*SCHEMAS, COMPARE, MAXIMA)
