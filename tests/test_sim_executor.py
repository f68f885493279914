"""The simulator's replications on one executor (issue 13 item 3): in this process, on a local
process pool and on a Dask LocalCluster the same seed gives the same tables, exactly; the
``simulate`` CLI and the web server's job workers send them to Dask with ``--scheduler``.

The runs are small (17 replications of 0.05 years, no warm-up): 17 replications on 2 workers
are cut into tasks of 2 (:func:`chunk_size`), the last one of 1, so the chunking and the
ordered merge are both exercised.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pandas as pd
import pytest
from distributed import get_task_stream
from typer.testing import CliRunner

from transcaspian.cli import register_all
from transcaspian.cli.serve import job_scheduler
from transcaspian.model import load_scenario
from transcaspian.model.executors import LOCAL_CLUSTER, open_executor
from transcaspian.sim import simulate
from transcaspian.sim.compile import compile_scenario
from transcaspian.sim.montecarlo import chunk_size, iter_replications, run_chunk
from transcaspian.sim.options import SimOptions
from transcaspian.web.jobs import JobRunner
from transcaspian.web.store import Store

SMALL = {"years": 0.05, "replications": 17, "seed": 7, "warmup_days": 0.0}
app = register_all()


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("baseline-2024")


@pytest.fixture(scope="module")
def in_process(scenario):
    return simulate(scenario, {**SMALL, "workers": 1})


@pytest.fixture(scope="module")
def cluster():
    """A Dask LocalCluster of 2 worker processes for the module (its Workers)."""
    with open_executor(LOCAL_CLUSTER, workers=2) as pool:
        yield pool


@contextmanager
def chunk_tasks(pool) -> Iterator[list[str]]:
    """Keys of the :func:`run_chunk` tasks the cluster's workers run inside the block."""
    keys: list[str] = []
    with get_task_stream(client=pool.client) as stream:
        yield keys
    keys.extend(str(t["key"]) for t in stream.data if str(t["key"]).startswith("run_chunk"))


def _same_tables(got, want) -> None:
    assert sorted(got.tables) == sorted(want.tables)
    for name, frame in want.tables.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True)


def test_chunks_cover_every_replication_once_in_order(scenario):
    opts = SimOptions.build(**SMALL, workers=2)
    assert chunk_size(opts.replications, 2) == 2          # 17 // (2 workers x 4 tasks)
    cm = compile_scenario(scenario)
    one = run_chunk(cm, opts, 0, 17)
    with open_executor(workers=2) as pool:
        pooled = list(iter_replications(cm, opts, pool))
    assert [r.events for r in pooled] == [r.events for r in one]
    assert len({r.events for r in one}) > 1                # the replications do differ


def test_same_seed_same_tables_in_process_on_a_pool_and_on_dask(scenario, in_process, cluster):
    pool_default = simulate(scenario, {**SMALL, "workers": 2})        # today's path: a local pool
    _same_tables(pool_default, in_process)
    with open_executor(workers=2) as pool:                           # a pool given as the executor
        _same_tables(simulate(scenario, SMALL, executor=pool.executor), in_process)
    seen = []
    with chunk_tasks(cluster) as keys:
        on_dask = simulate(scenario, SMALL, executor=cluster, progress=lambda d, n: seen.append((d, n)))
    assert len(keys) == 9                                           # 8 tasks of 2 and 1 of 1
    _same_tables(on_dask, in_process)
    assert on_dask.meta["events"] == in_process.meta["events"]
    done = [d for d, _ in seen]
    assert done == sorted(done) and seen[-1] == (17, 17)            # progress follows the merge


def test_a_progress_hook_that_raises_cancels_the_tasks_not_started(scenario, cluster):
    class Stop(Exception):
        pass

    def hook(done: int, total: int) -> None:
        if done >= 2:
            raise Stop

    def active(dask_scheduler) -> int:
        return sum(ts.state in ("queued", "processing", "no-worker", "waiting")
                   for ts in dask_scheduler.tasks.values())

    # 160 replications on 2 workers: 10 tasks of 16 (~0.5 s each), 8 in flight at once
    opts = {**SMALL, "years": 0.5, "replications": 160}
    with chunk_tasks(cluster) as keys:
        with pytest.raises(Stop):
            simulate(scenario, opts, executor=cluster, progress=hook)
        deadline = time.monotonic() + 30
        while cluster.client.run_on_scheduler(active) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert cluster.client.run_on_scheduler(active) == 0
    assert 1 <= len(keys) <= 3         # the first task, and at most one running on each worker


