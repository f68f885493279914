"""Jobs in worker processes: the runner that keeps N workers going, and what a worker does.

A :class:`JobRunner` starts ``workers`` processes (``spawn``: a fresh interpreter each, never
a fork of the server's threads). Each opens its own :class:`~transcaspian.web.store.Store`
on the same database and loops: claim the oldest queued job, run its engine, keep the
result (:meth:`Store.finish`) or the reason it failed. Nothing runs in the server's request
threads.

Progress comes from the engines' own hooks (the simulator's replications, the
calibration's evaluations, the planner's messages) and goes to the store at most every
:data:`REPORT_EVERY_S`; each report is also where a worker learns that its job was cancelled,
or has run past the time limit, and stops it. A job that gives no report for longer than the
limit allows (one long replication) is stopped by the runner's supervisor thread, which ends
that worker process and starts another; it also replaces a worker that died (its job is
failed, naming the exit code). When the server process dies, even by SIGKILL, its workers
end with it (Linux parent-death signal, and a check of the parent before every claim), and
the next server start marks the jobs they were running ``interrupted``.

With a ``scheduler`` (``transcaspian serve --scheduler``), a worker sends a simulate job's
replications to that Dask cluster: it connects for the job
(:func:`~transcaspian.model.executors.open_executor`) and disconnects when it ends; the
numbers are the same as in the worker process.

Examples
--------
>>> RunLimits(time_limit_s=600).time_limit_message(600)
'stopped: the job ran past the time limit of 600 s per job (limit job_time_limit_s)'
>>> sorted(KINDS)
['calibrate', 'capacity', 'plan', 'simulate']
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from transcaspian.model import Scenario
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.executors import check_scheduler
from transcaspian.model.options import EngineOptions, options_error
from transcaspian.model.results import Result
from transcaspian.web.resolve import open_scenario
from transcaspian.web.store import JobRecord, Store, now

#: Least time between two progress writes of one job (s); the first and last always go.
REPORT_EVERY_S = 0.5
#: Extra time the supervisor allows past the time limit (or after a cancel) before it ends a
#: worker that has not stopped by itself (s).
GRACE_S = 5.0


@dataclass(frozen=True)
class RunLimits:
    """What the runner enforces while jobs run (the API checks the rest before queueing).

    Attributes
    ----------
    time_limit_s
        Longest a job may run (s of wall time from its start); None: no limit.
    max_running_per_team
        Most jobs of one team running at once (count); others wait queued. None: no limit.
    poll_s
        How often an idle worker looks for a queued job (s).
    """

    time_limit_s: float | None = None
    max_running_per_team: int | None = None
    poll_s: float = 0.2

    @staticmethod
    def time_limit_message(limit_s: float) -> str:
        """The failure message of a job stopped at the time limit (names the limit)."""
        return (f"stopped: the job ran past the time limit of {limit_s:g} s per job "
                "(limit job_time_limit_s)")


class JobStopped(Exception):
    """Raised inside an engine's progress hook to stop its job (cancelled, or out of time)."""

    def __init__(self, reason: str, cancelled: bool) -> None:
        super().__init__(reason)
        self.cancelled = cancelled


@dataclass
class Control:
    """A running job's link to the store: progress reports, cancel and time-limit checks; and
    where its parallel parts run (``scheduler``: None, in the worker process; else a Dask
    scheduler for :func:`~transcaspian.model.executors.open_executor`)."""

    store: Store
    job_id: str
    limit_s: float | None = None
    started: float = field(default_factory=time.monotonic)
    _last: float = -1e9
    scheduler: str | None = None

    def report(self, share: float, message: str, force: bool = False) -> None:
        """Record progress (share 0..1); raise :class:`JobStopped` when the job was cancelled or
        is past its time limit."""
        t = time.monotonic()
        if self.limit_s is not None and t - self.started > self.limit_s:
            raise JobStopped(RunLimits.time_limit_message(self.limit_s), cancelled=False)
        if not force and t - self._last < REPORT_EVERY_S:
            return
        self._last = t
        if not self.store.set_progress(self.job_id, share, message):
            raise JobStopped("cancelled", cancelled=True)


def engine_options(cls: type[EngineOptions], options: dict[str, Any]) -> EngineOptions:
    """Options of an engine from JSON data (lists become tuples as in the engine's JSON schema);
    every bad option is named (UserError)."""
    try:
        return cls.model_validate_json(json.dumps(options))
    except ValidationError as exc:
        raise options_error(exc, cls.__name__) from None


