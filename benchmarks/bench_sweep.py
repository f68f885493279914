"""Sweep speed on Dask: a LocalCluster of 2 worker processes against 1, same points, same numbers.

Run ``.venv/bin/python benchmarks/bench_sweep.py`` (``--quick`` for a smoke run, ``--json PATH``
to save the figures). Prints a Markdown table for the README.

Measurements (each in one run, on this machine; ``target-2030``, Latin hypercube over four
assumptions: new Kuryk ferries, sea level, demand multiplier, Dostyk dwell):

1. a capacity sweep of 200 points (served share and multiplier at each);
2. a simulation sweep of 100 points x 20 replications of half a year (after a 30-day warm-up),
   P90 days Xi'an -> Constanta and the simulated served share at each;

each on a LocalCluster of 1 and of 2 worker processes: wall time, speed-up, and the check that
both tables are equal. Scheduler overhead per task: wall time of 500 trivial tasks on the
2-worker cluster divided by 500. Peak memory: max resident set of the parent and of each worker
(``getrusage``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from transcaspian.model import load_scenario
from transcaspian.model.executors import open_executor
from transcaspian.sweep import parse_spec, plan_sweep, run_sweep

PARAMETERS = [
    {"name": "kuryk_new_ferries", "field": "vessels[kz-ferry-new-kuryk].count", "range": [1, 5],
     "assumption": "benchmark"},
    {"name": "sea_level_m", "field": "sea_level.change_m", "range": [-2.0, -0.5], "assumption": "benchmark"},
    {"name": "demand_growth", "field": "demand.multiplier", "range": [0.8, 1.3], "assumption": "benchmark"},
    {"name": "dostyk_dwell_h", "field": "nodes[dostyk].dwell_h", "range": [5, 16], "assumption": "benchmark"}]


def _spec(name: str, points: int, replications: int) -> dict:
    spec = {"name": name, "scenario": "target-2030", "seed": 1,
            "design": {"method": "latin_hypercube", "samples": points}, "parameters": PARAMETERS,
            "kpis": [{"kpi": "served_share"}, {"kpi": "multiplier"}]}
    if replications:
        spec["engines"] = {"simulate": {"replications": replications, "years": 0.5, "warmup_days": 30}}
        spec["kpis"] = [{"kpi": "p90_days", "od": "xian:constanta"}, {"kpi": "sim_served_share"}]
    return spec


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_on(plan, workers: int, tmp: Path) -> tuple[float, pd.DataFrame, list[float], float]:
    """Wall time of the sweep on a LocalCluster of ``workers``, its table, workers' peak RSS (MB),
    and the overhead per trivial task (s)."""
    with open_executor("local", workers) as pool:
        pool.client.run(lambda: __import__("transcaspian.sweep.run"))   # imports before timing
        t0 = time.perf_counter()
        res = run_sweep(plan, tmp / f"w{workers}", pool.executor)
        wall = time.perf_counter() - t0
        rss = list(pool.client.run(_max_rss_mb).values())
        t0 = time.perf_counter()
        list(pool.executor.map(abs, range(-500, 0)))
        overhead = (time.perf_counter() - t0) / 500
    return wall, res.points, rss, overhead


def bench(name: str, points: int, replications: int) -> dict:
    plan = plan_sweep(parse_spec(_spec(name, points, replications)), load_scenario("target-2030"))
    with tempfile.TemporaryDirectory() as d:
        w1, t1, rss1, _ = run_on(plan, 1, Path(d))
        w2, t2, rss2, over = run_on(plan, 2, Path(d))
    equal = t1.equals(t2)
    return {"sweep": name, "points": len(plan.design), "replications": replications, "wall_1_s": w1,
            "wall_2_s": w2, "speedup": w1 / w2, "tables_equal": equal, "overhead_ms_per_task": over * 1e3,
            "worker_peak_mb": max(rss1 + rss2), "parent_peak_mb": _max_rss_mb(),
            "failed": int((t2["error"] != "").sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 capacity points, 10 x 2 simulated")
    ap.add_argument("--json", type=Path, help="Write the figures as JSON")
    args = ap.parse_args()
    cap_n, sim_n, reps = (20, 10, 2) if args.quick else (200, 100, 20)
    rows = [bench("capacity", cap_n, 0), bench("simulation", sim_n, reps)]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| sweep | points | 1 worker (s) | 2 workers (s) | speed-up | equal tables | overhead/task (ms) "
          "| peak MB parent / worker |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        what = f"{r['sweep']}" + (f" ({r['replications']} reps x 0.5 yr)" if r["replications"] else "")
        print(f"| {what} | {r['points']} | {r['wall_1_s']:.1f} | {r['wall_2_s']:.1f} | {r['speedup']:.2f}x "
              f"| {r['tables_equal']} | {r['overhead_ms_per_task']:.2f} | {r['parent_peak_mb']:.0f} / "
              f"{r['worker_peak_mb']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    sys.exit(0 if all(r["tables_equal"] and not r["failed"] for r in rows) else 1)


if __name__ == "__main__":
    main()
