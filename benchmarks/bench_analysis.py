"""Benchmark of the static engines (a plain script, not a timed test).

Measures, on a built-in scenario:

1. the capacity analysis (element capacities, three LP stages, the multiplier LP and its
   balancing stage) - best and median of several runs;
2. 1,000 quotes between the origins and destinations of the scenario's demand flows,
   reusing one :class:`~transcaspian.analysis.routes.RoutePlanner` (the way a quoting
   service would), plus the cold cost of building the planner.

Run::

    .venv/bin/python benchmarks/bench_analysis.py [SCENARIO] [--quotes N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import pandas as pd
import scipy

from transcaspian import __version__
from transcaspian.analysis import QuoteOptions, RoutePlanner, capacity, quote
from transcaspian.analysis.capacity import build_model
from transcaspian.model import load_scenario


def machine() -> str:
    """One line describing the machine and the library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            names = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        if names:
            cpu = names[0]
    except OSError:
        pass
    return (f"{cpu}; {os.cpu_count()} logical cores; Python {platform.python_version()}; "
            f"numpy {np.__version__}; scipy {scipy.__version__}; pandas {pd.__version__}; "
            f"transcaspian {__version__}")


def quote_pairs(s) -> list[tuple[str, str, str]]:
    """The (origin, destination, cargo) of the scenario's demand flows, one typical shipment each
    (2 FEU, 3 wagons, 1 truck or 500 t), sorted and without repeats (also bench_api.py's mix)."""
    pairs = []
    for d in s.doc.demand:
        unit = s.unit_of(d.commodity)
        cargo = {"teu": "2 FEU", "wagon": f"3 wagons {d.commodity}", "truck": "1 truck",
                 "tonne": f"500 t {d.commodity}"}[unit]
        pairs.append((d.origin, d.destination, cargo))
    return sorted(set(pairs))


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="target-2030")
    ap.add_argument("--quotes", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    print(f"machine: {machine()}")
    t0 = time.perf_counter()
    s = load_scenario(args.scenario)
    print(f"scenario {s.name} ({s.hash[:12]}): {len(s.doc.nodes)} nodes, {len(s.doc.links)} links, "
          f"{len(s.doc.services)} services, {len(s.doc.vessels)} vessel classes, {len(s.doc.demand)} flows; "
          f"loaded in {time.perf_counter() - t0:.2f} s")

    model = build_model(s)
    n_ub = len(model.ub)
    print(f"capacity LP: {model.n_vars} variables, {n_ub} inequality rows, {len(model.eq)} pool balances")
    times = timed(lambda: capacity(s), args.repeat)
    res = capacity(s)
    summ = res["summary"].iloc[0]
    print(f"capacity({s.name}): best {min(times) * 1e3:.1f} ms, "
          f"median {statistics.median(times) * 1e3:.1f} ms "
          f"over {args.repeat} runs; multiplier {summ['demand_multiplier']:.3f}; binding: {summ['binding']}")

    t0 = time.perf_counter()
    planner = RoutePlanner(s, res)
    cold = time.perf_counter() - t0
    pairs = quote_pairs(s)
    rng = np.random.default_rng(1)
    picks = [pairs[i] for i in rng.integers(0, len(pairs), args.quotes)]
    t0 = time.perf_counter()
    first = True
    first_s = 0.0
    for o, dst, cargo in picks:
        t1 = time.perf_counter()
        quote(s, QuoteOptions.build(origin=o, destination=dst, cargo=cargo, k=3), planner=planner)
        if first:
            first_s = time.perf_counter() - t1
            first = False
    total = time.perf_counter() - t0
    print(f"{args.quotes} quotes over {len(pairs)} origin-destination-cargo pairs (k=3, shared planner): "
          f"{total:.2f} s total, {total / args.quotes * 1e3:.2f} ms per quote "
          f"(first quote {first_s * 1e3:.1f} ms; planner build from a capacity result {cold * 1e3:.1f} ms)")
    t0 = time.perf_counter()
    quote(s, QuoteOptions.build(origin=picks[0][0], destination=picks[0][1], cargo=picks[0][2]))
    print(f"one quote from scratch (runs the capacity LP for the queue waits): "
          f"{(time.perf_counter() - t0) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
