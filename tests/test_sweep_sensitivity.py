"""Sobol indices of the Ishigami function through the sweep's own design and sensitivity code.

Analytic indices for a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli et al. 2008, Global
Sensitivity Analysis: The Primer, 4.2): S1 = 0.314, 0.442, 0.0; ST = 0.558, 0.442, 0.244.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from transcaspian.sweep.design import design_frame
from transcaspian.sweep.sensitivity import ranking, sensitivity
from transcaspian.sweep.spec import Design, Parameter

A, B = 7.0, 0.1
S1 = {"x1": 0.314, "x2": 0.442, "x3": 0.0}
ST = {"x1": 0.558, "x2": 0.442, "x3": 0.244}


def _ishigami(df: pd.DataFrame) -> np.ndarray:
    x1, x2, x3 = (df[c].to_numpy() for c in ("x1", "x2", "x3"))
    return np.sin(x1) + A * np.sin(x2) ** 2 + B * x3 ** 4 * np.sin(x1)


def _parameters() -> list[Parameter]:
    return [Parameter(name=n, field=n, range=(-math.pi, math.pi), assumption="Ishigami input")
            for n in ("x1", "x2", "x3")]


def test_analytic_indices_hold_for_the_formula() -> None:
    # the oracle itself: V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2, V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8
    v = A ** 2 / 8 + B * math.pi ** 4 / 5 + B ** 2 * math.pi ** 8 / 18 + 0.5
    assert (1 + B * math.pi ** 4 / 5) ** 2 / 2 / v == pytest.approx(S1["x1"], abs=1e-3)
    assert A ** 2 / 8 / v == pytest.approx(S1["x2"], abs=1e-3)


def test_sobol_indices_of_ishigami_from_the_sweep_code() -> None:
    params = _parameters()
    points = design_frame(Design(method="saltelli", samples=2048), params, seed=7)
    assert len(points) == 2048 * 5
    points["y"] = _ishigami(points)
    sens = sensitivity("saltelli", points, params, ["y"], seed=7)
    got = sens.set_index(["parameter", "index"])["value"]
    for name in S1:
        assert got[(name, "S1")] == pytest.approx(S1[name], abs=0.05)
        assert got[(name, "ST")] == pytest.approx(ST[name], abs=0.05)
    assert ranking(sens, "y")["parameter"].tolist() == ["x1", "x2", "x3"]   # by ST


def test_spearman_ranking_of_a_monotone_response() -> None:
    params = _parameters()
    points = design_frame(Design(method="latin_hypercube", samples=64), params, seed=3)
    points["y"] = 5.0 * points["x2"] - 0.01 * points["x3"]   # x2 dominates, x1 absent
    sens = sensitivity("latin_hypercube", points, params, ["y"])
    rho = sens.set_index("parameter")["value"]
    assert rho["x2"] > 0.99 and abs(rho["x1"]) < 0.3
    assert ranking(sens, "y")["parameter"].iloc[0] == "x2"
