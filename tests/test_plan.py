"""The planner on the built-in target-2030: the rules hold in its output; bad input exits 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from transcaspian.cli import register_all
from transcaspian.model import load_scenario
from transcaspian.planning import PLAN, PlanOptions, plan


@pytest.fixture(scope="module")
def result():
    s = load_scenario("target-2030")
    return plan(s, PlanOptions.build(target_mt=8.0, replications=0), ref="target-2030")


def test_result_conforms_to_its_schema(result):
    assert PLAN.problems(result) == []
    assert result.meta["plan"]["target_year"] == 2030


def test_the_target_year_carries_the_target(result):
    """8 Mt is within reach of the built-in's projects: the planner meets it, by the exact engine."""
    assert result.meta["plan"]["status"] == "met"
    y = result["years"].set_index("year")
    assert y.loc[2030, "served_t"] >= 8.0e6 * 0.995
    assert bool(y.loc[2030, "met"])
    assert (y["served_t"] <= y["capacity_t"] + 1e-6).all()


def test_lead_times_and_precedence_hold(result):
    s = load_scenario("target-2030")
    projects = {p.id: p for p in s.doc.projects}
    built = result["projects"].set_index("project")
    for pid, row in built.iterrows():
        p = projects[pid]
        assert row["in_service_year"] - row["start_year"] == max(1, p.in_service_year - p.build_start_year)
        for q in p.requires:
            assert q in built.index, f"{pid} requires {q}"
            assert built.loc[q, "in_service_year"] <= row["in_service_year"]
        for q in p.excludes:
            assert q not in built.index


def test_capex_adds_up_by_payer_and_project(result):
    capex = result["capex"]
    pr = result["projects"]
    by_project = capex.groupby("project")["capex_musd"].sum()
    for row in pr.itertuples():
        if row.start_year >= 2024:  # committed starts before the horizon are not in the horizon's capex
            assert by_project.get(row.project, 0.0) == pytest.approx(row.capex_musd, rel=1e-6)
    assert result["payers"]["capex_musd"].sum() == pytest.approx(capex["capex_musd"].sum())


def test_a_budget_caps_the_payer_every_year():
    s = load_scenario("target-2030")
    r = plan(s, PlanOptions.build(target_mt=8.0, replications=0, max_rounds=2, budgets={"kz-budget": 50.0}),
             ref="target-2030")
    spent = r["capex"][r["capex"]["payer"] == "kz-budget"].groupby("year")["capex_musd"].sum()
    assert (spent <= 50.0 + 1e-6).all()


runner = CliRunner()


@pytest.mark.parametrize("args, needle", [
    (["--budget", "kz-budget"], "PAYER=MUSD_PER_YEAR"),
    (["--budget", "nobody=5"], "unknown payer 'nobody'"),
    (["--max-days", "12"], "needs both max_days and od"),
    (["--target-mt", "100"], "cannot be met"),
])
def test_bad_input_gives_one_clear_message_and_exit_2(args, needle):
    res = runner.invoke(register_all(), ["plan", "target-2030", "--simulate", "0", *args])
    assert res.exit_code == 2, res.output
    assert needle in res.output
    assert "Traceback" not in res.output
