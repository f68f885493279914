"""Result tables: their declared schemas, and the one reader and writer of result folders.

Every engine returns a :class:`Result`: metadata (scenario name, content hash, version,
options, seed) plus named DataFrames. Each engine declares its tables once, as
:class:`TableSchema` objects grouped in a :class:`ResultSchema` (``analysis/tables.py``,
``sim/tables.py``); ``docs/results.md`` is generated from those declarations.

A result folder (``transcaspian capacity|simulate ... -o DIR``) holds one file per table
(plain CSV that ``pandas.read_csv(path)`` reads with default arguments, or Parquet),
``meta.json``, and last of all :data:`MARKER`, which names this tool and lists every file
written with its size and SHA-256. The marker is both the proof that the folder is ours
(only such a folder is ever replaced, and only when it holds nothing else) and the
completion mark: a folder without it, with a file that differs from its listing, or a
temporary folder of an interrupted run, is never read as a result.

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> schema = TableSchema("demo", "A demo table", (Column("x_km", "float64", "km", "distance"),))
>>> res = Result({"scenario": "s", "scenario_hash": "0" * 64, "version": "0"},
...              {"demo": pd.DataFrame({"x_km": [1.5, 2.0]})})
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "out"
>>> sorted(p.name for p in write_result(res, folder))
['demo.csv', 'meta.json', 'transcaspian-result.json']
>>> pd.read_csv(folder / "demo.csv")["x_km"].tolist()
[1.5, 2.0]
>>> read_result(folder, schema=ResultSchema("demo", "demo", (schema,)))["demo"]["x_km"].sum()
np.float64(3.5)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from transcaspian.model.errors import Problem, UserError
from transcaspian.model.loading import suggest


class Identified(Protocol):
    """What a result folder is checked against: a scenario's name and content hash."""

    @property
    def name(self) -> str: ...

    @property
    def hash(self) -> str: ...


#: The completion marker of a result folder (written last).
MARKER = "transcaspian-result.json"
#: The tool named in the marker.
TOOL = "transcaspian"
#: Version of the folder layout.
FOLDER_FORMAT = 1
#: Metadata every result carries.
META_KEYS = ("scenario", "scenario_hash", "version")
#: Names of this tool's temporary and moved-aside folders beside an output folder.
TMP_PREFIX, OLD_PREFIX = ".tmp-transcaspian-", ".old-transcaspian-"
#: A file inside a temporary folder that says which process is writing it.
OWNER = ".transcaspian-writing"
#: Column dtypes a declaration may name.
DTYPES = ("str", "category", "float64", "int64", "bool", "object")
TABLE_FORMATS = ("csv", "parquet")


