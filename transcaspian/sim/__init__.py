"""The stochastic operations simulator and its Monte Carlo driver (docs/architecture.md).

>>> from transcaspian.model import load_scenario
>>> from transcaspian.sim import SimOptions, simulate
>>> res = simulate(load_scenario("baseline-2024"), SimOptions(years=0.1, replications=2, workers=1))
>>> res.meta["options"]["replications"], sorted(res.tables)[:3]
(2, ['border_performance', 'port_performance', 'queues'])
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import pandas as pd

from transcaspian.model.executors import Workers
from transcaspian.model.results import Result
from transcaspian.model.scenario import Scenario
from transcaspian.sim.budget import Estimate, check_budget, estimate
from transcaspian.sim.compile import Compiled, compile_scenario
from transcaspian.sim.kernel import TRACK_COLUMNS, KernelModel, run_replication
from transcaspian.sim.montecarlo import Aggregate, rep_seed, run_montecarlo
from transcaspian.sim.options import SimOptions, sim_options
from transcaspian.sim.summary import EVENTS, RepSummary

__all__ = ["EVENTS", "TRACK_COLUMNS", "Aggregate", "Compiled", "Estimate", "KernelModel", "RepSummary",
           "SimOptions", "check_budget", "compile_scenario", "estimate", "rep_seed", "run_replication",
           "simulate", "tracking_log"]


def tracking_log(scenario: Scenario | Compiled, years: float = 1.0, seed: int = 1,
                 replication: int = 0, warmup_days: float = 0.0) -> pd.DataFrame:
    """The per-lot tracking log of one replication.

    Parameters
    ----------
    scenario
        A scenario or its compiled form.
    years
        Simulated time (years of 8,760 h).
    seed, replication
        Master seed and replication index (the replication's stream as in :func:`simulate`).
    warmup_days
        Warm-up before the ``years`` (days; 0: from an empty start). The log covers the whole
        run, warm-up included, in hours from its start (the calendar starts after the warm-up).

    Returns
    -------
    DataFrame
        ``lot`` (from 1), ``parent`` (lot it was split from, -1 if none), ``flow``, ``event``
        (one of :data:`EVENTS`), ``place`` (node id), ``time_h`` (h from start), ``units``;
        sorted by time (stable).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> log = tracking_log(load_scenario("baseline-2024"), years=0.02)
    >>> log["event"].iloc[0], list(log.columns) == TRACK_COLUMNS
    ('RELEASE', True)
    """
    opts = SimOptions.build(years=years, replications=1, seed=seed, track=True, workers=1,
                            warmup_days=warmup_days)
    cm = scenario if isinstance(scenario, Compiled) else compile_scenario(scenario)
    check_budget(cm, opts)
    model = KernelModel(cm, opts.max_memory_gb * 1e9)
    rep = model.run(opts.horizon_h, rep_seed(seed, replication), opts.warmup_h, track=True)
    return rep.log.sort_values("time_h", kind="stable").reset_index(drop=True)


def simulate(scenario: Scenario, options: SimOptions | dict[str, Any] | None = None, *,
             progress: Callable[[int, int], None] | None = None,
             executor: Executor | Workers | None = None) -> Result:
    """Simulate a scenario with Monte Carlo replications on the kernel.

    Parameters
    ----------
    scenario
        Validated scenario.
    options
        :class:`SimOptions` (or a dict of its fields; default: ``DEFAULT_REPLICATIONS`` = 100
        replications of a year, as ``transcaspian simulate``).
        Bad values raise :class:`~transcaspian.model.errors.UserError` naming the option.
    progress
        Called with (replications done, total) as results arrive.
    executor
        Where the replications run: a ``concurrent.futures`` executor or an open
        :class:`~transcaspian.model.executors.Workers` (``open_executor``: a local pool, a Dask
        LocalCluster or cluster). None: ``options.workers`` local processes (1: this
        process). The numbers are the same wherever they run.

    Returns
    -------
    Result
        Tables ``throughput``, ``transit_times``, ``transit_histogram``, ``waiting_by_node``,
        ``vessel_voyages``, ``utilisation``, ``queues``, ``weather``, ``wip``,
        ``replications``, ``port_performance``, ``border_performance`` (and ``tracking``); see
        ``docs/simulator.md``. ``meta["options"]`` records the options; ``meta["window"]`` the
        measured window (after the warm-up): demand, released and delivered tonnes, served
        share, cargo in transit at the end (:meth:`Aggregate.served`).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> res = simulate(load_scenario("baseline-2024"), {"years": 0.1, "replications": 2, "workers": 1})
    >>> bool(res["throughput"]["units"].sum() > 0)
    True
    """
    opts = sim_options(options)
    cm = compile_scenario(scenario)
    est = check_budget(cm, opts)
    agg = run_montecarlo(cm, opts, progress, executor)
    tables = agg.tables()
    if opts.track:
        tables["tracking"] = tracking_log(cm, opts.years, opts.seed, warmup_days=opts.warmup_days)
    meta = scenario.metadata(engine="sim", seed=opts.seed, years=opts.years, replications=opts.replications,
                             warmup_days=opts.warmup_days, options=opts.record(), events=agg.events,
                             estimated_events=est.events_total, window=agg.served())
    return Result(meta, tables)
