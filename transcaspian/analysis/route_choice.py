"""Route choice between corridors: a multinomial logit of generalised cost.

A market (e.g. China-Europe containers) splits between alternatives such as the Trans-Caspian
corridor, the northern rail route and the sea routes. Each alternative ``i`` has a generalised
cost per tonne

    GC_i = tariff_i + transit_days_i * value_of_time        (USD/t)

(value of time in USD per tonne per day, e.g. from
:func:`transcaspian.analysis.cba.value_of_time_usd_per_t_day`), and takes the share

    s_i = exp(asc_i - theta * GC_i) / sum_j exp(asc_j - theta * GC_j)

with ``theta`` in 1/(USD/t) and an alternative-specific constant ``asc_i`` (dimensionless) that
captures what the generalised cost leaves out. The constants are calibrated so that the model
reproduces observed shares (:meth:`Logit.calibrate`); ``theta`` comes from the data or from a
published direct cost elasticity (:func:`theta_from_elasticity`). No alternative's name is
special: the alternative of interest (the corridor) is passed to the functions that need one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

SHARE_SUM_TOLERANCE = 1e-6


def generalised_cost_usd_per_t(tariff_usd_per_t: float, transit_days: float,
                               vot_usd_per_t_day: float) -> float:
    """Generalised cost, USD per tonne: tariff plus transit time valued at the value of time.

    Parameters
    ----------
    tariff_usd_per_t : float
        Door-to-door tariff, USD/t.
    transit_days : float
        Transit time, days.
    vot_usd_per_t_day : float
        Value of time of the cargo, USD per tonne per day.

    Examples
    --------
    >>> generalised_cost_usd_per_t(250.0, 20.0, 0.5)
    260.0
    """
    return float(tariff_usd_per_t + transit_days * vot_usd_per_t_day)


def _check_keys(expected: Mapping[str, object], given: Mapping[str, object], what: str) -> None:
    missing, extra = sorted(set(expected) - set(given)), sorted(set(given) - set(expected))
    if missing or extra:
        raise ValueError(f"{what}: alternatives differ (missing {missing}, unexpected {extra})")


@dataclass(frozen=True)
class Logit:
    """A multinomial logit of generalised cost.

    Attributes
    ----------
    theta_per_usd : float
        Cost coefficient, 1/(USD per t), >= 0.
    asc : dict of str to float
        Alternative -> alternative-specific constant (dimensionless).

    Examples
    --------
    >>> gc = {"corridor": 300.0, "north": 280.0, "sea": 200.0}
    >>> m = Logit.calibrate(gc, {"corridor": 0.1, "north": 0.3, "sea": 0.6}, theta_per_usd=0.01)
    >>> {k: round(v, 6) for k, v in m.shares(gc).items()}
    {'corridor': 0.1, 'north': 0.3, 'sea': 0.6}
    >>> round(m.shares({**gc, "corridor": 250.0})["corridor"], 4)
    0.1548
    >>> round(m.elasticity(gc, "corridor"), 2)
    -2.7
    """

    theta_per_usd: float
    asc: dict[str, float]

    def __post_init__(self) -> None:
        if not (math.isfinite(self.theta_per_usd) and self.theta_per_usd >= 0):
            raise ValueError(f"theta_per_usd must be finite and >= 0, got {self.theta_per_usd}")
        if not self.asc:
            raise ValueError("a logit needs at least one alternative")

    def shares(self, gc: Mapping[str, float]) -> dict[str, float]:
        """Shares (fractions summing to 1) of the alternatives at generalised costs ``gc`` (USD/t)."""
        _check_keys(self.asc, gc, "shares")
        names = list(self.asc)
        u = np.array([self.asc[k] - self.theta_per_usd * gc[k] for k in names])
        e = np.exp(u - u.max())
        return dict(zip(names, (e / e.sum()).tolist(), strict=True))

    @classmethod
    def calibrate(cls, gc: Mapping[str, float], observed_shares: Mapping[str, float],
                  theta_per_usd: float) -> Logit:
        """Constants that reproduce ``observed_shares`` at ``gc`` exactly; the first alternative's is 0.

        Raises
        ------
        ValueError
            When the alternatives of ``gc`` and ``observed_shares`` differ, a share is <= 0 (the
            message names the alternative) or the shares do not sum to 1 within 1e-6.
        """
        _check_keys(gc, observed_shares, "calibrate")
        for k, s in observed_shares.items():
            if not s > 0:
                raise ValueError(f"calibrate: the observed share of {k!r} must be > 0, got {s}")
        total = sum(observed_shares.values())
        if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
            raise ValueError(f"calibrate: observed shares sum to {total}, not 1")
        v = {k: math.log(observed_shares[k]) + theta_per_usd * gc[k] for k in gc}
        first = v[next(iter(gc))]
        return cls(theta_per_usd=theta_per_usd, asc={k: x - first for k, x in v.items()})

    def elasticity(self, gc: Mapping[str, float], alternative: str) -> float:
        """Direct elasticity of ``alternative``'s share to its own generalised cost: -theta GC (1 - s)."""
        s = self.shares(gc)[alternative]
        return -self.theta_per_usd * gc[alternative] * (1.0 - s)


def theta_from_elasticity(elasticity: float, gc: float, share: float) -> float:
    """Cost coefficient (1/(USD per t)) that gives a direct cost ``elasticity`` at ``gc`` and ``share``.

    The inverse of :meth:`Logit.elasticity`: ``theta = -elasticity / (gc * (1 - share))``.

    Parameters
    ----------
    elasticity : float
        Direct cost elasticity of the alternative's share (<= 0, dimensionless).
    gc : float
        The alternative's generalised cost, USD/t (> 0).
    share : float
        The alternative's share, in (0, 1).

    Examples
    --------
    >>> round(theta_from_elasticity(-2.7, 300.0, 0.1), 6)
    0.01
    """
    if elasticity > 0:
        raise ValueError(f"a direct cost elasticity is <= 0, got {elasticity}")
    if not gc > 0:
        raise ValueError(f"gc must be > 0, got {gc}")
    if not 0 < share < 1:
        raise ValueError(f"share must be in (0, 1), got {share}")
    return -elasticity / (gc * (1.0 - share))


def response_factor(logit: Logit, gc_calibration: Mapping[str, float], gc_new: Mapping[str, float],
                    alternative: str) -> float:
    """Ratio of ``alternative``'s share at ``gc_new`` to its share at ``gc_calibration``.

    The multiplier on the alternative's calibration-year volume when the costs change and the
    market's total stays the same.

    Examples
    --------
    >>> gc = {"corridor": 300.0, "north": 280.0, "sea": 200.0}
    >>> m = Logit.calibrate(gc, {"corridor": 0.1, "north": 0.3, "sea": 0.6}, theta_per_usd=0.01)
    >>> round(response_factor(m, gc, {**gc, "corridor": 250.0}, "corridor"), 3)
    1.548
    """
    return logit.shares(gc_new)[alternative] / logit.shares(gc_calibration)[alternative]
