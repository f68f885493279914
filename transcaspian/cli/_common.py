"""Shared CLI plumbing: loading scenarios, reporting user errors, printing tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import UserError

#: Wide output when piped or logged (rich would otherwise wrap tables at 80 columns).
console = Console() if sys.stdout.isatty() else Console(width=160)
err_console = Console(stderr=True) if sys.stderr.isatty() else Console(stderr=True, width=160)


class Format(StrEnum):
    """Output format of a command that prints a table."""

    table = "table"
    json = "json"
    csv = "csv"


FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="table | json | csv")


@contextmanager
def user_errors() -> Iterator[None]:
    """Print every problem of a UserError (no traceback) and exit with code 2."""
    try:
        yield
    except UserError as exc:
        err_console.print(f"[bold red]error:[/] {len(exc.problems)} problem"
                          f"{'s' if len(exc.problems) != 1 else ''} in {exc.what}:",
                          highlight=False)
        for p in exc.problems:
            err_console.print(f"  - {p}", highlight=False, markup=False, emoji=False)
        raise typer.Exit(2) from None


def open_scenario(ref: str, strict: bool = False) -> Scenario:
    """Load a scenario for a command (call inside :func:`user_errors`)."""
    return load_scenario(ref, strict=strict)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def emit(df: pd.DataFrame, fmt: Format, meta: dict[str, Any] | None = None,
         title: str | None = None) -> None:
    """Print a table as a rich table, JSON (with metadata) or plain CSV.

    CSV on standard output is plain (``pandas.read_csv`` reads it with default arguments);
    its metadata goes to standard error as one ``key=value`` line.
    """
    meta = meta or {}
    frame = df.reset_index() if df.index.name is not None else df
    if fmt == Format.json:
        rows = json.loads(frame.to_json(orient="records", default_handler=str))
        typer.echo(json.dumps({"meta": meta, "title": title, "rows": rows}, indent=2,
                              ensure_ascii=False))
    elif fmt == Format.csv:
        if meta:
            typer.echo(" ".join(f"{k}={v}" for k, v in meta.items()), err=True)
        typer.echo(frame.to_csv(index=False), nl=False)
    else:
        table = Table(title=title, title_justify="left", show_lines=False)
        for col in frame.columns:
            numeric = pd.api.types.is_numeric_dtype(frame[col])
            table.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
        for row in frame.itertuples(index=False):
            table.add_row(*(_cell(v) for v in row))
        console.print(table)
        if meta:
            console.print(" ".join(f"{k}={v}" for k, v in meta.items()), style="dim",
                          highlight=False)
