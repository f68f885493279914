"""Load on the REST API: concurrent quotes, then a burst of simulate jobs (issue 12, item 7).

Run ``.venv/bin/python benchmarks/bench_api.py`` (``--clients``, ``--seconds``, ``--jobs`` to
shorten; ``--workers N`` for the server's job workers, default: the server's own; ``--json PATH``
to save the figures). It starts the real server, ``transcaspian serve``, as a subprocess on a
free 127.0.0.1 port with a SQLite database in a temporary folder (``--data DIR`` to keep it),
makes an analyst token with ``transcaspian serve token create``, then:

1. ``--clients`` concurrent clients (asyncio + httpx, one connection each) send
   ``POST /api/v1/quote`` until ``--seconds`` have passed, each request one of the
   origin-destination-cargo mixes of ``baseline-2024``'s demand flows (the same mix as
   ``bench_analysis.py``), in a seeded random order. One warm-up quote (it builds the route
   planner on the capacity result) is sent and timed first, outside the figures. Reported:
   requests, throughput (req/s), latency p50/p95/p99 (ms), errors (non-2xx or no answer).
2. ``--jobs`` simulate jobs submitted at once by the analyst; it waits (at most
   ``--job-timeout`` s) until every one is finished, checks that each is ``done`` (none lost,
   failed or interrupted) and that its result is retrievable. Reported: drain time (the first
   submission to the last job seen done, polled every 0.2 s) and jobs per minute.

The client runs on the same machine as the server, so on 2 cores it competes with it: the
figures are those of the whole machine. Exit status 1 if any quote or job went wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from bench_analysis import machine, quote_pairs

from transcaspian.model import load_scenario
from transcaspian.web.store import Store

SCENARIO = "baseline-2024"
JOB_OPTIONS = {"years": 0.05, "replications": 2, "warmup_days": 1.0}  # small: the queue, not the engine
DONE_STATES = {"done", "failed", "cancelled", "interrupted"}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str) -> list[str]:
    """The ``transcaspian`` command line of this interpreter (the checkout on PYTHONPATH)."""
    return [sys.executable, "-m", "transcaspian", *args]


def make_token(url: str, role: str, env: dict[str, str]) -> str:
    """A new token of ``role`` in team ``bench`` (``serve token create`` prints it last)."""
    out = subprocess.run(cli("serve", "token", "create", "--role", role, "--team", "bench", "--label",
                             "bench_api", "--db", url), env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    return out.stdout.strip().split()[-1]


class Server:
    """``transcaspian serve`` in its own process group (the server and its job workers)."""

    def __init__(self, url: str, workers: int | None, log: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        extra = [] if workers is None else ["--workers", str(workers)]
        self.log = log.open("ab")
        self.proc = subprocess.Popen(cli("serve", "--port", str(self.port), "--db", url, *extra),
                                     env=env, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}): {log.read_text()}")
            try:
                if httpx.get(self.base + "/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer within 120 s: {log.read_text()}")

    def stop(self) -> None:
        """Interrupt the server's group (it stops its workers), kill it if it lingers."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(30)
        self.log.close()


async def _client(http: httpx.AsyncClient, bodies: list[dict[str, str]], deadline: float,
                  seed: int, lat: list[float], fails: dict[str, int]) -> None:
    """Send quotes one after the other until ``deadline`` (monotonic s)."""
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        body = rng.choice(bodies)
        t0 = time.perf_counter()
        try:
            resp = await http.post("/api/v1/quote", json=body)
            ok = resp.is_success and bool(resp.json().get("tables"))
            key = "ok" if ok else f"HTTP {resp.status_code}"
        except (httpx.HTTPError, ValueError) as err:
            key = type(err).__name__
        lat.append(time.perf_counter() - t0)
        if key != "ok":
            fails[key] = fails.get(key, 0) + 1


