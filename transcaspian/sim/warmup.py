"""Warm-up length by Welch's method: the replication-mean of a per-day output (tonnes
delivered a day), smoothed by a centred moving average, and the first day
after which the smoothed curve stays near its steady level (docs/simulator.md, Steady state).

Examples
--------
>>> import numpy as np
>>> days = np.arange(200.0)
>>> series = np.tile(100.0 * (1.0 - np.exp(-days / 10.0)), (5, 1))   # 5 replications
>>> welch_warmup(series, window=5, tol=0.05).day
31
"""

from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np

from transcaspian.model.scenario import Scenario
from transcaspian.sim.compile import Compiled, compile_scenario
from transcaspian.sim.kernel import KernelModel
from transcaspian.sim.montecarlo import rep_seed

__all__ = ["Welch", "daily_delivered_tonnes", "stationary", "welch_curve", "welch_warmup"]


class Welch(NamedTuple):
    """Welch's curve and the warm-up it suggests."""

    curve: np.ndarray     # moving average of the replication means, per day
    level: float          # steady level: mean of the curve's second half
    day: int              # first day from which the curve stays within tol x level of it


def welch_curve(series: np.ndarray, window: int) -> np.ndarray:
    """Welch's moving average of the mean over replications of a per-period output.

    Parameters
    ----------
    series
        Replications x periods (e.g. days).
    window
        Half-width ``w`` of the centred moving average (periods): period ``i >= w`` averages
        ``i - w .. i + w``, an earlier one ``0 .. 2 i`` (Welch 1983; Law, *Simulation Modeling
        and Analysis*, 5th ed., 9.5.1). The curve has ``periods - w`` values.

    Examples
    --------
    >>> welch_curve(np.array([[0.0, 2.0, 4.0, 6.0, 8.0]]), 1).tolist()
    [0.0, 2.0, 4.0, 6.0]
    """
    y = np.asarray(series, float).mean(axis=0)
    m = y.size
    c = np.concatenate([[0.0], np.cumsum(y)])
    out = np.empty(max(m - window, 0))
    for i in range(out.size):
        h = min(i, window)
        out[i] = (c[i + h + 1] - c[i - h]) / (2 * h + 1)
    return out


def welch_warmup(series: np.ndarray, window: int = 7, tol: float = 0.1) -> Welch:
    """Warm-up suggested by Welch's curve: the first period after which the curve stays within
    ``tol`` (share) of its steady level, the mean of its second half.

    Examples
    --------
    >>> w = welch_warmup(np.tile(np.r_[np.zeros(10), np.ones(90)], (3, 1)), window=2, tol=0.05)
    >>> w.day, round(w.level, 2)
    (12, 1.0)
    """
    curve = welch_curve(series, window)
    level = float(curve[curve.size // 2:].mean()) if curve.size else 0.0
    off = np.abs(curve - level) > tol * abs(level)
    bad = np.nonzero(off)[0]
    day = int(bad[-1] + 1) if bad.size else 0
    return Welch(curve, level, day)


def stationary(cm: Compiled) -> Compiled:
    """The compiled scenario with its seasonality removed: every flow at its mean monthly rate,
    every storm regime at its mean monthly closure rate (a copy).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> flat = stationary(compile_scenario(load_scenario("baseline-2024")))
    >>> all(len(set(f.seasonality)) == 1 for f in flat.flows)
    True
    """
    out = copy.deepcopy(cm)
    for f in out.flows:
        mean = sum(f.seasonality) / len(f.seasonality) if f.seasonality else 1.0
        f.seasonality = (mean,) * 12
    out.weather = [(p, (sum(r) / len(r),) * 12 if r else r, d) for p, r, d in out.weather]
    return out


def daily_delivered_tonnes(scenario: Scenario | Compiled, days: int = 365, replications: int = 20,
                           seed: int = 1, flat: bool = True) -> np.ndarray:
    """Tonnes delivered at the destinations each day, per replication, from an empty start
    (no warm-up): replications x days. ``flat``: of the scenario without its seasonality
    (:func:`stationary`), so that the curve shows the start-up transient only.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> daily_delivered_tonnes(load_scenario("baseline-2024"), days=10, replications=2).shape
    (2, 10)
    """
    cm = scenario if isinstance(scenario, Compiled) else compile_scenario(scenario)
    model = KernelModel(stationary(cm) if flat else cm)
    tpu = np.asarray([f.tonnes_per_unit for f in cm.flows])
    codes = {f.id: i for i, f in enumerate(cm.flows)}
    out = np.zeros((replications, days))
    for r in range(replications):
        log = model.run(days * 24.0, rep_seed(seed, r), track=True).log
        d = log[log["event"] == "DELIVER"]
        fi = d["flow"].map(codes).to_numpy(int)
        day = np.minimum((d["time_h"].to_numpy() // 24.0).astype(int), days - 1)
        out[r] = np.bincount(day, weights=d["units"].to_numpy() * tpu[fi], minlength=days)[:days]
    return out


def _main() -> None:   # pragma: no cover - the numbers of docs/simulator.md, Steady state
    """``python -m transcaspian.sim.warmup``: Welch's curve on both built-ins (flat seasonality,
    50 replications of a year from an empty start, w = 15 days, 5 %)."""
    from transcaspian.model import load_scenario

    for name in ("baseline-2024", "target-2030"):
        w = welch_warmup(daily_delivered_tonnes(load_scenario(name), 365, 50, 1), window=15, tol=0.05)
        print(f"{name}: warm-up {w.day} days; steady level {w.level:,.0f} t/day; curve at days "
              + ", ".join(f"{d}: {w.curve[d]:,.0f}" for d in (0, 5, 10, 15, 20, 25, 30, 40, 60, 90)))


if __name__ == "__main__":   # pragma: no cover
    _main()
