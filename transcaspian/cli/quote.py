"""``transcaspian quote``: k best itineraries with days, dollars and CO2e vs reference routes."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from transcaspian.cli._common import (
    FORMAT_OPTION,
    WIDE_OPTION,
    Format,
    check_out,
    console,
    emit,
    open_scenario,
    user_errors,
    write_out,
)
from transcaspian.cli._flags import flag_names
from transcaspian.cli._simcache import DEFAULT_REPLICATIONS, DEFAULT_SEED
from transcaspian.model.errors import input_error
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario

#: Engine parameter -> flag of this command, for error messages.
FLAGS = {"origin": "--from", "destination": "--to", "cargo": "--cargo", "k": "-k", "by": "--by",
         "simulation": "--sim", "through_tariff": "--through-tariff"}
#: Simulator option -> flag, for ``--simulate N`` (years and seed are fixed or shared here).
SIM_FLAGS = {"replications": "--simulate", "seed": "--seed"}


class RankBy(StrEnum):
    """Ranking criterion."""

    time = "time"
    cost = "cost"
    co2e = "co2e"


def _num(v: float, digits: int = 0) -> str:
    return "" if v is None or pd.isna(v) else f"{v:,.{digits}f}"


def display_options(opts: pd.DataFrame) -> pd.DataFrame:
    """The options table as short text columns for the terminal."""
    rows = []
    for r in opts.itertuples():
        days = _num(r.transit_days, 1)
        if r.kind == "reference":
            days += f" ({r.transit_days_low:g}-{r.transit_days_high:g})"
        rows.append({"option": r.option if r.kind == "corridor" else r.name, "via": r.via,
                     "km": _num(r.distance_km), "days": days, "USD": _num(r.cost_usd),
                     "through USD": _num(r.through_tariff_usd), "CO2e WTW kg": _num(r.co2e_wtw_kg),
                     "CO2e TTW kg": _num(r.co2e_ttw_kg)})
    return pd.DataFrame(rows)


def saturated_note(res: Result, option: str) -> str:
    """Which saturated queue sets an option's days, in words."""
    legs = res["legs"]
    sat = legs[(legs["option"] == option) & legs["saturated"].astype(bool)]
    where = ", ".join(dict.fromkeys(str(e) for e in sat["element"]))
    return (f"SATURATED at {where}: demand exceeds capacity there, its wait is the backlog built "
            "over the year (grows with the horizon)")


def expected_line(res: Result) -> str:
    """The quote's expected days (``meta['expected_days']``) and what they are."""
    m = res.meta
    sat = " (SATURATED: a crossing's backlog sets them)" if m["expected_saturated"] else ""
    if m["expected_basis"] == "simulation":
        return (f"expected: {m['expected_days']:.1f} d, the simulated mean of the scenario's "
                f"{m['commodity']} flow ({m['simulation_replications']} replications, seed "
                f"{m['simulation_seed']}); analytic estimate {m['analytic_days']:.1f} d{sat}")
    if m["expected_basis"] == "demand routes":
        dr = res["demand_routes"]
        routes = ", ".join(f"{r.route} {r.share:.0%}: {r.transit_days:.1f} d" for r in dr.itertuples())
        return (f"expected: {m['expected_days']:.1f} d{sat} for the scenario's "
                f"{m['commodity']} demand on its routes ({routes})")
    return f"expected: {m['expected_days']:.1f} d{sat} (option {m['expected_basis']}; no such demand)"


def _simulation(scen: Scenario, folder: Path | None, replications: int, seed: int) -> Result | None:
    """The simulation the quote's expected days draw on: read from ``--sim``, or the cached
    simulation of ``--simulate`` replications of one year (run once and cached, see
    :mod:`transcaspian.cli._simcache`); none with ``--simulate 0`` (analytic days only)."""
    if folder is not None:
        from transcaspian.model.results import read_result
        from transcaspian.sim.tables import SIMULATION

        return read_result(folder, scen, SIMULATION, require=["transit_times"])
    if replications < 0:
        raise input_error("--simulate takes a number of replications >= 0", "--simulate")
    if replications:
        from transcaspian.cli._simcache import cached_simulation

        with flag_names(SIM_FLAGS):
            return cached_simulation(scen, replications, seed,
                                     say=lambda text: typer.echo(text, err=True))
    return None


