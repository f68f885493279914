"""The stochastic operations simulator and its Monte Carlo driver (docs/architecture.md).

>>> from transcaspian.model import load_scenario
>>> from transcaspian.sim import simulate
>>> res = simulate(load_scenario("baseline-2024"), years=1, replications=20)  # doctest: +SKIP
>>> res["transit_times"]                                                     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from transcaspian.model.derived import HOURS_PER_YEAR
from transcaspian.model.scenario import Scenario
from transcaspian.results import Result
from transcaspian.sim.compile import Compiled, compile_scenario
from transcaspian.sim.engine import EVENTS, RepSummary, run_replication
from transcaspian.sim.montecarlo import Aggregate, rep_seed, replication_runner, run_montecarlo

__all__ = ["EVENTS", "Aggregate", "Compiled", "RepSummary", "compile_scenario", "rep_seed",
           "replication_runner", "run_replication", "simulate", "tracking_log"]

TRACK_COLUMNS = ["lot", "parent", "flow", "event", "place", "time_h", "units"]


def tracking_log(scenario: Scenario | Compiled, years: float = 1.0, seed: int = 1,
                 replication: int = 0, formation_max_wait_h: float = 72.0) -> pd.DataFrame:
    """The per-lot tracking log of one replication.

    Returns
    -------
    DataFrame
        ``lot``, ``parent`` (lot it was split from, -1 if none), ``flow``, ``event``
        (one of :data:`EVENTS`), ``place`` (node id), ``time_h`` (h from start), ``units``.
    """
    cm = scenario if isinstance(scenario, Compiled) else compile_scenario(
        scenario, formation_max_wait_h)
    rep = run_replication(cm, years * HOURS_PER_YEAR, rep_seed(seed, replication), log=True)
    log = pd.DataFrame(rep.log, columns=TRACK_COLUMNS)
    return log.sort_values("time_h", kind="stable").reset_index(drop=True)


def simulate(scenario: Scenario, years: float = 1.0, replications: int = 1, seed: int = 1,
             workers: int | None = None, progress: Callable[[int, int], None] | None = None,
             warmup_days: float = 0.0, formation_max_wait_h: float = 72.0,
             track: bool = False, engine: str = "fast") -> Result:
    """Simulate a scenario with Monte Carlo replications.

    Parameters
    ----------
    scenario
        Validated scenario.
    years
        Simulated time per replication (years of 8,760 h).
    replications
        Independent replications (seeded streams ``SeedSequence(seed).spawn``).
    seed
        Master seed; the same seed gives identical tables whatever ``workers`` is.
    workers
        Processes (default: up to 2 cores).
    progress
        Called with (replications done, total) as results arrive.
    warmup_days
        Lots released before this time are left out of transit statistics (days).
    formation_max_wait_h
        Longest wait (h) for an onward train at a port before a part-filled train leaves.
    track
        Add the ``tracking`` table (per-lot log) of replication 0.
    engine
        ``fast`` (compiled core, default) or ``python`` (the readable engine); same rules,
        same random inputs, statistically identical results.

    Returns
    -------
    Result
        Tables ``throughput``, ``transit_times``, ``transit_histogram``, ``waiting_by_node``,
        ``vessel_voyages``, ``utilisation``, ``queues``, ``weather``, ``wip``,
        ``replications`` (and ``tracking``); see ``docs/simulator.md``.
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    if years <= 0:
        raise ValueError("years must be positive")
    cm = compile_scenario(scenario, formation_max_wait_h)
    horizon = years * HOURS_PER_YEAR
    agg = run_montecarlo(cm, horizon, replications, seed, workers, warmup_days * 24.0, progress,
                         engine)
    tables = agg.tables()
    if track:
        tables["tracking"] = tracking_log(cm, years, seed)
    meta = scenario.metadata(engine="sim", seed=seed, years=years, replications=replications,
                             warmup_days=warmup_days, formation_max_wait_h=formation_max_wait_h,
                             engine_core=engine, events=agg.events)
    return Result(meta, tables)
