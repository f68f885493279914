"""The simulation a quote or report draws on: read from a cache folder, or run once and cached.

The quote's expected days come from a simulation of the same scenario when one is at hand
(issue 9: one transit-time story). Running it is the simulator's job; this module only keeps
its result, keyed by what determines it: the scenario's content hash, the package version,
the replications and the seed. A cached folder is an ordinary result folder
(:func:`transcaspian.model.results.write_result`, written whole or not at all), so the same
inputs always give the same numbers, cached or not.

The cache lives in ``$TRANSCASPIAN_CACHE_DIR`` or, when unset, ``~/.cache/transcaspian``
(``$XDG_CACHE_HOME/transcaspian`` when that is set).
"""

from __future__ import annotations

import os
from pathlib import Path

from transcaspian.model.results import MARKER, Result, read_result, write_result
from transcaspian.model.scenario import Scenario
from transcaspian.sim.options import DEFAULT_REPLICATIONS, DEFAULT_SEED

__all__ = ["DEFAULT_REPLICATIONS", "DEFAULT_SEED", "cache_dir", "cache_folder", "cached_simulation"]


def cache_dir() -> Path:
    """Folder holding cached simulations (created on first write)."""
    env = os.environ.get("TRANSCASPIAN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "transcaspian"


def cache_folder(scenario: Scenario, replications: int, seed: int) -> Path:
    """The cache folder of one scenario (by content hash), version, replications and seed."""
    version = str(scenario.metadata()["version"]).replace("+", "_")
    return cache_dir() / "simulations" / f"{scenario.hash[:20]}-v{version}-r{replications}-s{seed}"


def cached_simulation(scenario: Scenario, replications: int = DEFAULT_REPLICATIONS,
                      seed: int = DEFAULT_SEED, *, say=None, progress=None) -> Result:
    """One year (after the default warm-up) of ``replications`` replications of ``scenario``,
    read from the cache when present, else simulated and cached.

    ``say(text)`` is told which of the two happens; ``progress(done, total)`` follows the run.
    """
    from transcaspian.sim import SimOptions, simulate
    from transcaspian.sim.tables import SIMULATION

    folder = cache_folder(scenario, replications, seed)
    if (folder / MARKER).is_file():
        if say:
            say(f"using the cached simulation of {scenario.name} ({replications} replications, "
                f"seed {seed}): {folder}")
        return read_result(folder, scenario, SIMULATION)
    if say:
        say(f"simulating {scenario.name} once for the quote's expected days ({replications} "
            f"replications, seed {seed}; cached in {folder})")
    res = simulate(scenario, SimOptions.build(years=1.0, replications=replications, seed=seed),
                   progress=progress)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        write_result(res, folder)
    except OSError as exc:   # a read-only home: the quote still stands, only uncached
        if say:
            say(f"could not cache the simulation ({exc.strerror or exc}); it will run again next time")
    return res
