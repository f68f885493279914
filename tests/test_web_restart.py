"""A server killed with SIGKILL mid-job loses nothing that was finished.

`transcaspian serve` runs as a subprocess in its own process group (the server and its worker
processes). A short and a long simulate job are submitted over HTTP; once the short one is
done the whole group is killed with SIGKILL; a new server on the same database must show
the short job's result unchanged and the long job `interrupted`, and run it again when it is
resubmitted.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from serve_process import ServeProcess, free_port

from transcaspian.web.store import Store

BIN = Path(sys.executable).parent / "transcaspian"
SHORT = {"years": 0.05, "replications": 2, "seed": 4}
LONG = {"years": 0.05, "replications": 1500, "seed": 2, "warmup_days": 0.0}


class Server(ServeProcess):
    def __init__(self, url: str, port: int, log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}/api/v1"
        super().__init__([str(BIN), "serve", "--port", str(port), "--db", url, "--workers", "2"], port, log)

    def call(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
        req = urllib.request.Request(self.base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")



def _wait(server: Server, token: str, job_id: str, want, timeout_s: float = 300) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        code, job = server.call("GET", f"/jobs/{job_id}", token)
        assert code == 200, job
        if want(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached the state wanted: {job}")


def test_sigkill_mid_job_keeps_finished_results_and_marks_the_running_job_interrupted(tmp_path):
    url = Store.default_url(tmp_path / "data")
    _tid, token = Store(url).create_token("analyst", "port")
    first = Server(url, free_port(), tmp_path / "server.log")
    try:
        code, long = first.call("POST", "/jobs", token, {"kind": "simulate", "scenario": "baseline-2024",
                                                        "options": LONG})
        assert code == 202, long
        code, short = first.call("POST", "/jobs", token, {"kind": "simulate", "scenario": "baseline-2024",
                                                         "options": SHORT})
        assert code == 202, short
        _wait(first, token, short["id"], lambda j: j["status"] == "done")
        _wait(first, token, long["id"], lambda j: j["status"] == "running" and j["progress"] > 0)
        code, before = first.call("GET", f"/jobs/{short['id']}/result", token)
        assert code == 200
    finally:
        first.kill()
    second = Server(url, free_port(), tmp_path / "server.log")
    try:
        code, after = second.call("GET", f"/jobs/{short['id']}/result", token)
        assert code == 200 and after == before  # the same numbers, every table
        assert after["tables"]["throughput"]
        _code, job = second.call("GET", f"/jobs/{long['id']}", token)
        assert job["status"] == "interrupted" and "submit it again" in job["message"]
        code, again = second.call("POST", "/jobs", token, {"kind": "simulate", "scenario": "baseline-2024",
                                                          "options": {**LONG, "replications": 3}})
        assert code == 202
        ended = _wait(second, token, again["id"], lambda j: j["status"] in ("done", "failed"))
        assert ended["status"] == "done"
    finally:
        second.kill()
