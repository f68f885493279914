"""`transcaspian simulate` output formats carry the scenario hash and seed; same seed, same numbers."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from transcaspian.cli import register_all
from transcaspian.model import load_scenario
from transcaspian.model.errors import UserError
from transcaspian.model.results import Result

app = register_all()


def test_json_summary_is_reproducible_and_traceable():
    args = ["simulate", "baseline-2024", "-n", "2", "--seed", "5", "-j", "1", "-f", "json"]
    first = CliRunner().invoke(app, args, catch_exceptions=False)
    second = CliRunner().invoke(app, args, catch_exceptions=False)
    assert first.exit_code == 0
    a, b = json.loads(first.output), json.loads(second.output)
    assert a == b
    assert a["meta"]["scenario_hash"] == load_scenario("baseline-2024").hash
    assert (a["meta"]["seed"], a["meta"]["replications"]) == (5, 2)
    pairs = {(r["origin"], r["destination"]) for r in a["transit_days"]}
    assert ("xian", "constanta") in pairs
    assert all(r["P50 d"] <= r["P90 d"] <= r["P95 d"] for r in a["transit_days"])
    assert abs(sum(r["share %"] for r in a["waiting"]) - 100) < 2.5  # top 8 nodes hold ~all waiting


def test_bad_replications_exit_2():
    r = CliRunner().invoke(app, ["simulate", "baseline-2024", "-n", "0"])
    assert r.exit_code == 2


@pytest.mark.parametrize(("args", "flag"), [
    (["--replications", "1000000"], "--max-events"),
    (["--years", "50", "--replications", "10000"], "--max-events"),
    (["--replications", "3", "--max-events", "1000"], "--max-events"),
])
def test_runs_beyond_the_budget_exit_2_naming_the_ceiling(args, flag):
    r = CliRunner().invoke(app, ["simulate", "baseline-2024", "-j", "1", *args])
    assert r.exit_code == 2, r.output
    assert f"{flag}:" in r.output and "simulated years needs" in r.output
    assert "Traceback" not in r.output


def test_quote_gains_simulated_p50_and_p90(tmp_path):
    out = tmp_path / "sim"
    r = CliRunner().invoke(app, ["simulate", "baseline-2024", "-n", "3", "-j", "1", "-o", str(out),
                                 "--table-format", "csv"], catch_exceptions=False)
    assert r.exit_code == 0
    tt = pd.read_csv(out / "transit_times.csv")
    row = tt[(tt["origin"] == "xian") & (tt["destination"] == "constanta")].iloc[0]
    q = CliRunner().invoke(app, ["quote", "baseline-2024", "--from", "xian", "--to", "constanta",
                                 "--cargo", "2 FEU", "--sim", str(out), "-f", "json"],
                           catch_exceptions=False)
    sim = json.loads(q.output)["tables"]["simulated"]
    assert len(sim) == 1
    assert abs(sim[0]["p50_days"] - row["p50_h"] / 24) < 1e-6
    assert abs(sim[0]["p90_days"] - row["p90_h"] / 24) < 1e-6
    other = CliRunner().invoke(app, ["quote", "target-2030", "--from", "xian", "--to", "constanta",
                                     "--sim", str(out)])
    assert other.exit_code == 2 and "re-run" in other.output


def test_result_folders_are_replaced_whole_and_user_folders_refused(tmp_path):
    folder = tmp_path / "res"
    Result({"scenario": "x"}, {"a": pd.DataFrame({"v": [1]}), "b": pd.DataFrame({"v": [2]})}).write(folder)
    Result({"scenario": "x"}, {"a": pd.DataFrame({"v": [3]})}).write(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "meta.json", "transcaspian-result.json"]
    assert pd.read_csv(folder / "a.csv")["v"].tolist() == [3]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(UserError, match="not a result folder written by transcaspian"):
        Result({}, {"a": pd.DataFrame()}).write(mine)
    assert (mine / "notes.txt").read_text() == "keep"


def test_bad_options_name_the_flags():
    r = CliRunner().invoke(app, ["simulate", "baseline-2024", "-n", "0", "--years", "-1"])
    assert r.exit_code == 2
    assert "--replications" in r.output and "--years" in r.output
    assert "Traceback" not in r.output


def test_engine_and_formation_flags_are_gone():
    for flag in (["--engine", "python"], ["--formation-max-wait-h", "10"]):
        r = CliRunner().invoke(app, ["simulate", "baseline-2024", "-n", "1", *flag])
        assert r.exit_code == 2


def test_output_has_the_window_ports_and_borders():
    """The measured window (served share, in transit at the end) and the port and border
    tables are in the JSON summary and in the text output."""
    args = ["simulate", "baseline-2024", "-n", "2", "--seed", "2", "-j", "1", "--years", "0.5"]
    a = json.loads(CliRunner().invoke(app, [*args, "-f", "json"], catch_exceptions=False).output)
    w = a["window"]
    assert w["warmup_days"] == 30 and w["window_years"] == 0.5
    assert w["served_share"] == pytest.approx(w["delivered_t"] / w["demand_t"])
    assert 0.8 < w["served_share"] < 1.1 and w["in_transit_t"] > 0
    assert {"aktau", "alat", "kuryk"} <= {r["port"] for r in a["ports"]}
    assert all(r["P90 h"] >= r["at berth h"] for r in a["ports"])
    assert "dostyk" in {r["node"] for r in a["borders"]}
    text = CliRunner().invoke(app, [*args, "--warmup-days", "0"], catch_exceptions=False).output
    assert "after a 0-day warm-up" in text and "served" in text and "in transit at the end" in text
    assert "Ports: vessel calls" in text and "Borders and nodes" in text
