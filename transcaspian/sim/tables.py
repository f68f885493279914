"""The tables the simulator returns, declared once: column, dtype, unit, meaning.

``docs/results.md`` is generated from these declarations (``make docs``);
``tests/test_results_schema.py`` checks that ``simulate`` returns exactly
these tables; the report, the CLI and ``quote --sim`` read a simulation folder with
:data:`SIMULATION`.

Examples
--------
>>> SIMULATION.table("transit_times").column("p90_h").unit
'h'
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

NODE = C("node", "str", "", "node id")
PER_YEAR = "Figures per year are means over the replications."

SIMULATION = ResultSchema("simulate", "`simulate(scenario, years, replications, seed)`: Monte Carlo "
                          "operations simulation (docs/simulator.md). " + PER_YEAR, (
    TableSchema("throughput", "Released and delivered per flow.", (
        FLOW, ORIGIN, DESTINATION, DIRECTION, COMMODITY, C("unit", "str", "", "handling unit"),
        C("demand_units", "float64", "units/yr", "demand"), C("demand_tonnes", "float64", "t/yr", "demand"),
        C("released_units", "float64", "units/yr", "released at the origin"),
        C("units", "float64", "units/yr", "delivered"),
        C("units_ci95", "float64", "units/yr", "95 % CI half-width of delivered"),
        C("tonnes", "float64", "t/yr", "delivered"), C("served_share", "float64", "share",
            "delivered / demand"),
        C("wip_units_end", "float64", "units", "in progress at the end of the horizon"))),
    TableSchema("transit_times", "Door-to-door transit per origin, destination, commodity and direction.", (
        ORIGIN, DESTINATION, COMMODITY, DIRECTION, C("lots", "float64", "lots/yr", "lots delivered"),
        C("units", "float64", "units/yr", "units delivered"), C("tonnes", "float64", "t/yr",
            "tonnes delivered"),
        C("p50_h", "float64", "h", "median (unit-weighted, pooled histogram, 1-h bins)"),
        C("p90_h", "float64", "h", "90th percentile"), C("p95_h", "float64", "h", "95th percentile"),
        C("mean_h", "float64", "h", "mean"), C("mean_h_ci95", "float64", "h",
            "95 % CI half-width of the mean"))),
    TableSchema("transit_histogram", "Units delivered by transit time, all replications pooled.", (
        ORIGIN, DESTINATION, C("bin_lo_h", "float64", "h", "bin start (6-h bins)"),
        C("bin_hi_h", "float64", "h", "bin end (inf for the last, open-ended bin)"),
        C("count", "float64", "units", "units delivered in the bin"))),
    TableSchema("waiting_by_node", "Where cargo waits, sorted by tonne-hours.", (
        NODE, C("kind", "str", "", "node kind"),
        C("wait_h_mean_per_unit", "float64", "h", "mean wait per passage, mass-weighted (tonne-h / t)"),
        C("tonne_hours_waited", "float64", "t-h/yr", "tonne-hours waited (additive across TEU, "
          "wagons and oil, unlike handling-unit hours)"),
        C("tonne_hours_ci95", "float64", "t-h/yr", "95 % CI half-width of tonne_hours_waited"),
        C("tonnes_queued", "float64", "t/yr", "tonnes that passed the node's queues"),
        C("share_of_total", "float64", "share", "share of all tonne-hours waited"))),
    TableSchema("vessel_voyages", "Voyages and loads per vessel class and direction.", (
        C("vessel", "str", "", "vessel class id"), C("service", "str", "", "service id"),
        C("from", "str", "", "departure port"), C("to", "str", "", "arrival port"),
        C("vessels", "int64", "", "vessels in the class"), C("voyages", "float64", "voyages/yr", "voyages"),
        C("voyages_ci95", "float64", "voyages/yr", "95 % CI half-width"),
        C("load_factor_mean", "float64", "share", "loaded share of usable capacity at departure"),
        C("payload_factor", "float64", "share", "usable share of capacity after the draft derate"),
        C("{unit}_carried", "float64", "units/yr", "units of each handling unit the class carries"))),
    TableSchema("utilisation", "Busy share of every server (sections, nodes, roads, pipelines, berths).", (
        C("resource", "str", "", "server name"),
        C("kind", "str", "", "section, border, node, road, pipeline or berth"), NODE,
        C("link", "str", "", "link id (empty for node servers and berths)"),
        C("direction", "str", "", "direction of a section (empty otherwise)"),
        C("channels", "int64", "", "parallel channels (berths, border lanes)"),
        C("utilisation", "float64", "share", "busy time / (channels x horizon)"),
        C("utilisation_ci95", "float64", "share", "95 % CI half-width"))),
    TableSchema("queues", "Cargo waiting per node and day.", (
        C("day", "int64", "day", "day from the start"), NODE,
        C("tonnes_waiting_mean", "float64", "t", "time-average tonnes waiting that day"))),
    TableSchema("weather", "Storm closures per port.", (
        C("port", "str", "", "port node id"), C("closures_per_year", "float64", "1/yr", "closures"),
        C("closed_h_per_year", "float64", "h/yr", "hours closed"),
        C("vessel_hours_lost_per_year", "float64", "vessel-h/yr",
            "vessel hours at anchor or held by closures"),
        C("vessel_hours_lost_ci95", "float64", "vessel-h/yr", "95 % CI half-width"))),
    TableSchema("wip", "Work in progress per flow at the end (released = delivered + in progress).", (
        FLOW, C("released_units", "float64", "units", "released over the horizon"),
        C("delivered_units", "float64", "units", "delivered over the horizon"),
        C("in_progress_units", "float64", "units", "in transit at the end"))),
    TableSchema("replications", "One row per replication.", (
        C("replication", "int64", "", "replication index from 0"),
        C("delivered_t_per_year", "float64", "t/yr", "delivered"),
        C("created_t_per_year", "float64", "t/yr", "released"),
        C("mean_transit_h", "float64", "h", "mean transit of the units delivered"),
        C("wip_t_end", "float64", "t", "in progress at the end"),
        C("events", "float64", "", "events processed"))),
    TableSchema("port_performance", "Vessel calls per port and vessel class over the measured window "
                "(rows with vessel `all` add up every class calling at the port).", (
        C("port", "str", "", "seaport node id"), C("vessel", "str", "", "vessel class id (all: every class)"),
        C("service", "str", "", "service id"),
        C("berth_group", "str", "", "berth group the class uses there (empty: no berth limit or several)"),
        C("vessels", "int64", "", "vessels in the class(es)"),
        C("calls", "float64", "calls/yr", "arrivals at the anchorage"),
        C("calls_ci95", "float64", "calls/yr", "95 % CI half-width of calls"),
        C("turnaround_h_mean", "float64", "h", "mean arrival-to-departure time of the calls completed"),
        C("turnaround_h_p90", "float64", "h", "90th percentile of turnaround (pooled histogram, 1-h bins)"),
        C("anchor_wait_h_mean", "float64", "h", "mean arrival-to-berthing time (weather, berth queue)"),
        C("at_berth_h_mean", "float64", "h", "mean berthing-to-departure time (handling, waiting for cargo)"),
        C("berth_hours", "float64", "berth-h/yr", "berth-hours the class(es) occupied"),
        C("berth_occupancy", "float64", "share",
          "busy berth-hours of the berth group(s), all classes / (berths x window hours)"))),
    TableSchema("border_performance", "Trains at borders, gauge changes and other land nodes with a "
                "capacity, over the measured window.", (
        NODE, C("kind", "str", "", "node kind"), C("channels", "int64", "", "parallel channels"),
        C("trains", "float64", "trains/yr", "trains through the node"),
        C("dwell_h_mean", "float64", "h", "mean arrival-to-leaving time (queue, service, fixed time)"),
        C("dwell_h_p90", "float64", "h", "90th percentile of dwell (pooled histogram, 0.25-h bins)"),
        C("wait_h_mean", "float64", "h", "mean wait in the queue before service"),
        C("queue_mean", "float64", "trains", "time-average trains waiting (queue train-hours / window)"),
        C("queue_max", "float64", "trains", "most trains waiting at once, any replication"))),
    TableSchema("tracking", "With track=True: the per-lot event log of replication 0.", (
        C("lot", "int64", "", "lot id"), C("parent", "int64", "", "lot it was split from (-1: none)"),
        C("flow", "category", "", "demand flow id"),
        C("event", "category", "", "event name (see docs/simulator.md)"),
        C("place", "category", "", "node id"), C("time_h", "float64", "h", "time from the start"),
        C("units", "float64", "units", "units in the lot")), optional=True),
))

#: Tables the report and ``quote --sim`` need from a simulation folder.
REPORT_TABLES = ("transit_times", "waiting_by_node")
