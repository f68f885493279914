"""Sweeps on Dask: the same numbers on 1 or 2 workers, with a worker killed, and after a resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from transcaspian.model import load_scenario
from transcaspian.model.errors import UserError
from transcaspian.model.executors import open_executor
from transcaspian.sweep import load_sweep, parse_spec, plan_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]
CAPACITY_SPEC = {
    "name": "t-cap", "scenario": "baseline-2024", "seed": 5,
    "design": {"method": "latin_hypercube", "samples": 10},
    "parameters": [
        {"name": "ferries", "field": "vessels[asco-ferry-kuryk].count", "range": [1, 6], "assumption": "t"},
        {"name": "level", "field": "sea_level.change_m", "range": [-1.5, 0.0], "assumption": "t"},
        {"name": "demand", "field": "demand.multiplier", "range": [0.7, 1.6], "assumption": "t"}],
    "kpis": [{"kpi": "served_share"}, {"kpi": "multiplier"}]}
SIM_SPEC = {
    "name": "t-sim", "scenario": "baseline-2024", "seed": 9,
    "design": {"method": "sobol", "samples": 4},
    "engines": {"simulate": {"replications": 1, "years": 0.1, "warmup_days": 0}},
    "parameters": [{"name": "demand", "field": "demand.multiplier", "range": [0.8, 1.2], "assumption": "t"}],
    "kpis": [{"kpi": "sim_served_share"}, {"kpi": "waiting_h", "port": "aktau"}]}


@pytest.fixture(scope="module")
def cap_plan():
    return plan_sweep(parse_spec(CAPACITY_SPEC), load_scenario("baseline-2024"))


@pytest.fixture(scope="module")
def reference(cap_plan, tmp_path_factory) -> pd.DataFrame:
    """The capacity sweep on one local worker process."""
    with open_executor(None, 1) as pool:
        res = run_sweep(cap_plan, tmp_path_factory.mktemp("ref") / "s", pool.executor)
    assert res.ran == 10 and (res.points["error"] == "").all()
    return res.points


@pytest.fixture(scope="module")
def cluster():
    with open_executor("local", 2) as pool:
        yield pool


def test_two_workers_give_the_same_table_as_one(cap_plan, reference, cluster, tmp_path) -> None:
    res = run_sweep(cap_plan, tmp_path / "s", cluster.executor)
    pd.testing.assert_frame_equal(res.points, reference)
    assert res.points["served_share"].nunique() > 3          # the points really differ
    back = load_sweep(tmp_path / "s")
    pd.testing.assert_frame_equal(back.points, reference)
    assert back.meta["points"] == 10 and back.meta["scenario"]["hash"] == cap_plan.base.hash


def test_a_killed_worker_changes_no_number(cap_plan, reference, cluster, tmp_path) -> None:
    pids = list(cluster.client.run(os.getpid).values())
    killed: list[int] = []

    def kill_one(done: int, total: int) -> None:
        if done >= 2 and not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    res = run_sweep(cap_plan, tmp_path / "s", cluster.executor, progress=kill_one)
    assert killed
    pd.testing.assert_frame_equal(res.points, reference)


def test_simulation_points_use_their_own_seed(tmp_path, cluster) -> None:
    plan = plan_sweep(parse_spec(SIM_SPEC), load_scenario("baseline-2024"))
    with open_executor(None, 1) as pool:
        one = run_sweep(plan, tmp_path / "one", pool.executor).points
    two = run_sweep(plan, tmp_path / "two", cluster.executor).points
    pd.testing.assert_frame_equal(one, two)
    expected = [int(np.random.SeedSequence(9, spawn_key=(i,)).generate_state(1)[0]) for i in range(4)]
    assert one["seed"].tolist() == expected
    assert one["sim_served_share"].between(0.1, 1.0).all() and (one["error"] == "").all()


def test_resume_after_a_kill_redoes_no_finished_point(tmp_path, cap_plan, reference) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(CAPACITY_SPEC))
    out = tmp_path / "s"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "transcaspian", "sweep", str(spec), "-o", str(out),
                             "--scheduler", "processes", "--workers", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while len(list((out / "parts").glob("point-*.parquet"))) < 3 and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)   # the sweep and its worker: the group started here
        proc.wait()
    before = {p.name: p.stat().st_mtime_ns for p in (out / "parts").glob("point-*.parquet")}
    assert 3 <= len(before) < 10, "the kill came too late to test a resume"
    with pytest.raises(UserError, match="--resume"):
        run_sweep(cap_plan, out, None)   # refused before any work without --resume
    with open_executor(None, 1) as pool:
        res = run_sweep(cap_plan, out, pool.executor, resume=True)
    assert res.ran == 10 - len(before)
    assert {n: (out / "parts" / n).stat().st_mtime_ns for n in before} == before
    pd.testing.assert_frame_equal(res.points, reference)


def test_a_folder_of_another_spec_is_refused(tmp_path, cap_plan) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not a sweep folder"):
        run_sweep(cap_plan, tmp_path / "s", None, resume=True)
    assert (tmp_path / "s" / "notes.txt").read_text() == "mine"
