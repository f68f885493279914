"""``transcaspian calibrate``: the model beside observed figures, and fitting fields to them."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from transcaspian.cli._common import (
    FORMAT_OPTION,
    WIDE_OPTION,
    Format,
    check_out,
    console,
    emit,
    err_console,
    is_workbook,
    open_scenario,
    user_errors,
    write_out,
    write_tables,
)
from transcaspian.cli._flags import flag_names
from transcaspian.cli.simulate import SCHEDULER_HELP, scheduler_pool
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.results import Result

if TYPE_CHECKING:
    from transcaspian.calibration import CalibrateOptions
    from transcaspian.model import Scenario

#: Command-line flag of each calibration option (errors name options; the CLI shows flags).
FLAGS = {"observed": "--observed", "fit": "--fit", "engine": "--engine", "year": "--year",
         "years": "--years", "replications": "--replications", "seed": "--seed", "workers": "--workers",
         "warmup_days": "--warmup-days", "max_evaluations": "--max-evaluations", "method": "--method",
         "weights": "--weight", "bounds": "--fit", "output": "--output", "scheduler": "--scheduler"}


#: Width of the printed check table (characters).
CHECK_WIDTH = 100


class EngineChoice(StrEnum):
    """Engine computing the KPIs."""

    auto = "auto"
    capacity = "capacity"
    sim = "sim"


class Method(StrEnum):
    """scipy.optimize method."""

    powell = "powell"
    nelder_mead = "nelder-mead"


def _weights(texts: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    problems = []
    for text in texts:
        key, sep, value = text.rpartition("=")
        try:
            out[key] = float(value)
            ok = bool(sep and key) and out[key] >= 0
        except ValueError:
            ok = False
        if not ok:
            problems.append(Problem(f"'{text}' is not KPI:ELEMENT=WEIGHT with a weight >= 0",
                                    field="weights"))
    if problems:
        raise UserError(problems, "the options")
    return out


def check_view(check: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The observed-versus-modelled table as printed (100 columns) and the numbered notes of
    the rows outside their tolerance (why they miss).

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": ["port_teu"], "element": ["aktau"], "year": [2024], "unit": ["TEU"],
    ...                   "observed": [100.0], "modelled": [80.0], "error_pct": [-20.0],
    ...                   "tolerance_pct": [15.0], "within": [False], "engine": ["sim"],
    ...                   "note": ["all trades"], "model_note": [""]})
    >>> view, notes = check_view(t)
    >>> view.iloc[0].tolist()
    ['port_teu', 'aktau', '100 TEU', '80.00 TEU', '-20.0 / ±15', 'no [1]']
    >>> notes
    ['[1] port_teu aktau: all trades']
    """
    notes: list[str] = []
    marks = []
    for r in check.itertuples(index=False):
        if r.within:
            marks.append("yes")
            continue
        why = r.model_note if pd.isna(r.modelled) else r.note
        notes.append(f"[{len(notes) + 1}] {r.kpi} {r.element}: {why or 'no note'}")
        marks.append(f"no [{len(notes)}]")
    view = pd.DataFrame({
        "kpi": check["kpi"], "element": check["element"],
        "observed": [f"{_fmt(v)} {u}" for v, u in zip(check["observed"], check["unit"], strict=True)],
        "modelled": [f"{_fmt(v)} {u}" if not pd.isna(v) else "—"
                     for v, u in zip(check["modelled"], check["unit"], strict=True)],
        "error % / tol": [("—" if pd.isna(e) else f"{e:+.1f}") + f" / ±{t:g}"
                          for e, t in zip(check["error_pct"], check["tolerance_pct"], strict=True)],
        "within": marks})
    return view, notes


def _fmt(v: float) -> str:
    if pd.isna(v):
        return ""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}"


