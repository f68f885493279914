"""The planner as a sweep engine: a point plans from the base without projects plus its overlay.

Oracles: a point's plan equals the plan of the same overlay written as a YAML file that
``extends`` the base (every table, exactly); two more Kuryk ferries in the point make the
plan cheaper than the base's (both planned by the sweep); the sweep's plan KPIs equal plan() run
on the point directly. Small options keep it to four plans of ~30 s (two of them in parallel):
capacity-only (replications 0), 2027-2030.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml

from transcaspian.model import load_scenario
from transcaspian.model.errors import UserError
from transcaspian.model.executors import open_executor
from transcaspian.planning import PLAN, PlanOptions, plan
from transcaspian.sweep.apply import point_overlay
from transcaspian.sweep.run import plan_sweep, run_sweep
from transcaspian.sweep.spec import parse_spec

BASE = "target-2030"
PLAN_OPTIONS = {"target_mt": 8.0, "start_year": 2027, "year": 2030}
OPTIONS = PlanOptions.build(**PLAN_OPTIONS, replications=0)
FERRIES = "vessels[asco-ferry-kuryk].count"   # 3 in the base


def _spec(**engines_plan):
    return {"name": "plan-sweep", "scenario": BASE, "design": {"method": "grid"},
            "engines": {"plan": {**PLAN_OPTIONS, **engines_plan}},
            "parameters": [{"name": "kuryk_ferries", "field": FERRIES, "values": [3, 5],
                            "assumption": "test: the base's 3 or two more ASCO ferries on Kuryk"}],
            "kpis": [{"kpi": "plan_cost"}, {"kpi": "plan_pv_cost"}, {"kpi": "plan_met"},
                     {"kpi": "served_share"}]}


@pytest.fixture(scope="module")
def sweep_plan():
    return plan_sweep(parse_spec(_spec()), load_scenario(BASE))


@pytest.fixture(scope="module")
def point(sweep_plan):
    """The sweep's point with two more Kuryk ferries: (its overlay document, its scenario)."""
    i = sweep_plan.design.index[sweep_plan.design["kuryk_ferries"] == 5][0]
    doc = point_overlay(sweep_plan.base, sweep_plan.applied, {"kuryk_ferries": 5}, int(i),
                        sweep_plan.spec.name)
    return int(i), doc, sweep_plan.base.overlay(**doc)


@pytest.fixture(scope="module")
def point_plan(point):
    _i, doc, scen = point
    return plan(scen, OPTIONS, ref=BASE, overlay=doc)


@pytest.fixture(scope="module")
def swept(sweep_plan, tmp_path_factory):
    """The sweep's points (3 and 5 ferries), planned on two worker processes."""
    with open_executor(None, 2) as pool:
        res = run_sweep(sweep_plan, tmp_path_factory.mktemp("s") / "s", pool.executor)
    return res


def test_a_point_plans_as_its_overlay_written_to_a_file(point, point_plan, tmp_path) -> None:
    _i, doc, scen = point
    path = tmp_path / "point.yaml"
    path.write_text(yaml.safe_dump({"extends": BASE, **doc}), encoding="utf-8")
    from_file = load_scenario(path)
    assert from_file.hash == scen.hash
    r = plan(from_file, OPTIONS, ref=str(path))
    names = [t.name for t in PLAN.tables if t.name in point_plan.tables]
    assert names == [t.name for t in PLAN.tables if t.name in r.tables] and len(names) >= 9
    for name in names:
        pd.testing.assert_frame_equal(point_plan[name], r[name], check_exact=True)
    for key in ("status", "capex_musd", "pv_capex_musd", "npv_musd", "target_served_t"):
        assert point_plan.meta["plan"][key] == r.meta["plan"][key]


def test_two_more_kuryk_ferries_make_the_plan_cheaper(swept) -> None:
    pts = swept.points.set_index("kuryk_ferries")
    assert (pts["plan_met"] == 1.0).all()
    assert pts.loc[5, "plan_pv_cost"] < pts.loc[3, "plan_pv_cost"]
    assert pts.loc[5, "plan_cost"] < pts.loc[3, "plan_cost"]


