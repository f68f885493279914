"""Jobs in worker processes (transcaspian.web.jobs) and a team's scenarios (transcaspian.web.resolve).

The runner's workers are real ``spawn`` processes on a SQLite store in a temporary folder;
a job's result must be the engine's own result for the same options and seed.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import time

import pandas as pd
import pytest

from transcaspian.analysis import CapacityOptions, capacity
from transcaspian.model import Scenario, load_scenario
from transcaspian.model.errors import ScenarioError
from transcaspian.sim import simulate
from transcaspian.web.jobs import GRACE_S, Control, JobRunner, JobStopped, RunLimits, _Slot
from transcaspian.web.resolve import check_overlay, open_scenario
from transcaspian.web.store import Store, now

#: A job that runs long enough to be caught running (hundreds of short replications).
LONG = {"years": 0.05, "replications": 2000, "seed": 2, "warmup_days": 0.0}


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    return Store.default_url(tmp_path_factory.mktemp("jobs"))


@pytest.fixture(scope="module")
def store(url):
    s = Store(url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def runner(url, store):
    with JobRunner(url, workers=2) as r:
        yield r


def _until(predicate, timeout_s: float = 120.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def _meta_as_stored(meta: dict) -> dict:
    return json.loads(json.dumps(meta, default=str))


# -- running -------------------------------------------------------------------------------
def test_a_simulate_job_gives_the_simulators_result_for_the_same_options_and_seed(runner, store):
    options = {"years": 0.05, "replications": 3, "seed": 5}
    job = store.submit_job("port", "simulate", "baseline-2024", options)
    done = runner.wait(store, job.id, timeout_s=300)
    assert (done.status, done.progress, done.message) == ("done", 1.0, "done")
    got = store.result("port", job.id)
    want = simulate(load_scenario("baseline-2024"), {**options, "workers": 1})
    assert sorted(got.tables) == sorted(want.tables)
    for name, frame in want.tables.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True)
    assert got.meta == _meta_as_stored(want.meta)
    assert got.meta["options"]["seed"] == 5 and got.meta["replications"] == 3


def test_a_job_on_a_stored_overlay_runs_the_overlay(runner, store):
    text = ("name: slow-aktau\nextends: baseline-2024\n"
            "patch:\n  nodes:\n    - id: aktau\n      port_time_h: 60\n")
    scen = check_overlay(store, "port", text)
    store.put_scenario("port", scen.name, text, scen.hash)
    job = store.submit_job("port", "capacity", "slow-aktau", {"basis": "theoretical"})
    assert runner.wait(store, job.id, timeout_s=120).status == "done"
    got = store.result("port", job.id)
    want = capacity(Scenario.from_dict({"name": "slow-aktau", "extends": "baseline-2024",
                                        "patch": {"nodes": [{"id": "aktau", "port_time_h": 60}]}}),
                    CapacityOptions.build(basis="theoretical"))
    assert got.meta["scenario_hash"] == scen.hash == want.meta["scenario_hash"]
    pd.testing.assert_frame_equal(got["flows"], want["flows"])
    pd.testing.assert_frame_equal(got["elements"], want["elements"])


@pytest.mark.parametrize("kind, scenario, options, words", [
    ("simulate", "baseline-2024", {"replications": 0}, "replications"),
    ("simulate", "baseline-2024", {"yeers": 1}, "yeers"),
    ("simulate", "atlantis", {}, "no scenario named 'atlantis'"),
    ("calibrate", "baseline-2024", {"observed": "/etc/passwd", "fit": ["nodes[aktau].port_time_h"]},
     "the server reads no files"),
    ("dance", "baseline-2024", {}, "unknown job kind 'dance'"),
])
def test_a_bad_job_fails_with_a_message_naming_the_problem(runner, store, kind, scenario, options, words):
    job = store.submit_job("port", kind, scenario, options)
    done = runner.wait(store, job.id, timeout_s=120)
    assert done.status == "failed"
    assert words in done.message
    assert store.result("port", job.id) is None


def test_a_cancelled_running_job_stops_and_its_worker_takes_the_next(runner, store):
    long = store.submit_job("bank", "simulate", "baseline-2024", LONG)
    _until(lambda: (j := store.job("bank", long.id)).status == "running" and j.progress > 0)
    assert store.cancel_job("bank", long.id).status == "cancelled"
    short = store.submit_job("bank", "capacity", "baseline-2024", {})
    short2 = store.submit_job("bank", "capacity", "baseline-2024", {})
    assert runner.wait(store, short.id, timeout_s=120).status == "done"
    assert runner.wait(store, short2.id, timeout_s=120).status == "done"
    stopped = store.job("bank", long.id)
    assert stopped.status == "cancelled" and stopped.progress < 1.0
    assert store.result("bank", long.id) is None


def test_a_worker_that_dies_fails_its_job_and_is_replaced(runner, store):
    job = store.submit_job("ministry", "simulate", "baseline-2024", LONG)
    _until(lambda: store.job("ministry", job.id).status == "running")
    slot = next(s for s in runner._slots if s.current.value.decode() == job.id)
    os.kill(slot.process.pid, signal.SIGKILL)
    failed = _until(lambda: (j := store.job("ministry", job.id)).status == "failed" and j)
    assert "the worker process died (exit code -9)" in failed.message
    _until(lambda: runner.alive() == 2)
    after = store.submit_job("ministry", "capacity", "baseline-2024", {})
    assert runner.wait(store, after.id, timeout_s=120).status == "done"


# -- limits and stopping ---------------------------------------------------------------------
def test_a_job_past_the_time_limit_fails_naming_the_limit(tmp_path):
    url = Store.default_url(tmp_path)
    store = Store(url)
    with JobRunner(url, workers=1, limits=RunLimits(time_limit_s=1.0)) as runner:
        job = store.submit_job("port", "simulate", "baseline-2024", LONG)
        done = runner.wait(store, job.id, timeout_s=120)
        assert done.status == "failed"
        assert done.message == RunLimits.time_limit_message(1.0)
        assert "time limit of 1 s per job (limit job_time_limit_s)" in done.message
        assert store.result("port", job.id) is None
        # the worker is free again
        nxt = store.submit_job("port", "capacity", "baseline-2024", {})
        assert runner.wait(store, nxt.id, timeout_s=120).status == "done"
        # stopping the runner interrupts what its workers were running
        last = store.submit_job("port", "simulate", "baseline-2024", {**LONG, "seed": 9})
        _until(lambda: store.job("port", last.id).status == "running")
    assert store.job("port", last.id).status == "interrupted"


def _hang() -> None:
    time.sleep(600)


def test_the_supervisor_ends_a_worker_that_gives_no_report_past_the_limit(tmp_path):
    """A job stuck where the engine reports no progress (one long replication) is ended by
    the supervisor: the worker process is killed, the job failed naming the limit, a new worker
    started."""
    url = Store.default_url(tmp_path)
    store = Store(url)
    runner = JobRunner(url, workers=1, limits=RunLimits(time_limit_s=1.0))
    runner._store = store
    job = store.submit_job("port", "simulate", "baseline-2024", {})
    store.claim_next("stuck")
    ctx = mp.get_context("spawn")
    stuck = ctx.Process(target=_hang, daemon=True)
    stuck.start()
    current = ctx.Array("c", 64, lock=False)
    current.value = job.id.encode()
    runner._slots = [_Slot("stuck", stuck, current)]
    runner._check(0, runner._slots[0])
    assert stuck.is_alive()  # not yet past the limit and the grace
    with store._tx(write=True) as c:  # the job started long ago
        from transcaspian.web.db import JOBS
        c.execute(JOBS.update().where(JOBS.c.id == job.id).values(
            started=now() - pd.Timedelta(seconds=1.0 + GRACE_S + 1).to_pytimedelta()))
    runner._check(0, runner._slots[0])
    try:
        assert not stuck.is_alive()
        rec = store.job("port", job.id)
        assert rec.status == "failed" and "time limit of 1 s" in rec.message
        assert runner._slots[0].process is not stuck and runner._slots[0].process.is_alive()
    finally:
        runner._stop.set()
        runner.stop()


def test_control_records_progress_and_stops_a_cancelled_job(tmp_path):
    store = Store(Store.default_url(tmp_path))
    job = store.submit_job("port", "simulate", "baseline-2024", {})
    store.claim_next("w")
    control = Control(store, job.id)
    control.report(0.25, "1 of 4 replications")
    assert store.job("port", job.id).progress == 0.25
    control.report(0.5, "2 of 4 replications")  # within REPORT_EVERY_S: not written
    assert store.job("port", job.id).progress == 0.25
    control.report(0.5, "2 of 4 replications", force=True)
    assert store.job("port", job.id).message == "2 of 4 replications"
    store.cancel_job("port", job.id)
    with pytest.raises(JobStopped) as stop:
        control.report(0.75, "3 of 4 replications", force=True)
    assert stop.value.cancelled is True
    with pytest.raises(JobStopped) as late:
        Control(store, job.id, limit_s=0.0, started=time.monotonic() - 1).report(0.1, "x")
    assert late.value.cancelled is False and "job_time_limit_s" in str(late.value)


# -- a team's scenarios ----------------------------------------------------------------------
def test_an_overlay_may_extend_the_teams_stored_scenario_but_not_another_teams(tmp_path):
    store = Store(Store.default_url(tmp_path))
    base = "name: dry\nextends: baseline-2024\npatch:\n  nodes:\n    - id: aktau\n      port_time_h: 40\n"
    store.put_scenario("port", "dry", base, check_overlay(store, "port", base).hash)
    child = check_overlay(store, "port", "name: dry-2\nextends: dry\n")
    aktau = next(n for n in child.doc.nodes if n.id == "aktau")
    assert (child.name, aktau.port_time_h) == ("dry-2", 40.0)  # the stored parent's patch applies
    with pytest.raises(ScenarioError) as err:
        check_overlay(store, "bank", "name: b\nextends: dry\n")
    assert "not a built-in scenario" in str(err.value) and "stored scenarios" in str(err.value)


@pytest.mark.parametrize("parent", ["/etc/passwd", "../secret.yaml", "baseline-2024.yaml", "x/y"])
def test_an_upload_cannot_extend_a_file(tmp_path, parent):
    store = Store(Store.default_url(tmp_path))
    with pytest.raises(ScenarioError) as err:
        check_overlay(store, "port", f"name: sneaky\nextends: {parent}\n")
    assert "uploads may not name files" in str(err.value)


def test_problems_of_an_upload_name_it_not_a_temporary_folder(tmp_path):
    store = Store(Store.default_url(tmp_path))
    with pytest.raises(ScenarioError) as err:
        check_overlay(store, "port", "name: bad\nextends: baseline-2024\nfrobnicate: 1\n")
    problems = err.value.problems
    assert [p.file for p in problems] == ["upload"]
    assert "unknown top-level key 'frobnicate'" in problems[0].message
    assert "transcaspian-scenario-" not in str(err.value)


def test_a_cycle_between_stored_scenarios_is_reported(tmp_path):
    store = Store(Store.default_url(tmp_path))
    store.put_scenario("port", "a", "name: a\nextends: b\n", "0" * 64)
    store.put_scenario("port", "b", "name: b\nextends: a\n", "0" * 64)
    with pytest.raises(ScenarioError, match="forms a cycle"), open_scenario(store, "port", "a"):
        pass


def test_open_scenario_names_the_choices_when_there_is_no_such_scenario(tmp_path):
    store = Store(Store.default_url(tmp_path))
    store.put_scenario("port", "mine", "name: mine\nextends: baseline-2024\n", "0" * 64)
    with pytest.raises(Exception) as err, open_scenario(store, "port", "atlantis"):
        pass
    assert "built-ins are baseline-2024, target-2030; this team's: mine" in str(err.value)
