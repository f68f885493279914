"""Observed-KPI files: the vocabulary, the strict loader and the element checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from transcaspian.model import load_scenario
from transcaspian.model.errors import UserError
from transcaspian.model.observed import (
    COLUMNS,
    KPIS,
    MAX_ROWS,
    check_elements,
    load_observed,
    observed_files,
)

HEADER = ",".join(COLUMNS)
GOOD = "port_teu,alat,2024,76775,TEU,10,https://example.org/a,Title,note"


def write(tmp_path: Path, *lines: str, name: str = "obs.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline-2024")


def test_vocabulary_is_the_shared_one() -> None:
    assert set(KPIS) == {
        "corridor_t", "port_throughput_t", "port_teu", "port_wagons", "port_trucks",
        "port_vessel_calls", "service_t", "vessel_crossings", "vessel_turnaround_h", "vessel_berth_h",
        "border_dwell_h", "leg_days", "transit_days", "flow_t"}
    assert KPIS["port_teu"].unit == "TEU" and KPIS["border_dwell_h"].unit == "h"
    assert KPIS["leg_days"].element == "leg" and KPIS["corridor_t"].element == "corridor"


def test_good_file_types_and_location(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, GOOD, "", "corridor_t,titr,2024,4.484e6,t,5,http://x.org,T,")
    df = load_observed(path)
    assert list(df.columns) == [*COLUMNS, "file", "line"]
    assert df["value"].tolist() == [76775.0, 4.484e6]
    assert df["year"].dtype == "int64" and df["line"].tolist() == [2, 4]
    assert df["file"].iloc[0] == str(path)


def test_every_problem_named_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path, HEADER,
        "port_teus,alat,2024,1,TEU,10,https://x.org,T,",        # unknown kpi
        "port_teu,alat,2024,1,t,10,https://x.org,T,",            # wrong unit
        "port_teu,alat,1850,1,TEU,10,https://x.org,T,",          # year out of range
        "port_teu,alat,2024.5,1,TEU,10,https://x.org,T,",        # year not whole
        "port_teu,alat,2023,-1,TEU,10,https://x.org,T,",         # negative value
        "port_teu,alat,2022,nan,TEU,10,https://x.org,T,",        # not finite
        "port_teu,alat,2021,1,TEU,0,https://x.org,T,",           # tolerance 0
        "port_teu,alat,2020,1,TEU,150,https://x.org,T,",         # tolerance > 100
        "port_teu,alat,2019,1,TEU,10,ftp://x.org,T,",            # not http(s)
        "port_teu,alat,2018,1,TEU,10,https://x.org,,",           # empty title
        "port_teu,alat,2017,1,TEU",                              # too few columns
        GOOD, GOOD)                                              # duplicate
    with pytest.raises(UserError) as err:
        load_observed(path)
    got = [(p.file.rsplit(":", 1)[1], p.field) for p in err.value.problems]
    assert got == [("2", "kpi"), ("3", "unit"), ("4", "year"), ("5", "year"), ("6", "value"),
                   ("7", "value"), ("8", "tolerance_pct"), ("9", "tolerance_pct"),
                   ("10", "source_url"), ("11", "source_title"), ("12", ""), ("14", "kpi")]
    text = str(err.value)
    assert "did you mean 'port_teu'" in text and "also given at" in text
    assert all(p.file.startswith(str(path)) for p in err.value.problems)


def test_bad_header_and_encoding_across_files(tmp_path: Path) -> None:
    write(tmp_path, "kpi,element,year,value,unit", GOOD, name="a.csv")
    (tmp_path / "b.csv").write_bytes(HEADER.encode() + b"\n\xff\xfe,bad\n")
    write(tmp_path, HEADER, GOOD, name="c.csv")
    with pytest.raises(UserError) as err:
        load_observed(tmp_path)
    msgs = [str(p) for p in err.value.problems]
    assert len(msgs) == 2
    assert "a.csv:1" in msgs[0] and "expected" in msgs[0]
    assert "b.csv" in msgs[1] and "UTF-8" in msgs[1]


def test_size_bounds(tmp_path: Path) -> None:
    rows = [f"port_teu,alat,{1990 + i % 100},1,TEU,10,https://x.org/{i},T," for i in range(MAX_ROWS + 1)]
    with pytest.raises(UserError, match="more than 10,000 rows"):
        load_observed(write(tmp_path, HEADER, *rows))
    big = tmp_path / "big.csv"
    big.write_text(HEADER + "\n" + "x" * 5_000_001, encoding="utf-8")
    with pytest.raises(UserError, match="limit is 5,000,000"):
        load_observed(big)
    with pytest.raises(UserError, match="cannot read"):
        load_observed(tmp_path / "missing.csv")


def test_package_files_load_and_fit_the_baseline(baseline) -> None:
    assert {"ports.csv", "corridor.csv"} <= set(observed_files())
    df = load_observed()
    assert len(df) >= 2 and set(df["file"]) == set(observed_files())
    assert check_elements(baseline, df) == []
    assert (df["source_url"].str.startswith("https://") | df["source_url"].str.startswith("http://")).all()


def test_check_elements_names_kind_and_row(baseline) -> None:
    rows = pd.DataFrame([
        {"kpi": "port_teu", "element": "alat", "file": "f.csv", "line": 2},
        {"kpi": "port_teu", "element": "dostyk", "file": "f.csv", "line": 3},
        {"kpi": "border_dwell_h", "element": "dostyk", "file": "f.csv", "line": 4},
        {"kpi": "border_dwell_h", "element": "aktau", "file": "f.csv", "line": 5},
        {"kpi": "vessel_turnaround_h", "element": "aktau/kmtf-feeder-225", "file": "f.csv", "line": 6},
        {"kpi": "vessel_turnaround_h", "element": "aktau/nope", "file": "f.csv", "line": 7},
        {"kpi": "leg_days", "element": "aktau>alat", "file": "f.csv", "line": 8},
        {"kpi": "transit_days", "element": "xian>constanza", "file": "f.csv", "line": 9},
        {"kpi": "transit_days", "element": "xian", "file": "f.csv", "line": 10},
        {"kpi": "corridor_t", "element": "titr", "file": "f.csv", "line": 11},
        {"kpi": "corridor_t", "element": "corridor", "file": "f.csv", "line": 12},
        {"kpi": "service_t", "element": "feeder-aktau-alat", "file": "f.csv", "line": 13},
        {"kpi": "vessel_crossings", "element": "feeder-aktau-alat", "file": "f.csv", "line": 14},
        {"kpi": "flow_t", "element": "d-xian-constanta-teu", "file": "f.csv", "line": 15},
    ])
    problems = check_elements(baseline, rows)
    assert [p.file for p in problems] == [f"f.csv:{n}" for n in (3, 5, 7, 9, 10, 12, 14)]
    assert all(p.field == "element" for p in problems)
    assert "did you mean 'constanta'" in str(problems[3])
    assert "vessel class id" in str(problems[6])
