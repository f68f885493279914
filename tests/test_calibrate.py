"""`calibrate` recovers known parameter values from synthetic observations; addresses; overlays; CLI.

Synthetic observations are the model's own KPIs with chosen ("true") values of some
fields; the fit starts from the scenario's values and must find the true ones again.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from transcaspian.calibration import (
    CALIBRATION,
    CalibrateOptions,
    apply_values,
    calibrate,
    model_kpis,
    parse_address,
    resolve_fields,
    write_overlay,
)
from transcaspian.calibration.overlay import MARKER
from transcaspian.cli import register_all
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import UserError
from transcaspian.model.observed import KPIS
from transcaspian.model.provenance import iter_figures
from transcaspian.sim import SimOptions

TINY_FILE = Path(__file__).parent / "data" / "tiny.yaml"
app = register_all()


def synthetic(truth: Scenario, rows: list[tuple[str, str]], engine: str, tol: float = 2.0,
              sim: SimOptions | None = None) -> pd.DataFrame:
    """Observed rows whose values are the model's KPIs of ``truth``."""
    obs = pd.DataFrame([{"kpi": k, "element": e, "year": truth.year, "value": 1.0, "unit": KPIS[k].unit,
                         "tolerance_pct": tol, "note": "synthetic"} for k, e in rows])
    obs["value"] = model_kpis(truth, obs, engine=engine, sim_options=sim)["modelled"].to_numpy()
    return obs


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY_FILE)


@pytest.fixture(scope="module")
def saturated() -> Scenario:
    """tiny with 150,000 TEU/yr: more than the two feeders carry, so the fleet's cycle sets the tonnes."""
    data = yaml.safe_load(TINY_FILE.read_text())
    data["demand"][0]["annual_units"] = 150_000
    return Scenario.from_dict(data)


# -- recovery ------------------------------------------------------------------------------------
def test_recovers_three_fields_against_capacity(saturated: Scenario) -> None:
    fit = ("nodes[pa].port_time_h=1:24", "nodes[pb].port_time_h=1:24", "vessels[v1].speed_kn=6:16")
    truth = apply_values(saturated, resolve_fields(saturated, fit), [7.0, 5.5, 9.0])
    obs = synthetic(truth, [("corridor_t", "titr"), ("vessel_turnaround_h", "pa"),
                            ("vessel_turnaround_h", "pb")], "capacity")
    res = calibrate(saturated, CalibrateOptions.build(observed=obs, fit=fit, engine="capacity",
                                                      max_evaluations=300))
    assert res["fit"]["after"].tolist() == pytest.approx([7.0, 5.5, 9.0], rel=0.01)
    assert res["kpis"]["within"].all()
    assert res.meta["loss_after"] < 1e-3 < 1 < res.meta["loss_before"]
    assert res.meta["evaluations"] == len(res["trace"]) <= 300
    assert not CALIBRATION.problems(res)


def test_recovers_two_fields_against_the_simulator(tiny: Scenario) -> None:
    fit = ("services[f1].max_wait_h=6:120", "vessels[v1].speed_kn=6:16")
    sim = SimOptions(years=1, replications=2, seed=3, workers=1)
    truth = apply_values(tiny, resolve_fields(tiny, fit), [30.0, 9.0])
    obs = synthetic(truth, [("transit_days", "a>pb"), ("vessel_crossings", "v1"),
                            ("port_vessel_calls", "pb"), ("leg_days", "pa>pb")], "sim", sim=sim)
    seen: list[tuple[int, float]] = []
    res = calibrate(tiny, CalibrateOptions.build(observed=obs, fit=fit, engine="sim", years=1.0,
                                                 replications=2, seed=3, max_evaluations=80),
                    progress=lambda i, n, loss, best: seen.append((i, best)))
    assert res["fit"]["after"].tolist() == pytest.approx([30.0, 9.0], rel=0.05)
    assert res["kpis"]["within"].all()
    assert res.meta["loss_after"] < 0.05 * res.meta["loss_before"]
    assert [i for i, _ in seen] == list(range(1, len(seen) + 1))  # evaluation 1 is the start
    assert all(b2 <= b1 for (_, b1), (_, b2) in pairwise(seen))
    assert res.meta["seed"] == 3 and not CALIBRATION.problems(res)


