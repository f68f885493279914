"""Long fuzz run: mutated built-in scenarios through validation, capacity and a short simulation.

Usage::

    python tools/fuzz.py --cases 10000 [--seed 1] [--timeout 20] [--out fuzz-failures]

Each case is one seeded mutation (tests/fuzz_cases.py) run in a worker process with a time
limit; the counts (refused, ran, failed, hung) are printed, and every failing or hanging
input is written to ``--out`` for minimising into tests/fuzz_corpus/.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzz_cases import KINDS, base_document, mutate, run_case, to_text

BASES = ("baseline-2024", "target-2030")


def make_case(seed: int) -> tuple[str, str]:
    """(mutation kind, YAML text) of one seeded case."""
    rng = random.Random(seed)
    kind = rng.choice(KINDS)
    return kind, to_text(mutate(base_document(rng.choice(BASES)), kind, rng))


def _worker(tasks: mp.Queue, results: mp.Queue) -> None:
    run_case(to_text(base_document()))  # compile the kernel before the clock runs
    results.put(("ready", -1, "", ""))
    while (seed := tasks.get()) is not None:
        results.put(("start", seed, "", ""))
        kind, text = make_case(seed)
        out = run_case(text)
        results.put((out.status, seed, kind, out.detail))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds a case may take")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    args = ap.parse_args()
    counts: collections.Counter[str] = collections.Counter()
    by_kind: collections.Counter[tuple[str, str]] = collections.Counter()
    seeds = iter(range(args.seed * 1_000_000, args.seed * 1_000_000 + args.cases))
    t0 = time.monotonic()
    done = 0
    while done < args.cases:
        tasks, results = mp.Queue(), mp.Queue()
        proc = mp.Process(target=_worker, args=(tasks, results), daemon=True)
        proc.start()
        results.get(timeout=600)
        for s in seeds:
            tasks.put(s)
            status, seed, kind, detail = "start", s, "", ""
            started = time.monotonic()
            while status == "start" or seed != s:
                try:
                    status, seed, kind, detail = results.get(timeout=max(
                        0.1, args.timeout - (time.monotonic() - started)))
                except Exception:  # queue.Empty: the case hangs
                    status, detail = "hung", f"over {args.timeout:g} s"
                    break
            counts[status] += 1
            by_kind[(kind, status)] += 1
            done += 1
            if status in ("failed", "hung"):
                args.out.mkdir(parents=True, exist_ok=True)
                kind_, text = make_case(s)
                (args.out / f"{status}-{s}-{kind_}.yaml").write_text(
                    f"# {detail.strip().splitlines()[-1] if detail.strip() else status}\n" + text)
            if done % 500 == 0:
                print(f"{done:,} cases, {time.monotonic() - t0:.0f} s: {dict(counts)}", flush=True)
            if status == "hung":
                proc.kill()
                break
        else:
            tasks.put(None)
            proc.join(5)
            break
    print(f"{done:,} cases in {time.monotonic() - t0:.0f} s: " + ", ".join(
        f"{k} {counts[k]:,}" for k in ("refused", "ran", "failed", "hung")))
    for kind in KINDS:
        row = {s: by_kind[(kind, s)] for s in ("refused", "ran", "failed", "hung")}
        print(f"  {kind:18s} " + " ".join(f"{k}={v}" for k, v in row.items()))
    return 1 if counts["failed"] or counts["hung"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