async def quote_load(base: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` concurrent quote loops for ``seconds``: counts, throughput, latency."""
    pairs = quote_pairs(load_scenario(SCENARIO))
    bodies = [{"scenario": SCENARIO, "origin": o, "destination": d, "cargo": c} for o, d, c in pairs]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                 limits=limits, timeout=60.0) as http:
        t0 = time.perf_counter()
        warm = await http.post("/api/v1/quote", json=bodies[0])
        warm_s = time.perf_counter() - t0
        if not warm.is_success:
            raise RuntimeError(f"the warm-up quote failed: {warm.status_code} {warm.text[:300]}")
        lat: list[float] = []
        fails: dict[str, int] = {}
        t0 = time.perf_counter()
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_client(http, bodies, deadline, i, lat, fails) for i in range(clients)))
        wall = time.perf_counter() - t0
    ms = np.asarray(lat) * 1e3
    errors = sum(fails.values())
    return {"clients": clients, "seconds": seconds, "wall_s": wall, "pairs": len(pairs),
            "requests": len(lat), "ok": len(lat) - errors, "errors": errors, "error_kinds": fails,
            "throughput_rps": len(lat) / wall, "warmup_ms": warm_s * 1e3,
            "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max())}


async def job_burst(base: str, token: str, n: int, timeout_s: float) -> dict[str, Any]:
    """Submit ``n`` simulate jobs at once, wait until all are finished, fetch every result."""
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                 timeout=60.0) as http:
        body = {"kind": "simulate", "scenario": SCENARIO, "options": JOB_OPTIONS}
        t0 = time.perf_counter()
        subs = await asyncio.gather(*(http.post("/api/v1/jobs", json=body) for _ in range(n)))
        refused = [f"{r.status_code} {r.text[:200]}" for r in subs if r.status_code != 202]
        ids = [r.json()["id"] for r in subs if r.status_code == 202]
        status: dict[str, str] = dict.fromkeys(ids, "queued")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and any(s not in DONE_STATES for s in status.values()):
            listed = (await http.get("/api/v1/jobs")).json()
            seen = {j["id"]: j["status"] for j in listed}
            status = {i: seen.get(i, "lost") for i in ids}
            if "lost" in status.values():
                break
            await asyncio.sleep(0.2)
        drain = time.perf_counter() - t0
        results = 0
        for i in ids:
            if status[i] == "done":
                resp = await http.get(f"/api/v1/jobs/{i}/result")
                results += resp.status_code == 200 and bool(resp.json().get("tables"))
    counts = {s: list(status.values()).count(s) for s in sorted(set(status.values()))}
    done = counts.get("done", 0)
    return {"jobs": n, "options": JOB_OPTIONS, "accepted": len(ids), "refused": refused,
            "status": counts, "done": done, "results": results, "drain_s": drain,
            "jobs_per_min": done / drain * 60.0, "timed_out": done < n and time.monotonic() >= deadline}


def table(out: dict[str, Any]) -> str:
    """The figures as a Markdown table (under 100 columns)."""
    q, j = out["quotes"], out["jobs"]
    rows = [("quote clients x seconds", f"{q['clients']} x {q['seconds']:g} s"),
            ("quote requests / errors (count)", f"{q['requests']:,} / {q['errors']}"),
            ("quote throughput (req/s)", f"{q['throughput_rps']:.1f}"),
            ("quote latency p50 / p95 / p99 (ms)", f"{q['p50_ms']:.0f} / {q['p95_ms']:.0f} / "
                                                   f"{q['p99_ms']:.0f}"),
            ("warm-up quote, planner build (ms)", f"{q['warmup_ms']:.0f}"),
            ("simulate jobs submitted / done / results", f"{j['jobs']} / {j['done']} / {j['results']}"),
            ("job drain time (s)", f"{j['drain_s']:.1f}"),
            ("job throughput (jobs/min)", f"{j['jobs_per_min']:.1f}"),
            ("server job workers (count)", str(out["workers"])),
            ("load average 1 min, before / after", f"{out['load_before'][0]:.2f} / "
                                                   f"{out['load_after'][0]:.2f}")]
    width = max(len(r[0]) for r in rows)
    lines = [f"| {'figure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
    return "\n".join(lines + [f"| {k:<{width}} | {v} |" for k, v in rows])


def run(args: argparse.Namespace, data: Path) -> dict[str, Any]:
    """Start the server on ``data``, run both loads, stop it; the figures."""
    url = Store.default_url(data)
    env = {**os.environ, "TRANSCASPIAN_CACHE_DIR": str(data / "cache"),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                          os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    t0 = time.perf_counter()
    token = make_token(url, "analyst", env)  # one token: each `token create` is a process start
    token_s = time.perf_counter() - t0
    out: dict[str, Any] = {"date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
                           "machine": machine(), "python": platform.python_version(),
                           "load_before": list(os.getloadavg()), "token_create_s": token_s,
                           "workers": args.workers if args.workers is not None else "default (2)"}
    t0 = time.perf_counter()
    server = Server(url, args.workers, data / "server.log", env)
    out["server_start_s"] = time.perf_counter() - t0
    try:
        out["quotes"] = asyncio.run(quote_load(server.base, token, args.clients, args.seconds))
        out["jobs"] = asyncio.run(job_burst(server.base, token, args.jobs, args.job_timeout))
    finally:
        server.stop()
    out["load_after"] = list(os.getloadavg())
    return out


def main() -> int:
    """Parse the options, run, print the table (and write the JSON); 1 if anything went wrong."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50, help="concurrent quote clients (count)")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long the clients send quotes (s)")
    ap.add_argument("--jobs", type=int, default=20, help="simulate jobs submitted at once (count)")
    ap.add_argument("--job-timeout", type=float, default=900.0, help="longest wait for the jobs (s)")
    ap.add_argument("--workers", type=int, default=None, help="the server's --workers (default: its own)")
    ap.add_argument("--data", type=Path, help="keep the database and server log in this folder")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args()
    if args.data is not None:
        args.data.mkdir(parents=True, exist_ok=True)
        out = run(args, args.data)
    else:
        with tempfile.TemporaryDirectory(prefix="transcaspian-bench-api-") as tmp:
            out = run(args, Path(tmp))
    print(f"machine: {out['machine']}")
    print(table(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    q, j = out["quotes"], out["jobs"]
    bad = q["errors"] or j["done"] != j["jobs"] or j["results"] != j["jobs"]
    if bad:
        print(f"FAILED: quote errors {q['error_kinds']}; jobs {j['status']}, refused {j['refused']}, "
              f"results {j['results']} of {j['jobs']}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