def test_the_sweep_keeps_each_points_plan(swept, point, point_plan) -> None:
    res = swept
    pts = res.points.set_index("kuryk_ferries")
    assert (pts["error"] == "").all()
    p = point_plan.meta["plan"]
    assert pts.loc[5, "plan_cost"] == p["capex_musd"]   # the point's plan, exactly
    assert pts.loc[5, "plan_pv_cost"] == p["pv_capex_musd"]
    assert int(pts.loc[5, "point"]) == point[0]
    # capex is spent from the start year on: discounting at 5 %/yr can only lower it
    assert (pts["plan_pv_cost"] <= pts["plan_cost"]).all()
    assert res.meta["engines"]["plan"] == PLAN_OPTIONS
    assert {k["column"]: k["unit"] for k in res.meta["kpis"]}["plan_cost"] == "MUSD"


@pytest.mark.parametrize(("engines", "field", "needle"), [
    ({"target_mt": -1}, "engines.plan.target_mt", "greater than 0"),
    ({"year": 2020}, "engines.plan", "must come after the start year"),
    ({"seed": 3}, "engines.plan.seed", "point's own seed"),
    ({"replicatons": 2}, "engines.plan.replicatons", "Extra inputs"),
])
def test_bad_plan_options_are_named(engines, field, needle) -> None:
    spec = _spec()
    spec["engines"]["plan"] = engines
    with pytest.raises(UserError) as exc:
        parse_spec(spec, "s.yaml")
    found = {p.field: p.message for p in exc.value.problems}
    assert field in found and needle in found[field]
    assert all(p.file == "s.yaml" for p in exc.value.problems)


def test_plan_kpis_need_the_planner() -> None:
    spec = _spec()
    del spec["engines"]
    with pytest.raises(UserError) as exc:
        parse_spec(spec, "s.yaml")
    [problem] = exc.value.problems
    assert problem.field == "engines.plan"
    assert "plan_cost, plan_pv_cost, plan_met" in problem.message


def test_replications_default_to_zero_and_the_seed_is_the_points() -> None:
    spec = parse_spec(_spec())
    o = spec.engines.plan_options(seed=123)
    assert (o.replications, o.seed, o.target_mt, o.start_year) == (0, 123, 8.0, 2027)
    assert math.isclose(o.discount_rate, 0.05)


def test_sweep_and_planner_scale_demand_by_the_same_rule() -> None:
    from transcaspian.planning.setting import configure, setting_of
    from transcaspian.sweep.apply import point_scenario, resolve_parameters
    from transcaspian.sweep.spec import Parameter

    base = load_scenario("baseline-2024")
    applied = resolve_parameters(base, [Parameter(name="growth", field="demand.multiplier",
                                                  range=(0.5, 2.0), assumption="test")])
    swept = point_scenario(base, applied, {"growth": 1.1}, 0)
    flows = list(base.demand.index)
    planned = configure(setting_of(base, "baseline-2024"), {}, base.year, dict.fromkeys(flows, 1.1))
    want = [u * 1.1 for u in base.demand["annual_units"]]   # exact, unrounded
    assert swept.demand["annual_units"].tolist() == want == planned.demand["annual_units"].tolist()
    # the sweep once rounded to 9 digits: planning's exact products are kept
    assert any(w != float(f"{w:.9g}") for w in want)


def test_a_point_no_plan_reaches_keeps_its_other_kpis() -> None:
    from transcaspian.sweep.run import PointTask, run_point

    p = plan_sweep(parse_spec(_spec(target_mt=40.0)), load_scenario(BASE))
    row = run_point(PointTask(0, {"kuryk_ferries": 2}, p.spec.model_dump(mode="json"),
                              p.base.to_dict(), p.base.hash, p.plan_base))
    assert row["plan_met"] == 0.0 and math.isnan(row["plan_cost"]) and math.isnan(row["plan_pv_cost"])
    assert 0 < row["served_share"] <= 1
    assert row["error"].startswith("plan: target_mt: the target of 40 Mt/yr in 2030 cannot be met")