def _print_through(res: Result, fmt: Format) -> None:
    """The through-tariff tables of a quote with ``--through-tariff``: parties, demand response."""
    m = res.meta
    tp, dr = res["through_parties"], res["demand_response"]
    level = m["options"]["through_tariff"]
    if tp.empty:
        console.print(f"through tariff {level}: none of the options follows a through-tariff route",
                      highlight=False)
    else:
        cols = ["option", "through_tariff", "party", "share", "usd_per_unit", "revenue_usd"]
        emit(tp[cols], fmt, None, f"Through tariff at {level}: each party's share and revenue for the "
             f"shipment (scenario rate {tp['scenario_usd_per_unit'].iloc[0]:,.1f} USD/{m['unit']})")
    if dr.empty:
        console.print(f"demand response: no market of the scenario has {m['commodity']} from "
                      f"{m['options']['origin']} to {m['options']['destination']}", highlight=False)
        return
    cols = ["market", "tariff_usd_per_t_today", "tariff_usd_per_t", "days", "response", "tonnes_today",
            "tonnes"]
    emit(dr[cols], fmt, None, f"Demand response to {level} (days unchanged)")
    for r in dr.itertuples():
        console.print(f"{r.market}: x{r.response:.3f} -> {r.tonnes:,.0f} t/yr "
                      f"({(r.response - 1) * 100:+.1f} % on today's {r.tonnes_today:,.0f})", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``quote`` command."""

    @app.command("quote")
    def quote_cmd(
        scenario: str = typer.Argument(..., help="Built-in name, YAML file or CSV folder"),
        origin: str = typer.Option(..., "--from", help="Origin node id, e.g. xian"),
        destination: str = typer.Option(..., "--to", help="Destination node id, e.g. constanta"),
        cargo: str = typer.Option("1 FEU", "--cargo", "-c",
                                  help="'2 FEU', '10 TEU', '40ft' (1 FEU), '2 x 20ft', '500 t crude', "
                                       "'3 wagons grain', '1 truck'"),
        k: int = typer.Option(3, "-k", help="Number of itineraries"),
        by: RankBy = typer.Option(RankBy.time, "--by", help="Rank by time | cost | co2e"),
        fmt: Format = FORMAT_OPTION,
        legs: bool = typer.Option(False, "--legs", help="Table format: also print each option's legs"),
        tcd: bool = typer.Option(False, "--tcd", help="Table format: also print the CAREC CPMM border "
                                 "times and section speeds of option opt1"),
        sim: Path | None = typer.Option(None, "--sim", help="Simulation result folder "
                                        "(transcaspian simulate -o) for typical and P90 days"),
        simulate_n: int = typer.Option(
            DEFAULT_REPLICATIONS, "--simulate",
            help="Replications of the one-year simulation the expected days draw on (run once, then "
                 "cached; ignored with --sim); 0: analytic days only"),
        seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Seed for --simulate"),
        through_tariff: str | None = typer.Option(
            None, "--through-tariff",
            help="Through-tariff level AMOUNT/UNIT in USD (2500/FEU, 1250/TEU, 1800/wagon, 60/tonne; "
                 "FEU = 2 TEU): prices the itineraries on a through-tariff route at it, with each "
                 "party's share and revenue and the demand response of a market of the pair"),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write every table: a folder (CSV + "
                                        "meta.json), or a workbook when it ends .xlsx"),
        wide: bool = WIDE_OPTION,
    ) -> None:
        """Quote a shipment: the k best itineraries beside the northern and sea routes."""
        from transcaspian.analysis import QuoteOptions, quote
        from transcaspian.analysis.tables import QUOTE
        from transcaspian.analysis.tariff import parse_through_tariff

        with user_errors():
            check_out(out)
            with flag_names(FLAGS):
                if through_tariff is not None:   # a bad level fails before any loading or simulating
                    parse_through_tariff(through_tariff)
            scen = open_scenario(scenario)
            with flag_names(FLAGS):
                options = QuoteOptions.build(origin=origin, destination=destination, cargo=cargo, k=k,
                                             by=by.value, through_tariff=through_tariff)
            simulation = _simulation(scen, sim, simulate_n, seed)
            with flag_names(FLAGS):
                res = quote(scen, options, simulation=simulation)
            write_out(res, out, QUOTE)
        opts = res["options"]
        if fmt == Format.json:
            typer.echo(json.dumps(res.to_json_dict(), indent=2, default=str, ensure_ascii=False))
            return
        if fmt == Format.csv:
            emit(opts, fmt, res.meta)
            return
        m = res.meta
        emit(display_options(opts), fmt, None,
             f"{m['options']['cargo']} ({m['units']:g} {m['unit']}, {m['tonnes']:g} t {m['commodity']}) "
             f"{origin} -> {destination}, ranked by {by.value}", wide=wide)
        corridor = opts[opts["kind"] == "corridor"]
        for r in corridor.itertuples():
            console.print(f"{r.option}: {r.transit_days:.1f} d = moving {r.moving_h / 24:.1f} + dwell "
                          f"{r.dwell_h / 24:.1f} + waits {r.wait_h / 24:.1f}"
                          + (f"  [{saturated_note(res, r.option)}]" if r.saturated else ""), highlight=False)
        console.print(expected_line(res), highlight=False)
        if "simulated" in res.tables:
            simulated = res["simulated"]
            runs = f"{m['simulation_replications']} replications of a year, seed {m['simulation_seed']}"
            if simulated.empty:
                console.print(f"simulation ({runs}): no {m['commodity']} flow from {origin} to "
                              f"{destination} in the scenario's demand", highlight=False)
            for r in simulated.itertuples():
                console.print(f"simulated ({runs}), all routes of the flow: typical (P50) "
                              f"{r.p50_days:.1f} d, P90 {r.p90_days:.1f} d, P95 {r.p95_days:.1f} d, "
                              f"mean {r.mean_days:.1f} ± {r.mean_days_ci95:.1f} d", highlight=False)
        if "through_parties" in res.tables:
            _print_through(res, fmt)
        if legs:
            lg = res["legs"]
            cols = ["option", "seq", "kind", "node", "from_node", "to_node", "element", "distance_km",
                    "moving_h", "dwell_h", "wait_h", "cost_usd", "co2e_wtw_kg", "detail"]
            emit(lg[cols], fmt, None, "Legs", wide=wide, detail=["detail"], keep=["option", "seq"])
        if tcd:
            from transcaspian.analysis import cpmm_borders, cpmm_sections
            from transcaspian.analysis.quote import option_id

            first = option_id(1)
            best = res["legs"][res["legs"]["option"] == first]
            emit(cpmm_borders(best), fmt, None,
                 f"{first}: borders and gauge changes (CPMM TFI1/TFI2, h and USD)")
            emit(cpmm_sections(best), fmt, None, f"{first}: sections (CPMM TFI3/TFI4: USD, km/h)")
        console.print(" ".join(f"{key}={m[key]}" for key in ("scenario", "scenario_hash", "version")),
                      style="dim", highlight=False)
