"""What a simulation run will cost, estimated before it starts, and the ceilings it must fit.

:func:`estimate` reads the compiled scenario and the options: trains released per
replication (each flow's ``annual_units / units_per_train`` x simulated years, warm-up
included, scaled by its mean seasonality), events per replication (one per route step a train pauses at, plus
:data:`EVENTS_PER_VOYAGE` per vessel voyage, a vessel sailing back and forth without waiting
at most, plus storm closures), the kernel's preallocated memory per replication (the same
array sizes the kernel allocates, :func:`transcaspian.sim.kernel.array_caps`) and per worker,
and the total events over all replications. :func:`check_budget` refuses a run beyond the
ceilings of :class:`~transcaspian.sim.options.SimOptions` (``max_events``, ``max_trains``,
``max_memory_gb``) with a UserError naming the cause and the option that raises the limit.

Examples
--------
>>> from transcaspian.model import load_scenario
>>> from transcaspian.sim.compile import compile_scenario
>>> from transcaspian.sim.options import SimOptions
>>> cm = compile_scenario(load_scenario("baseline-2024"))
>>> est = estimate(cm, SimOptions(years=1, replications=10))
>>> round(est.trains_per_replication), est.events_total > 10 * 30_000
(4778, True)
>>> try:
...     check_budget(cm, SimOptions(years=50, replications=10_000))
... except UserError as e:
...     print(e.problems[0].field)
max_events
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from transcaspian.model.errors import Problem, UserError
from transcaspian.sim.compile import HOURS_PER_MONTH, Compiled
from transcaspian.sim.kernel import array_caps, first_samples, memory_bytes
from transcaspian.sim.montecarlo import worker_count
from transcaspian.sim.options import SimOptions

#: Kernel events per vessel voyage (arrival, berthing, end of discharge, departure).
EVENTS_PER_VOYAGE = 4
#: Bytes per vessel in the kernel's fleet arrays and heap.
VESSEL_BYTES = 400
#: Bytes the driver keeps per replication (its row of the ``replications`` table).
ROW_BYTES = 600


@dataclass(frozen=True)
class Estimate:
    """The estimated cost of a run (all figures are expectations, not bounds)."""

    simulated_years: float            # replications x years
    workers: int
    trains_per_replication: float     # trains released (count)
    train_events_per_replication: float
    voyages_per_replication: float    # vessel crossings (count)
    events_per_replication: float     # kernel events (count)
    events_total: float               # over all replications
    memory_per_worker_bytes: float    # kernel arrays of one replication (bytes)
    memory_total_bytes: float         # all workers plus the driver's aggregates (bytes)
    busiest_flow: str                 # flow releasing the most trains
    busiest_vessel: str               # vessel class with the most voyages


def _train_events(cm: Compiled, r: int) -> int:
    """Events of one train on route ``r``: its release and each step where it pauses."""
    return 1 + sum(1 for chained in cm.chained[r] if not chained)   # only server steps chain


def estimate(cm: Compiled, options: SimOptions) -> Estimate:
    """Estimate the cost of simulating ``cm`` with ``options`` (see the module docstring).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.sim.compile import compile_scenario
    >>> est = estimate(compile_scenario(load_scenario("baseline-2024")), SimOptions(years=2, replications=1))
    >>> est.simulated_years, round(est.trains_per_replication)
    (2.0, 9193)
    """
    horizon_h = options.horizon_h
    years = horizon_h / (12 * HOURS_PER_MONTH)   # simulated years, the warm-up included
    trains: dict[str, float] = {}
    train_events = 0.0
    for f in cm.flows:
        season = sum(f.seasonality) / len(f.seasonality) if f.seasonality else 1.0
        n = f.annual_units / f.units_per_train * season * years
        trains[f.id] = n
        train_events += n * sum(s * _train_events(cm, r) for r, s in zip(f.routes, f.shares, strict=True))
    voyages = {vc.id: vc.count * horizon_h / max(vc.crossing_h + sum(vc.port_time_h) / 2.0, 1e-9)
               for vc in cm.vessels}
    closures = sum(sum(rates) / len(rates) * horizon_h / HOURS_PER_MONTH
                   for _, rates, _ in cm.weather if rates)
    n_trains = sum(trains.values())
    per_rep = train_events + EVENTS_PER_VOYAGE * sum(voyages.values()) + closures
    n_rel = int(min(n_trains, 1e15)) if math.isfinite(n_trains) else 10**15
    n_vessels = sum(vc.count for vc in cm.vessels)
    caps = array_caps(n_rel, n_vessels, len(cm.groups), options.track)
    per_worker = (memory_bytes(caps, first_samples(n_rel) * len(cm.dists), n_rel)
                  + n_vessels * VESSEL_BYTES)
    workers = worker_count(options)
    days = math.ceil(horizon_h / 24.0)
    driver = options.replications * ROW_BYTES + 2 * days * len(cm.nodes) * 8
    return Estimate(
        simulated_years=options.replications * options.years, workers=workers,
        trains_per_replication=n_trains,
        train_events_per_replication=train_events, voyages_per_replication=sum(voyages.values()),
        events_per_replication=per_rep, events_total=per_rep * options.replications,
        memory_per_worker_bytes=per_worker, memory_total_bytes=workers * per_worker + driver,
        busiest_flow=max(trains, key=lambda k: trains[k], default=""),
        busiest_vessel=max(voyages, key=lambda k: voyages[k], default=""))


def _num(x: float) -> str:
    """A count as text: digits with thousands separators from 100 up, else 3 significant digits."""
    return f"{x:,.0f}" if 100 <= x < 1e15 else f"{x:.3g}"


def check_budget(cm: Compiled, options: SimOptions) -> Estimate:
    """The run's :class:`Estimate`, or a UserError listing every ceiling it exceeds.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.sim.compile import compile_scenario
    >>> cm = compile_scenario(load_scenario("baseline-2024"))
    >>> check_budget(cm, SimOptions(replications=2)).workers <= 2
    True
    """
    est = estimate(cm, options)
    problems = []
    if not est.events_total <= options.max_events:
        problems.append(Problem(
            f"replications x years = {_num(est.simulated_years)} simulated years needs "
            f"~{est.events_total:.2g} events ({est.events_per_replication:.3g} a replication; most "
            f"from flow {est.busiest_flow!r} and vessel {est.busiest_vessel!r}); the ceiling is "
            f"{options.max_events:.3g} (option max_events)", field="max_events"))
    if not est.trains_per_replication <= options.max_trains:
        problems.append(Problem(
            f"one replication releases ~{est.trains_per_replication:.3g} trains (most from flow "
            f"{est.busiest_flow!r}: annual_units / units_per_train x years); the ceiling is "
            f"{options.max_trains:,} (option max_trains)", field="max_trains"))
    if not est.memory_per_worker_bytes <= options.max_memory_gb * 1e9:
        problems.append(Problem(
            f"one replication needs ~{est.memory_per_worker_bytes / 1e9:.3g} GB of simulator arrays "
            f"per worker ({est.trains_per_replication:.3g} trains); the ceiling is "
            f"{options.max_memory_gb:g} GB (option max_memory_gb)", field="max_memory_gb"))
    if problems:
        raise UserError(problems, "the simulation options")
    return est