def test_rows_the_model_cannot_compute_get_no_weight(tiny: Scenario) -> None:
    fit = ("nodes[pa].port_time_h=1:16",)
    sim = SimOptions(years=0.5, replications=1, seed=2, workers=1)
    truth = apply_values(tiny, resolve_fields(tiny, fit), [6.0])
    obs = synthetic(truth, [("vessel_turnaround_h", "pa/v1"), ("transit_days", "pb>a")], "sim", sim=sim)
    obs.loc[1, "value"] = 2.0  # no cargo goes from pb to a: the simulator has no figure for it
    res = calibrate(tiny, CalibrateOptions.build(observed=obs, fit=fit, engine="sim", years=0.5,
                                                 replications=1, seed=2))
    assert res["kpis"]["weight"].tolist() == [pytest.approx(1 / 4), 0.0]
    assert res["fit"]["after"].iloc[0] == pytest.approx(6.0, rel=0.02)


def test_distribution_fields_are_fitted_by_their_mean() -> None:
    s = load_scenario("baseline-2024")
    fit = ("nodes[dostyk].dwell_h", "nodes[altynkol].dwell_h")
    fields = resolve_fields(s, fit)
    truth = apply_values(s, fields, [12.0, 5.0])
    d = truth.get("nodes", "dostyk").dwell_h
    old = s.get("nodes", "dostyk").dwell_h
    assert (d.dist, d.mean_value()) == (old.dist, pytest.approx(12.0))
    assert d.low / old.low == pytest.approx(d.high / old.high, rel=1e-5)  # the shape is kept
    obs = synthetic(truth, [("border_dwell_h", "dostyk"), ("border_dwell_h", "altynkol")], "capacity")
    res = calibrate(s, CalibrateOptions.build(observed=obs, fit=fit, engine="capacity"))
    assert res["fit"]["after"].tolist() == pytest.approx([12.0, 5.0], rel=0.01)
    assert res["fit"]["before"].tolist() == pytest.approx([old.mean_value(),
                                                           s.get("nodes", "altynkol").dwell_h.mean_value()])


# -- addresses -----------------------------------------------------------------------------------
def test_parse_address() -> None:
    assert parse_address("nodes[aktau].port_time_h=2:24") == ("nodes", "aktau", ("port_time_h",), (2.0, 24.0))
    assert parse_address("berths[b].handling_per_h.teu") == ("berths", "b", ("handling_per_h", "teu"), None)


