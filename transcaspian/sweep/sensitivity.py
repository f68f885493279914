"""Global sensitivity of each KPI to each parameter, from a design and its KPI table.

The method follows the design:

``saltelli``
    Sobol indices by SALib (``SALib.analyze.sobol``): first order ``S1`` and total ``ST``
    (shares of the KPI's variance), with 95 % bootstrap confidence half-widths.
``morris``
    Morris elementary effects by SALib (``SALib.analyze.morris``): ``mu_star`` (mean absolute
    effect) and ``sigma`` (its spread), in the KPI's unit per full range of the parameter.
``grid``, ``latin_hypercube``, ``sobol``
    Spearman rank correlation ``spearman`` of KPI and parameter (-1..1), a simpler ranking;
    conf is the 95 % half-width from Fisher's z (``1.96 (1 - rho^2) / sqrt(n - 3)``).

The same function serves the sweep and the tests' analytic cases (the Ishigami function).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from transcaspian.sweep.spec import Parameter
>>> ps = [Parameter(name=n, field=n, range=(0, 1), assumption="demo") for n in ("a", "b")]
>>> x = np.linspace(0, 1, 20)
>>> pts = pd.DataFrame({"a": x, "b": x[::-1] ** 0, "y": 3 * x})
>>> s = sensitivity("latin_hypercube", pts, ps, ["y"])
>>> s.loc[s["parameter"] == "a", "value"].round(6).tolist()
[1.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from transcaspian.sweep.spec import Parameter

#: Design method -> sensitivity method.
METHOD_OF_DESIGN = {"saltelli": "sobol", "morris": "morris", "grid": "spearman",
                    "latin_hypercube": "spearman", "sobol": "spearman"}
#: Sensitivity method -> (index that ranks the parameters, every index it gives).
INDICES = {"sobol": ("ST", ("S1", "ST")), "morris": ("mu_star", ("mu_star", "sigma")),
           "spearman": ("spearman", ("spearman",))}
#: What each index is and its unit ("kpi": the KPI's unit per full range of the parameter).
INDEX_UNITS = {"S1": "share of variance", "ST": "share of variance", "mu_star": "kpi",
               "sigma": "kpi", "spearman": "-1..1"}
SENSITIVITY_COLUMNS = ["kpi", "parameter", "method", "index", "value", "conf"]


def _problem(parameters: Sequence[Parameter]) -> dict:
    return {"num_vars": len(parameters), "names": [p.name for p in parameters],
            "bounds": [[0.0, 1.0]] * len(parameters)}


def _rows(kpi: str, method: str, names: Sequence[str], values: dict[str, np.ndarray],
          conf: dict[str, np.ndarray]) -> list[dict]:
    return [{"kpi": kpi, "parameter": n, "method": method, "index": idx,
             "value": float(values[idx][j]), "conf": float(conf[idx][j])}
            for j, n in enumerate(names) for idx in INDICES[method][1]]


def _one_kpi(method: str, x: np.ndarray, y: np.ndarray, parameters: Sequence[Parameter],
             seed: int, levels: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    k = len(parameters)
    nan = np.full(k, np.nan)
    if not np.isfinite(y).all() or np.ptp(y) == 0:   # failed points or a KPI that does not move
        return ({i: nan for i in INDICES[method][1]}, {i: nan for i in INDICES[method][1]})
    if method == "sobol":
        from SALib.analyze import sobol

        r = sobol.analyze(_problem(parameters), y, calc_second_order=False, seed=seed)
        return {"S1": r["S1"], "ST": r["ST"]}, {"S1": r["S1_conf"], "ST": r["ST_conf"]}
    if method == "morris":
        from SALib.analyze import morris

        r = morris.analyze(_problem(parameters), x, y, num_levels=levels, seed=seed)
        return ({"mu_star": np.asarray(r["mu_star"]), "sigma": np.asarray(r["sigma"])},
                {"mu_star": np.asarray(r["mu_star_conf"]), "sigma": nan})
    rho = np.array([stats.spearmanr(x[:, j], y).statistic if np.ptp(x[:, j]) > 0 else np.nan
                    for j in range(k)])
    half = 1.96 * (1 - rho ** 2) / np.sqrt(max(len(y) - 3, 1))
    return {"spearman": rho}, {"spearman": half}


def sensitivity(design_method: str, points: pd.DataFrame, parameters: Sequence[Parameter],
                kpis: Sequence[str], seed: int = 1, levels: int = 4) -> pd.DataFrame:
    """Sensitivity indices of each KPI column to each parameter (tidy).

    Parameters
    ----------
    design_method
        The design the points come from (:data:`METHOD_OF_DESIGN` picks the method).
    points
        One row per point in point order: a column per parameter (by name) and per KPI.
    parameters
        The spec's parameters (their ranges scale Morris effects to a full range).
    kpis
        KPI columns to analyse.
    seed, levels
        Bootstrap seed; Morris levels (the design's).

    Returns
    -------
    DataFrame
        :data:`SENSITIVITY_COLUMNS`: ``kpi, parameter, method, index`` (S1, ST, mu_star,
        sigma or spearman), ``value, conf`` (95 % half-width); NaN for a KPI that does not
        vary or has failed points.
    """
    method = METHOD_OF_DESIGN[design_method]
    names = [p.name for p in parameters]
    lo = np.array([p.bounds[0] for p in parameters])
    hi = np.array([p.bounds[1] for p in parameters])
    x = (points[names].to_numpy(float) - lo) / (hi - lo)
    rows = []
    for kpi in kpis:
        values, conf = _one_kpi(method, x, points[kpi].to_numpy(float), parameters, seed, levels)
        rows += _rows(kpi, method, names, values, conf)
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


def ranking(sens: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """The parameters of one KPI ranked by the method's main index (|value|, largest first),
    one row per parameter with a column per index and ``<index>_conf``.

    Examples
    --------
    >>> s = pd.DataFrame({"kpi": "y", "parameter": ["a", "b"], "method": "spearman",
    ...                   "index": "spearman", "value": [0.2, -0.9], "conf": [0.1, 0.1]})
    >>> ranking(s, "y")["parameter"].tolist()
    ['b', 'a']
    """
    s = sens[sens["kpi"] == kpi]
    if s.empty:
        return pd.DataFrame(columns=["rank", "parameter"])
    method = str(s["method"].iloc[0])
    main = INDICES[method][0]
    wide = s.pivot(index="parameter", columns="index", values="value")
    conf = s.pivot(index="parameter", columns="index", values="conf").add_suffix("_conf")
    out = wide.join(conf)
    out = out.assign(_key=out[main].abs().fillna(-1)).sort_values("_key", ascending=False,
                                                                    kind="stable")
    out = out.drop(columns="_key").reset_index()
    out.insert(0, "rank", range(1, len(out) + 1))
    return out
