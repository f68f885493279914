"""Options of the simulator (:func:`transcaspian.sim.simulate`) as data.

Examples
--------
>>> SimOptions.build(years=2, replications=10).record()["years"]
2.0
>>> SimOptions().replications  # the same default as ``transcaspian simulate``
100
>>> try:
...     SimOptions.build(replications=0)
... except Exception as e:
...     print(e.problems[0].field)
replications
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field

from transcaspian.model.options import EngineOptions
from transcaspian.model.physics import HOURS_PER_YEAR

#: Default warm-up before the measured window (days), chosen by Welch's method on both built-ins
#: (``transcaspian.sim.warmup``; docs/simulator.md, Steady state).
DEFAULT_WARMUP_DAYS = 30.0
#: Default replications and master seed of a simulation: one value for Python and every command
#: (``transcaspian simulate``, and the simulation a quote or report draws on).
DEFAULT_REPLICATIONS = 100
DEFAULT_SEED = 1
#: Most worker processes a run may ask for.
MAX_WORKERS = 2 * (os.cpu_count() or 1)


class SimOptions(EngineOptions):
    """How the Monte Carlo simulation runs (what the corridor is comes from the scenario)."""

    years: float = Field(1.0, gt=0, le=50, description="Simulated time per replication (years of 8,760 h)")
    replications: int = Field(DEFAULT_REPLICATIONS, ge=1, le=1_000_000,
                              description="Independent replications (count; the run must also fit "
                              "max_events)")
    seed: int = Field(DEFAULT_SEED, ge=0, le=2**32 - 1, description="Master seed; replication i uses "
                      "SeedSequence(seed).spawn(n)[i], whatever the number of workers")
    workers: int | None = Field(None, ge=1, le=MAX_WORKERS,
                                description="Worker processes (count; empty: up to 2 cores)")
    warmup_days: float = Field(DEFAULT_WARMUP_DAYS, ge=0, le=3650, description="Warm-up simulated "
                               "before the measured years (days; 0: start empty); the statistics count "
                               "only the last ``years`` of the run (docs/simulator.md, Steady state)")
    track: bool = Field(False, description="Add the per-lot tracking log of replication 0 "
                        "(table ``tracking``)")
    max_events: int = Field(2_000_000_000, ge=1, le=10**15, description="Ceiling on the estimated "
                            "events of the whole run, all replications (count; see sim.budget)")
    max_trains: int = Field(4_000_000, ge=1, le=10**12, description="Ceiling on the estimated trains "
                            "released in one replication (count)")
    max_memory_gb: float = Field(8.0, gt=0, le=4096, description="Ceiling on the estimated simulator "
                                 "memory of one worker process (GB of 1e9 bytes); also caps array "
                                 "growth during a replication")

    @property
    def horizon_h(self) -> float:
        """Simulated time per replication (h): the warm-up and the measured window."""
        return self.warmup_h + self.window_h

    @property
    def window_h(self) -> float:
        """Measured window per replication (h): the last ``years``."""
        return self.years * HOURS_PER_YEAR

    @property
    def warmup_h(self) -> float:
        """Warm-up (h)."""
        return self.warmup_days * 24.0


def sim_options(options: SimOptions | dict[str, Any] | None) -> SimOptions:
    """Options from a SimOptions, a dict of option values (validated) or None (defaults)."""
    if options is None:
        return SimOptions()
    if isinstance(options, SimOptions):
        return options
    return SimOptions.build(**options)
