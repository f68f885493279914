"""Observed operating statistics: the KPI vocabulary, a strict CSV loader, element checks.

Observed figures (port throughput, vessel calls, crossings per ferry, border dwell, published
transit times, ...) live as CSV files in ``transcaspian/data/observed/`` or in a user's file,
one figure a row, with header::

    kpi,element,year,value,unit,tolerance_pct,source_url,source_title,note

:data:`KPIS` is the binding vocabulary: each KPI names the kind of scenario element it is
about and its unit. Figures are per calendar year unless the unit says otherwise.
"""

from __future__ import annotations

import csv
import io
import math
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from transcaspian.model.errors import Problem, UserError
from transcaspian.model.loading import suggest
from transcaspian.model.scenario import Scenario

__all__ = ["COLUMNS", "ELEMENT_KINDS", "KPIS", "Kpi", "check_elements", "load_observed",
           "observed_files"]

#: Header every observed-KPI file must have, in this order.
COLUMNS = ("kpi", "element", "year", "value", "unit", "tolerance_pct", "source_url",
           "source_title", "note")
OBSERVED_PACKAGE = "transcaspian.data.observed"
MAX_FILE_BYTES = 5_000_000
MAX_ROWS = 10_000
MAX_FIELD_CHARS = 2_000
YEAR_MIN, YEAR_MAX = 1990, 2100

#: What an ``element`` may be, by kind.
ELEMENT_KINDS: dict[str, str] = {
    "corridor": "the literal `titr` (the whole corridor)",
    "seaport": "a node id of kind seaport",
    "seaport_or_class": "a seaport node id, or `port/vessel-class` (seaport id / vessel id)",
    "border": "a node id of kind border or gauge_change",
    "service": "a service id",
    "vessel": "a vessel class id",
    "leg": "`from>to`: two node ids",
    "od": "`origin>destination`: two node ids",
    "flow": "a demand flow id",
}


class Kpi(NamedTuple):
    """One observed KPI: the element kind it is about, its unit and its meaning."""

    element: str
    unit: str
    description: str


#: The KPI vocabulary shared by the observed data and ``transcaspian calibrate``.
KPIS: dict[str, Kpi] = {name: Kpi(element, unit, text) for name, element, unit, text in (
    ("corridor_t", "corridor", "t", "tonnes carried on the whole corridor a year (the demand definition)"),
    ("port_throughput_t", "seaport", "t", "tonnes loaded + discharged on Caspian services a year"),
    ("port_teu", "seaport", "TEU", "TEU loaded + discharged at the port a year"),
    ("port_wagons", "seaport", "wagons", "rail wagons loaded + discharged (ferries) a year"),
    ("port_trucks", "seaport", "trucks", "trucks / trailers loaded + discharged (ro-ro) a year"),
    ("port_vessel_calls", "seaport", "calls", "vessel calls (arrivals) at the port a year"),
    ("service_t", "service", "t", "tonnes carried by a service a year, both directions"),
    ("vessel_crossings", "vessel", "crossings", "one-way crossings a year per vessel of the class"),
    ("vessel_turnaround_h", "seaport_or_class", "h", "mean arrival-to-departure time per call"),
    ("vessel_berth_h", "seaport_or_class", "h", "mean berthing-to-departure time per call (at the berth)"),
    ("border_dwell_h", "border", "h", "mean dwell of a train / truck at the border or gauge change"),
    ("leg_days", "leg", "days", "published schedule / transit time of a leg"),
    ("transit_days", "od", "days", "door-to-door transit time"),
    ("flow_t", "flow", "t", "tonnes a year of a demand flow"),
)}


class _Row(NamedTuple):
    """A parsed row, or the problems that stop it being one."""

    values: dict[str, object] | None
    problems: list[Problem]


def observed_files() -> list[str]:
    """Names of the observed-KPI files shipped inside the package.

    Examples
    --------
    >>> "ports.csv" in observed_files()
    True
    """
    root = resources.files(OBSERVED_PACKAGE)
    return sorted(p.name for p in root.iterdir() if p.name.endswith(".csv"))