def _csv_tables(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.csv"))}


def test_cli_scheduler_local_matches_the_default_run(tmp_path):
    args = ["simulate", "baseline-2024", "--years", "0.05", "-n", "6", "--seed", "3", "--warmup-days",
            "0", "--table-format", "csv", "-f", "csv"]
    plain = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "plain")], catch_exceptions=False)
    dask = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "dask"), "--scheduler", "local", "-j", "2"],
                              catch_exceptions=False)
    assert plain.exit_code == 0 and dask.exit_code == 0
    assert "replications on LocalCluster, 2 worker processes" in dask.stderr
    want = _csv_tables(tmp_path / "plain")
    assert "throughput.csv" in want and _csv_tables(tmp_path / "dask") == want
    assert dask.stdout == plain.stdout


@pytest.mark.parametrize("command", [["simulate", "baseline-2024", "-n", "0"], ["serve", "--port", "1"]])
def test_cli_bad_scheduler_exits_2_naming_the_flag(command):
    r = CliRunner().invoke(app, [*command, "--scheduler", "http//nowhere"])
    assert r.exit_code == 2
    assert "--scheduler: scheduler 'http//nowhere' is not 'local' nor a Dask scheduler address" in r.stderr
    assert "Traceback" not in r.output
    if command[0] == "simulate":                   # every problem at once
        assert "--replications" in r.stderr


def test_a_web_job_on_the_cluster_gives_the_same_numbers(tmp_path, scenario, cluster):
    url = Store.default_url(tmp_path)
    store = Store(url)
    options = {"years": 0.05, "replications": 9, "seed": 5, "warmup_days": 0.0}
    address = cluster.client.scheduler.address
    with chunk_tasks(cluster) as keys, JobRunner(url, workers=1, scheduler=address) as runner:
        job = store.submit_job("port", "simulate", "baseline-2024", options)
        done = runner.wait(store, job.id, timeout_s=300)
    assert (done.status, done.message) == ("done", "done")
    got = store.result("port", job.id)
    _same_tables(got, simulate(scenario, {**options, "workers": 1}))
    assert len(keys) == 9                     # on the cluster: 9 replications on 2 workers, tasks of 1
    store.close()



def test_cli_calibrate_check_on_an_existing_cluster_matches_the_default(cluster):
    args = ["calibrate", "baseline-2024", "--engine", "sim", "--years", "0.1", "-n", "4", "-f", "json"]
    plain = CliRunner().invoke(app, args, catch_exceptions=False)
    address = cluster.client.scheduler.address
    with chunk_tasks(cluster) as keys:
        dask = CliRunner().invoke(app, [*args, "--scheduler", address], catch_exceptions=False)
    assert plain.exit_code == 0 and dask.exit_code == 0
    assert f"replications on Dask scheduler {address}, 2 worker processes" in dask.stderr
    assert len(keys) == 4                        # 4 replications on 2 workers: 4 tasks of 1
    rows = json.loads(plain.stdout)["rows"]
    assert any(r["engine"] == "sim" and r["modelled"] is not None for r in rows)
    assert dask.stdout == plain.stdout


def test_serve_shares_one_cluster_with_its_job_workers(cluster):
    address = cluster.client.scheduler.address
    with ExitStack() as stack:
        assert job_scheduler(stack, None) is None
        assert job_scheduler(stack, address) == address          # an address answers: kept as given
        local = job_scheduler(stack, LOCAL_CLUSTER)              # 'local': one cluster the server starts
        assert local.startswith("tcp://") and local != address
        with open_executor(local) as pool:                       # ... that a job worker connects to
            assert pool.executor.submit(pow, 2, 10).result() == 1024
