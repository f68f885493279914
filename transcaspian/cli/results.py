"""``transcaspian results``: the reference of every engine's result tables."""

from __future__ import annotations

from pathlib import Path

import typer

from transcaspian.cli._common import console, user_errors
from transcaspian.model.results import ResultSchema, results_markdown, write_text_atomic


def all_schemas() -> list[ResultSchema]:
    """The declared tables of every engine, in documentation order."""
    from transcaspian.analysis.tables import SCHEMAS
    from transcaspian.calibration.tables import CALIBRATION
    from transcaspian.planning.tables import PLAN
    from transcaspian.sim.tables import SIMULATION

    return [*SCHEMAS, SIMULATION, CALIBRATION, PLAN]


def register(app: typer.Typer) -> None:
    """Add the ``results`` command."""

    @app.command("results")
    def results_cmd(
        output: Path | None = typer.Option(None, "--output", "-o", help="Markdown file to write"),
    ) -> None:
        """Print (or write) the reference of every result table: column, dtype, unit, meaning
        (docs/results.md)."""
        text = results_markdown(all_schemas()) + "\n"
        if output is None:
            typer.echo(text, nl=False)
            return
        with user_errors():
            write_text_atomic(output, text)
        console.print(f"wrote {output}", highlight=False)
