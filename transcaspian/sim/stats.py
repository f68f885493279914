"""Streaming statistics for Monte Carlo: running moments, CI half-widths, histogram quantiles."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _st


class Moments:
    """Running sum and sum of squares of an array-valued per-replication statistic.

    Merging is done in replication order by the caller, so results do not depend on
    how replications were spread over workers.
    """

    def __init__(self) -> None:
        self.n = 0
        self.s: np.ndarray | float = 0.0
        self.ss: np.ndarray | float = 0.0

    def add(self, x: np.ndarray | float) -> None:
        x = np.asarray(x, float)
        self.n += 1
        self.s = self.s + x
        self.ss = self.ss + x * x

    @property
    def mean(self) -> np.ndarray:
        return np.asarray(self.s, float) / max(self.n, 1)

    def ci95(self) -> np.ndarray:
        """Half-width of the 95% confidence interval of the mean (Student t; NaN if n < 2)."""
        n = self.n
        mean = self.mean
        if n < 2:
            return np.full_like(mean, np.nan, dtype=float)
        var = np.maximum(np.asarray(self.ss, float) / n - mean * mean, 0.0) * n / (n - 1)
        return t975(n - 1) * np.sqrt(var / n)


def t975(dof: int) -> float:
    """97.5% quantile of Student's t with ``dof`` degrees of freedom."""
    return float(_st.t.ppf(0.975, dof)) if dof > 0 else math.nan


def hist_quantiles(counts: np.ndarray, bin_h: float, qs: tuple[float, ...]) -> list[float]:
    """Quantiles (h) of a weighted histogram of equal bins starting at 0, linear within bins.

    Parameters
    ----------
    counts
        Weight in each bin ``[i * bin_h, (i + 1) * bin_h)``.
    bin_h
        Bin width (h).
    qs
        Probabilities in (0, 1).
    """
    total = float(counts.sum())
    if total <= 0:
        return [math.nan] * len(qs)
    cum = np.cumsum(counts)
    out = []
    for q in qs:
        target = q * total
        i = int(np.searchsorted(cum, target, side="left"))
        i = min(i, counts.size - 1)
        prev = cum[i - 1] if i > 0 else 0.0
        frac = (target - prev) / counts[i] if counts[i] > 0 else 0.0
        out.append((i + min(max(frac, 0.0), 1.0)) * bin_h)
    return out