# -- declarations ------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One declared column: name, dtype (one of :data:`DTYPES`), unit and meaning.

    A name with ``{unit}`` in it (``{unit}_carried``) stands for one column per handling
    unit, e.g. ``teu_carried``.
    """

    name: str
    dtype: str
    unit: str
    meaning: str

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"column {self.name}: dtype {self.dtype!r} is not one of {DTYPES}")

    def matches(self, name: str) -> bool:
        """True when ``name`` is this column (or one instance of a ``{unit}`` column)."""
        if "{" not in self.name:
            return name == self.name
        return re.fullmatch(re.escape(self.name).replace(r"\{unit\}", "[a-z0-9_]+"), name) is not None


@dataclass(frozen=True)
class TableSchema:
    """One result table: name, meaning, columns in order; ``optional`` tables appear only
    with some options (e.g. ``tracking`` with ``track=True``)."""

    name: str
    meaning: str
    columns: tuple[Column, ...]
    optional: bool = False

    def column(self, name: str) -> Column | None:
        """The declaration of column ``name`` (None if undeclared)."""
        return next((c for c in self.columns if c.matches(name)), None)

    def unit_of(self, name: str) -> str:
        """The unit of column ``name``: its declared one, except that an instance of a ``{unit}``
        column whose ``{unit}`` part names a fixed column of this table (``delta_served_t``)
        takes that column's unit; "" when undeclared.

        Examples
        --------
        >>> t = TableSchema("t", "", (Column("served_t", "float64", "t/yr", ""),
        ...                           Column("delta_{unit}", "float64", "as the figure", "")))
        >>> t.unit_of("delta_served_t"), t.unit_of("delta_x"), t.unit_of("nope")
        ('t/yr', 'as the figure', '')
        """
        col = self.column(name)
        if col is None:
            return ""
        if "{" in col.name:
            prefix, _, suffix = col.name.partition("{unit}")
            inner = name[len(prefix):len(name) - len(suffix)]
            base = next((c for c in self.columns if c.name == inner), None)
            if base is not None and base.unit:
                return base.unit
        return col.unit

    def problems(self, df: pd.DataFrame) -> list[str]:
        """How ``df`` departs from this declaration (empty list: it conforms).

        Every fixed column must be present with its dtype, every present column must be
        declared. A table with no rows may hold ``object`` columns (pandas cannot tell).
        """
        out = [f"table '{self.name}' lacks column {c.name}" for c in self.columns
               if "{" not in c.name and c.name not in df.columns]
        for name in df.columns:
            col = self.column(str(name))
            if col is None:
                out.append(f"table '{self.name}' has undeclared column {name}")
                continue
            got = str(df[name].dtype)
            if got != col.dtype and not (len(df) == 0 and got == "object"):
                out.append(f"table '{self.name}' column {name}: dtype {got}, declared {col.dtype}")
        return out

    def conform(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` as read from a file, with declared dtypes restored where they can be."""
        out = df.copy()
        for name in out.columns:
            col = self.column(str(name))
            if col is None or col.dtype == "object":
                continue
            if col.dtype == "str":
                out[name] = out[name].fillna("").astype("str")
            elif col.dtype == "bool" and out[name].dtype != bool:
                out[name] = out[name].map(_as_bool).astype(bool)
            else:
                out[name] = out[name].astype(col.dtype)
        return out


def _as_bool(v: Any) -> bool:
    return str(v).strip().lower() in ("true", "1", "yes")


@dataclass(frozen=True)
class ResultSchema:
    """The tables of one engine's Result."""

    engine: str
    meaning: str
    tables: tuple[TableSchema, ...]

    def table(self, name: str) -> TableSchema | None:
        """The declaration of table ``name`` (None if undeclared)."""
        return next((t for t in self.tables if t.name == name), None)

    def problems(self, result: Result) -> list[str]:
        """How a Result departs from the declaration: missing, undeclared or malformed tables."""
        out = [f"missing table '{t.name}'" for t in self.tables
               if not t.optional and t.name not in result.tables]
        for name, df in result.tables.items():
            t = self.table(name)
            out += [f"undeclared table '{name}'"] if t is None else t.problems(df)
        return out


#: Columns several engines share, declared once.
FLOW = Column("flow", "str", "", "demand flow id")
ORIGIN = Column("origin", "str", "", "origin node id")
DESTINATION = Column("destination", "str", "", "destination node id")
COMMODITY = Column("commodity", "str", "", "commodity id")
DIRECTION = Column("direction", "str", "", "direction label of the flow (e.g. westbound)")


def results_markdown(schemas: Iterable[ResultSchema]) -> str:
    """The reference of every declared result table as Markdown (``docs/results.md``)."""
    lines = ["# Result tables", "",
             "Generated by `transcaspian results -o docs/results.md` (`make docs`) from the declarations in "
             "`transcaspian/analysis/tables.py` and `transcaspian/sim/tables.py`. Every result "
             f"also carries metadata ({', '.join(f'`{k}`' for k in META_KEYS)}, the engine's "
             "options). A result folder (`-o DIR`) holds one plain CSV or Parquet file per table, "
             f"`meta.json`, and `{MARKER}`, written last, which lists every file with its size "
             "and SHA-256: a folder without it is not a result.", ""]
    for schema in schemas:
        lines += [f"## {schema.engine}", "", schema.meaning, ""]
        for t in schema.tables:
            opt = " (optional)" if t.optional else ""
            lines += [f"### `{t.name}`{opt}", "", t.meaning, "",
                      "| column | dtype | unit | meaning |", "|---|---|---|---|"]
            lines += [f"| `{c.name}` | {c.dtype} | {c.unit or ''} | {c.meaning.replace('|', '/')} |"
                      for c in t.columns]
            lines.append("")
    return "\n".join(lines)


