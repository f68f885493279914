"""``transcaspian report``: write the self-contained HTML report of a scenario."""

from __future__ import annotations

from pathlib import Path

import typer

from transcaspian.cli._common import console, open_scenario, user_errors
from transcaspian.cli._simcache import DEFAULT_REPLICATIONS, DEFAULT_SEED, cached_simulation
from transcaspian.model.errors import input_error
from transcaspian.model.results import write_text_atomic

HTML_SUFFIXES = (".html", ".htm")


def is_previous_report(path: Path) -> bool:
    """True when ``path`` holds an HTML file written by ``transcaspian report``.

    Only the first few kilobytes are read: our reports carry
    ``<meta name="generator" content="transcaspian report">`` in their head.
    """
    from transcaspian.report.build import GENERATOR

    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    return head.lstrip().lower().startswith("<!doctype html") and \
        f'<meta name="generator" content="{GENERATOR}">' in head


def check_output(path: Path, force: bool) -> None:
    """Refuse an output path we should not write (raises UserError).

    Rules: the name must end in ``.html`` or ``.htm``; a folder is never replaced; an
    existing file is replaced only when it is a previous report of ours, or with ``--force``.
    """
    if path.suffix.lower() not in HTML_SUFFIXES:
        raise input_error(f"'{path}' does not end in .html; the report is one HTML file", "--output")
    if path.is_dir():
        raise input_error(f"'{path}' is a folder; give a file name such as {path / 'report.html'}",
                          "--output")
    if path.exists() and not force and not is_previous_report(path):
        raise input_error(f"'{path}' exists and is not a transcaspian report; "
                          "refusing to overwrite it (use --force to replace it)", "--output")


def check_pdf_output(output: Path, force: bool) -> Path:
    """The PDF path for ``--pdf`` (``output`` with .pdf); refused (UserError) when no browser
    is installed or the file exists and is neither a previous report PDF nor ``--force``d."""
    from transcaspian.report.pdf import INSTALL_HINT, find_browser, is_previous_pdf

    path = output.with_suffix(".pdf")
    if find_browser() is None:
        raise input_error(f"--pdf needs headless Chromium and none was found; {INSTALL_HINT}", "--pdf")
    if path.is_dir():
        raise input_error(f"'{path}' is a folder; the PDF goes beside the HTML file", "--pdf")
    if path.exists() and not force and not is_previous_pdf(path):
        raise input_error(f"'{path}' exists and is not a transcaspian report PDF; refusing to "
                          "overwrite it (use --force to replace it)", "--pdf")
    return path


def register(app: typer.Typer) -> None:
    """Add the ``report`` command."""

    @app.command("report")
    def report_cmd(
        scenario: str = typer.Argument(..., help="Built-in name, YAML file or CSV folder"),
        output: Path = typer.Option(Path("out/report.html"), "--output", "-o",
                                    help="HTML file to write (a previous report is replaced)"),
        sim: Path | None = typer.Option(
            None, "--sim", help="Simulation result folder from `transcaspian simulate -o` "
                                "(adds transit-time distributions and waiting by node)"),
        simulate_n: int = typer.Option(
            DEFAULT_REPLICATIONS, "--simulate",
            help="Without --sim: replications of the one-year simulation the report draws on (run "
                 "once, then cached, as for quote); 0: no simulation, analytic days only"),
        seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Seed for --simulate"),
        plan: Path | None = typer.Option(
            None, "--plan", help="Plan result folder made on this scenario (adds the plan section: "
                                 "projects, payers, capacity year by year, cost-benefit)"),
        compare: str | None = typer.Option(
            None, "--compare", help="Scenario to compare with (adds 'Comparison with B'); an overlay "
                                   "compares with the scenario it extends by default"),
        no_compare: bool = typer.Option(False, "--no-compare", help="No comparison section"),
        sweep: Path | None = typer.Option(
            None, "--sweep", help="Sweep folder from `transcaspian sweep -o` on this scenario (adds "
                                  "'Which assumptions matter': tornado and response charts)"),
        pdf: bool = typer.Option(
            False, "--pdf", help="Also print the report to PDF (A4) beside the HTML file, same name "
                                 "with .pdf, through headless Chromium (`make browser` installs it)"),
        force: bool = typer.Option(False, "--force",
                                   help="Replace the output file even if it is not a previous report"),
    ) -> None:
        """Write one self-contained offline HTML report: map, bottlenecks, capacity vs demand,
        itineraries with time/cost-distance charts, reference routes and sources (and, with
        --plan, the investment plan)."""
        with user_errors():
            check_output(output, force)
            pdf_path = check_pdf_output(output, force) if pdf else None
            s = open_scenario(scenario)
            from transcaspian.analysis.compare import extends_base

            other_ref = None if no_compare else (compare or extends_base(s))
            other = open_scenario(other_ref) if other_ref is not None else None  # fails before a run
            from transcaspian.report.build import build_report, read_plan

            if plan is not None:
                read_plan(plan, s)  # a bad folder fails before the simulation runs
            if sweep is not None:
                from transcaspian.report.build import read_sweep

                read_sweep(sweep, s)

            simulation = None
            if sim is None and simulate_n < 0:
                raise input_error("--simulate takes a number of replications >= 0", "--simulate")
            if sim is None and simulate_n:
                simulation = cached_simulation(
                    s, simulate_n, seed, say=lambda text: typer.echo(text, err=True))
            html = build_report(s, sim_result_dir=sim, simulation=simulation, plan_result_dir=plan,
                                compare=other, sweep_dir=sweep)
            write_text_atomic(output, html)
            if pdf_path is not None:
                from transcaspian.report.pdf import write_pdf

                write_pdf(output, pdf_path)
                console.print(f"PDF written: {pdf_path}", highlight=False)
        size_mb = output.stat().st_size / 1e6
        console.print(f"report written: {output} ({size_mb:.1f} MB) — open "
                      f"{output.resolve().as_uri()} in a browser", highlight=False)
        console.print(f"scenario={s.name} scenario_hash={s.hash[:12]} version="
                      f"{s.metadata()['version']}", style="dim", highlight=False)
