"""The simulator's replications on each executor: in this process, a local pool, a Dask LocalCluster.

Run ``.venv/bin/python benchmarks/bench_executor.py`` (``--quick`` for a short smoke run,
``--json PATH`` to save the figures). Prints a Markdown table.

Measurements (``baseline-2024``, N replications of one year after the default warm-up, seed 1):

1. What a task carries: the pickled compiled scenario and options (once per task), and what a
   replication sends back (its pickled summary).
2. Wall time of the run in this process (``workers=1``), on a local pool of 2 processes and on a
   Dask LocalCluster of 2 worker processes. Each executor is opened and every worker has loaded
   the cached kernel (1-2 s per fresh process) before timing; that is timed apart ("open").
3. Per-task overhead: ``(2 x wall - in-process wall) / tasks``, the worker time a task costs
   beyond its replications (transfer, unpickling, building the kernel model, scheduling).
   It assumes both cores free; on a loaded machine it also counts the waits for a core, so
   "task alone" measures the same cost one task at a time (round trip minus the time the task
   spent running its replications, median of 8), and "empty task" the round trip of a task
   doing nothing (median of 20); "1 rep in worker" is a replication's own time there.

The numbers of the three runs are checked equal (the same seed gives the same tables).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from transcaspian.model import load_scenario
from transcaspian.model.executors import LOCAL_CLUSTER, open_executor
from transcaspian.sim import KernelModel, SimOptions, compile_scenario, rep_seed, simulate
from transcaspian.sim.montecarlo import chunk_size, run_chunk

WORKERS = 2


def _noop() -> int:
    return 0


def _load_kernel(cm) -> None:
    KernelModel(cm).run(100.0, rep_seed(0, 0))


def _timed_chunk(cm, opts: SimOptions, start: int, stop: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    reps = run_chunk(cm, opts, start, stop)
    return time.perf_counter() - t0, len(reps)


def _task_cost_ms(executor, cm, opts: SimOptions, size: int, n: int = 8) -> tuple[float, float]:
    """Median time (ms) a task of ``size`` replications takes beyond running them, one task in
    flight at a time (carrying the model there, scheduling, bringing the summaries back), and
    the median time (ms) a replication takes inside the worker."""
    extra, inner = [], []
    for k in range(n):
        t0 = time.perf_counter()
        inside, _ = executor.submit(_timed_chunk, cm, opts, k * size, (k + 1) * size).result()
        extra.append(time.perf_counter() - t0 - inside)
        inner.append(inside / size)
    return 1e3 * statistics.median(extra), 1e3 * statistics.median(inner)


def _round_trip_s(executor, n: int = 20) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        executor.submit(_noop).result()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _timed(sc, opts: SimOptions, executor=None) -> tuple[float, object]:
    t0 = time.perf_counter()
    res = simulate(sc, opts, executor=executor)
    return time.perf_counter() - t0, res


def bench(reps: int) -> dict[str, object]:
    """The figures above for ``reps`` replications."""
    sc = load_scenario("baseline-2024")
    cm = compile_scenario(sc)
    opts = SimOptions.build(years=1.0, replications=reps, seed=1, workers=1)
    _load_kernel(cm)                                            # load the cached kernel here
    summary = run_chunk(cm, opts, 0, 1)[0]
    tasks = -(-reps // chunk_size(reps, WORKERS))
    out: dict[str, object] = {
        "replications": reps, "tasks": tasks, "chunk": chunk_size(reps, WORKERS),
        "task_input_kb": len(pickle.dumps((cm, opts), protocol=pickle.HIGHEST_PROTOCOL)) / 1e3,
        "summary_kb": len(pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)) / 1e3}
    serial, want = _timed(sc, opts)
    out["in_process_s"] = serial
    for key, scheduler in (("pool", None), ("dask", LOCAL_CLUSTER)):
        t0 = time.perf_counter()
        with open_executor(scheduler, WORKERS) as pool:
            if pool.client is not None:                          # every worker loads the kernel
                pool.client.run(_load_kernel, cm)
            else:
                list(pool.executor.map(_load_kernel, [cm] * WORKERS))
            out[f"{key}_open_s"] = time.perf_counter() - t0
            wall, got = _timed(sc, opts, pool)
            out[f"{key}_s"] = wall
            out[f"{key}_task_overhead_ms"] = 1e3 * (WORKERS * wall - serial) / tasks
            out[f"{key}_empty_task_ms"] = 1e3 * _round_trip_s(pool.executor)
            out[f"{key}_task_cost_ms"], out[f"{key}_rep_ms"] = _task_cost_ms(pool.executor, cm, opts,
                                                                             out["chunk"])
            out[f"{key}_label"] = pool.label
        for name, frame in want.tables.items():
            pd.testing.assert_frame_equal(got[name], frame, check_exact=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 replications (smoke test)")
    ap.add_argument("--replications", type=int, default=40, help="replications (default 40)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args()
    b = bench(8 if args.quick else args.replications)
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
               f"Python {platform.python_version()}")
    print(f"machine: {machine}")
    print(f"baseline-2024, {b['replications']} x 1 yr: {b['tasks']} tasks of {b['chunk']} on {WORKERS} "
          f"workers; a task carries {b['task_input_kb']:.0f} kB, a replication returns "
          f"{b['summary_kb']:.0f} kB (pickled)")
    print("| where | open s | run s | speed-up | overhead/task ms | task alone ms | empty task ms "
          "| 1 rep in worker ms |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| in this process | - | {b['in_process_s']:.2f} | 1.00x | - | - | - | "
          f"{1e3 * b['in_process_s'] / b['replications']:.0f} |")
    for key, name in (("pool", "local pool"), ("dask", "Dask LocalCluster")):
        print(f"| {name} ({b[f'{key}_label']}) | {b[f'{key}_open_s']:.1f} | {b[f'{key}_s']:.2f} | "
              f"{b['in_process_s'] / b[f'{key}_s']:.2f}x | {b[f'{key}_task_overhead_ms']:.0f} | "
              f"{b[f'{key}_task_cost_ms']:.0f} | {b[f'{key}_empty_task_ms']:.1f} | "
              f"{b[f'{key}_rep_ms']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, **b}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
