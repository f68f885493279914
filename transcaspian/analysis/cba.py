"""Appraisal arithmetic after the EU Guide to Cost-Benefit Analysis of Investment Projects.

Source: European Commission, DG REGIO, *Guide to Cost-Benefit Analysis of Investment Projects.
Economic appraisal tool for Cohesion Policy 2014-2020*, December 2014,
https://ec.europa.eu/regional_policy/sources/studies/cba_guide.pdf. What this module follows:

- the discounted cash flow method: yearly flows in constant prices, discounted to a base year
  with ``1 / (1 + r) ** (t - base_year)`` (:func:`discount_factors`, :func:`npv`);
- the economic performance indicators of the economic analysis: economic net present value
  (ENPV), economic internal rate of return (EIRR) and benefit/cost ratio (B/C)
  (:func:`irr`, :func:`benefit_cost_ratio`, :func:`appraise`);
- the residual value of fixed assets at the end of the reference period, here the option of
  the value of the assets by (straight-line) depreciation (:func:`residual_value`);
- the reference periods by sector (:data:`REFERENCE_PERIOD_YEARS`: railways 30 years,
  ports 25, roads 25-30) and the discount rates (:data:`SOCIAL_DISCOUNT_RATE_COHESION` 5 %
  in cohesion countries, :data:`SOCIAL_DISCOUNT_RATE_OTHER` 3 % in the others,
  :data:`FINANCIAL_DISCOUNT_RATE` 4 %), which the Guide takes over from Commission Delegated
  Regulation (EU) No 480/2014.

The value of time of goods in transit (:func:`value_of_time_usd_per_t_day`) follows the
standard inventory-carrying-cost approach: the capital tied up in the cargo costs its value
times an annual interest rate, spread over 365 days.

All money is in million USD (``_musd``) unless a name says otherwise; rates are fractions per
year (0.05 = 5 %/year); years are calendar years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

#: Reference periods by sector in years (EU CBA Guide 2014; Delegated Regulation 480/2014).
REFERENCE_PERIOD_YEARS: dict[str, tuple[int, int]] = {
    "railways": (30, 30),
    "ports": (25, 25),
    "roads": (25, 30),
}
#: Social discount rate in cohesion countries, per year.
SOCIAL_DISCOUNT_RATE_COHESION = 0.05
#: Social discount rate in the other Member States, per year.
SOCIAL_DISCOUNT_RATE_OTHER = 0.03
#: Financial discount rate, per year (real terms).
FINANCIAL_DISCOUNT_RATE = 0.04

#: IRR search interval: rates per year in (IRR_LOW, IRR_HIGH).
IRR_LOW, IRR_HIGH = -0.99, 10.0


def discount_factors(years: ArrayLike, base_year: int, rate: float) -> np.ndarray:
    """Discount factors ``1 / (1 + rate) ** (year - base_year)``.

    Parameters
    ----------
    years : array of int
        Calendar years.
    base_year : int
        The year whose factor is 1.
    rate : float
        Discount rate per year (fraction), > -1.

    Returns
    -------
    numpy.ndarray
        One dimensionless factor per year.

    Examples
    --------
    >>> discount_factors([2024, 2025, 2026], 2024, 0.10).round(4).tolist()
    [1.0, 0.9091, 0.8264]
    """
    if rate <= -1:
        raise ValueError(f"discount rate must be > -1, got {rate}")
    t = np.asarray(years, dtype=float) - base_year
    return (1.0 + rate) ** -t


def npv(rate: float, flows: ArrayLike) -> float:
    """Net present value; ``flows[0]`` is at t = 0 and not discounted (numpy-financial's convention).

    Parameters
    ----------
    rate : float
        Discount rate per period (fraction), > -1.
    flows : array of float
        Net flow per period (any money unit; the result is in the same unit).

    Returns
    -------
    float
        ``sum(flows[t] / (1 + rate) ** t)``.

    Examples
    --------
    >>> round(npv(0.10, [-100, 60, 60]), 4)
    4.1322
    """
    f = np.asarray(flows, dtype=float)
    return float(np.sum(f * discount_factors(np.arange(f.size), 0, rate)))


def _scaled_npv(rate: float, f: np.ndarray) -> float:
    """``npv`` times ``(1 + rate) ** (n - 1)`` below 0: same sign and roots, no overflow near -1."""
    if rate >= 0:
        return npv(rate, f)
    return float(np.sum(f * (1.0 + rate) ** np.arange(f.size - 1, -1, -1)))


def _rate_grid() -> np.ndarray:
    """Scan points of the IRR bracket search: fine near 0, coarser towards the ends, 0 included."""
    return np.unique(np.concatenate([np.linspace(IRR_LOW, 0.0, 400, endpoint=False)[1:],
                                     np.linspace(0.0, 1.0, 401), np.geomspace(1.0, IRR_HIGH, 200)[1:-1]]))


def irr(flows: ArrayLike) -> float:
    """Internal rate of return: the rate at which :func:`npv` is 0.

    The interval (-0.99, 10) is scanned for sign changes of the NPV and each bracket is solved
    with :func:`scipy.optimize.brentq`; when there are several roots (non-conventional flows)
    the one closest to 0 is returned. Roots closer together than the scan step may be missed.

    Parameters
    ----------
    flows : array of float
        Net flow per period, ``flows[0]`` at t = 0.

    Returns
    -------
    float
        The rate per period (fraction), or NaN when the flows do not change sign or the NPV has
        no root in (-0.99, 10).

    Examples
    --------
    >>> round(irr([-100, 110]), 6)
    0.1
    >>> irr([100, 10])
    nan
    """
    f = np.asarray(flows, dtype=float)
    nonzero = f[f != 0]
    if nonzero.size < 2 or np.all(nonzero > 0) or np.all(nonzero < 0):
        return float("nan")
    grid = _rate_grid()
    values = np.array([_scaled_npv(r, f) for r in grid])
    roots = list(grid[values == 0])
    for i in np.flatnonzero(values[:-1] * values[1:] < 0):
        roots.append(brentq(_scaled_npv, grid[i], grid[i + 1], args=(f,), xtol=1e-14, rtol=1e-12))
    if not roots:
        return float("nan")
    return float(min(roots, key=abs))


def benefit_cost_ratio(pv_benefits: float, pv_costs: float) -> float:
    """Benefit/cost ratio of present values (dimensionless); NaN when the costs are 0.

    Examples
    --------
    >>> benefit_cost_ratio(150.0, 100.0)
    1.5
    >>> benefit_cost_ratio(10.0, 0.0)
    nan
    """
    return float("nan") if pv_costs == 0 else float(pv_benefits / pv_costs)


def payback_year(years: ArrayLike, net_flows: ArrayLike, rate: float = 0.0) -> int | None:
    """First year in which the cumulative net flow is >= 0 after having been negative.

    Parameters
    ----------
    years : array of int
        Calendar years of the flows.
    net_flows : array of float
        Net flow (benefits - costs) per year, any money unit.
    rate : float
        When > 0 the flows are discounted to ``years[0]`` at this rate per year first
        (discounted payback).

    Returns
    -------
    int or None
        The payback year, or None if the cumulative flow is never negative or never recovers.

    Examples
    --------
    >>> payback_year([2024, 2025, 2026, 2027], [-100, 40, 60, 10])
    2026
    >>> payback_year([2024, 2025, 2026, 2027], [-100, 40, 60, 10], rate=0.10) is None
    True
    """
    y = np.asarray(years)
    f = np.asarray(net_flows, dtype=float)
    if rate > 0:
        f = f * discount_factors(y, int(y[0]), rate)
    cum = np.cumsum(f)
    negative = np.flatnonzero(cum < 0)
    if negative.size == 0:
        return None
    after = np.flatnonzero(cum[negative[0]:] >= 0)
    return int(y[negative[0] + after[0]]) if after.size else None


def residual_value(capex_musd: float, in_service_year: int, lifetime_years: float, end_year: int) -> float:
    """Undepreciated share of an investment at the end of the reference period (straight line).

    The asset serves from the start of ``in_service_year`` to the end of ``end_year``, i.e.
    ``end_year - in_service_year + 1`` years of its ``lifetime_years``; the residual value is
    ``capex * (1 - years served / lifetime)``, clipped to [0, capex] (0 when the life is over,
    the full capex when it enters service after the end of the period).

    Parameters
    ----------
    capex_musd : float
        Investment cost, million USD.
    in_service_year, end_year : int
        First calendar year of service; last calendar year of the reference period.
    lifetime_years : float
        Economic life, years (> 0).

    Returns
    -------
    float
        Residual value, million USD.

    Examples
    --------
    >>> residual_value(100.0, 2030, 40, 2059)
    25.0
    >>> residual_value(100.0, 2030, 20, 2059)
    0.0
    """
    if lifetime_years <= 0:
        raise ValueError(f"lifetime_years must be > 0, got {lifetime_years}")
    served = end_year - in_service_year + 1
    return float(capex_musd * min(1.0, max(0.0, 1.0 - served / lifetime_years)))


@dataclass(frozen=True)
class Appraisal:
    """Performance indicators of a project (see :func:`appraise`).

    ``npv_musd`` and the present values are in million USD at the base year; ``bcr`` is
    dimensionless; ``eirr`` is a rate per year (NaN when undefined); ``payback_year`` is the
    discounted payback year or None.
    """

    npv_musd: float
    bcr: float
    eirr: float
    payback_year: int | None
    pv_benefits_musd: float
    pv_costs_musd: float


def appraise(years: ArrayLike, costs_musd: ArrayLike, benefits_musd: ArrayLike, rate: float,
             base_year: int) -> Appraisal:
    """ENPV, B/C ratio, EIRR and discounted payback of yearly costs and benefits.

    Parameters
    ----------
    years : array of int
        Consecutive calendar years of the reference period.
    costs_musd : array of float
        Costs per year (capex and opex), million USD, positive numbers.
    benefits_musd : array of float
        Benefits per year, million USD; the caller adds the residual value (:func:`residual_value`)
        to the last year's benefits if wanted.
    rate : float
        Discount rate per year (e.g. :data:`SOCIAL_DISCOUNT_RATE_COHESION`).
    base_year : int
        Year the present values refer to.

    Returns
    -------
    Appraisal

    Examples
    --------
    >>> a = appraise([2024, 2025, 2026], [100, 0, 0], [0, 60, 60], 0.10, 2024)
    >>> round(a.npv_musd, 4), round(a.bcr, 4), round(a.eirr, 4), a.payback_year
    (4.1322, 1.0413, 0.1307, 2026)
    """
    y = np.asarray(years)
    c = np.asarray(costs_musd, dtype=float)
    b = np.asarray(benefits_musd, dtype=float)
    if not (y.shape == c.shape == b.shape) or y.ndim != 1:
        raise ValueError("years, costs_musd and benefits_musd must be 1-D arrays of the same length")
    if y.size > 1 and np.any(np.diff(y) != 1):
        raise ValueError("years must be consecutive")
    df = discount_factors(y, base_year, rate)
    pv_b, pv_c = float(np.sum(b * df)), float(np.sum(c * df))
    return Appraisal(npv_musd=pv_b - pv_c, bcr=benefit_cost_ratio(pv_b, pv_c), eirr=irr(b - c),
                     payback_year=payback_year(y, b - c, rate), pv_benefits_musd=pv_b, pv_costs_musd=pv_c)


def value_of_time_usd_per_t_day(value_usd_per_t: float, annual_rate: float) -> float:
    """Capital cost of goods in transit, USD per tonne per day: ``value * annual_rate / 365``.

    Standard inventory-carrying-cost approach (interest on the value of the cargo only;
    storage, insurance and obsolescence are not included).

    Parameters
    ----------
    value_usd_per_t : float
        Value of the cargo, USD per tonne.
    annual_rate : float
        Interest (cost of capital) per year, fraction.

    Examples
    --------
    >>> round(value_of_time_usd_per_t_day(1000.0, 0.08), 3)
    0.219
    """
    return float(value_usd_per_t * annual_rate / 365.0)
