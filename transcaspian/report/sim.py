"""Reading a simulation result folder (``transcaspian simulate ... -o DIR``) for the report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from transcaspian.model import Scenario
from transcaspian.model.errors import Problem, UserError
from transcaspian.results import Result

#: Tables the report draws and the columns it needs from each.
REQUIRED: dict[str, tuple[str, ...]] = {
    "transit_times": ("origin", "destination", "commodity", "direction", "p50_h", "p90_h", "p95_h",
                      "mean_h"),
    "waiting_by_node": ("node", "wait_h_mean_per_unit", "unit_hours_waited", "tonne_hours_waited",
                        "share_of_total"),
}
#: Tables shown when present.
OPTIONAL: dict[str, tuple[str, ...]] = {
    "transit_histogram": ("origin", "destination", "bin_lo_h", "bin_hi_h", "count"),
    "throughput": (),
}
META_KEYS = ("scenario", "scenario_hash", "version")


def _error(folder: Path, message: str) -> UserError:
    return UserError([Problem(message, file=str(folder))], "the simulation result")


def _read_table(folder: Path, name: str) -> pd.DataFrame | None:
    pq, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    try:
        if pq.is_file():
            df = pd.read_parquet(pq)
        elif csv.is_file():
            df = pd.read_csv(csv)
        else:
            return None
    except Exception as exc:  # unreadable file: report which one and why
        raise _error(folder, f"cannot read table '{name}': {exc}") from None
    # Result.write stores the frame's index as a first, unnamed CSV column
    unnamed = [c for c in df.columns if str(c).startswith("Unnamed: ")]
    return df.drop(columns=unnamed)


def read_sim_result(folder: str | Path, scenario: Scenario | None = None) -> Result:
    """Load ``meta.json`` and the report's tables from a simulation result folder.

    Parameters
    ----------
    folder
        Folder written by ``transcaspian simulate SCENARIO -o FOLDER``; each table is
        ``<name>.parquet`` or ``<name>.csv``.
    scenario
        When given, the folder's ``scenario_hash`` must equal ``scenario.hash``.

    Raises
    ------
    UserError
        Missing folder, ``meta.json`` or table, a missing column, or a result made from a
        different scenario (hash mismatch).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise _error(folder, "no such folder (give the folder written by `transcaspian simulate -o`)")
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        raise _error(folder, "no meta.json: not a simulation result folder")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _error(folder, f"meta.json is not valid JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise _error(folder, "meta.json must hold an object")
    missing_meta = [k for k in META_KEYS if k not in meta]
    if missing_meta:
        raise _error(folder, f"meta.json lacks {', '.join(missing_meta)}")
    if scenario is not None and meta["scenario_hash"] != scenario.hash:
        raise _error(folder, f"made from scenario '{meta['scenario']}' with hash "
                             f"{str(meta['scenario_hash'])[:12]}, but this run is for "
                             f"'{scenario.name}' with hash {scenario.hash[:12]}; re-run "
                             f"`transcaspian simulate {scenario.name}` or pick the matching scenario")
    tables: dict[str, pd.DataFrame] = {}
    problems = []
    for name, cols in {**REQUIRED, **OPTIONAL}.items():
        df = _read_table(folder, name)
        if df is None:
            if name in REQUIRED:
                problems.append(f"missing table '{name}' ({name}.parquet or {name}.csv)")
            continue
        lacking = [c for c in cols if c not in df.columns]
        if lacking:
            problems.append(f"table '{name}' lacks column(s) {', '.join(lacking)}")
            continue
        tables[name] = df
    if problems:
        raise UserError([Problem(p, file=str(folder)) for p in problems], "the simulation result")
    return Result(meta, tables)