@pytest.mark.parametrize(("address", "message"), [
    ("node[pa].port_time_h", "unknown component type 'node' (did you mean 'nodes'?)"),
    ("nodes[pbb].port_time_h", "no nodes with id 'pbb' in tiny (did you mean 'pb'?)"),
    ("nodes[pa].port_tim_h", "nodes has no field 'port_tim_h' (did you mean 'port_time_h'?)"),
    ("nodes[pa].kind", "is not a number"),
    ("nodes[pa].dwell_h", "give bounds"),
    ("nodes[pa].port_time_h=-1:5", "leave the field's allowed range 0:720"),
    ("nodes[pa].port_time_h=5:1", "LOW < HIGH"),
    ("vessels[v1].capacity.wagon", "has no entry 'wagon'"),
    ("pa.port_time_h", "is not a field address"),
])
def test_bad_addresses_name_the_problem(tiny: Scenario, address: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        resolve_fields(tiny, [address])
    assert message in str(err.value)


def test_all_address_problems_at_once(tiny: Scenario) -> None:
    with pytest.raises(UserError) as err:
        resolve_fields(tiny, ["nodes[pc].port_time_h", "x", "nodes[pa].port_time_h", "nodes[pa].port_time_h"])
    assert len(err.value.problems) == 3


def test_default_bounds_and_integers(tiny: Scenario) -> None:
    pt, count = resolve_fields(tiny, ["nodes[pa].port_time_h", "vessels[v1].count"])
    assert (pt.lower, pt.upper, pt.integer) == (1.0, 16.0, False)
    assert (count.lower, count.upper, count.integer) == (1.0, 8.0, True)
    assert apply_values(tiny, [count], [3.4]).get("vessels", "v1").count == 3


# -- overlay -------------------------------------------------------------------------------------
def test_overlay_loads_and_reproduces_the_fit(tiny: Scenario, tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(TINY_FILE.read_text())
    fit = ("nodes[pa].port_time_h", "vessels[v1].speed_kn")
    truth = apply_values(tiny, resolve_fields(tiny, fit), [6.0, 10.0])
    obs = synthetic(truth, [("vessel_turnaround_h", "pa"), ("leg_days", "pa>pb")], "capacity")
    res = calibrate(load_scenario(base), CalibrateOptions.build(observed=obs, fit=fit, engine="capacity"))
    out = tmp_path / "sub" / "calibrated.yaml"
    out.parent.mkdir()
    write_overlay(res, out, "../base.yaml")
    text = out.read_text()
    assert text.startswith(MARKER)
    doc = yaml.safe_load(text)
    assert doc["extends"] == "../base.yaml"
    note = doc["patch"]["nodes"][0]["port_time_h"]["assumption"]
    assert "calibrated to observed <DataFrame, 2 rows>" in note
    fitted = load_scenario(out)
    after = model_kpis(fitted, obs, engine="capacity")
    assert after["modelled"].tolist() == pytest.approx(res["kpis"]["after"].tolist(), rel=1e-9)
    figures = {(f.component, f.id, f.field): f for f in iter_figures(fitted.doc)}
    assert "transcaspian calibrate" in figures[("vessels", "v1", "speed_kn")].assumption
    # ours: replaced; a user's file: refused unless forced
    write_overlay(res, out, "../base.yaml")
    mine = tmp_path / "notes.yaml"
    mine.write_text("name: mine\n")
    with pytest.raises(UserError, match="refusing to overwrite"):
        write_overlay(res, mine, "base.yaml")
    write_overlay(res, mine, "base.yaml", force=True)
    assert mine.read_text().startswith(MARKER)


# -- options -------------------------------------------------------------------------------------
def test_options_errors_name_the_option(tiny: Scenario) -> None:
    with pytest.raises(UserError) as err:
        CalibrateOptions.build(fit=("nodes[pa].port_time_h",), max_evaluations=0, engine="lp")
    assert {p.field for p in err.value.problems} == {"max_evaluations", "engine"}
    obs = synthetic(tiny, [("vessel_turnaround_h", "pa")], "capacity")
    with pytest.raises(UserError, match="not an observed row"):
        calibrate(tiny, CalibrateOptions.build(observed=obs, fit=("nodes[pa].port_time_h",),
                                               weights={"port_teu:pa": 1.0}, engine="capacity"))
    with pytest.raises(UserError, match="no observed figure for 2030"):
        calibrate(tiny, CalibrateOptions.build(observed=obs, fit=("nodes[pa].port_time_h",), year=2030))


# -- CLI -----------------------------------------------------------------------------------------
def _csv(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "obs.csv"
    full = [{"kpi": r["kpi"], "element": r["element"], "year": 2024, "value": r["value"],
             "unit": KPIS[r["kpi"]].unit, "tolerance_pct": r.get("tolerance_pct", 5),
             "source_url": "https://example.org/x", "source_title": "Synthetic", "note": ""} for r in rows]
    pd.DataFrame(full).to_csv(path, index=False)
    return path


def test_cli_check_fit_and_errors(tmp_path: Path) -> None:
    obs = _csv(tmp_path, [{"kpi": "vessel_turnaround_h", "element": "pa", "value": 6.0},
                          {"kpi": "leg_days", "element": "pa>pb", "value": 1.0}])
    runner = CliRunner()
    check = runner.invoke(app, ["calibrate", str(TINY_FILE), "--observed", str(obs), "--engine", "capacity",
                                "-f", "csv"], catch_exceptions=False)
    assert check.exit_code == 0, check.output
    lines = [ln for ln in check.stdout.splitlines() if ln.startswith(("kpi,", "vessel_turnaround", "leg"))]
    assert lines[0].startswith("kpi,element,year,unit,observed,modelled,error_pct")
    out = tmp_path / "cal.yaml"
    fit = runner.invoke(app, ["calibrate", str(TINY_FILE), "--observed", str(obs), "--engine", "capacity",
                              "--fit", "nodes[pa].port_time_h", "--fit", "vessels[v1].speed_kn=6:16",
                              "-o", str(out)], catch_exceptions=False)
    assert fit.exit_code == 0, fit.output
    assert "loss" in fit.output and out.exists()
    fitted = load_scenario(out)
    assert float(fitted.nodes.loc["pa", "port_time_h"]) == pytest.approx(6.0, rel=1e-3)
    bad = runner.invoke(app, ["calibrate", str(TINY_FILE), "--observed", str(obs),
                              "--fit", "nodes[paa].port_time_h", "--fit", "vessels[v1].sped_kn"])
    assert bad.exit_code == 2
    assert "did you mean 'pa'" in bad.output and "did you mean 'speed_kn'" in bad.output
    table = runner.invoke(app, ["calibrate", str(TINY_FILE), "--observed", str(obs), "--engine", "capacity"],
                          catch_exceptions=False)
    assert table.exit_code == 0 and "0 of 2 within tolerance" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 100
    user = tmp_path / "mine.yaml"
    user.write_text("keep me\n")
    refused = runner.invoke(app, ["calibrate", str(TINY_FILE), "--observed", str(obs),
                                  "--fit", "nodes[pa].port_time_h", "-o", str(user)])
    assert refused.exit_code == 2 and "--force" in refused.output and user.read_text() == "keep me\n"
    no_fit = runner.invoke(app, ["calibrate", str(TINY_FILE), "--observed", str(obs), "-o", str(out)])
    assert no_fit.exit_code == 2 and "--fit" in no_fit.output
    missing = runner.invoke(app, ["calibrate", str(TINY_FILE), "--observed", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2


def test_cli_json_carries_the_fit(tmp_path: Path) -> None:
    obs = _csv(tmp_path, [{"kpi": "vessel_turnaround_h", "element": "pa", "value": 8.0}])
    r = CliRunner().invoke(app, ["calibrate", str(TINY_FILE), "--observed", str(obs), "--engine", "capacity",
                                 "--fit", "nodes[pa].port_time_h", "-f", "json"], catch_exceptions=False)
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["meta"]["fitted"]["nodes[pa].port_time_h"] == pytest.approx(8.0, rel=1e-3)
    assert data["tables"]["fit"][0]["field"] == "nodes[pa].port_time_h"


def test_cli_writes_the_docs_table_once_at_its_marker(tmp_path: Path) -> None:
    obs = _csv(tmp_path, [{"kpi": "vessel_turnaround_h", "element": "pa", "value": 4.0},
                          {"kpi": "leg_days", "element": "pa>pb", "value": 2.0}])
    doc = tmp_path / "calibration.md"
    doc.write_text("# Calibration\n\n<!-- observed-vs-modelled table -->\n\n## Next section\n")
    args = ["calibrate", str(TINY_FILE), "--observed", str(obs), "--engine", "capacity",
            "--write-table", str(doc)]
    for _ in range(2):
        r = CliRunner().invoke(app, args, catch_exceptions=False)
        assert r.exit_code == 0, r.output
    text = doc.read_text()
    row = "| vessel_turnaround_h | pa | 2024 | 4.00 h | 4.00 h | +0.0 | 5 | yes | capacity |  |"
    assert text.count(row) == 1
    assert text.count("**not met, not explained**") == 1  # 0.92 days against 2 days, no note
    assert text.endswith("<!-- end of the observed-vs-modelled table -->\n\n## Next section\n")
    plain = tmp_path / "plain.md"
    plain.write_text("# no marker\n")
    r = CliRunner().invoke(app, [*args[:-1], str(plain)])
    assert r.exit_code == 2 and "has no line" in r.output
