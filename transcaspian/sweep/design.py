"""The points of a sweep: a design in the unit hypercube, mapped to parameter values.

``grid`` is a full factorial over each parameter's values (or ``levels`` evenly spaced over
its range); ``latin_hypercube`` and ``sobol`` come from :mod:`scipy.stats.qmc`; ``saltelli``
(for Sobol indices) and ``morris`` from SALib's samplers. A unit value ``u`` becomes a value
by the parameter's distribution (inverse CDF over its range; a list of values is a discrete
uniform choice; an integer field such as a vessel count takes each whole number of its range
with equal probability under ``uniform``).

Examples
--------
>>> from transcaspian.sweep.spec import Design, Parameter
>>> p = Parameter(name="n", field="vessels[v].count", range=(2, 4), assumption="demo")
>>> design_frame(Design(method="grid", levels=3), [p], seed=1, integer=[True])["n"].tolist()
[2, 3, 4]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from transcaspian.sweep.spec import Design, Parameter


def unit_values(p: Parameter, u: np.ndarray, integer: bool = False) -> np.ndarray:
    """Map unit-interval draws ``u`` to the parameter's values (its unit).

    Examples
    --------
    >>> p = Parameter(name="x", field="sea_level.change_m", range=(-2, 0), assumption="demo")
    >>> unit_values(p, np.array([0.0, 0.5, 1.0])).tolist()
    [-2.0, -1.0, 0.0]
    """
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    if p.values is not None:
        idx = np.minimum((u * len(p.values)).astype(int), len(p.values) - 1)
        return np.asarray(p.values, dtype=float)[idx]
    lo, hi = p.bounds
    if p.distribution == "triangular":
        x = stats.triang.ppf(u, (p.mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    elif p.distribution == "normal":
        x = stats.truncnorm.ppf(u, (lo - p.mean) / p.sd, (hi - p.mean) / p.sd, loc=p.mean, scale=p.sd)
    elif integer:
        a, b = int(np.ceil(lo)), int(np.floor(hi))
        return np.minimum(a + np.floor(u * (b - a + 1)), b).astype(int)
    else:
        x = lo + u * (hi - lo)
    return np.round(x).astype(int) if integer else np.asarray(x, dtype=float)


def unit_design(design: Design, k: int, seed: int) -> np.ndarray:
    """The design's points in the unit hypercube, shape (points, k); not for ``grid``.

    Examples
    --------
    >>> unit_design(Design(method="morris", samples=3, levels=4), k=2, seed=1).shape
    (9, 2)
    """
    problem = {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0.0, 1.0]] * k}
    if design.method == "latin_hypercube":
        return qmc.LatinHypercube(d=k, seed=seed).random(design.samples)
    if design.method == "sobol":
        return qmc.Sobol(d=k, scramble=True, seed=seed).random_base2(int(np.log2(design.samples)))
    if design.method == "saltelli":
        from SALib.sample import sobol as saltelli

        return saltelli.sample(problem, design.samples, calc_second_order=False, seed=seed)
    if design.method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, design.samples, num_levels=design.levels, seed=seed)
    raise ValueError(f"no unit design for {design.method}")


def _grid_axis(p: Parameter, levels: int, integer: bool) -> list[float]:
    if p.values is not None:
        return list(p.values)
    lo, hi = p.bounds
    axis = np.linspace(lo, hi, levels)
    return sorted({int(np.round(v)) for v in axis}) if integer else [float(v) for v in axis]


def design_frame(design: Design, parameters: Sequence[Parameter], seed: int,
                 integer: Sequence[bool] | None = None) -> pd.DataFrame:
    """Parameter values of every point, in point order (index ``point`` from 0).

    Parameters
    ----------
    design
        The spec's design.
    parameters
        The spec's parameters (columns, by ``name``).
    seed
        Seed of the samplers (the spec's seed).
    integer
        Per parameter: the field holds whole numbers (default: none does).

    Examples
    --------
    >>> from transcaspian.sweep.spec import Design, Parameter
    >>> ps = [Parameter(name=n, field=n, range=(0, 1), assumption="demo") for n in ("a", "b")]
    >>> design_frame(Design(method="saltelli", samples=4), ps, seed=1).shape
    (16, 2)
    """
    integer = list(integer) if integer is not None else [False] * len(parameters)
    names = [p.name for p in parameters]
    if design.method == "grid":
        axes = [_grid_axis(p, design.levels, i) for p, i in zip(parameters, integer, strict=True)]
        df = pd.DataFrame(list(itertools.product(*axes)), columns=names)
    else:
        u = unit_design(design, len(parameters), seed)
        df = pd.DataFrame({p.name: unit_values(p, u[:, j], integer[j])
                           for j, p in enumerate(parameters)})
    df.index.name = "point"
    return df
