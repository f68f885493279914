"""Where parallel work runs: one ``concurrent.futures``-style executor for every engine.

The engines' parallel parts (the simulator's Monte Carlo replications, the points of a
sweep, the web server's jobs) take an :class:`concurrent.futures.Executor`. This module
opens one, in one of three places:

``scheduler=None`` (or ``"processes"``)
    a local pool of worker processes (``ProcessPoolExecutor``);
``scheduler="local"``
    a Dask ``LocalCluster`` started for the run (one single-threaded worker process per
    core by default), through its client's executor;
``scheduler="tcp://host:8786"``
    an existing Dask cluster, through a client connected to its scheduler.

On Dask, a task whose worker dies is resubmitted to another worker (``retries`` more times
beyond Dask's own rescheduling); random streams never depend on which worker runs a task,
so results do not either.

Examples
--------
>>> with open_executor(workers=1) as pool:
...     pool.label, list(pool.executor.map(abs, [-2, 3]))
('1 local process', [2, 3])
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from transcaspian.model.errors import Problem, UserError

#: ``scheduler`` value that starts a Dask LocalCluster for the run.
LOCAL_CLUSTER = "local"
#: ``scheduler`` value for a local process pool (the same as None).
LOCAL_PROCESSES = "processes"
#: Seconds to wait for an existing Dask scheduler to answer.
CONNECT_TIMEOUT_S = 10
_ADDRESS = re.compile(r"^(tcp|tls|inproc|ws|wss)://[\w.\-\[\]:]+$|^[\w.\-]+:\d{1,5}$")


@dataclass(frozen=True)
class Workers:
    """An open executor and what it runs on.

    Attributes
    ----------
    executor
        ``concurrent.futures``-style: ``submit``, ``map`` (results in input order).
    workers
        Worker processes (Dask: those connected when it was opened).
    label
        What a person is told, e.g. ``"LocalCluster, 2 worker processes"``.
    client
        The ``dask.distributed.Client`` on Dask, else None.
    """

    executor: Executor
    workers: int
    label: str
    client: Any = None


def default_workers() -> int:
    """Worker processes by default: one per core (``os.cpu_count()``)."""
    return max(1, os.cpu_count() or 1)


def check_scheduler(scheduler: str | None) -> list[Problem]:
    """Problems with a ``scheduler`` value: None, ``"local"`` or a Dask scheduler address.

    Examples
    --------
    >>> check_scheduler("tcp://10.0.0.5:8786"), check_scheduler("local"), check_scheduler(None)
    ([], [], [])
    >>> print(check_scheduler("http//x")[0].message)  # doctest: +ELLIPSIS
    scheduler 'http//x' is not 'local' nor a Dask scheduler address ...
    """
    if scheduler in (None, LOCAL_CLUSTER, LOCAL_PROCESSES) or _ADDRESS.match(scheduler):
        return []
    return [Problem(f"scheduler {scheduler!r} is not 'local' nor a Dask scheduler address "
                    "(tcp://host:8786 or host:8786), nor 'processes' (a local pool)", field="scheduler")]


@contextmanager
def open_executor(scheduler: str | None = None, workers: int | None = None,
                  retries: int = 2) -> Iterator[Workers]:
    """Open the executor the run's parallel work goes to, and close it afterwards.

    Parameters
    ----------
    scheduler
        None or ``"processes"`` (local worker processes), ``"local"`` (a Dask LocalCluster) or the address of
        an existing Dask scheduler (``tcp://host:8786``).
    workers
        Worker processes for a local pool or LocalCluster (default :func:`default_workers`);
        ignored for an existing cluster.
    retries
        Dask only: times a task is resubmitted after its worker fails.

    Raises
    ------
    UserError
        A malformed scheduler address, ``workers`` < 1, or a scheduler that does not answer
        within :data:`CONNECT_TIMEOUT_S` seconds.
    """
    problems = check_scheduler(scheduler)
    if workers is not None and workers < 1:
        problems.append(Problem(f"workers must be at least 1 (got {workers})", field="workers"))
    if problems:
        raise UserError(problems)
    n = workers or default_workers()
    if scheduler in (None, LOCAL_PROCESSES):
        with ProcessPoolExecutor(max_workers=n) as ex:
            yield Workers(ex, n, f"{n} local process" + ("es" if n > 1 else ""))
        return
    with _dask_client(scheduler, n) as client:
        count = len(client.scheduler_info().get("workers", {}))
        where = "LocalCluster" if scheduler == LOCAL_CLUSTER else f"Dask scheduler {scheduler}"
        label = f"{where}, {count} worker process" + ("es" if count != 1 else "")
        yield Workers(client.get_executor(pure=False, retries=retries), count, label, client)


@contextmanager
def _dask_client(scheduler: str, workers: int) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    if scheduler == LOCAL_CLUSTER:
        # ":0": the scheduler's HTTP endpoints on a free port (never a clash with another cluster)
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise UserError([Problem(f"no Dask scheduler answers at {scheduler} within "
                                 f"{CONNECT_TIMEOUT_S} s ({exc})", field="scheduler")]) from None
    with client:
        yield client
