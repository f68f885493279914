"""Sweep specs: every problem named with its file and field, bounded sizes, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from transcaspian.cli import register_all
from transcaspian.model import load_scenario
from transcaspian.model.errors import UserError
from transcaspian.sweep import load_spec, parse_spec, plan_sweep
from transcaspian.sweep.spec import MAX_PARAMETERS, MAX_POINTS

GOOD = {"name": "t", "scenario": "baseline-2024", "design": {"method": "latin_hypercube", "samples": 4},
        "parameters": [{"name": "level", "field": "sea_level.change_m", "range": [-1.0, 0.0],
                        "assumption": "test band"}],
        "kpis": [{"kpi": "served_share"}]}


def _problems(data: dict, file: str = "s.yaml") -> list[tuple[str, str, str]]:
    with pytest.raises(UserError) as exc:
        parse_spec(data, file)
    return [(p.file, p.field, p.message) for p in exc.value.problems]


def test_a_good_spec_counts_its_points() -> None:
    spec = parse_spec(GOOD)
    assert spec.points() == 4
    sal = parse_spec({**GOOD, "design": {"method": "saltelli", "samples": 8}})
    assert sal.points() == 8 * (1 + 2)


def test_every_problem_is_named_with_file_and_field() -> None:
    bad = {**GOOD, "design": {"method": "sobol", "samples": 12},
           "parameters": [{"name": "a", "field": "sea_level.change_m", "range": [0, -1]},
                          {"name": "a", "field": "demand.multiplier", "values": [1.0],
                           "assumption": "x"}],
           "kpis": [{"kpi": "p90_days"}, {"kpi": "waiting_h", "port": "aktau"}]}
    fields = {f for _, f, _ in _problems(bad)}
    assert {"parameters[0].range", "parameters[0].source", "parameters[1].name", "parameters[1].values",
            "design.samples", "kpis[0].od", "engines.simulate"} <= fields
    assert {file for file, _, _ in _problems(bad)} == {"s.yaml"}


def test_schema_errors_name_the_path() -> None:
    probs = _problems({**GOOD, "design": {"method": "random"}, "colour": 1})
    assert {f for _, f, _ in probs} == {"design.method", "colour"}


def test_sizes_are_bounded() -> None:
    many = [{"name": f"p{i}", "field": "sea_level.change_m", "range": [-1, 0], "assumption": "x"}
            for i in range(MAX_PARAMETERS + 1)]
    assert any(f == "parameters" for _, f, _ in _problems({**GOOD, "parameters": many}))
    grid = {**GOOD, "design": {"method": "grid", "levels": 100},
            "parameters": [{"name": n, "field": f, "range": [0.5, 1.0], "assumption": "x"}
                           for n, f in (("a", "demand.multiplier"), ("b", "nodes[aktau].port_time_h"),
                                        ("c", "sea_level.change_m"))]}
    msgs = [m for _, f, m in _problems(grid) if f == "design"]
    assert msgs and f"{100 ** 3:,} points; at most {MAX_POINTS:,}" in msgs[0]


def test_fields_are_checked_against_the_scenario() -> None:
    spec = parse_spec({**GOOD, "parameters": [
        {"name": "a", "field": "nodes[aktau].port_tme_h", "range": [1, 9], "assumption": "x"},
        {"name": "b", "field": "vessels[asco-ferry-kuryk].count", "range": [-3, 5], "assumption": "x"}],
        "kpis": [{"kpi": "expected_days", "od": "xian:konstanta"}]})
    with pytest.raises(UserError) as exc:
        plan_sweep(spec, load_scenario("baseline-2024"), file="s.yaml")
    got = {(p.field, p.message.split(" (")[0]) for p in exc.value.problems}
    assert ("parameters[0].field", "nodes has no field 'port_tme_h'") in got
    assert any(f == "parameters[1].field" and "allowed range" in m for f, m in got)
    assert ("kpis[0].od", "no node 'konstanta' in baseline-2024") in got


def test_cli_exit_2_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**GOOD, "seed": -1, "kpis": [{"kpi": "p50_days"}]}))
    with pytest.raises(UserError):
        load_spec(path)
    res = CliRunner().invoke(register_all(), ["sweep", str(path), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert f"{path}: seed:" in res.output and f"{path}: kpis[0].od:" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "o").exists()


def test_the_example_spec_plans_on_target_2030() -> None:
    path = Path(__file__).resolve().parents[1] / "docs" / "examples" / "sweep-caspian.yaml"
    spec, _ = load_spec(path)
    plan = plan_sweep(spec, load_scenario(spec.scenario), file=str(path))
    assert len(plan.design) == 16 * (6 + 2) == spec.points()
    assert [k.column for k in spec.kpis][:2] == ["served_share", "p90_days[xian:constanta]"]
    ferries = plan.design["kuryk_new_ferries"]
    assert set(ferries) <= {1, 2, 3, 4, 5} and ferries.dtype.kind == "i"
