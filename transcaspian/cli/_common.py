"""Shared CLI plumbing: loading scenarios, reporting user errors, printing tables, writing outputs.

Tables are laid out once, here (:func:`emit`): every default table fits the console width
(``$COLUMNS``; 100 columns when that is unset and the output is not a terminal). Numbers and
ids are never broken across lines; when a table is too wide its long text columns (names,
arithmetic, notes) are left out first and named in a dim line, and ``--wide`` shows them.
JSON and CSV always carry every column.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console, ConsoleDimensions
from rich.table import Table

from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import UserError

#: Width of tables when $COLUMNS is unset and the output is not a terminal (a pipe, a log).
DEFAULT_WIDTH = 100
#: A text column whose longest cell is longer than this (characters) is the first left out.
LONG_TEXT = 24
#: Narrowest a column of prose (cells with spaces) is wrapped to (characters).
PROSE_MIN = 12


def terminal_width(is_terminal: bool) -> int | None:
    """Columns to print in: ``$COLUMNS`` when set, else :data:`DEFAULT_WIDTH` when the output
    is not a terminal, else None (the terminal's own width).

    Examples
    --------
    >>> import os
    >>> old = os.environ.pop("COLUMNS", None)
    >>> terminal_width(False), terminal_width(True)
    (100, None)
    >>> os.environ["COLUMNS"] = "80"
    >>> terminal_width(False)
    80
    >>> _ = os.environ.pop("COLUMNS") if old is None else os.environ.update(COLUMNS=old)
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if is_terminal else DEFAULT_WIDTH


class _Console(Console):
    """A rich console whose width follows :func:`terminal_width` at every print (rich reads
    ``$COLUMNS`` only once, when the console is made)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._width = None
        self.floor = 0   # --wide: at least this many columns (rich caps print(width=) at the width)

    @property
    def size(self) -> ConsoleDimensions:
        dims = Console.size.fget(self)
        width = terminal_width(self.is_terminal) or dims.width
        return ConsoleDimensions(max(width, self.floor), dims.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)


console = _Console()
err_console = _Console(stderr=True)


class Format(StrEnum):
    """Output format of a command that prints a table."""

    table = "table"
    json = "json"
    csv = "csv"


FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="table | json | csv")
WIDE_OPTION = typer.Option(False, "--wide", "-w", help="Table format: show every column (long text "
                           "too), even beyond the terminal's width")


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
            err_console.print(f"  - {p}", highlight=False, markup=False, emoji=False,
                              soft_wrap=True)   # one problem, one line (grep-able)
        raise typer.Exit(2) from None


def open_scenario(ref: str, strict: bool = False) -> Scenario:
    """Load a scenario for a command (call inside :func:`user_errors`)."""
    return load_scenario(ref, strict=strict)


def cell_text(value: Any) -> str:
    """A table cell as text: floats to 3 significant decimals, thousands separators from
    10,000 (years stay ``2030``), empty for missing values.

    Examples
    --------
    >>> [cell_text(v) for v in (1388700, 2030, 1388700.4, 0.125, None, float("nan"), "a")]
    ['1,388,700', '2030', '1,388,700', '0.125', '', '', 'a']
    """
    if value is None or (isinstance(value, float | np.floating) and pd.isna(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float | np.floating):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


_FIGURE = re.compile(r"[+\-−]?[\d,]*\.?\d+ ?%?")


@dataclass(frozen=True)
class _Col:
    """One column as laid out: its cells as text and the widths it may take (characters)."""

    name: str
    cells: list[str]
    numeric: bool

    @property
    def prose(self) -> bool:
        """Cells with spaces wrap at them; any other cell (a number, an id) never breaks."""
        return not self.numeric and any(" " in c for c in self.cells)

    @property
    def figures(self) -> bool:
        """Cells that are formatted numbers (``+1,234``, ``96%``), right-aligned like numbers."""
        return any(self.cells) and all(_FIGURE.fullmatch(c) for c in self.cells if c)

    @property
    def longest(self) -> int:
        return max((len(c) for c in self.cells), default=0)

    @property
    def natural(self) -> int:
        return max(self.longest, len(self.name))

    @property
    def narrowest(self) -> int:
        head = max((len(w) for w in self.name.split()), default=0)
        body = min(self.longest, max(PROSE_MIN, *(len(w) for c in self.cells for w in c.split()))) \
            if self.prose else self.longest
        return max(head, body)


def _table_width(widths: Sequence[int]) -> int:
    """Characters of a rich table with these column widths (padding 1 + 1, n + 1 rules)."""
    return sum(widths) + 3 * len(widths) + 1


def fit_columns(cols: list[_Col], width: int, keep: Sequence[str]) -> tuple[list[_Col], list[int]]:
    """The columns shown in ``width`` characters and their widths.

    While the table does not fit at its natural widths, the longest text column over
    :data:`LONG_TEXT` characters (not in ``keep``) is left out; then headers and prose wrap
    down to their narrowest; then columns from the right (not in ``keep``) are left out.
    Numbers and ids keep their full width.
    """
    shown = list(cols)
    while True:
        natural = [c.natural for c in shown]
        if _table_width(natural) <= width:
            return shown, natural
        long_text = [c for c in shown if not c.numeric and c.longest > LONG_TEXT and c.name not in keep]
        if long_text:
            shown.remove(max(long_text, key=lambda c: c.longest))
            continue
        narrow = [c.narrowest for c in shown]
        if _table_width(narrow) <= width:
            return shown, _widen(shown, narrow, width)
        droppable = [c for c in shown if c.name not in keep]
        if not droppable:
            return shown, narrow
        shown.remove(droppable[-1])


def _widen(cols: list[_Col], widths: list[int], width: int) -> list[int]:
    """Give the room left in ``width`` back to the narrowed columns, widest need first."""
    out = list(widths)
    spare = width - _table_width(out)
    while spare > 0:
        short = [(c.natural - w, i) for i, (c, w) in enumerate(zip(cols, out, strict=True)) if w < c.natural]
        if not short:
            break
        _, i = max(short)
        out[i] += 1
        spare -= 1
    return out


def emit(df: pd.DataFrame, fmt: Format, meta: dict[str, Any] | None = None,
         title: str | None = None, *, wide: bool = False, detail: Sequence[str] = (),
         keep: Sequence[str] | None = None) -> None:
    """Print a table as a rich table, JSON (with metadata) or plain CSV.

    Parameters
    ----------
    df
        The table; a named index is printed as columns.
    fmt
        table | json | csv. CSV on standard output is plain (``pandas.read_csv`` reads it with
        default arguments); its metadata goes to standard error as one ``key=value`` line.
    wide
        Table format: every column, however wide (``--wide``).
    detail
        Columns shown only with ``wide`` (long text: arithmetic, notes, sources).
    keep
        Columns never left out to fit the width (default: the first column).
    """
    meta = meta or {}
    frame = df.reset_index() if df.index.name is not None else df
    if fmt == Format.json:
        rows = json.loads(frame.to_json(orient="records", default_handler=str))
        typer.echo(json.dumps({"meta": meta, "title": title, "rows": rows}, indent=2,
                              ensure_ascii=False))
        return
    if fmt == Format.csv:
        if meta:
            typer.echo(" ".join(f"{k}={v}" for k, v in meta.items()), err=True)
        typer.echo(frame.to_csv(index=False), nl=False)
        return
    cols = [_Col(str(c), [cell_text(v) for v in frame[c]], pd.api.types.is_numeric_dtype(frame[c])
                 and not pd.api.types.is_bool_dtype(frame[c])) for c in frame.columns]
    keep = [str(frame.columns[0])] if keep is None and len(frame.columns) else list(keep or [])
    if wide:
        shown, widths = cols, [c.natural for c in cols]
    else:
        shown, widths = fit_columns([c for c in cols if c.name not in detail], console.width, keep)
    table = Table(title=title, title_justify="left", show_lines=False)
    for col, w in zip(shown, widths, strict=True):
        table.add_column(col.name, justify="right" if col.numeric or col.figures else "left", width=w,
                         overflow="fold")   # widths hold every number and id whole; headers wrap
    for i in range(len(frame)):
        table.add_row(*(c.cells[i] for c in shown))
    console.floor = _table_width(widths) if wide else 0
    try:
        console.print(table)
    finally:
        console.floor = 0
    hidden = [c.name for c in cols if c not in shown]
    if hidden:
        console.print(f"{len(hidden)} column{'s' if len(hidden) != 1 else ''} hidden (--wide shows "
                      f"them: {', '.join(hidden)})", style="dim", highlight=False, markup=False)
    if meta:
        console.print(" ".join(f"{k}={v}" for k, v in meta.items()), style="dim", highlight=False)


def print_meta(meta: Mapping[str, Any], keys: Sequence[str] = ("scenario", "scenario_hash", "version")
               ) -> None:
    """The dim closing line of a command: ``key=value`` for each of ``keys`` present."""
    console.print(" ".join(f"{k}={meta[k]}" for k in keys if k in meta), style="dim", highlight=False)


# -- outputs -----------------------------------------------------------------------------
def is_workbook(out: Path | None) -> bool:
    """True when ``-o`` names a spreadsheet (suffix ``.xlsx``) rather than a result folder."""
    return out is not None and out.suffix.lower() == ".xlsx"


def check_out(out: Path | None) -> None:
    """Refuse, before any work, an ``-o`` the result could not be written to (UserError)."""
    from transcaspian.model.results import check_output_folder
    from transcaspian.model.spreadsheet import check_workbook_path

    if out is None:
        return
    if is_workbook(out):
        check_workbook_path(out)
    else:
        check_output_folder(out)


def write_out(res: Any, out: Path | None, schema: Any = None, fmt: str = "csv") -> list[Path]:
    """Write a Result to ``-o``: a workbook when it ends ``.xlsx`` (one sheet per table, units
    in the header row, a metadata sheet), else a result folder of ``fmt`` files; say so on
    standard error."""
    from transcaspian.model.spreadsheet import write_result_workbook

    if out is None:
        return []
    if is_workbook(out):
        write_result_workbook(res, out, schema)
        n = len(res.tables)
        err_console.print(f"wrote {n} table{'s' * (n != 1)} to the workbook {out}", highlight=False)
        return [out]
    written = res.write(out, fmt)
    err_console.print(f"wrote {len(written)} files to {out}", highlight=False)
    return written


def write_tables(out: Path, tables: Mapping[str, pd.DataFrame], meta: Mapping[str, Any],
                 units: Mapping[str, Mapping[str, str]] | None = None) -> None:
    """Write tables that are not a Result (scenario summaries) to the workbook ``out``."""
    from transcaspian.model.spreadsheet import check_workbook_path, write_workbook

    check_workbook_path(out)
    write_workbook(out, tables, meta, units)
    n = len(tables)
    err_console.print(f"wrote {n} table{'s' * (n != 1)} to the workbook {out}", highlight=False)


def xlsx_only(out: Path | None, field: str = "--out") -> None:
    """Refuse an ``-o`` that is not an ``.xlsx`` workbook, for commands without result folders."""
    from transcaspian.model.errors import input_error

    if out is not None and not is_workbook(out):
        raise input_error(f"'{out}': this command writes a workbook; give a file name ending .xlsx",
                          field)
