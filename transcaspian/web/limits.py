"""Bounded cost: what one request, one job and one team may ask of the server.

Every limit has a name (the attribute), a default, and an environment variable
``TRANSCASPIAN_<NAME>`` (upper case) that the ``serve`` command's options override. A request
beyond a limit is refused with a 4xx whose message names the limit and its value, never
queued to run for ever.

Examples
--------
>>> limits = Limits(max_replication_years=10)
>>> job_work("simulate", {"replications": 4, "years": 5.0})
20.0
>>> try:
...     check_job(limits, "simulate", {"replications": 4, "years": 5.0}, running=0, queued=0)
... except LimitExceeded as e:
...     print(e.status, e.limit)
422 max_replication_years
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: HTTP status of a job whose size is beyond a limit (the request itself is too big) and of a
#: team that has too much running or waiting (try again later).
TOO_BIG, TOO_MANY = 422, 429


@dataclass(frozen=True)
class Limits:
    """The server's limits (per request and per team).

    Attributes
    ----------
    max_replication_years
        Most simulated replication-years one job may ask for (replications x years x
        evaluations or rounds; count x years).
    max_concurrent_jobs
        Most jobs of one team running at once (count); more wait in the queue.
    max_queued_jobs
        Most jobs of one team waiting (count); a job beyond is refused (429).
    job_time_limit_s
        Wall-clock time a job may run before its worker fails it (s).
    max_upload_bytes
        Largest request body (bytes), scenario uploads included.
    """

    max_replication_years: float = 2_000.0
    max_concurrent_jobs: int = 2
    max_queued_jobs: int = 20
    job_time_limit_s: float = 3_600.0
    max_upload_bytes: int = 1_000_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Limits:
        """Limits from ``TRANSCASPIAN_<NAME>`` variables, then ``overrides`` (None: unset).

        Examples
        --------
        >>> Limits.from_env({"TRANSCASPIAN_MAX_QUEUED_JOBS": "3"}).max_queued_jobs
        3
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        problems = []
        for f in dataclasses.fields(cls):
            raw = env.get(f"TRANSCASPIAN_{f.name.upper()}")
            if raw is not None:
                try:
                    values[f.name] = type(f.default)(raw)
                except ValueError:
                    problems.append(f"TRANSCASPIAN_{f.name.upper()}={raw!r} is not a number")
        values.update({k: v for k, v in overrides.items() if v is not None})
        limits = cls(**values)
        problems += limits.problems()
        if problems:
            from transcaspian.model.errors import Problem, UserError

            raise UserError([Problem(p) for p in problems], "the server's limits")
        return limits

    def problems(self) -> list[str]:
        """Every limit that is not a positive number, in words."""
        return [f"{f.name} must be > 0 (got {getattr(self, f.name)})" for f in dataclasses.fields(self)
                if not getattr(self, f.name) > 0]


class LimitExceeded(Exception):
    """A request beyond a limit: its HTTP status, the limit's name and a message naming it."""

    def __init__(self, status: int, limit: str, message: str) -> None:
        super().__init__(message)
        self.status, self.limit, self.message = status, limit, message


def job_work(kind: str, options: Mapping[str, Any]) -> float:
    """Simulated replication-years a job asks for (replications x years, times its repeats).

    A simulation runs ``replications`` x ``years``; a calibration that simulates repeats it for
    up to ``max_evaluations`` (none with the capacity engine); a plan for up to ``max_rounds``
    checks of ``replications`` x ``sim_years``. Defaults are those of the engines' options.

    Examples
    --------
    >>> job_work("plan", {"replications": 10, "sim_years": 0.5, "max_rounds": 4})
    20.0
    >>> job_work("calibrate", {"engine": "capacity"})
    0.0
    """
    from transcaspian.calibration.fit import CalibrateOptions
    from transcaspian.planning.options import PlanOptions
    from transcaspian.sim.options import SimOptions

    def get(cls: type, name: str) -> Any:
        return options.get(name, cls.model_fields[name].default)

    if kind == "simulate":
        return float(get(SimOptions, "replications") * get(SimOptions, "years"))
    if kind == "plan":
        return float(get(PlanOptions, "replications") * get(PlanOptions, "sim_years")
                     * get(PlanOptions, "max_rounds"))
    if kind == "calibrate":
        if get(CalibrateOptions, "engine") == "capacity":
            return 0.0
        return float(get(CalibrateOptions, "replications") * get(CalibrateOptions, "years")
                     * get(CalibrateOptions, "max_evaluations"))
    return 0.0


def check_job(limits: Limits, kind: str, options: Mapping[str, Any], running: int, queued: int) -> None:
    """Refuse a job beyond a limit (:class:`LimitExceeded` naming it); ``running`` and
    ``queued`` are the team's jobs now.

    A team at ``max_concurrent_jobs`` may still queue (its job waits for a free slot) until
    ``max_queued_jobs`` jobs wait.

    Examples
    --------
    >>> try:
    ...     check_job(Limits(max_queued_jobs=2), "simulate", {}, running=2, queued=2)
    ... except LimitExceeded as e:
    ...     print(e.status, e.message)
    429 max_queued_jobs: the team already has 2 jobs waiting (limit 2, 2 running); wait for one to finish
    """
    work = job_work(kind, options)
    if work > limits.max_replication_years:
        raise LimitExceeded(TOO_BIG, "max_replication_years",
                            f"max_replication_years: the {kind} job asks for {work:g} simulated "
                            f"replication-years (limit {limits.max_replication_years:g}); ask for fewer "
                            "replications or years")
    if queued >= limits.max_queued_jobs:
        raise LimitExceeded(TOO_MANY, "max_queued_jobs",
                            f"max_queued_jobs: the team already has {queued} jobs waiting (limit "
                            f"{limits.max_queued_jobs}, {running} running); wait for one to finish")
