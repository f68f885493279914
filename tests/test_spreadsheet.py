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
