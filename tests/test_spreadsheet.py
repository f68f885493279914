"""Workbooks (issue 11 item 6): -o result.xlsx writes one sheet per table with units in the
header row and a metadata sheet; CSV stays plain for pandas."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from transcaspian.analysis import CapacityOptions, capacity
from transcaspian.cli import register_all
from transcaspian.model import load_scenario
from transcaspian.model.errors import UserError
from transcaspian.model.spreadsheet import check_workbook_path, sheet_names

app = register_all()


def test_capacity_workbook_sheets_units_values_and_metadata(tmp_path):
    path = tmp_path / "cap.xlsx"
    res = CliRunner().invoke(app, ["capacity", "baseline-2024", "-o", str(path)])
    assert res.exit_code == 0, res.output
    scen = load_scenario("baseline-2024")
    expected = capacity(scen, CapacityOptions.build())
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*expected.tables, "metadata"]
    heads = [c.value for c in book["flows"][1]]
    assert "served_t (t/yr)" in heads and "flow" in heads
    col = heads.index("served_t (t/yr)")
    first = [c.value for c in book["flows"][2]]
    assert first[col] == pytest.approx(float(expected["flows"]["served_t"].iloc[0]))
    meta = {r[0].value: r[1].value for r in book["metadata"].iter_rows(min_row=2)}
    assert meta["scenario_hash"] == scen.hash and meta["scenario"] == "baseline-2024"
    assert meta["generated_by"].startswith("transcaspian")


def test_existing_non_workbook_is_refused(tmp_path):
    victim = tmp_path / "notes.xlsx"
    victim.write_text("my notes")
    with pytest.raises(UserError, match="not an Excel workbook"):
        check_workbook_path(victim)
    res = CliRunner().invoke(app, ["capacity", "baseline-2024", "-o", str(victim)])
    assert res.exit_code == 2 and victim.read_text() == "my notes"


def test_sheet_names_are_short_and_unique():
    names = sheet_names(["a" * 40, "a" * 40, "metadata"])
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == 3


def test_csv_reads_back_in_pandas_with_plain_names():
    res = CliRunner().invoke(app, ["capacity", "baseline-2024", "-t", "flows", "-f", "csv"])
    frame = pd.read_csv(io.StringIO(res.stdout))
    assert frame.columns[0] == "flow" and "served_t" in frame.columns   # no BOM, no units


# -- calibrate and scenario sources ----------------------------------------------------------
TINY = "tests/data/tiny.yaml"


def _observed(tmp_path) -> str:
    """Two observed figures of the tiny scenario (the turnaround misses its tolerance)."""
    from transcaspian.model.observed import KPIS

    rows = [{"kpi": k, "element": e, "year": 2024, "value": v, "unit": KPIS[k].unit, "tolerance_pct": 10,
             "source_url": "https://example.org/x", "source_title": "Synthetic", "note": "synthetic"}
            for k, e, v in (("vessel_turnaround_h", "pa", 6.0), ("leg_days", "pa>pb", 1.0))]
    path = tmp_path / "obs.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def _sheet(book, name: str) -> list[dict]:
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_calibrate_check_and_fit_write_workbooks(tmp_path):
    from transcaspian.calibration import model_kpis, observed_rows

    obs = _observed(tmp_path)
    runner = CliRunner()
    check = runner.invoke(app, ["calibrate", TINY, "--observed", obs, "--engine", "capacity",
                                "-o", str(tmp_path / "check.xlsx")])
    assert check.exit_code == 0, check.output
    book = openpyxl.load_workbook(tmp_path / "check.xlsx")
    assert book.sheetnames == ["check", "metadata"]
    rows = _sheet(book, "check")
    scen = load_scenario(TINY)
    expected = model_kpis(scen, observed_rows(scen, obs, None), engine="capacity")
    assert [r["modelled (unit)"] for r in rows] == pytest.approx(list(expected["modelled"]))
    assert [r["unit"] for r in rows] == ["h", "days"]
    assert {"error_pct (%)", "tolerance_pct (%)", "year (year)"} <= set(rows[0])
    meta = {r[0].value: r[1].value for r in book["metadata"].iter_rows(min_row=2)}
    assert meta["scenario_hash"] == scen.hash
    fit = runner.invoke(app, ["calibrate", TINY, "--observed", obs, "--engine", "capacity",
                              "--fit", "nodes[pa].port_time_h", "-o", str(tmp_path / "fit.xlsx")])
    assert fit.exit_code == 0, fit.output
    book = openpyxl.load_workbook(tmp_path / "fit.xlsx")
    assert book.sheetnames == ["fit", "kpis", "trace", "metadata"]
    (field,) = _sheet(book, "fit")
    # with the capacity engine the modelled turnaround at pa is its port time (4 h): 6 h observed -> 6 h
    assert field["field"] == "nodes[pa].port_time_h" and field["after (unit)"] == pytest.approx(6.0, rel=1e-3)
    assert not (tmp_path / "fit.yaml").exists()
    refused = runner.invoke(app, ["calibrate", TINY, "--observed", obs, "-o", str(tmp_path / "check.yaml")])
    assert refused.exit_code == 2 and ".xlsx" in refused.output and "--fit" in refused.output


def test_calibrate_wide_shows_every_column_whole(tmp_path):
    """--wide puts each row's note in the table (not numbered below) and breaks no cell, even
    past 100 columns."""
    r = CliRunner().invoke(app, ["calibrate", TINY, "--observed", _observed(tmp_path), "--engine",
                                 "capacity", "--wide"], env={"COLUMNS": "60"})
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    row = next(ln for ln in lines if "vessel_turnaround_h" in ln)
    assert "capacity" in row and "synthetic" in row and "[1]" not in r.stdout
    assert max(len(ln) for ln in lines) > 60


def test_scenario_sources_workbook_holds_every_figure(tmp_path):
    """The workbook lists the same figures as the Markdown document: one row per figure, the
    later scenario only with what it changes; sources with the count of figures citing them."""
    from transcaspian.model.provenance import iter_figures

    path = tmp_path / "sources.xlsx"
    r = CliRunner().invoke(app, ["scenario", "sources", "baseline-2024", "target-2030", "-o", str(path)])
    assert r.exit_code == 0, r.output
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["figures", "sources", "metadata"]
    figs = _sheet(book, "figures")
    base = load_scenario("baseline-2024")
    n_base = len(list(iter_figures(base.doc)))
    assert sum(f["scenario"] == "baseline-2024" for f in figs) == n_base
    assert 0 < sum(f["scenario"] == "target-2030" for f in figs) < len(list(iter_figures(
        load_scenario("target-2030").doc)))
    dist = next(f for f in figs if (f["component"], f["id"], f["field"]) == ("links", "xian-urumqi",
                                                                                 "distance_km"))
    assert (dist["value"], dist["unit"]) == (2570, "km")
    srcs = _sheet(book, "sources")
    assert {"year (year)", "figures (count)"} <= set(srcs[0])
    cited = sum(s["figures (count)"] for s in srcs if s["scenario"] == "baseline-2024")
    assert cited == sum(f["provenance"] == "source" for f in figs if f["scenario"] == "baseline-2024")
    meta = {r[0].value: r[1].value for r in book["metadata"].iter_rows(min_row=2)}
    assert base.hash in meta["scenario_hashes"]


def test_scenario_list_workbook_has_every_builtin_with_units(tmp_path):
    path = tmp_path / "list.xlsx"
    res = CliRunner().invoke(app, ["scenario", "list", "-o", str(path)])
    assert res.exit_code == 0, res.output
    rows = _sheet(openpyxl.load_workbook(path), "scenarios")
    assert [r["name"] for r in rows] == ["baseline-2024", "target-2030"]
    target = load_scenario("target-2030")
    assert rows[1]["demand_mt (Mt/yr)"] == round(float(target.demand["annual_t"].sum()) / 1e6, 3)
    assert rows[1]["hash"] == target.hash[:12]
    bad = CliRunner().invoke(app, ["scenario", "list", "-o", str(tmp_path / "list.csv")])
    assert bad.exit_code == 2 and "ending .xlsx" in bad.output