# -- the result ----------------------------------------------------------------------------
@dataclass
class Result:
    """Named DataFrames from one engine run plus metadata.

    Attributes
    ----------
    meta
        ``scenario``, ``scenario_hash``, ``version`` and, where relevant, ``seed`` and
        the engine's options.
    tables
        Result tables by name, each declared in its engine's ``tables`` module.
    """

    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        """The table ``name``; a KeyError that lists the table names when there is none.

        Examples
        --------
        >>> res = Result({"scenario": "s"}, {"summary": pd.DataFrame({"x": [1]})})
        >>> res["sumary"]
        Traceback (most recent call last):
        ...
        KeyError: "no table 'sumary' (did you mean 'summary'?); tables: summary"
        """
        try:
            return self.tables[name]
        except (KeyError, TypeError):
            names = ", ".join(self.tables) or "(none)"
            hint = suggest(name, list(self.tables)) if isinstance(name, str) else ""
            raise KeyError(f"no table {name!r}{hint}; tables: {names}") from None

    def __iter__(self) -> Iterator[str]:
        """The table names, in order (``list(res)``)."""
        return iter(self.tables)

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    def __repr__(self) -> str:
        """Metadata and each table's shape, never the tables' contents.

        Examples
        --------
        >>> Result({"scenario": "s", "scenario_hash": "ab" * 32, "version": "0.1", "engine": "demo",
        ...         "options": {"seed": 3}}, {"demo": pd.DataFrame({"x_km": [1.5, 2.0]})})
        Result of demo on scenario 's' (hash abababababab, version 0.1)
          options: seed=3
          tables (1, rows x columns):
            demo  2 x 1
          each table is a pandas DataFrame: res["demo"]
        """
        head, facts, shapes = self._summary()
        lines = [head, *(textwrap.fill(f"{k}: {v}", 98, initial_indent="  ", subsequent_indent="    ",
                                       break_on_hyphens=False) for k, v in facts)]
        lines.append(f"  tables ({len(shapes)}, rows x columns){':' if shapes else ': (none)'}")
        width = max((len(n) for n in shapes), default=0)
        rows = max((len(f"{r:,}") for r, _ in shapes.values()), default=0)
        lines += [f"    {n:<{width}}  {r:>{rows},} x {c}" for n, (r, c) in shapes.items()]
        if shapes:
            lines.append(f'  each table is a pandas DataFrame: res["{next(iter(shapes))}"]')
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The same summary as an HTML table (Jupyter): metadata, then table names and shapes."""
        from html import escape

        head, facts, shapes = self._summary()
        rows = [f"<tr><th style='text-align:left'>{escape(k)}</th><td style='text-align:left'>"
                f"{escape(str(v))}</td></tr>" for k, v in facts]
        rows += [f"<tr><th style='text-align:left'><code>{escape(n)}</code></th>"
                 f"<td style='text-align:left'>{r:,} rows x {c} columns</td></tr>"
                 for n, (r, c) in shapes.items()]
        return (f"<div class='transcaspian-result'><p><b>{escape(head)}</b></p><table>{''.join(rows)}"
                f"</table><p><small>tables: <code>res[\"name\"]</code> (pandas DataFrames); "
                f"metadata: <code>res.meta</code></small></p></div>")

    def _summary(self) -> tuple[str, list[tuple[str, str]], dict[str, tuple[int, int]]]:
        """(headline, metadata facts as (label, text), table name -> (rows, columns))."""
        m = self.meta
        engine = f" of {m['engine']}" if m.get("engine") else ""
        ident = ", ".join(x for x in (f"hash {str(m['scenario_hash'])[:12]}" if m.get("scenario_hash")
                                      else "", f"version {m['version']}" if m.get("version") else "")
                          if x)
        head = f"Result{engine} on scenario {m.get('scenario', '?')!r}" + (f" ({ident})" if ident else "")
        facts = []
        options = m.get("options")
        if isinstance(options, Mapping) and options:
            facts.append(("options", ", ".join(f"{k}={_short(v)}" for k, v in options.items())))
        elif "seed" in m:
            facts.append(("seed", str(m["seed"])))
        other = [k for k in m if k not in (*META_KEYS, "engine", "options", "seed")]
        plain = [k for k in other if isinstance(m[k], str | int | float | bool) or m[k] is None]
        if plain:
            facts.append(("meta", ", ".join(f"{k}={_short(m[k])}" for k in plain)))
        if len(plain) < len(other):
            facts.append(("more meta", ", ".join(k for k in other if k not in plain)))
        return head, facts, {n: df.shape for n, df in self.tables.items()}

    def to_json_dict(self) -> dict[str, Any]:
        """Metadata and every table as records (JSON-ready)."""
        return {"meta": self.meta,
                "tables": {k: json.loads(frame_to_json(v)) for k, v in self.tables.items()}}

    def write(self, folder: str | Path, fmt: str = "csv") -> list[Path]:
        """Write this result as a folder (:func:`write_result`)."""
        return write_result(self, folder, fmt)


def _short(value: Any, width: int = 40) -> str:
    """A metadata value as short text (long values cut with an ellipsis)."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def frame_to_json(df: pd.DataFrame) -> str:
    """Records JSON of a frame with its index as a column."""
    return _plain(df).to_json(orient="records", default_handler=str)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with a meaningful index turned into columns (a RangeIndex is dropped)."""
    return df.reset_index() if df.index.name or not isinstance(df.index, pd.RangeIndex) else df


# -- writing -------------------------------------------------------------------------------
def _error(message: str, path: Path | str, field: str = "out") -> UserError:
    return UserError([Problem(message, file=str(path), field=field)], "the output folder")


def check_output_folder(folder: str | Path) -> Path:
    """Refuse an output folder that a result may not be written to (UserError).

    Allowed: a new path whose parent is (or can become) a folder, an empty folder, or a
    previous result folder of this tool holding exactly the files its marker lists.
    Refused: the current folder, a symlink, a file, a path under a file, and any folder
    with other content (nothing of the user's is ever replaced). Temporary folders that
    interrupted runs left beside ``folder`` are removed (:func:`clean_stale`).
    """
    folder = Path(folder)
    if folder.resolve() == Path.cwd().resolve() or folder.name in ("", ".", ".."):
        raise _error("is the current or a parent folder; give a new folder name such as out/run1", folder)
    if folder.is_symlink():
        raise _error("is a symbolic link; give a real folder (results are never written through links)",
                     folder)
    for parent in folder.parents:
        if parent.exists() and not parent.is_dir():
            raise _error(f"'{parent}' is a file, so no folder can be made under it", folder)
    if folder.exists() and not folder.is_dir():
        raise _error("is a file; give a folder name", folder)
    if folder.is_dir() and any(folder.iterdir()) and not is_result_folder(folder):
        raise _error("exists and is not a result folder written by transcaspian (it holds other "
                     f"files or no {MARKER}); choose a new or empty folder", folder)
    clean_stale(folder.parent)
    return folder


def is_result_folder(folder: Path) -> bool:
    """True when ``folder`` is provably a complete result of this tool: its marker names
    the tool and it holds exactly the listed files (sizes match) and nothing else."""
    try:
        marker = _load_marker(folder)
    except UserError:
        return False
    names = {p.name for p in folder.iterdir()}
    listed = marker["files"]
    return names == {*listed, MARKER} and all(
        (folder / n).is_file() and not (folder / n).is_symlink()
        and (folder / n).stat().st_size == info["bytes"] for n, info in listed.items())


def write_result(result: Result, folder: str | Path, fmt: str = "csv") -> list[Path]:
    """Write every table (plain ``csv`` or ``parquet``), ``meta.json`` and the marker.

    The folder is written whole or not at all: files go to a temporary folder beside it,
    the marker last, then the folder takes its place (see :func:`check_output_folder` for
    what may be replaced). Temporary folders left by an interrupted earlier run are removed.

    Returns
    -------
    list of Path
        The files of the new folder, sorted.
    """
    if fmt not in TABLE_FORMATS:
        raise _error(f"unknown table format {fmt!r} ({' | '.join(TABLE_FORMATS)})", folder, "fmt")
    folder = check_output_folder(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = _make_tmp(folder)
    try:
        files = {"meta.json": _write_bytes(tmp / "meta.json", json.dumps(
            result.meta, indent=2, default=str, ensure_ascii=False).encode())}
        for name, df in result.tables.items():
            path = tmp / f"{name}.{fmt}"
            if fmt == "parquet":
                _plain(df).to_parquet(path, index=False)
            else:
                _plain(df).to_csv(path, index=False)
            files[path.name] = _digest(path)
        _write_bytes(tmp / MARKER, json.dumps(
            {"tool": TOOL, "format": FOLDER_FORMAT, "version": result.meta.get("version"),
             "files": files}, indent=2).encode())
        (tmp / OWNER).unlink()
        check_output_folder(folder)  # nothing of the user's appeared meanwhile
        replace_dir(tmp, folder)
    finally:
        if tmp.is_dir():
            remove_ours(tmp)
    return sorted(folder.iterdir())


def _make_tmp(folder: Path) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=folder.parent))
    (tmp / OWNER).write_text(f"{TOOL} {os.getpid()}\n")
    return tmp


def _write_bytes(path: Path, data: bytes) -> dict[str, Any]:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return _digest(path)


def _digest(path: Path) -> dict[str, Any]:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {"bytes": path.stat().st_size, "sha256": h.hexdigest()}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(parent: Path) -> list[Path]:
    """Remove this tool's temporary and moved-aside folders in ``parent`` left by runs
    that no longer exist (their process id is in the name); nothing else is touched.

    A folder is removed only if it is a complete result, holds :data:`OWNER` (a temporary
    folder being written, or a folder whose removal was cut short) or is empty (a temporary
    folder made just before a kill).
    """
    removed = []
    for p in parent.iterdir() if parent.is_dir() else []:
        m = re.match(rf"^({re.escape(TMP_PREFIX)}|{re.escape(OLD_PREFIX)})(\d+)-", p.name)
        if not m or p.is_symlink() or not p.is_dir() or _pid_alive(int(m.group(2))):
            continue
        ours = is_result_folder(p) or (p / OWNER).is_file() or not any(p.iterdir())
        if ours:
            remove_ours(p)
            removed.append(p)
    return removed


def remove_ours(path: Path) -> None:
    """Remove a temporary or moved-aside folder of this tool, marking it :data:`OWNER` first
    and removing that mark last, so a removal cut short (a kill) leaves a folder that
    :func:`clean_stale` still knows as ours; errors are ignored (the next run retries)."""
    owner = path / OWNER
    try:
        if not owner.exists():
            owner.write_text(f"{TOOL} {os.getpid()}\n")
        for child in path.iterdir():
            if child.name == OWNER:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        owner.unlink()
        path.rmdir()
    except OSError:
        pass


def replace_dir(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target`` (same file system), replacing what was there.

    The old folder is moved aside first and removed only after the new one is in place,
    so ``target`` is at every moment either the old folder, the new one, or absent with
    both beside it. The caller decides whether ``target`` may be replaced.
    """
    if target.exists():
        old = target.with_name(f"{OLD_PREFIX}{os.getpid()}-{target.name}")
        os.replace(target, old)
        os.replace(new, target)
        remove_ours(old) if old.is_dir() else old.unlink()
    else:
        os.replace(new, target)
    os.chmod(target, 0o777 & ~_umask())


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to the file ``path`` via a temporary file and rename (whole or not at all).

    Raises
    ------
    UserError
        ``path`` is a folder or lies under a file.
    """
    path = Path(path)
    if path.is_dir():
        raise _error("is a folder; give a file name", path, "output")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise _error(f"'{parent}' is a file, so nothing can be written under it", path, "output")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- reading -------------------------------------------------------------------------------
def _read_error(folder: Path, message: str) -> UserError:
    return UserError([Problem(message, file=str(folder))], "the result folder")


def _read_marker(folder: Path) -> dict[str, Any]:
    """The marker of a result folder to read: not a temporary folder (UserError otherwise)."""
    if folder.name.startswith((TMP_PREFIX, OLD_PREFIX)):
        raise _read_error(folder, "is a temporary folder of an interrupted or running command, "
                                  "not a result")
    return _load_marker(folder)


def _load_marker(folder: Path) -> dict[str, Any]:
    """The folder's marker, checked to name this tool (UserError otherwise)."""
    path = folder / MARKER
    if not path.is_file():
        raise _read_error(folder, f"no {MARKER}: not a complete result folder (written by "
                                  "`transcaspian simulate|capacity -o`, or interrupted)")
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _read_error(folder, f"{MARKER} is unreadable: {exc}") from None
    files = marker.get("files") if isinstance(marker, dict) else None
    if not (isinstance(files, dict) and marker.get("tool") == TOOL
            and all(isinstance(v, dict) and isinstance(v.get("bytes"), int) for v in files.values())):
        raise _read_error(folder, f"{MARKER} does not come from {TOOL}")
    return marker


def _verified_files(folder: Path) -> dict[str, Any]:
    """The marker's file listing, every file checked against its size and SHA-256."""
    listed = _read_marker(folder)["files"]
    bad = [n for n, info in listed.items()
           if not (folder / n).is_file() or _digest(folder / n) != {"bytes": info["bytes"],
                                                                   "sha256": info.get("sha256")}]
    if bad:
        raise _read_error(folder, f"file(s) {', '.join(sorted(bad))} missing or changed since the "
                                  "result was written; re-run the command")
    return listed


def _read_meta(folder: Path) -> dict[str, Any]:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _read_error(folder, f"meta.json is not valid JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise _read_error(folder, "meta.json must hold an object")
    missing = [k for k in META_KEYS if k not in meta]
    if missing:
        raise _read_error(folder, f"meta.json lacks {', '.join(missing)}")
    return meta


def check_scenario_hash(meta: Mapping[str, Any], scenario: Identified, folder: Path | str) -> None:
    """Refuse a result made from another scenario (different content hash)."""
    if meta["scenario_hash"] != scenario.hash:
        raise _read_error(Path(folder), f"made from scenario '{meta['scenario']}' with hash "
                          f"{str(meta['scenario_hash'])[:12]}, but this run is for '{scenario.name}' "
                          f"with hash {scenario.hash[:12]}; re-run the engine on "
                          f"{scenario.name} or pick the matching scenario")


def _read_table(path: Path, schema: TableSchema | None) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if schema is None:
        return pd.read_csv(path)
    text_cols = [c for c in pd.read_csv(path, nrows=0).columns
                 if (col := schema.column(str(c))) is not None and col.dtype in ("str", "object")]
    numbers = {c: ["", "NaN", "nan"] for c in pd.read_csv(path, nrows=0).columns if c not in text_cols}
    return pd.read_csv(path, keep_default_na=False, na_values=numbers,
                       dtype=dict.fromkeys(text_cols, str))


def read_result(folder: str | Path, scenario: Identified | None = None, schema: ResultSchema | None = None,
                require: Iterable[str] = ()) -> Result:
    """Read a result folder written by :func:`write_result`.

    Parameters
    ----------
    folder
        The folder given to ``-o``.
    scenario
        When given, the folder's ``scenario_hash`` must equal ``scenario.hash``.
    schema
        When given, every table is checked against its declaration and its dtypes restored.
    require
        Tables that must be present.

    Raises
    ------
    UserError
        Not a folder, no completion marker, a file missing or changed, bad ``meta.json``,
        a hash mismatch, a missing table or a table that departs from its declaration.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise _read_error(folder, "no such folder (give the folder written with -o)")
    listed = _verified_files(folder)
    meta = _read_meta(folder)
    if scenario is not None:
        check_scenario_hash(meta, scenario, folder)
    tables: dict[str, pd.DataFrame] = {}
    problems = []
    for name in sorted(listed):
        stem, _, ext = name.rpartition(".")
        if name == "meta.json" or ext not in TABLE_FORMATS:
            continue
        decl = schema.table(stem) if schema is not None else None
        try:
            df = _read_table(folder / name, decl)
        except Exception as exc:  # unreadable file: report which one and why
            problems.append(f"cannot read table '{stem}': {exc}")
            continue
        if decl is not None:
            lacking = [c.name for c in decl.columns if "{" not in c.name and c.name not in df.columns]
            if lacking:
                problems.append(f"table '{stem}' lacks column(s) {', '.join(lacking)}")
                continue
            df = decl.conform(df)
        tables[stem] = df
    problems += [f"missing table '{t}' ({t}.parquet or {t}.csv)" for t in require if t not in tables]
    if problems:
        raise UserError([Problem(p, file=str(folder)) for p in problems], "the result folder")
    return Result(meta, tables)