def load_observed(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check observed-KPI CSV files.

    Parameters
    ----------
    path
        A CSV file, a folder of ``*.csv`` files, or None for every file shipped in
        ``transcaspian/data/observed/``.

    Returns
    -------
    pandas.DataFrame
        One row per figure: the :data:`COLUMNS` (``year`` int, ``value`` and
        ``tolerance_pct`` float, units as in :data:`KPIS`) plus ``file`` and ``line``
        (where the row came from).

    Raises
    ------
    UserError
        With every problem found in every file at once, each naming file, line and column:
        wrong header, unknown KPI, unit not the KPI's, year outside 1990..2100, value not
        finite and >= 0, tolerance_pct outside (0, 100], source_url not http(s), a
        (kpi, element, year) given twice, a file over 5 MB or 10,000 rows.

    Examples
    --------
    >>> df = load_observed()
    >>> set(df["kpi"]) <= set(KPIS), bool((df["tolerance_pct"] > 0).all())
    (True, True)
    """
    problems: list[Problem] = []
    rows: list[dict[str, object]] = []
    for label, text, problem in _read_texts(path):
        if problem is not None:
            problems.append(problem)
            continue
        file_rows, file_problems = _parse_text(label, text)
        rows.extend(file_rows)
        problems.extend(file_problems)
    problems.extend(_duplicates(rows))
    if problems:
        raise UserError(problems, "observed data")
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "file", "line"])
    return frame.astype({"year": "int64", "value": "float64", "tolerance_pct": "float64",
                         "line": "int64"})


def _read_texts(path: str | Path | None) -> list[tuple[str, str, Problem | None]]:
    """(label, text, problem) for every file to read; a problem when it cannot be read."""
    if path is None:
        root = resources.files(OBSERVED_PACKAGE)
        return [_decode(name, (root / name).read_bytes()) for name in observed_files()]
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.csv"))
        if not files:
            return [("", "", Problem("folder holds no *.csv file", file=str(p)))]
        return [_read_file(f) for f in files]
    return [_read_file(p)]


def _read_file(p: Path) -> tuple[str, str, Problem | None]:
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            return str(p), "", Problem(f"file is {size:,} bytes; the limit is "
                                       f"{MAX_FILE_BYTES:,}", file=str(p))
        return _decode(str(p), p.read_bytes())
    except OSError as exc:
        return str(p), "", Problem(f"cannot read the file ({exc.strerror or exc})", file=str(p))


def _decode(label: str, data: bytes) -> tuple[str, str, Problem | None]:
    if len(data) > MAX_FILE_BYTES:
        return label, "", Problem(f"file is {len(data):,} bytes; the limit is "
                                  f"{MAX_FILE_BYTES:,}", file=label)
    try:
        return label, data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return label, "", Problem(f"not UTF-8 text (byte {exc.start})", file=label)


def _parse_text(label: str, text: str) -> tuple[list[dict[str, object]], list[Problem]]:
    """Rows and problems of one file's text."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [Problem(f"not CSV ({exc})", file=f"{label}:1")]
    if header is None:
        return [], [Problem("file is empty; expected the header " + ",".join(COLUMNS),
                            file=label)]
    if tuple(h.strip() for h in header) != COLUMNS:
        return [], [Problem(f"header is {','.join(header)!r}; expected {','.join(COLUMNS)!r}",
                            file=f"{label}:1")]
    rows: list[dict[str, object]] = []
    problems: list[Problem] = []
    count = 0
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            count += 1
            if count > MAX_ROWS:
                problems.append(Problem(f"more than {MAX_ROWS:,} rows", file=f"{label}:{line}"))
                break
            parsed = _parse_row(f"{label}:{line}", fields)
            problems.extend(parsed.problems)
            if parsed.values is not None:
                rows.append({**parsed.values, "file": label, "line": line})
    except csv.Error as exc:
        problems.append(Problem(f"not CSV ({exc})", file=f"{label}:{reader.line_num}"))
    return rows, problems


def _parse_row(where: str, fields: list[str]) -> _Row:
    """Check one data row; every problem in it is reported."""
    if len(fields) != len(COLUMNS):
        return _Row(None, [Problem(f"{len(fields)} columns; expected {len(COLUMNS)}",
                                   file=where)])
    raw = dict(zip(COLUMNS, (f.strip() for f in fields), strict=True))
    problems = [Problem(f"text of {len(v):,} characters; the limit is {MAX_FIELD_CHARS:,}",
                        file=where, field=k) for k, v in raw.items() if len(v) > MAX_FIELD_CHARS]
    problems += [Problem("control character in text", file=where, field=k)
                 for k, v in raw.items() if any(ord(ch) < 32 for ch in v)]
    for col in ("kpi", "element", "source_title"):
        if not raw[col]:
            problems.append(Problem("must not be empty", file=where, field=col))
    kpi = KPIS.get(raw["kpi"])
    if raw["kpi"] and kpi is None:
        problems.append(Problem(f"unknown KPI '{raw['kpi']}'{suggest(raw['kpi'], list(KPIS))}",
                                file=where, field="kpi"))
    if kpi is not None and raw["unit"] != kpi.unit:
        problems.append(Problem(f"unit '{raw['unit']}' is not the unit of {raw['kpi']} "
                                f"('{kpi.unit}')", file=where, field="unit"))
    year = _integer(raw["year"])
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        problems.append(Problem(f"year '{raw['year']}' is not a whole number in "
                                f"{YEAR_MIN}..{YEAR_MAX}", file=where, field="year"))
    value = _number(raw["value"])
    if value is None or value < 0:
        problems.append(Problem(f"value '{raw['value']}' is not a finite number >= 0",
                                file=where, field="value"))
    tol = _number(raw["tolerance_pct"])
    if tol is None or not 0 < tol <= 100:
        problems.append(Problem(f"tolerance_pct '{raw['tolerance_pct']}' is not a number in "
                                "(0, 100]", file=where, field="tolerance_pct"))
    if not raw["source_url"].startswith(("http://", "https://")) or " " in raw["source_url"]:
        problems.append(Problem(f"source_url '{raw['source_url'][:80]}' is not an http(s) URL",
                                file=where, field="source_url"))
    if problems:
        return _Row(None, problems)
    return _Row({**raw, "year": year, "value": value, "tolerance_pct": tol}, [])


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _number(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _duplicates(rows: list[dict[str, object]]) -> list[Problem]:
    """A (kpi, element, year) given twice is a conflict to resolve in the file, not here."""
    seen: dict[tuple[object, object, object], str] = {}
    problems = []
    for r in rows:
        key = (r["kpi"], r["element"], r["year"])
        where = f"{r['file']}:{r['line']}"
        if key in seen:
            problems.append(Problem(f"{key[0]} of {key[1]} in {key[2]} is also given at "
                                    f"{seen[key]}; keep one figure and note the other",
                                    file=where, field="kpi"))
        else:
            seen[key] = where
    return problems


def check_elements(scenario: Scenario, df: pd.DataFrame) -> list[Problem]:
    """Problems with the ``element`` of observed rows against a scenario.

    Parameters
    ----------
    scenario
        A :class:`~transcaspian.model.scenario.Scenario`.
    df
        Rows from :func:`load_observed`.

    Returns
    -------
    list of Problem
        One per row whose element does not exist in the scenario or is not of the kind its
        KPI needs (:data:`ELEMENT_KINDS`); empty when all fit.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> check_elements(s, load_observed())
    []
    >>> bad = pd.DataFrame([{"kpi": "port_teu", "element": "tbilisi", "file": "x.csv", "line": 2}])
    >>> print(check_elements(s, bad)[0])
    x.csv:2: element: port_teu: 'tbilisi' is not a seaport node id
    """
    ids = _element_ids(scenario)
    problems = []
    for r in df.to_dict("records"):
        kpi = KPIS.get(str(r["kpi"]))
        if kpi is None:
            continue
        message = _element_problem(str(r["element"]), kpi.element, ids)
        if message:
            where = f"{r.get('file', '')}:{r.get('line', '')}".strip(":")
            problems.append(Problem(f"{r['kpi']}: {message}", file=where, field="element"))
    return problems


def _element_ids(scenario: Scenario) -> dict[str, set[str]]:
    nodes = scenario.nodes
    return {
        "node": set(map(str, nodes.index)),
        "seaport": set(map(str, nodes.index[nodes["kind"] == "seaport"])),
        "border": set(map(str, nodes.index[nodes["kind"].isin(["border", "gauge_change"])])),
        "service": set(map(str, scenario.services.index)),
        "vessel": set(map(str, scenario.vessels.index)),
        "flow": set(map(str, scenario.demand.index)),
    }


def _element_problem(element: str, kind: str, ids: dict[str, set[str]]) -> str:
    """Why ``element`` is not an element of ``kind``, or an empty string."""
    if kind == "corridor":
        return "" if element == "titr" else f"'{element}' is not 'titr'"
    if kind in ("leg", "od"):
        parts = element.split(">")
        if len(parts) != 2:
            return f"'{element}' is not two node ids joined by '>'"
        return "; ".join(f"'{p}' is not a node id{suggest(p, sorted(ids['node']))}"
                         for p in parts if p not in ids["node"])
    if kind == "seaport_or_class" and "/" in element:
        port, _, vessel = element.partition("/")
        wrong = [f"'{port}' is not a seaport node id"] if port not in ids["seaport"] else []
        if vessel not in ids["vessel"]:
            wrong.append(f"'{vessel}' is not a vessel class id{suggest(vessel, sorted(ids['vessel']))}")
        return "; ".join(wrong)
    pool = "seaport" if kind == "seaport_or_class" else kind
    if element in ids[pool]:
        return ""
    names = {"seaport": "a seaport node id", "border": "a border or gauge_change node id",
             "service": "a service id", "vessel": "a vessel class id", "flow": "a demand flow id"}
    return f"'{element}' is not {names[pool]}{suggest(element, sorted(ids[pool]))}"
