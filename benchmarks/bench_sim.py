"""Simulator speed: kernel vs the SimPy reference, one year of target-2030, the tracking log, 1,000 years.

Run ``.venv/bin/python benchmarks/bench_sim.py`` (``--quick`` for a short smoke run,
``--json PATH`` to save the figures). Prints a Markdown table for the README.

Measurements (each in one run, on this machine):

1. ``baseline-2024``, the same N replications of one year, single process: the plain SimPy
   reference model (``tests/reference/simpy_model.py``) against the kernel's full Monte
   Carlo path (``simulate`` with one worker: compile, replications, aggregation). Ratio
   reported. The one-off load of the cached numba code (about 1-2 s per process) is done
   before timing.
2. One simulated year of ``target-2030`` on one core: median of repeated single replications,
   without and with the tracking log (its cost as a ratio).
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
from transcaspian.sim import KernelModel, SimOptions, compile_scenario, rep_seed, simulate

YEAR_H = 8760.0


def bench_vs_simpy(reps: int) -> dict[str, float]:
    """Same replications in the kernel (full Monte Carlo path) and in the SimPy reference."""
    sc = load_scenario("baseline-2024")
    cm = compile_scenario(sc)
    t0 = time.perf_counter()
    for i in range(reps):
        run_reference(cm, YEAR_H, rep_seed(1, i))
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    KernelModel(cm).run(100.0, rep_seed(0, 0))   # load the cached compiled kernel once
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    simulate(sc, SimOptions(years=1.0, replications=reps, seed=1, workers=1))
    t_eng = time.perf_counter() - t0
    return {"replications": reps, "simpy_s": t_ref, "engine_s": t_eng, "ratio": t_ref / t_eng,
            "core_load_s": t_load, "ratio_with_load": t_ref / (t_eng + t_load)}


def bench_one_year(repeats: int) -> dict[str, float]:
    """Seconds for one simulated year of target-2030 on one core (median of ``repeats``),
    without and with the tracking log."""
    model = KernelModel(compile_scenario(load_scenario("target-2030")))
    model.run(YEAR_H, rep_seed(9, 0), track=True)
    out: dict[str, float] = {}
    for track in (False, True):
        times, events, rows = [], 0, 0
        for i in range(repeats):
            t0 = time.perf_counter()
            rep = model.run(YEAR_H, rep_seed(9, i), track=track)
            times.append(time.perf_counter() - t0)
            events, rows = rep.events, (len(rep.log) if track else 0)
        key = "tracked_" if track else ""
        out.update({f"{key}median_s": statistics.median(times), f"{key}min_s": min(times)})
        out["events" if not track else "log_rows"] = events if not track else rows
    out["tracking_cost"] = out["tracked_median_s"] / out["median_s"]
    return out


def bench_many_years(years: int) -> dict[str, float]:
    """Wall time and peak memory for ``years`` replications of one year on all cores."""
    sc = load_scenario("target-2030")
    t0 = time.perf_counter()
    res = simulate(sc, SimOptions(years=1.0, replications=years, seed=1, workers=os.cpu_count() or 1))
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
    print(f"| baseline-2024, {v['replications']} x 1 yr: SimPy reference / kernel | "
          f"{v['simpy_s']:.2f} s / {v['engine_s']:.2f} s = **{v['ratio']:.1f}x** | >= 35x (goal 50x) |")
    print(f"| (same, counting the one-off load of the compiled kernel, {v['core_load_s']:.2f} s) | "
          f"{v['ratio_with_load']:.1f}x | |")
    print(f"| target-2030, 1 simulated year, one core | **{o['median_s']:.3f} s** (median; "
          f"{o['events']:,} events) | <= 0.05 s |")
    print(f"| (same, writing the tracking log: {o['log_rows']:,} rows) | {o['tracked_median_s']:.3f} s = "
          f"**{o['tracking_cost']:.2f}x** | <= 2x |")
    print(f"| target-2030, {m['simulated_years']:,} simulated years, 2 workers | "
          f"**{m['wall_s']:.1f} s**, peak RSS parent {m['peak_rss_parent_mb']:.0f} MB + worker "
          f"{m['peak_rss_worker_mb']:.0f} MB each | < 120 s, < 1 GB |")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