def register(app: typer.Typer) -> None:
    """Add the ``calibrate`` command."""

    @app.command("calibrate")
    def calibrate_cmd(
        ctx: typer.Context,
        scenario: str = typer.Argument(..., help="Built-in name, YAML file or CSV folder"),
        observed: str = typer.Option("builtin", "--observed", help="Observed-KPI CSV file or folder, "
                                     "or 'builtin' (the package's files)"),
        fit: list[str] = typer.Option([], "--fit", help="Field to fit, component[id].field[=LOW:HIGH]; "
                                      "repeat for several. Without --fit: check mode (observed vs model)"),
        output: Path | None = typer.Option(None, "--output", "-o", help="With --fit, write the "
                                           "calibrated overlay (YAML) here; a name ending .xlsx writes "
                                           "the tables to a workbook instead (check mode too)"),
        force: bool = typer.Option(False, "--force", help="Replace an existing file that is not a "
                                   "calibrated overlay"),
        engine: EngineChoice = typer.Option(EngineChoice.auto, "--engine",
                                            help="auto (each KPI's engine) | capacity | sim"),
        year: int | None = typer.Option(None, "--year", help="Observed year (default: the scenario's)"),
        years: float = typer.Option(1.0, "--years", "-y", help="Simulated years per evaluation"),
        replications: int = typer.Option(1, "--replications", "-n", help="Replications per evaluation"),
        seed: int = typer.Option(1, "--seed", help="Seed of every evaluation (common random numbers)"),
        workers: int = typer.Option(1, "--workers", "-j", help="Simulator processes"),
        max_evaluations: int = typer.Option(60, "--max-evaluations", help="Most loss evaluations"),
        method: Method = typer.Option(Method.powell, "--method", help="powell | nelder-mead"),
        weight: list[str] = typer.Option([], "--weight", help="KPI:ELEMENT=WEIGHT (default "
                                         "1/tolerance_pct^2)"),
        write_table: Path | None = typer.Option(
            None, "--write-table", help="Check mode: also write the table as Markdown into this file "
            "after its '<!-- observed-vs-modelled table -->' line (docs/calibration.md; make docs)"),
        fmt: Format = FORMAT_OPTION,
        scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
        wide: bool = WIDE_OPTION,
    ) -> None:
        """Compare the model with observed figures or, with --fit, fit fields to them and write an
        overlay."""
        from transcaspian.calibration import CALIBRATION, CalibrateOptions, calibrate, model_kpis
        from transcaspian.calibration.tables import CHECK

        with user_errors(), flag_names(FLAGS):
            if output is not None and not fit and not is_workbook(output):
                raise UserError([Problem("-o writes a calibrated overlay: give --fit FIELD too (or, "
                                         "for the check table, a workbook name ending .xlsx)",
                                         field="output")], "the command")
            if write_table is not None and fit:
                raise UserError([Problem("--write-table is for check mode (without --fit)",
                                         field="--write-table")], "the command")
            opts = CalibrateOptions.build(
                observed=observed, fit=tuple(fit), engine=engine.value, year=year,
                years=years, replications=replications, seed=seed, workers=workers,
                max_evaluations=max_evaluations, method=method.value, weights=_weights(weight))
            scen = open_scenario(scenario)
            rows = _preflight(scen, opts, output, force)
            pool = scheduler_pool(ctx, scheduler, opts.workers)
            if not fit:
                check = model_kpis(scen, rows, engine=opts.engine, sim_options=opts.sim_options(),
                                   executor=pool)
                if write_table is not None:
                    _write_table(write_table, check, scen, opts)
                if output is not None:
                    write_tables(output, {"check": check}, scen.metadata(),
                                 {"check": {c.name: c.unit for c in CHECK.columns if c.unit}})
                _show_check(check, fmt, scen.metadata(), wide)
                return
        with user_errors(), flag_names(FLAGS), Progress(
                TextColumn("[bold]calibrating[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("loss {task.fields[best]}"), TimeElapsedColumn(), console=err_console,
                transient=True) as bar:
            task = bar.add_task(scen.name, total=opts.max_evaluations, best="")
            res = calibrate(scen, opts, executor=pool, progress=lambda i, n, loss, best: bar.update(
                task, completed=i, best=f"{best:.4g}"))
        with user_errors(), flag_names(FLAGS):
            if is_workbook(output):
                written = write_out(res, output, CALIBRATION)[0]
            else:
                written = _write(res, output, scenario, force)
        _show_fit(res, fmt, written, wide)


def _preflight(scen: Scenario, opts: CalibrateOptions, output: Path | None,
               force: bool) -> pd.DataFrame:
    """The observed rows; every problem with them, the fit fields and the output at once."""
    from transcaspian.calibration import observed_rows, resolve_fields
    from transcaspian.calibration.overlay import MARKER

    problems: list[Problem] = []
    rows = pd.DataFrame()
    try:
        rows = observed_rows(scen, opts.observed, opts.year)
    except UserError as exc:
        problems += exc.problems
    if opts.fit:
        try:
            resolve_fields(scen, opts.fit, opts.bounds)
        except UserError as exc:
            problems += exc.problems
    if is_workbook(output):
        try:
            check_out(output)
        except UserError as exc:
            problems += exc.problems
    elif output is not None and output.exists() and not force and (
            output.is_dir() or not output.read_text(encoding="utf-8", errors="replace").startswith(MARKER)):
        problems.append(Problem(f"'{output}' exists and is not a calibrated overlay; refusing to "
                                "overwrite it (use --force to replace it)", field="output"))
    if problems:
        raise UserError(problems, "the command")
    return rows


def _write(res: Result, output: Path | None, scenario: str, force: bool) -> Path | None:
    from transcaspian.calibration import write_overlay

    if output is None:
        return None
    ref = scenario
    if Path(scenario).exists():  # a file: refer to it relative to the overlay's folder
        ref = os.path.relpath(Path(scenario).resolve(), output.resolve().parent)
    return write_overlay(res, output, ref, force)


def _write_table(path: Path, check: pd.DataFrame, scen: Scenario, opts: CalibrateOptions) -> None:
    from transcaspian.calibration.kpis import TABLE_MARKER, check_markdown, replace_marked
    from transcaspian.model.results import write_text_atomic

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError([Problem(f"cannot read '{path}': {exc}", field="--write-table")],
                        "the command") from None
    if TABLE_MARKER not in text:
        raise UserError([Problem(f"'{path}' has no line {TABLE_MARKER}", field="--write-table")],
                        "the command")
    within = int(check["within"].sum())
    caption = (f"Generated by `transcaspian calibrate {scen.name} --observed {opts.observed} "
               f"--replications {opts.replications} --seed {opts.seed} --write-table` (`make docs`): "
               f"{within} of {len(check)} figures of {check['year'].iloc[0]} within tolerance; the "
               f"simulator ran {opts.years:g} year(s) x {opts.replications} replication(s).")
    write_text_atomic(path, replace_marked(text, check_markdown(check, caption)))
    err_console.print(f"wrote the observed-vs-modelled table into {path}", highlight=False)


def _show_check(check: pd.DataFrame, fmt: Format, meta: dict[str, Any], wide: bool = False) -> None:
    if fmt != Format.table:
        emit(check, fmt, meta)
        return
    within = int(check["within"].sum())
    view, notes = check_view(check)
    if wide:   # every column, the notes in their rows rather than numbered below
        why = [r.model_note if pd.isna(r.modelled) else r.note for r in check.itertuples(index=False)]
        emit(view.assign(within=["yes" if w else "no" for w in check["within"]], engine=check["engine"],
                         note=why), fmt, meta, title=f"Observed vs modelled: {within} of {len(check)} "
             "within tolerance", wide=True)
        return
    table = Table(title=f"Observed vs modelled: {within} of {len(check)} within tolerance",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in view.columns:
        table.add_column(col, overflow="fold", justify="right" if col == "error % / tol" else "left")
    for row in view.itertuples(index=False):
        table.add_row(*(escape(str(v)) for v in row))
    console.print(table, width=CHECK_WIDTH)
    for note in notes:
        console.print(note, width=CHECK_WIDTH, highlight=False, markup=False)
    console.print(f"scenario {meta['scenario']} (hash {meta['scenario_hash'][:12]}); engines per KPI: "
                  "--format csv", style="dim", highlight=False, width=CHECK_WIDTH)


def _show_fit(res: Result, fmt: Format, written: Path | None, wide: bool = False) -> None:
    m = res.meta
    if fmt == Format.json:
        typer.echo(json.dumps(res.to_json_dict(), indent=2, default=str, ensure_ascii=False))
        return
    if fmt == Format.csv:
        emit(res["kpis"], fmt, {"loss_before": m["loss_before"], "loss_after": m["loss_after"]})
        return
    emit(res["fit"].assign(field=res["fit"]["field"].map(escape)), fmt, title="Fitted fields", wide=wide)
    k = res["kpis"]
    view = pd.DataFrame({
        "kpi": k["kpi"], "element": k["element"], "observed": k["observed"].map(_fmt),
        "before": k["before"].map(_fmt), "after": k["after"].map(_fmt),
        "error before %": k["error_before_pct"].map(lambda v: "" if pd.isna(v) else f"{v:+.1f}"),
        "error after %": k["error_after_pct"].map(lambda v: "" if pd.isna(v) else f"{v:+.1f}"),
        "tolerance %": k["tolerance_pct"].map(lambda v: f"{v:g}"),
        "within": k["within"].map(lambda v: "yes" if v else "no"), "engine": k["engine"]})
    emit(view, fmt, title="Observed KPIs before and after the fit", wide=wide)
    console.print(f"loss {m['loss_before']:.4g} -> {m['loss_after']:.4g} in {m['evaluations']} "
                  f"evaluations (seed {m['seed']}; {m['optimizer']})", highlight=False)
    if written is not None and not is_workbook(written):
        console.print(f"wrote the calibrated overlay to {written}", highlight=False)
    elif written is not None:
        console.print("no overlay written (the workbook holds the tables; -o overlay.yaml writes one)",
                      style="dim")
    else:
        console.print("no overlay written (give -o overlay.yaml)", style="dim")
