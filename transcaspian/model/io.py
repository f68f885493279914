"""Saving and reading scenarios: YAML file and CSV folder, both lossless.

A CSV folder holds ``scenario.csv`` (metadata as key/JSON value), ``sources.csv`` and
one ``<component>.csv`` per component type. Scalar cells are plain text; nested
values (dicts, lists, distributions) and per-field provenance are JSON. Reading a
folder back gives a scenario with the same content hash.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from transcaspian.model.errors import Problem, ScenarioError, UserError
from transcaspian.model.loading import MAX_FILE_BYTES
from transcaspian.model.results import replace_dir, write_text_atomic
from transcaspian.model.schema import COMPONENTS, META_KEYS, ScenarioDoc, SourceEntry

SOURCE_COLUMNS = ("id", "title", "url", "year", "note")


def to_yaml(doc: ScenarioDoc) -> str:
    """The resolved scenario as YAML text."""
    return yaml.safe_dump(doc.to_dict(), sort_keys=False, allow_unicode=True, width=100)


def check_target(path: Path, force: bool, folder: bool = False) -> None:
    """Refuse to replace an existing file or folder unless ``force`` is given.

    Also refused, forced or not: a symlink, a target under an existing file, and a file
    where a folder is written (or the reverse).
    """
    def refuse(message: str) -> None:
        raise UserError([Problem(message, field="output")], "the command")

    for parent in path.absolute().parents:
        if parent.exists() and not parent.is_dir():
            refuse(f"'{parent}' is a file, so '{path}' cannot be written under it")
    if path.is_symlink():
        refuse(f"'{path}' is a symbolic link; give the real path")
    if path.exists() and path.is_dir() != folder:
        what = "a folder" if path.is_dir() else "a file"
        refuse(f"'{path}' is {what}; give a {'folder' if folder else 'file'} name")
    if path.exists() and not force:
        refuse(f"'{path}' exists; choose another path or pass --force to replace it")


def write_yaml(doc: ScenarioDoc, path: str | Path, force: bool = False) -> Path:
    """Write the resolved scenario as one YAML file (whole or not at all)."""
    path = Path(path)
    check_target(path, force)
    return write_text_atomic(path, to_yaml(doc))


# -- CSV ----------------------------------------------------------------------------------
def _is_text(annotation: Any) -> bool:
    """True when a field holds text (written plain), False when it needs JSON."""
    origin = typing.get_origin(annotation)
    if annotation is str:
        return True
    if origin is typing.Annotated:
        return _is_text(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return all(isinstance(a, str) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _is_text(args[0])
    return False


def _columns(model: type) -> list[tuple[str, str, bool]]:
    """(attribute, column name, is_text) for every field of a component model."""
    out = []
    for name, info in model.model_fields.items():
        out.append((name, info.alias or name, name != "field_provenance" and _is_text(info.annotation)))
    return out


def _encode(value: Any, text: bool) -> str:
    if value is None:
        return ""
    if text and value != "" and not value.startswith('"'):
        return value
    return json.dumps(value, ensure_ascii=False)


def _decode(cell: str, text: bool) -> Any:
    """Inverse of :func:`_encode`: text is plain unless it is empty or starts with a quote."""
    if text and not cell.startswith('"'):
        return cell
    return json.loads(cell)


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def csv_files(doc: ScenarioDoc) -> dict[str, str]:
    """File name -> CSV text for the whole scenario."""
    files: dict[str, str] = {}
    meta_rows = [[k, json.dumps(getattr(doc, k) if k != "sea_level" else doc.sea_level.to_dict(),
                                ensure_ascii=False)] for k in META_KEYS if k != "sources"]
    files["scenario.csv"] = _csv_text(["key", "value"], meta_rows)
    files["sources.csv"] = _csv_text(
        list(SOURCE_COLUMNS),
        [[_encode(getattr(s, c), c != "year") for c in SOURCE_COLUMNS] for s in doc.sources])
    for ctype, model in COMPONENTS.items():
        items = getattr(doc, ctype)
        if not items:
            continue
        cols = _columns(model)
        rows = []
        for c in items:
            dumped = c.model_dump(mode="json", by_alias=True, exclude_unset=True)
            rows.append([_encode(dumped.get(col), text) for _, col, text in cols])
        files[f"{ctype}.csv"] = _csv_text([col for _, col, _ in cols], rows)
    return files


def write_csv_dir(doc: ScenarioDoc, folder: str | Path, force: bool = False) -> Path:
    """Write the scenario as a CSV folder, whole or not at all."""
    folder = Path(folder)
    check_target(folder, force, folder=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        for name, text in csv_files(doc).items():
            (tmp / name).write_text(text, encoding="utf-8")
        replace_dir(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def read_csv_dir(folder: str | Path) -> dict[str, Any]:
    """Read a CSV folder back into a scenario dict (validate it with ``Scenario.from_dict``)."""
    folder = Path(folder)
    label = str(folder)
    problems: list[Problem] = []
    data: dict[str, Any] = {}

    def rows(name: str) -> list[dict[str, str]]:
        path = folder / name
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([Problem(f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                                         str(path))])
        # a cell may hold any text the YAML allows, up to the whole file's size
        csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
        try:
            with path.open(newline="", encoding="utf-8") as fh:
                return list(csv.DictReader(fh))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ScenarioError([Problem(f"cannot read CSV: {exc}", str(path))]) from None

    if not (folder / "scenario.csv").is_file():
        raise ScenarioError([Problem("not a scenario CSV folder (no scenario.csv)", label)])
    for row in rows("scenario.csv"):
        try:
            data[row["key"]] = json.loads(row["value"])
        except (KeyError, json.JSONDecodeError) as exc:
            problems.append(Problem(f"bad metadata row: {exc}", f"{label}/scenario.csv"))
    if (folder / "sources.csv").is_file():
        data["sources"] = []
        for n, r in enumerate(rows("sources.csv"), start=2):
            try:
                data["sources"].append({k: (json.loads(v) if k == "year" else _decode(v, True))
                                        for k, v in r.items() if v not in ("", None)})
            except (json.JSONDecodeError, AttributeError) as exc:
                problems.append(Problem(f"line {n}: cannot read the row ({exc})",
                                        f"{label}/sources.csv", "sources", str(r.get("id", ""))))
    for ctype, model in COMPONENTS.items():
        path = folder / f"{ctype}.csv"
        if not path.is_file():
            continue
        cols = {col: text for _, col, text in _columns(model)}
        items = []
        for n, r in enumerate(rows(path.name), start=2):
            item: dict[str, Any] = {}
            for col, cell in r.items():
                if cell == "" or cell is None:
                    continue
                if col not in cols:
                    problems.append(Problem(f"unknown column '{col}'", str(path), ctype))
                    continue
                try:
                    item[col] = _decode(cell, cols[col])
                except json.JSONDecodeError:
                    problems.append(Problem(f"line {n}: cell is not valid JSON: {cell[:40]!r}",
                                            str(path), ctype, r.get("id", ""), col))
            items.append(item)
        data[ctype] = items
    if problems:
        raise ScenarioError(problems)
    return data


__all__ = ["SourceEntry", "csv_files", "read_csv_dir", "to_yaml", "write_csv_dir", "write_yaml"]
