"""Simulator speed: engine vs the SimPy reference, one year of target-2030, 1,000 years.

Run ``.venv/bin/python benchmarks/bench_sim.py`` (``--quick`` for a short smoke run,
``--json PATH`` to save the figures). Prints a Markdown table for the README.

Measurements (each in one run, on this machine):

1. ``baseline-2024``, the same N replications of one year, single process: the plain SimPy
   reference model (``tests/reference/simpy_model.py``) against the engine's full Monte
   Carlo path (``simulate(workers=1)``: compile, replications, aggregation), with the
   compiled core (default) and with the pure-Python engine. Ratios reported. The one-off
   load of the cached numba code (about 1-2 s per process) is done before timing.
2. One simulated year of ``target-2030`` on one core: median of repeated single replications
   (compiled core; the Python engine for comparison).
3. 1,000 simulated years of ``target-2030`` (1,000 replications x 1 year) on all cores
   (two workers): wall time, and peak resident memory of the parent and of the largest
   worker (``getrusage`` max RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from reference.simpy_model import run_reference

from transcaspian.model import load_scenario
from transcaspian.sim import compile_scenario, rep_seed, run_replication, simulate
from transcaspian.sim.montecarlo import replication_runner

YEAR_H = 8760.0


def bench_vs_simpy(reps: int) -> dict[str, float]:
    """Same replications in the engine (full Monte Carlo path) and in the SimPy reference."""
    sc = load_scenario("baseline-2024")
    cm = compile_scenario(sc)
    t0 = time.perf_counter()
    for i in range(reps):
        run_reference(cm, YEAR_H, rep_seed(1, i))
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    replication_runner(cm, "fast")(100.0, rep_seed(0, 0), 0.0)   # load the cached compiled core once
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    simulate(sc, years=1.0, replications=reps, seed=1, workers=1)
    t_eng = time.perf_counter() - t0
    t0 = time.perf_counter()
    simulate(sc, years=1.0, replications=reps, seed=1, workers=1, engine="python")
    t_py = time.perf_counter() - t0
    return {"replications": reps, "simpy_s": t_ref, "engine_s": t_eng, "ratio": t_ref / t_eng,
            "core_load_s": t_load, "ratio_with_load": t_ref / (t_eng + t_load),
            "python_engine_s": t_py, "python_ratio": t_ref / t_py}


def bench_one_year(repeats: int) -> dict[str, float]:
    """Seconds for one simulated year of target-2030 on one core (median of ``repeats``)."""
    cm = compile_scenario(load_scenario("target-2030"))
    fast = replication_runner(cm, "fast")
    fast(YEAR_H, rep_seed(9, 0), 0.0)
    times, events = [], 0
    for i in range(repeats):
        t0 = time.perf_counter()
        rep = fast(YEAR_H, rep_seed(9, i), 0.0)
        times.append(time.perf_counter() - t0)
        events = rep.events
    py = []
    for i in range(3):
        t0 = time.perf_counter()
        run_replication(cm, YEAR_H, rep_seed(9, i))
        py.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "events": events,
            "python_engine_median_s": statistics.median(py)}


def bench_many_years(years: int) -> dict[str, float]:
    """Wall time and peak memory for ``years`` replications of one year on all cores."""
    sc = load_scenario("target-2030")
    t0 = time.perf_counter()
    res = simulate(sc, years=1.0, replications=years, seed=1, workers=os.cpu_count() or 1)
    wall = time.perf_counter() - t0
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return {"simulated_years": years, "wall_s": wall, "peak_rss_parent_mb": parent,
            "peak_rss_worker_mb": child, "peak_rss_total_mb": parent + child * min(2, os.cpu_count() or 1),
            "delivered_mt_per_year": float(res["throughput"]["tonnes"].sum() / 1e6)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    ap.add_argument("--replications", type=int, default=100,
                    help="replications in the SimPy comparison (default 100, as `simulate`)")
    args = ap.parse_args()
    reps, repeats, years = (3, 3, 20) if args.quick else (args.replications, 9, 1000)
    out = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "vs_simpy": bench_vs_simpy(reps),
        "one_year": bench_one_year(repeats),
        "many_years": bench_many_years(years),
    }
    v, o, m = out["vs_simpy"], out["one_year"], out["many_years"]
    print(f"machine: {out['machine']}")
    print("| measurement | figure | target |")
    print("|---|---|---|")
    print(f"| baseline-2024, {v['replications']} x 1 yr: SimPy reference / engine | "
          f"{v['simpy_s']:.2f} s / {v['engine_s']:.2f} s = **{v['ratio']:.1f}x** | >= 20x |")
    print(f"| (same, counting the one-off load of the compiled core, {v['core_load_s']:.2f} s) | "
          f"{v['ratio_with_load']:.1f}x | |")
    print(f"| (same, pure-Python engine) | {v['simpy_s']:.2f} s / {v['python_engine_s']:.2f} s = "
          f"{v['python_ratio']:.1f}x | |")
    print(f"| target-2030, 1 simulated year, one core | **{o['median_s']:.3f} s** (median; "
          f"{o['events']:,} events; Python engine {o['python_engine_median_s']:.3f} s) | < 0.25 s |")
    print(f"| target-2030, {m['simulated_years']:,} simulated years, 2 workers | "
          f"**{m['wall_s']:.1f} s**, peak RSS parent {m['peak_rss_parent_mb']:.0f} MB + worker "
          f"{m['peak_rss_worker_mb']:.0f} MB each | < 120 s, < 1 GB |")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
