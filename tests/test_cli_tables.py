"""Terminal tables people read (issue 11 item 5): every default table fits 100 columns,
numbers and ids stay whole, -h works everywhere, diff shows units and separators."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from transcaspian.cli import register_all
from transcaspian.cli._common import _Col, cell_text, fit_columns

app = register_all()
ENV = {"COLUMNS": "100"}


def run(*args: str) -> str:
    res = CliRunner().invoke(app, list(args), env=ENV)
    assert res.exit_code == 0, res.output
    return res.stdout


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


TABLE_COMMANDS = [
    ("capacity", "baseline-2024"),
    ("capacity", "baseline-2024", "-t", "elements"),
    ("capacity", "baseline-2024", "-t", "all"),
    ("quote", "baseline-2024", "--from", "xian", "--to", "constanta", "--simulate", "0", "--legs"),
    ("tariff", "baseline-2024", "--route", "tt-xian-constanta-teu"),
    ("scenario", "list"),
    ("scenario", "show", "baseline-2024"),
    ("scenario", "show", "baseline-2024", "-c", "vessels"),
    ("scenario", "diff", "baseline-2024", "target-2030"),
    ("scenario", "schema", "-c", "links"),
]


@pytest.mark.parametrize("args", TABLE_COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_default_tables_fit_100_columns(args):
    assert widest(run(*args)) <= 100


def test_simulate_fits_and_keeps_big_numbers_whole():
    out = run("simulate", "baseline-2024", "-n", "2", "--seed", "1")
    assert widest(out) <= 100
    # the crude flow's units a year is above a million: printed whole, with separators, on one line
    assert re.search(r"\b\d{1,3},\d{3},\d{3}\b", out)


def test_numbers_and_ids_are_never_split():
    cols = [_Col("id", ["asco-ferry-kuryk-legacy"], False), _Col("served t", [cell_text(1388700.0)], True),
            _Col("note", ["a long explanation of what the figure means " * 3], False)]
    shown, widths = fit_columns(cols, 60, keep=["id"])
    assert [c.name for c in shown] == ["id", "served t"]                  # the long note goes first
    assert widths == [len("asco-ferry-kuryk-legacy"), len("1,388,700")]


def test_wide_shows_hidden_columns():
    out = run("quote", "baseline-2024", "--from", "xian", "--to", "constanta", "--simulate", "0")
    assert "--wide shows them: via" in out
    wide = run("quote", "baseline-2024", "--from", "xian", "--to", "constanta", "--simulate", "0", "--wide")
    assert "column hidden" not in wide and "via" in wide


def test_capacity_elements_summarised_by_type_and_all_lists_every_element():
    from transcaspian.analysis import CapacityOptions, capacity
    from transcaspian.model import load_scenario

    short = run("capacity", "baseline-2024", "-t", "elements")
    assert len(short.splitlines()) < 40 and "rail_section" in short
    res = capacity(load_scenario("baseline-2024"), CapacityOptions.build())
    ids = set(res["elements"]["element_id"])
    full = run("capacity", "baseline-2024", "-t", "elements", "--all")
    assert all(i in full for i in ids)
    e = res["elements"]
    rail = e.loc[e["element_type"] == "rail_section", "element_id"].nunique()   # both directions: one
    assert re.search(rf"rail_section\s+│\s+{rail}\s+│", short)                 # the count per type


@pytest.mark.parametrize("args", [(), ("capacity",), ("simulate",), ("quote",), ("tariff",), ("plan",),
                                  ("calibrate",), ("report",), ("results",), ("scenario",),
                                  ("scenario", "diff"), ("scenario", "show")])
def test_dash_h_is_help(args):
    out = run(*args, "-h")
    assert "Usage" in out and "--help" in out


def test_diff_shows_thousands_separators_units_and_added_figures():
    out = run("scenario", "diff", "baseline-2024", "target-2030")
    assert "3,000 TEU" in out and "12,000 TEU" in out        # aktau yard_capacity_teu before/after
    assert re.search(r"count \d+ vessels", out)               # an added vessel class with its count


def test_cell_text_thousands():
    assert cell_text(1388700) == "1,388,700" and cell_text(2030) == "2030"
