"""``transcaspian sweep SPEC -o DIR``: many points of one scenario as Dask tasks, and which
assumptions move the KPIs most (global sensitivity)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from transcaspian.cli._common import Format, console, emit, err_console, user_errors
from transcaspian.model.errors import input_error

#: Table headers of each sensitivity index (unit in brackets; "kpi" is the KPI's own unit).
INDEX_HEADERS = {"S1": "S1 (share of var.)", "ST": "ST (share of var.)", "mu_star": "mu* ({unit})",
                 "sigma": "sigma ({unit})", "spearman": "Spearman rho (-1..1)"}
METHOD_TITLES = {"sobol": "Sobol indices (SALib, Saltelli design)",
                 "morris": "Morris elementary effects (SALib), per full range",
                 "spearman": "Spearman rank correlation (a simpler ranking)"}


def _fmt(v: float) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def ranking_view(sens: pd.DataFrame, kpi: dict) -> pd.DataFrame:
    """One KPI's ranking as printed: rank, parameter, each index with its 95 % half-width."""
    from transcaspian.sweep.sensitivity import INDICES, ranking

    r = ranking(sens, kpi["column"])
    method = str(sens.loc[sens["kpi"] == kpi["column"], "method"].iloc[0])
    out = pd.DataFrame({"rank": r["rank"], "parameter": r["parameter"]})
    for idx in INDICES[method][1]:
        out[INDEX_HEADERS[idx].format(unit=kpi["unit"])] = [
            f"{_fmt(v)} ± {_fmt(c)}" if _fmt(c) else _fmt(v)
            for v, c in zip(r[idx], r[f"{idx}_conf"], strict=True)]
    return out


def print_ranking(meta: dict, sens: pd.DataFrame, points: pd.DataFrame) -> None:
    """The sensitivity ranking of every KPI (tables fit 100 columns)."""
    method = meta["design"]["sensitivity"]
    for kpi in meta["kpis"]:
        col = kpi["column"]
        values = points[col].dropna()
        spread = (f"{values.min():.3g} to {values.max():.3g} {kpi['unit']}" if len(values) else "no values")
        title = escape(f"{col}, {spread}: {METHOD_TITLES[method]}")
        if sens.loc[sens["kpi"] == col, "value"].isna().all():
            console.print(f"{title}\n  does not vary over the sweep (or points failed): no ranking",
                          highlight=False)
            continue
        emit(ranking_view(sens, kpi), Format.table, title=title, keep=["parameter"])


def _compile_kernel_once(base: object) -> None:
    """Compile the simulator's kernel here, once, so that the workers load it from numba's
    cache instead of each compiling it."""
    from transcaspian.cli._kernel import COMPILING, kernel_compiled

    if not kernel_compiled():
        from transcaspian.sim import SimOptions, simulate

        err_console.print(COMPILING, highlight=False)
        simulate(base, SimOptions.build(years=0.01, replications=1, workers=1, warmup_days=0))


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command."""

    @app.command("sweep", context_settings={"help_option_names": ["-h", "--help"]})
    def sweep_cmd(
        spec_file: Path = typer.Argument(..., metavar="SPEC", help="Sweep spec (YAML; docs/sweeps.md)"),
        out: Path = typer.Option(..., "--out", "-o", help="Output folder (points.parquet, "
                                 "sensitivity.parquet, meta.json, parts/)"),
        scheduler: str = typer.Option("local", "--scheduler", help="local (a Dask LocalCluster), "
                                      "processes (a local process pool) or a Dask scheduler address "
                                      "(tcp://host:8786)"),
        workers: int | None = typer.Option(None, "--workers", help="Worker processes for local or "
                                           "processes (default: one per core)"),
        resume: bool = typer.Option(False, "--resume", help="Continue a sweep of the same spec in "
                                    "--out without redoing finished points"),
    ) -> None:
        """Run a scenario sweep (grid, Latin hypercube, Sobol, Saltelli or Morris design) on Dask
        and rank the assumptions by their global sensitivity indices per KPI."""
        from transcaspian.model.executors import open_executor
        from transcaspian.sweep import load_spec, plan_sweep, run_sweep
        from transcaspian.sweep.run import check_folder
        from transcaspian.sweep.spec import open_base

        with user_errors():
            if workers is not None and workers < 1:
                raise input_error(f"--workers must be at least 1 (got {workers})", "--workers")
            spec, text = load_spec(spec_file)
            plan = plan_sweep(spec, open_base(spec, spec_file), text, str(spec_file))
            check_folder(out, plan, resume)
            if spec.engines.simulate is not None:
                _compile_kernel_once(plan.base)
            with open_executor(scheduler, workers) as pool:
                err_console.print(f"{spec.name}: {len(plan.design)} points of {plan.base.name} on "
                                  f"{pool.label}", highlight=False)
                with Progress(TextColumn("[bold]sweep[/] {task.description}"), BarColumn(),
                              MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                              transient=True) as bar:
                    task = bar.add_task(spec.name, total=len(plan.design))
                    res = run_sweep(plan, out, pool.executor, resume=resume,
                                    progress=lambda done, total: bar.update(task, completed=done))
        failed = res.meta["failed_points"]
        print_ranking(res.meta, res.sensitivity, res.points)
        console.print("parameters: " + "; ".join(f"{p['name']} = {p['address']} ({p['unit'] or '-'})"
                                                 for p in res.meta["parameters"]),
                      highlight=False, markup=False)
        if failed:
            console.print(f"{failed} point(s) failed (column error of points.parquet)", style="yellow",
                          highlight=False)
        console.print(f"ran {res.ran} of {len(res.points)} points; wrote {out}/points.parquet, "
                      f"{out}/sensitivity.parquet, {out}/meta.json", highlight=False)
        console.print(f"scenario={res.meta['scenario']['name']} "
                      f"scenario_hash={res.meta['scenario']['hash']} seed={res.meta['seed']} "
                      f"version={res.meta['version']}", style="dim", highlight=False)
