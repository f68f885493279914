"""The report's plan section (`transcaspian report SCENARIO --plan DIR`), drawn from the synthetic
plan folder of plan_fixture.py (shaped like the planner's output, tables of PLAN)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from plan_fixture import PROJECTS, plan_result, write_plan_fixture
from report_helpers import mini_dict, table_rows
from typer.testing import CliRunner

from transcaspian.cli import register_all
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import UserError
from transcaspian.model.results import MARKER, Result, read_result, write_result
from transcaspian.planning.tables import PLAN
from transcaspian.report import build_report, figures
from transcaspian.report.build import read_plan
from transcaspian.report.sections.plan import plan_section

app = register_all()
runner = CliRunner()
FUND = "Kazakhstan–Azerbaijan Direct Investment Fund"


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)




def table_headers(html: str, table_id: str) -> list[str]:
    m = re.search(rf'<table class="data" id="{table_id}"><thead><tr>(.*?)</tr>', html, re.S)
    assert m, f"no table {table_id}"
    return [unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<th[^>]*>(.*?)</th>", m.group(1))]


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline-2024")


@pytest.fixture(scope="module")
def plan_dir(baseline, tmp_path_factory) -> Path:
    return write_plan_fixture(tmp_path_factory.mktemp("plan") / "plan", baseline)


@pytest.fixture(scope="module")
def plan(plan_dir, baseline) -> Result:
    return read_result(plan_dir, baseline, PLAN)


@pytest.fixture(scope="module")
def section_html(plan) -> str:
    return str(plan_section(plan).html)


@pytest.fixture(scope="module")
def cli_html(plan_dir, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "x.html"
    r = run("report", "baseline-2024", "--plan", str(plan_dir), "--simulate", "0", "-o", str(out))
    assert r.exit_code == 0, r.output
    return out.read_text()


# -- the fixture ---------------------------------------------------------------------------------------
def test_fixture_conforms_to_plan_and_is_consistent(plan, baseline):
    assert PLAN.problems(plan) == []
    assert plan.meta["scenario_hash"] == baseline.hash and plan.meta["plan"]["status"] in ("met", "not met")
    for t in PLAN.tables:
        df = plan[t.name]
        assert not df.empty and [str(df[c.name].dtype) for c in t.columns] == [c.dtype for c in t.columns]
    p, capex, payers = plan["projects"], plan["capex"], plan["payers"]
    assert len(p) == len(PROJECTS) and set(p["status"]) == {"committed", "chosen"}
    assert capex.groupby("project")["capex_musd"].sum().round(6).to_dict() == \
        p.set_index("project")["capex_musd"].round(6).to_dict()
    assert set(payers["payer"]) == {"ktz", "kz-az-fund"}
    assert payers["capex_musd"].sum() == pytest.approx(plan.meta["plan"]["capex_musd"])
    assert plan["years"]["year"].tolist() == list(range(2024, 2031))
    assert plan["elements"].groupby("year").size().eq(3).all()
    assert len(plan["simcheck"]) == 2 and len(plan["sensitivity"]) == 5
    assert plan["appraisal"]["year"].tolist() == list(range(2024, 2054))


# -- the section ---------------------------------------------------------------------------------------
def test_section_has_gantt_payers_fund_and_every_project(section_html, plan):
    for chart in ("chart-plan-gantt", "chart-plan-years", "chart-plan-capex", "chart-plan-npv",
                  "chart-plan-elements"):
        assert f'id="{chart}"' in section_html
    assert FUND in unescape(section_html) and "kz-az-fund" in section_html
    assert "KTZ (Kazakhstan Temir Zholy)" in section_html
    for pid in plan["projects"]["project"]:
        assert pid in section_html
    rows = table_rows(section_html, "plan-projects-table")
    p = plan["projects"].sort_values(["in_service_year", "project"])
    assert len(rows) == len(p) + 1 and rows[-1][0] == "total"  # every project, then the total
    for row, (pid, name, cat) in zip(rows, p[["project", "name", "category"]].itertuples(index=False),
                                     strict=False):
        assert row[0] == f"{name}{pid} · {cat}"


def test_summary_names_target_status_money_fund_and_simcheck(section_html, plan):
    m = re.search(r'<ul class="headline lead" id="plan-summary">(.*?)</ul>', section_html, re.S)
    assert m
    text = unescape(re.sub(r"<[^>]+>", "", m.group(1)))
    meta = plan.meta["plan"]
    assert "10.0 Mt/yr by 2030" in text and "— met" in text
    assert f"{meta['capex_musd']:,.0f} MUSD" in text
    assert f"{meta['npv_musd']:,.0f} MUSD" in text and f"{meta['bcr']:.2f}" in text
    assert f"{meta['eirr'] * 100:.1f}%" in text and "6.0%" in text
    fund = plan["payers"].set_index("payer").loc["kz-az-fund"]
    assert f"The {FUND} (kz-az-fund) finances {fund['capex_musd']:,.0f} MUSD, {fund['share']:.0%}" in text
    assert "against a limit of 25.0 days on xian → baku: 2028: 97% served, P50 16.5 / P90 21.0 days (met)" \
        in text and "2030: 95% served" in text
    assert "Years whose requirement is not met: 2025." in text


def test_tables_show_every_row_with_units_in_headers(section_html, plan):
    assert "more rows not shown" not in section_html
    assert len(table_rows(section_html, "plan-simcheck-table")) == len(plan["simcheck"])
    assert [r[0] for r in table_rows(section_html, "plan-sensitivity-table")] == \
        plan["sensitivity"]["case"].tolist()
    assert len(table_rows(section_html, "plan-payers-table")) == len(plan["payers"]) + 1
    assert len(table_rows(section_html, "plan-years-table")) == len(plan["years"])
    heads = table_headers(section_html, "plan-projects-table")
    assert {"capex (MUSD)", "opex (MUSD/yr)", "NPV (MUSD)", "EIRR (%/yr)", "in service (year)",
            "payers (MUSD)"} <= set(heads)
    assert {"P50 (days)", "P90 (days)"} <= set(table_headers(section_html, "plan-simcheck-table"))
    assert "capex (MUSD)" in table_headers(section_html, "plan-payers-table")


def test_gantt_bars_start_at_construction_and_colour_committed_grey(plan):
    p = plan["projects"]
    fig = figures.plan_gantt_figure(p, 2030)
    by_name = {t.name: t for t in fig.data}
    build = by_name["committed: construction"]
    assert build.marker.color == figures.PLAN_COLOURS["committed"][0]
    assert by_name["chosen: construction"].marker.color == figures.PLAN_COLOURS["chosen"][0]
    committed = p[p["status"] == "committed"]
    assert sorted(build.base) == sorted(committed["start_year"])
    assert sorted(build.x) == sorted(committed["in_service_year"] - committed["start_year"])
    service = by_name["chosen: in service"]
    chosen = p[p["status"] == "chosen"]
    assert sorted(service.base) == sorted(chosen["in_service_year"])
    assert sorted(b + x for b, x in zip(service.base, service.x, strict=True)) == [2031] * len(chosen)


def test_capex_figure_stacks_payers_with_the_fund_in_the_legend(plan):
    fig = figures.plan_capex_figure(plan["capex"])
    assert fig.layout.barmode == "stack"
    names = [unescape(t.name) for t in fig.data]
    assert any(FUND in n and "kz-az-fund" in n for n in names) and len(names) == 2
    total = sum(sum(t.y) for t in fig.data)
    assert total == pytest.approx(plan["capex"]["capex_musd"].sum())


def test_npv_bars_sorted_and_element_lines_per_element(plan):
    npv = figures.plan_npv_figure(plan["projects"]).data[0]
    assert list(npv.x) == sorted(npv.x)
    lines = figures.plan_elements_figure(plan["elements"]).data
    ids = {unescape(t.name).rsplit("(", 1)[-1].rstrip(")") for t in lines}
    assert ids == set(plan["elements"]["element"])


# -- build_report and the CLI --------------------------------------------------------------------------
def test_cli_report_with_plan(cli_html, plan, baseline):
    sections = re.findall(r'<section id="([a-z-]+)"', cli_html)
    assert sections[:3] == ["summary", "plan", "map"]
    od = f"{baseline.nodes.at['xian', 'name']} → {baseline.nodes.at['baku', 'name']}"
    assert f"limit of 25.0 days on {od}: 2028" in unescape(cli_html)
    assert [r[4] for r in table_rows(cli_html, "plan-simcheck-table")] == [od] * 2
    assert 'id="chart-plan-gantt"' in cli_html and FUND in unescape(cli_html)
    for pid in plan["projects"]["project"]:
        assert pid in cli_html


def test_report_without_plan_has_no_plan_section():
    html = build_report(Scenario.from_dict(mini_dict()))
    assert '<section id="plan"' not in html


def test_plan_of_another_scenario_is_a_user_error_naming_the_folder(tmp_path):
    mini = Scenario.from_dict(mini_dict())
    folder = write_plan_fixture(tmp_path / "plan", mini)
    with pytest.raises(UserError) as exc:
        read_plan(folder, load_scenario("baseline-2024"))
    text = str(exc.value.problems[0])
    assert str(folder) in text and mini.hash[:12] in text
    text = _cli_error(folder, tmp_path / "x.html")
    assert str(folder) in text and "hash" in text


def _cli_error(folder: Path, out: Path) -> str:
    r = run("report", "baseline-2024", "--plan", str(folder), "--simulate", "0", "-o", str(out))
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and not out.exists()
    return r.output.replace("\n", "")


def test_bad_plan_folders_exit_2_naming_the_folder(tmp_path, baseline):
    out = tmp_path / "x.html"
    nowhere = tmp_path / "nowhere"
    text = _cli_error(nowhere, out)
    assert str(nowhere) in text and "no such folder" in text
    # not a result folder at all
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "projects.csv").write_text("a,b\n1,2\n")
    text = _cli_error(junk, out)
    assert str(junk) in text and MARKER in text
    # a result folder without the plan's tables (e.g. a simulation result)
    other = tmp_path / "other"
    write_result(Result(baseline.metadata(), {"x": pd.DataFrame({"a": [1]})}), other)
    text = _cli_error(other, out)
    assert str(other) in text and "missing table 'projects'" in text
    # a table lacking a declared column
    res = plan_result(baseline)
    tables = dict(res.tables, projects=res["projects"].drop(columns=["capex_musd"]))
    broken = tmp_path / "broken"
    write_result(Result(res.meta, tables), broken)
    text = _cli_error(broken, out)
    assert str(broken) in text and "lacks column(s) capex_musd" in text
    # a value that is not of its declared dtype
    tables = dict(res.tables, years=res["years"].assign(year=res["years"]["year"].astype(str) + "x"))
    typed = tmp_path / "typed"
    write_result(Result(res.meta, tables), typed)
    text = _cli_error(typed, out)
    assert str(typed) in text and "departs from its declaration" in text
    # meta.json without the plan's entry
    meta = {k: v for k, v in res.meta.items() if k != "plan"}
    noplan = tmp_path / "noplan"
    write_result(Result(meta, res.tables), noplan)
    text = _cli_error(noplan, out)
    assert str(noplan) in text and 'lacks "plan"' in text


def test_help_lists_plan_option():
    r = run("report", "--help")
    assert r.exit_code == 0 and "--plan" in r.output


def test_section_of_a_plan_not_met_without_simulation_or_payback(baseline):
    res = plan_result(baseline)
    meta = dict(res.meta, plan=dict(res.meta["plan"], status="not met", payback_year=None,
                                    eirr=float("nan"), od="", max_days=None))
    tables = dict(res.tables, simcheck=res["simcheck"].iloc[0:0])
    section = plan_section(Result(meta, tables), baseline)
    text = unescape(str(section.html))
    assert section.title.endswith("(not met)") and "— not met" in text
    assert "no discounted payback within the period" in text and "EIRR –" in text
    assert "No year was checked by simulation." in text and "plan-simcheck-table" not in text