def _simulate(scenario: Scenario, ref: str, options: dict[str, Any], control: Control) -> Result:
    from transcaspian.model.executors import open_executor
    from transcaspian.sim import SimOptions, simulate

    opts = engine_options(SimOptions, {"workers": 1, **options})
    with contextlib.ExitStack() as stack:
        pool = stack.enter_context(open_executor(control.scheduler)) if control.scheduler else None
        return simulate(scenario, opts, executor=pool, progress=lambda done, total: control.report(
            done / total, f"{done} of {total} replications"))


def _calibrate(scenario: Scenario, ref: str, options: dict[str, Any], control: Control) -> Result:
    from transcaspian.calibration import CalibrateOptions, calibrate

    if options.get("observed", "builtin") != "builtin":
        raise UserError([Problem("a job can fit only the package's observed figures ('builtin'); "
                                 "the server reads no files named in a request", field="observed")],
                        "the calibrate options")
    opts = engine_options(CalibrateOptions, options)
    return calibrate(scenario, opts, progress=lambda i, n, loss, best: control.report(
        i / n, f"evaluation {i} of at most {n}: loss {loss:.4g}, best {best:.4g}"))


def _plan(scenario: Scenario, ref: str, options: dict[str, Any], control: Control) -> Result:
    from transcaspian.planning import PlanOptions, plan

    opts = engine_options(PlanOptions, options)
    return plan(scenario, opts, ref=ref, say=lambda text: control.report(0.0, text))


def _capacity(scenario: Scenario, ref: str, options: dict[str, Any], control: Control) -> Result:
    from transcaspian.analysis import CapacityOptions, capacity

    return capacity(scenario, engine_options(CapacityOptions, options))


#: The engine each job kind runs: (scenario, reference, options, control) -> Result.
KINDS: dict[str, Callable[[Scenario, str, dict[str, Any], Control], Result]] = {
    "simulate": _simulate, "calibrate": _calibrate, "plan": _plan, "capacity": _capacity}


def run_job(store: Store, job: JobRecord, limit_s: float | None = None,
            scheduler: str | None = None) -> str:
    """Run a claimed (running) job to its end and return how it ended: ``done``, ``failed``
    or ``cancelled``. A user's mistake (bad options, a scenario that no longer validates) fails
    the job with every problem; anything else fails it as an internal error (traceback on
    the worker's standard error). ``scheduler``: where a simulate job's replications run
    (:class:`Control`)."""
    control = Control(store, job.id, limit_s, scheduler=scheduler)
    try:
        engine = KINDS.get(job.kind)
        if engine is None:
            raise UserError([Problem(f"unknown job kind {job.kind!r} (one of {', '.join(KINDS)})",
                                     field="kind")], "the job")
        control.report(0.0, f"running {job.kind} on {job.scenario}", force=True)
        with open_scenario(store, job.team, job.scenario) as (scenario, ref):
            result = engine(scenario, ref, job.options, control)
    except JobStopped as stop:
        if stop.cancelled:
            return "cancelled"
        store.fail(job.id, str(stop))
        return "failed"
    except UserError as exc:
        store.fail(job.id, str(exc))
        return "failed"
    except Exception as exc:  # a bug: the job says so, the worker goes on with the next
        traceback.print_exc(file=sys.stderr)
        store.fail(job.id, f"internal error, please report: {type(exc).__name__}: {exc}")
        return "failed"
    return "done" if store.finish(job.id, result) else "cancelled"


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no-op elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def worker_main(url: str, name: str, limits: RunLimits, current: Any, scheduler: str | None = None) -> None:
    """A worker process: claim, run, repeat, while the parent lives. ``current`` (a shared
    byte array) holds the id of the job being run, for the supervisor; ``scheduler`` is where
    simulate jobs' replications run (None: in this process)."""
    _die_with_parent()
    parent = mp.parent_process()
    store = Store(url, migrate=False)
    try:
        while parent is None or parent.is_alive():
            job = store.claim_next(name, limits.max_running_per_team)
            if job is None:
                time.sleep(limits.poll_s)
                continue
            current.value = job.id.encode()
            try:
                run_job(store, job, limits.time_limit_s, scheduler)
            finally:
                current.value = b""
    finally:
        store.close()


@dataclass
class _Slot:
    name: str
    process: Any
    current: Any


