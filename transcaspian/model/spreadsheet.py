"""Result tables as one Excel workbook: one sheet per table, units in the header row, metadata.

``transcaspian capacity|simulate|quote|... -o result.xlsx`` writes this instead of a result
folder. Each table becomes a sheet whose header row carries the declared unit of each
column (``served_t (t)``; a column without a unit keeps its plain name); a last sheet
``metadata`` lists the scenario, its content hash, the version, the seed, the options and
the tool that wrote the file. The workbook is written to a temporary file beside the target
and renamed over it (whole or not at all). An existing ``.xlsx`` workbook given explicitly
is replaced (the user asked for that file); any other existing file is refused.

CSV files (result folders, ``--format csv``) keep plain column names, so
``pandas.read_csv`` round-trips them; only workbook headers carry units.

Examples
--------
>>> import tempfile, pathlib, openpyxl
>>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.xlsx"
>>> _ = write_workbook(path, {"flows": pd.DataFrame({"flow": ["f1"], "served_t": [1500.0]})},
...                    {"scenario": "s", "scenario_hash": "ab12"}, {"flows": {"served_t": "t"}})
>>> book = openpyxl.load_workbook(path)
>>> book.sheetnames
['flows', 'metadata']
>>> [c.value for c in book["flows"][1]], book["flows"]["B2"].value
(['flow', 'served_t (t)'], 1500)
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from transcaspian.model.errors import Problem, UserError
from transcaspian.model.results import TOOL, Result, ResultSchema, _plain, _umask

#: Excel's longest sheet name (characters).
SHEET_CHARS = 31
#: Name of the metadata sheet.
META_SHEET = "metadata"
#: Widest a column is made (Excel width units, about characters).
MAX_COL_WIDTH = 60
_ZIP_MAGIC = b"PK\x03\x04"


def _error(message: str, path: Path | str) -> UserError:
    return UserError([Problem(message, file=str(path), field="out")], "the output workbook")


def check_workbook_path(path: str | Path) -> Path:
    """Refuse a workbook path that may not be written (UserError naming every problem).

    Allowed: a new ``.xlsx`` file whose parent is (or can become) a folder, or an existing
    ``.xlsx`` workbook (it is replaced). Refused: another suffix, a folder, a symbolic
    link, a path under a file, an existing file that is not a workbook.
    """
    path = Path(path)
    problems = []
    if path.suffix.lower() != ".xlsx":
        problems.append("a workbook's name must end .xlsx")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            problems.append(f"'{parent}' is a file, so nothing can be written under it")
    if path.is_symlink():
        problems.append("is a symbolic link; give a real file (outputs are never written through links)")
    elif path.is_dir():
        problems.append("is a folder; give a file name ending .xlsx")
    elif path.exists():
        with path.open("rb") as fh:
            if fh.read(4) != _ZIP_MAGIC:
                problems.append("exists and is not an Excel workbook; refusing to overwrite it")
    if problems:
        raise UserError([Problem(p, file=str(path), field="out") for p in problems], "the output workbook")
    return path


def sheet_names(names: list[str]) -> list[str]:
    """Excel sheet names for table names: at most 31 characters, none of ``[]:*?/\\``,
    unique (case-insensitive) and never :data:`META_SHEET`.

    Examples
    --------
    >>> sheet_names(["flows", "metadata", "waiting_by_node_and_vessel_class_a",
    ...              "waiting_by_node_and_vessel_class_b"])
    ['flows', 'metadata~2', 'waiting_by_node_and_vessel_clas', 'waiting_by_node_and_vessel_cl~2']
    """
    out: list[str] = []
    seen = {META_SHEET}
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or "table"
        candidate, n = base[:SHEET_CHARS], 1
        while candidate.lower() in seen:
            n += 1
            suffix = f"~{n}"
            candidate = base[:SHEET_CHARS - len(suffix)] + suffix
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def header(column: str, unit: str | None) -> str:
    """A header cell: the column name and its unit in brackets, e.g. ``served_t (t)``.

    Examples
    --------
    >>> header("served_t", "t"), header("flow", "")
    ('served_t (t)', 'flow')
    """
    return f"{column} ({unit})" if unit else column


def _value(v: Any) -> Any:
    """A cell value openpyxl writes and Excel opens: numbers, text, booleans, dates; missing
    values empty; infinities and containers as text."""
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, bool | int | str):
        return v
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, dict | list | tuple):
        return json.dumps(v, default=str, ensure_ascii=False)
    return str(v)


def _meta_rows(meta: Mapping[str, Any]) -> list[tuple[str, Any]]:
    from transcaspian import __version__

    rows = [(str(k), _value(v) if not isinstance(v, dict | list) else json.dumps(
        v, default=str, ensure_ascii=False)) for k, v in meta.items()]
    return [*rows, ("generated_by", f"{TOOL} {__version__}")]


def _sheet(book: Any, name: str, df: pd.DataFrame, units: Mapping[str, str]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(name)
    ws.freeze_panes = "A2"
    heads = [header(str(c), units.get(str(c), "")) for c in df.columns]
    for i, (head, col) in enumerate(zip(heads, df.columns, strict=True), start=1):
        longest = max([len(head), *(len(str(v)) for v in df[col].head(200))])
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_COL_WIDTH, longest + 2)
    bold = Font(bold=True)
    row = []
    for head in heads:
        cell = WriteOnlyCell(ws, value=head)
        cell.font = bold
        row.append(cell)
    ws.append(row)
    for values in df.itertuples(index=False):
        ws.append([_value(v) for v in values])


def write_workbook(path: str | Path, tables: Mapping[str, pd.DataFrame], meta: Mapping[str, Any],
                   units: Mapping[str, Mapping[str, str]] | None = None) -> Path:
    """Write ``tables`` as sheets of one workbook at ``path``, plus the ``metadata`` sheet.

    Parameters
    ----------
    path
        The ``.xlsx`` file (checked by :func:`check_workbook_path`).
    tables
        Sheet contents by table name; a named index becomes columns.
    meta
        Key-value metadata (scenario, scenario_hash, version, seed, options...).
    units
        Per table, column -> unit for the header row (columns without one keep their name).

    Returns
    -------
    Path
        The written workbook.
    """
    from openpyxl import Workbook

    path = check_workbook_path(path)
    units = units or {}
    book = Workbook(write_only=True)
    for sheet, (name, df) in zip(sheet_names(list(tables)), tables.items(), strict=True):
        _sheet(book, sheet, _plain(df), units.get(name, {}))
    ws = book.create_sheet(META_SHEET)
    ws.append(["key", "value"])
    for row in _meta_rows(meta):
        ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        book.save(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        check_workbook_path(path)       # nothing of the user's appeared meanwhile
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def result_units(result: Result, schema: ResultSchema | None) -> dict[str, dict[str, str]]:
    """Per table of ``result``, column -> declared unit (from ``schema``; none without it)."""
    out: dict[str, dict[str, str]] = {}
    for name, df in result.tables.items():
        table = schema.table(name) if schema is not None else None
        cols = {}
        for c in _plain(df).columns:
            unit = table.unit_of(str(c)) if table is not None else ""
            if unit:
                cols[str(c)] = unit
        out[name] = cols
    return out


def write_result_workbook(result: Result, path: str | Path, schema: ResultSchema | None = None) -> Path:
    """Write every table of ``result`` as a sheet (units from ``schema``) and its metadata.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> from transcaspian.model.results import Column, TableSchema
    >>> schema = ResultSchema("demo", "demo", (TableSchema("legs", "", (Column("x_km", "float64", "km",
    ...                       "distance"),)),))
    >>> res = Result({"scenario": "s", "scenario_hash": "0" * 64, "version": "0", "seed": 1},
    ...              {"legs": pd.DataFrame({"x_km": [1.5, 2.0]})})
    >>> book = openpyxl.load_workbook(write_result_workbook(res, pathlib.Path(tempfile.mkdtemp()) / "r.xlsx",
    ...                                                     schema))
    >>> book["legs"]["A1"].value, book["legs"]["A3"].value, book["metadata"]["B3"].value
    ('x_km (km)', 2, '0000000000000000000000000000000000000000000000000000000000000000')
    """
    return write_workbook(path, result.tables, result.meta, result_units(result, schema))
