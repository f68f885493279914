"""``transcaspian simulate``: Monte Carlo operations simulation of a scenario."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from transcaspian.cli._common import (
    FORMAT_OPTION,
    WIDE_OPTION,
    Format,
    check_out,
    console,
    emit,
    err_console,
    open_scenario,
    print_meta,
    user_errors,
    write_out,
)
from transcaspian.cli._flags import flag_names
from transcaspian.cli._kernel import COMPILING, kernel_compiled
from transcaspian.model.errors import UserError
from transcaspian.model.executors import Workers, check_scheduler
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario
from transcaspian.sim.options import DEFAULT_REPLICATIONS, DEFAULT_SEED, DEFAULT_WARMUP_DAYS, SimOptions

#: Command-line flag of each simulator option (errors name options; the CLI shows flags).
FLAGS = {"years": "--years", "replications": "--replications", "seed": "--seed", "workers": "--workers",
         "warmup_days": "--warmup-days", "track": "--track", "max_events": "--max-events",
         "max_trains": "--max-trains", "max_memory_gb": "--max-memory-gb", "scheduler": "--scheduler"}
#: Help of ``--scheduler`` (every command whose replications can run on a Dask cluster).
SCHEDULER_HELP = ("Run the replications on Dask: 'local' (a LocalCluster of --workers processes) or "
                  "a scheduler address tcp://host:8786 (default: local processes)")


class TableFormat(StrEnum):
    """File format of the written result tables."""

    parquet = "parquet"
    csv = "csv"


def main_od_pairs(res: Result, top: int = 8) -> pd.DataFrame:
    """Transit days (P50/P90/P95, mean) for the largest origin-destination pairs."""
    tt = res["transit_times"]
    if tt.empty:
        return tt
    t = tt.sort_values("tonnes", ascending=False, kind="stable").head(top)
    return pd.DataFrame({
        "origin": t["origin"], "destination": t["destination"], "commodity": t["commodity"],
        "direction": t["direction"], "units/yr": t["units"].round(0),
        "kt/yr": (t["tonnes"] / 1000).round(1),
        "P50 d": (t["p50_h"] / 24).round(1), "P90 d": (t["p90_h"] / 24).round(1),
        "P95 d": (t["p95_h"] / 24).round(1), "mean d": (t["mean_h"] / 24).round(2),
        "±95% d": (t["mean_h_ci95"] / 24).round(2)})


def port_summary(res: Result) -> pd.DataFrame:
    """Calls, turnaround (mean, P90), waiting at anchor and berth occupancy per port, all
    vessel classes together."""
    pp = res["port_performance"]
    p = pp[pp["vessel"] == "all"].sort_values("calls", ascending=False, kind="stable")
    return pd.DataFrame({
        "port": p["port"], "calls/yr": p["calls"].round(0), "turnaround h": p["turnaround_h_mean"].round(1),
        "P90 h": p["turnaround_h_p90"].round(1), "at anchor h": p["anchor_wait_h_mean"].round(1),
        "at berth h": p["at_berth_h_mean"].round(1), "berths busy %": (p["berth_occupancy"] * 100).round(0)})


def border_summary(res: Result) -> pd.DataFrame:
    """Trains, dwell (mean, P90) and queue at borders and other node servers."""
    b = res["border_performance"].sort_values("trains", ascending=False, kind="stable")
    return pd.DataFrame({
        "node": b["node"], "kind": b["kind"], "trains/yr": b["trains"].round(0),
        "dwell h": b["dwell_h_mean"].round(1), "P90 h": b["dwell_h_p90"].round(1),
        "wait h": b["wait_h_mean"].round(2), "queue mean": b["queue_mean"].round(2),
        "queue max": b["queue_max"].round(0)})


def window_line(window: dict[str, float]) -> str:
    """The measured window in one sentence: served share, released, in transit at the end."""
    return (f"measured {window['window_years']:g} yr after a {window['warmup_days']:g}-day warm-up: "
            f"delivered {window['delivered_t'] / 1e6:,.3f} Mt of {window['demand_t'] / 1e6:,.3f} Mt demand "
            f"(served {window['served_share'] * 100:.1f} %),\nreleased {window['released_t'] / 1e6:,.3f} Mt; "
            f"in transit at the end {window['in_transit_t'] / 1e3:,.1f} kt "
            f"({window['in_transit_units']:,.0f} units)")


def scheduler_pool(ctx: typer.Context, scheduler: str | None, workers: int | None) -> Workers | None:
    """The executor ``--scheduler`` names, open until the command ``ctx`` ends (None without
    one), and where it runs said on standard error; ``workers`` sizes a LocalCluster. A bad or
    silent address is a UserError naming ``scheduler``."""
    from transcaspian.model.executors import open_executor

    if scheduler is None:
        return None
    pool = ctx.with_resource(open_executor(scheduler, workers))
    err_console.print(f"replications on {pool.label}", highlight=False)
    return pool


def run_simulation(ctx: typer.Context, scen: Scenario, opts: SimOptions,
                   scheduler: str | None = None) -> Result:
    """Simulate with a progress bar on standard error; with a ``scheduler`` (``--scheduler``) the
    replications run on that Dask cluster (:func:`scheduler_pool`)."""
    from transcaspian.sim import simulate

    compiling = not kernel_compiled()
    if compiling:
        err_console.print(COMPILING, highlight=False)
    with user_errors(), flag_names(FLAGS):
        pool = scheduler_pool(ctx, scheduler, opts.workers)
    with user_errors(), flag_names(FLAGS), Progress(
            TextColumn("[bold]simulating[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task(f"{scen.name} (compiling the kernel first)" if compiling else scen.name,
                            total=opts.replications)
        return simulate(scen, opts, executor=pool, progress=lambda done, total: bar.update(
            task, completed=done, description=scen.name))


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command."""

    @app.command("simulate")
    def simulate_cmd(
        ctx: typer.Context,
        scenario: str = typer.Argument(..., help="Built-in name, YAML file or CSV folder"),
        years: float = typer.Option(1.0, "--years", "-y", help="Simulated years per replication"),
        replications: int = typer.Option(DEFAULT_REPLICATIONS, "--replications", "-n",
                                         help="Monte Carlo replications"),
        seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Master random seed"),
        workers: int = typer.Option(0, "--workers", "-j", help="Processes (0: up to 2 cores)"),
        warmup_days: float = typer.Option(DEFAULT_WARMUP_DAYS, "--warmup-days",
                                          help="Days simulated before the measured years (0: start empty)"),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write result tables + meta.json to this "
                                        "folder, or a workbook when it ends .xlsx"),
        fmt: TableFormat = typer.Option(TableFormat.parquet, "--table-format",
                                        help="parquet | csv for -o"),
        track: bool = typer.Option(False, "--track", help="Also write the per-lot tracking log "
                                   "of replication 0"),
        max_events: int = typer.Option(2_000_000_000, "--max-events",
                                       help="Refuse runs estimated above this many events in all"),
        max_trains: int = typer.Option(4_000_000, "--max-trains",
                                       help="Refuse runs releasing more trains a replication"),
        max_memory_gb: float = typer.Option(8.0, "--max-memory-gb",
                                            help="Refuse runs needing more memory a worker (GB)"),
        scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
        out_format: Format = FORMAT_OPTION,
        wide: bool = WIDE_OPTION,
    ) -> None:
        """Simulate operations with Monte Carlo replications: transit times, waits, throughput."""
        with user_errors():
            with flag_names(FLAGS):
                problems = check_scheduler(scheduler)
                try:
                    opts = SimOptions.build(years=years, replications=replications, seed=seed,
                                            workers=workers or None, warmup_days=warmup_days, track=track,
                                            max_events=max_events, max_trains=max_trains,
                                            max_memory_gb=max_memory_gb)
                except UserError as exc:
                    raise UserError(exc.problems + problems, exc.what) from None
                if problems:
                    raise UserError(problems, "the command")
            check_out(out)
            scen = open_scenario(scenario)
        from transcaspian.sim.tables import SIMULATION

        res = run_simulation(ctx, scen, opts, scheduler)
        meta = {k: res.meta[k] for k in ("scenario", "scenario_hash", "version", "seed", "years",
                                          "replications") if k in res.meta}
        transit = main_od_pairs(res)
        w = res["waiting_by_node"].head(8)
        waiting = pd.DataFrame({
            "node": w["node"], "kind": w["kind"],
            "mean wait h": w["wait_h_mean_per_unit"].round(1),
            "kt-days/yr": (w["tonne_hours_waited"] / 24 / 1000).round(1),
            "share %": (w["share_of_total"] * 100).round(1)})
        with user_errors():
            write_out(res, out, SIMULATION, fmt.value)
        ports, borders = port_summary(res), border_summary(res)
        if out_format == Format.json:
            typer.echo(json.dumps({"meta": meta, "window": res.meta["window"],
                                   "transit_days": json.loads(transit.to_json(orient="records")),
                                   "waiting": json.loads(waiting.to_json(orient="records")),
                                   "ports": json.loads(ports.to_json(orient="records")),
                                   "borders": json.loads(borders.to_json(orient="records"))},
                                  indent=2, ensure_ascii=False))
            return
        if out_format == Format.csv:
            emit(transit, out_format, meta)
            return
        console.print(f"[bold]{scen.name}[/]: {replications} replications x {years:g} years, "
                      f"seed {seed}", highlight=False)
        emit(transit, out_format, title="Transit time, main origin-destination pairs (days)", wide=wide,
             keep=["origin", "destination"])
        if not waiting.empty:
            emit(waiting, out_format, title="Where cargo waits", wide=wide)
        if not ports.empty:
            emit(ports, out_format, title="Ports: vessel calls, turnaround (all vessel classes)", wide=wide)
        if not borders.empty:
            emit(borders, out_format, title="Borders and nodes: trains, dwell, queue", wide=wide)
        if not res["throughput"].empty:
            console.print(window_line(res.meta["window"]), highlight=False)
        print_meta(meta, tuple(meta))
