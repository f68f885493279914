"""`transcaspian simulate` output formats carry the scenario hash and seed; same seed, same numbers."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from transcaspian.cli import register_all
from transcaspian.model import load_scenario

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
