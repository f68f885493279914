"""compare: scenarios side by side with deltas to the first (oracles: identity, scenario data)."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest

from transcaspian.analysis.compare import CompareOptions, compare, extends_base
from transcaspian.analysis.tables import COMPARE
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import UserError


@pytest.fixture(scope="module")
def base() -> Scenario:
    return load_scenario("baseline-2024")


@pytest.fixture(scope="module")
def target() -> Scenario:
    return load_scenario("target-2030")


@pytest.fixture(scope="module")
def pair(base, target):
    return compare([base, target])


def test_compare_with_itself_has_zero_deltas_and_no_changes(base):
    res = compare([base, base], CompareOptions.build(corridors=2))
    assert COMPARE.problems(res) == []
    deltas = [c for c in res["summary"].columns if c.startswith("delta_")]
    assert float(res["summary"][deltas].abs().to_numpy().max()) == 0.0
    od = res["od_times"]
    assert len(od) == 4 and float(od["delta_expected_days"].abs().max()) == 0.0
    assert set(res["bottlenecks"]["change"]) <= {"still"}
    assert len(res["bottlenecks"]) == int(res["bottlenecks"]["delta_utilisation"].eq(0).sum())
    assert res["projects"].empty
    assert [s["name"] for s in res.meta["scenarios"]] == ["baseline-2024", "baseline-2024"]


def test_projects_are_exactly_those_target_applies(pair, target):
    p = pair["projects"]
    assert COMPARE.problems(pair) == []
    assert list(p["project"]) == list(target.doc.applied_projects)
    assert set(p["change"]) == {"added"}
    capex = sum(target.get("projects", pid).capex_musd for pid in target.doc.applied_projects)
    assert float(p["capex_musd"].sum()) == pytest.approx(capex)
    s = pair["summary"].set_index("scenario")
    assert float(s.loc["target-2030", "capex_musd"]) == pytest.approx(capex)
    assert float(s.loc["target-2030", "delta_capex_musd"]) == pytest.approx(capex)
    assert int(s.loc["target-2030", "projects"]) == len(target.doc.applied_projects)


def test_summary_deltas_are_differences_to_the_base(pair):
    s = pair["summary"].set_index("scenario")
    for col in ("served_t", "served_share", "demand_multiplier", "co2e_wtw_t", "g_co2e_wtw_per_tkm"):
        assert float(s.loc["target-2030", f"delta_{col}"]) == pytest.approx(
            float(s.loc["target-2030", col] - s.loc["baseline-2024", col]))
    assert float(s.loc["baseline-2024", "capacity_t"]) == pytest.approx(
        float(s.loc["baseline-2024", "demand_multiplier"] * s.loc["baseline-2024", "demand_t"]))
    od = pair["od_times"].set_index(["scenario", "origin", "destination"])
    a = od.loc[("target-2030", "xian", "constanta")]
    b = od.loc[("baseline-2024", "xian", "constanta")]
    assert float(a["delta_expected_days"]) == pytest.approx(float(a["expected_days"] - b["expected_days"]))
    assert set(pair["od_times"]["basis"]) == {"analytic"}
    assert math.isnan(float(a["p50_days"]))


def test_bottleneck_changes_are_the_binding_set_difference(pair, base, target):
    from transcaspian.analysis import capacity

    def binding(s):
        b = capacity(s)["bottlenecks"]
        return {(r.element_id, r.from_node, r.to_node, r.direction) for r in b[b["binding"]].itertuples()}

    b0, b1 = binding(base), binding(target)
    rows = pair["bottlenecks"]
    got = {c: {(r.element_id, r.from_node, r.to_node, r.direction)
               for r in rows[rows["change"] == c].itertuples()}
           for c in ("removed", "new", "still")}
    assert got == {"removed": b0 - b1, "new": b1 - b0, "still": b0 & b1}
    assert got["removed"]  # the 2030 projects relieve the 2024 ferry bottleneck


def test_doubling_a_binding_element_removes_it_or_lowers_its_utilisation(base):
    b = compare([base, base])["bottlenecks"]
    vessel = b[b["element_type"] == "vessel"].iloc[0]["element_id"]
    count = base.get("vessels", vessel).count
    overlay = Scenario.from_dict({"extends": "baseline-2024", "name": "doubled",
                                  "patch": {"vessels": [{"id": vessel, "count": 2 * count}]}})
    rows = compare([base, overlay])["bottlenecks"]
    row = rows[rows["element_id"] == vessel].iloc[0]
    assert row["change"] == "removed" or row["utilisation"] < row["utilisation_base"]
    assert row["utilisation"] < row["utilisation_base"]


def test_fewer_than_two_scenarios_is_a_user_error(base):
    with pytest.raises(UserError) as e:
        compare([base])
    assert e.value.problems[0].field == "scenarios"


def test_extends_base(base, target):
    assert extends_base(target) == "baseline-2024" and extends_base(base) is None


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "transcaspian", *args], capture_output=True, text=True,
                          env=env, check=False)


def test_cli_compare_prints_deltas_within_100_columns():
    r = _cli("compare", "baseline-2024", "target-2030")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 100
    assert "9.44 (+5.12)" in r.stdout          # served Mt/yr and its delta
    assert "5,491 (+5,491)" in r.stdout        # capex of the 15 projects
    assert "p-divrigi-kars-electrification" in r.stdout and "removed" in r.stdout


def test_cli_compare_writes_a_workbook_with_the_deltas_units(tmp_path):
    import openpyxl

    out = tmp_path / "cmp.xlsx"
    r = _cli("compare", "baseline-2024", "target-2030", "-t", "summary", "-o", str(out))
    assert r.returncode == 0, r.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["summary", "od_times", "bottlenecks", "projects", "metadata"]
    rows = list(book["summary"].iter_rows(values_only=True))
    head = list(rows[0])
    assert "served_t (t/yr)" in head and "delta_served_t (t/yr)" in head
    assert "delta_capex_musd (MUSD)" in head           # a delta takes its figure's unit
    target = rows[2]
    assert target[head.index("scenario")] == "target-2030"
    assert round(target[head.index("delta_capex_musd (MUSD)")], 1) == 5491.4


def test_cli_compare_one_scenario_exits_2():
    r = _cli("compare", "baseline-2024")
    assert r.returncode == 2 and "at least two scenarios" in r.stderr and "Traceback" not in r.stderr


def test_report_of_an_overlay_compares_with_its_base_and_no_compare_omits_it(tmp_path):
    with_cmp, without = tmp_path / "with.html", tmp_path / "without.html"
    r = _cli("report", "target-2030", "--simulate", "0", "-o", str(with_cmp))
    assert r.returncode == 0, r.stderr
    page = with_cmp.read_text(encoding="utf-8")
    assert "Comparison with baseline-2024" in page and 'id="compare-summary"' in page
    assert "Dostyk" in page.split('id="compare-projects"')[1][:20000]
    r = _cli("report", "target-2030", "--simulate", "0", "--no-compare", "-o", str(without))
    assert r.returncode == 0, r.stderr
    assert 'id="compare-summary"' not in without.read_text(encoding="utf-8")


def test_report_compare_option_adds_the_section(tmp_path):
    out = tmp_path / "r.html"
    r = _cli("report", "baseline-2024", "--simulate", "0", "--compare", "target-2030", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "Comparison with target-2030" in out.read_text(encoding="utf-8")