class JobRunner:
    """N worker processes on one job store, and a supervisor thread that keeps them going.

    Parameters
    ----------
    url
        The store's database URL (each worker opens its own connection).
    workers
        Worker processes (count, at least 1).
    limits
        :class:`RunLimits` (time limit, jobs running per team, polling).
    scheduler
        Dask scheduler a simulate job's replications go to (``"local"`` or an address, as
        :func:`~transcaspian.model.executors.open_executor`; ``"local"`` starts a LocalCluster
        per job: a server shares one by passing its address). None: in the worker process.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> url = Store.default_url(pathlib.Path(tempfile.mkdtemp()))
    >>> store = Store(url)
    >>> job = store.submit_job("t", "capacity", "baseline-2024", {})
    >>> with JobRunner(url, workers=1) as runner:
    ...     runner.wait(store, job.id, timeout_s=120).status
    'done'
    """

    def __init__(self, url: str, workers: int = 1, limits: RunLimits | None = None,
                 scheduler: str | None = None) -> None:
        problems = check_scheduler(scheduler)
        if workers < 1:
            problems.append(Problem(f"workers must be at least 1 (got {workers})", field="workers"))
        if problems:
            raise UserError(problems, "the job runner")
        self.url, self.workers, self.limits = url, workers, limits or RunLimits()
        self.scheduler = scheduler
        self._ctx = mp.get_context("spawn")
        self._slots: list[_Slot] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self._cancel_seen: dict[str, float] = {}

    def _spawn(self, index: int) -> _Slot:
        name = f"{os.uname().nodename}:{os.getpid()}:w{index}:{time.time_ns() % 10**9}"
        current = self._ctx.Array("c", 64, lock=False)
        proc = self._ctx.Process(target=worker_main, args=(self.url, name, self.limits, current,
                                                           self.scheduler),
                                 name=f"transcaspian-worker-{index}", daemon=False)
        proc.start()
        return _Slot(name, proc, current)

    def start(self) -> JobRunner:
        """Start the workers and the supervisor."""
        self._store = Store(self.url, migrate=False)
        self._slots = [self._spawn(i) for i in range(self.workers)]
        self._thread = threading.Thread(target=self._supervise, name="transcaspian-supervisor",
                                        daemon=True)
        self._thread.start()
        return self

    def _end(self, slot: _Slot) -> None:
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join(5)

    def _supervise(self) -> None:
        while not self._stop.wait(0.5):
            for i, slot in enumerate(self._slots):
                with contextlib.suppress(Exception):  # a database hiccup: try again next round
                    self._check(i, slot)

    def _check(self, index: int, slot: _Slot) -> None:
        assert self._store is not None
        job_id = slot.current.value.decode()
        if not slot.process.is_alive():
            if job_id:
                self._store.fail(job_id, f"failed: the worker process died (exit code "
                                         f"{slot.process.exitcode}) while running this job")
            self._store.mark_interrupted(worker=slot.name)
            self._slots[index] = self._spawn(index)
            return
        if not job_id:
            return
        rec = self._store.job_by_id(job_id)
        limit = self.limits.time_limit_s
        overdue = (rec is not None and rec.status == "running" and limit is not None
                   and rec.started is not None and (now() - rec.started).total_seconds() > limit + GRACE_S)
        if rec is not None and rec.status != "running":  # cancelled (or ended) but still busy
            first = self._cancel_seen.setdefault(job_id, time.monotonic())
            overdue = time.monotonic() - first > GRACE_S
        if overdue:
            self._end(slot)
            if rec is not None and rec.status == "running" and limit is not None:
                self._store.fail(job_id, RunLimits.time_limit_message(limit))
            self._cancel_seen.pop(job_id, None)
            self._slots[index] = self._spawn(index)

    def alive(self) -> int:
        """Worker processes alive now (count)."""
        return sum(s.process.is_alive() for s in self._slots)

    def wait(self, store: Store, job_id: str, timeout_s: float = 60.0) -> JobRecord | None:
        """Wait until a job has ended (or the timeout passed) and return its record (tests and
        scripts; the API only polls)."""
        deadline = time.monotonic() + timeout_s
        while True:
            rec = store.job_by_id(job_id)
            if rec is None or rec.status not in ("queued", "running") or time.monotonic() > deadline:
                return rec
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the supervisor and end every worker; their running jobs become interrupted."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for slot in self._slots:
            self._end(slot)
            if self._store is not None:
                self._store.mark_interrupted(worker=slot.name)
        if self._store is not None:
            self._store.close()
        self._slots = []

    def __enter__(self) -> JobRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
