"""benchmarks/bench_api.py's code path, tiny: 2 quote clients for 2 s and 2 simulate jobs against
a real ``transcaspian serve``. Checks the figures' counts add up (no timing is asserted) and,
in the database the run kept, that the server holds exactly the jobs the benchmark counted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from transcaspian.web.store import Store

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_api.py"


def test_bench_api_smoke_run_counts_add_up(tmp_path):
    out = tmp_path / "figures.json"
    run = subprocess.run([sys.executable, str(SCRIPT), "--clients", "2", "--seconds", "2", "--jobs", "2",
                          "--job-timeout", "600", "--workers", "1", "--data", str(tmp_path / "data"),
                          "--json", str(out)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    fig = json.loads(out.read_text())
    q, j = fig["quotes"], fig["jobs"]
    assert q["errors"] == 0 and q["error_kinds"] == {}
    assert q["requests"] == q["ok"] >= 2  # each client sends at least one quote before its deadline
    assert q["throughput_rps"] * q["wall_s"] == pytest.approx(q["requests"])
    assert q["p50_ms"] <= q["p95_ms"] <= q["p99_ms"] <= q["max_ms"]
    assert (j["jobs"], j["accepted"], j["done"], j["results"], j["status"]) == (2, 2, 2, 2, {"done": 2})
    assert j["refused"] == [] and not j["timed_out"]
    jobs = Store(Store.default_url(tmp_path / "data")).list_jobs("bench")
    assert sorted(x.status for x in jobs) == ["done", "done"]
    assert all(x.kind == "simulate" and x.options.items() >= j["options"].items() for x in jobs)
    # the table fits 100 columns and shows the counts
    table = [ln for ln in run.stdout.splitlines() if ln.startswith("|")]
    assert max(len(ln) for ln in table) <= 100
    assert any(f"{q['requests']:,} / 0" in ln for ln in table)
