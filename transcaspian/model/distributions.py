"""Probability distributions declared in scenario YAML (times in hours unless the field says).

Forms accepted::

    dwell_h: 6                                   # fixed
    dwell_h: {dist: uniform, low: 4, high: 8}
    dwell_h: {dist: triangular, low: 4, mode: 6, high: 12}
    dwell_h: {dist: lognormal, mean: 6, p90: 11}  # by mean and 90th percentile
    dwell_h: {dist: empirical, values: [2, 6, 24], weights: [0.5, 0.3, 0.2]}
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from transcaspian.model.base import Component, quantity

Z90 = 1.2815515655446004  # standard normal 90th percentile
#: Largest parameter a distribution takes, in the field's unit (10,000 h is ~14 months).
MAX_PARAMETER = 10_000.0
#: Most values an empirical distribution lists.
MAX_VALUES = 10_000
#: How far empirical weights may sum from 1.
WEIGHT_TOLERANCE = 1e-3
#: Unit of a distribution's parameters: that of the field holding it (``dwell_h``: hours).
AS_FIELD = "as the field"
Param = Annotated[float, Field(ge=0, le=MAX_PARAMETER, strict=True, allow_inf_nan=False)]
Weight = Annotated[float, Field(gt=0, le=1, strict=True, allow_inf_nan=False)]


def _param(description: str, **bounds: float) -> Any:
    return quantity(None, unit=AS_FIELD, le=MAX_PARAMETER, description=description, **bounds)


class Distribution(Component):
    """A non-negative random quantity (hours, days or units, as the field name says)."""

    dist: Literal["fixed", "uniform", "triangular", "lognormal", "empirical"] = Field(
        ..., description="Family: fixed | uniform | triangular | lognormal | empirical")
    value: float | None = _param("fixed: the value", ge=0)
    low: float | None = _param("uniform/triangular: minimum", ge=0)
    mode: float | None = _param("triangular: most likely value", ge=0)
    high: float | None = _param("uniform/triangular: maximum", ge=0)
    mean: float | None = _param("lognormal: mean", gt=0)
    p90: float | None = _param("lognormal: 90th percentile", gt=0)
    values: list[Param] | None = quantity(
        None, unit=AS_FIELD, container=True, min_length=1, max_length=MAX_VALUES,
        description=f"empirical: observed values (0 to {MAX_PARAMETER:,} each, at most "
        f"{MAX_VALUES:,})")
    weights: list[Weight] | None = quantity(
        None, unit="1", container=True, min_length=1, max_length=MAX_VALUES,
        description="empirical: probability of each value (> 0, summing to 1; default equal)")

    @model_validator(mode="before")
    @classmethod
    def _number_is_fixed(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"dist": "fixed", "value": data}
        if isinstance(data, bool):
            raise ValueError("a distribution is a number or a {dist: ...} mapping, not true/false")
        return data

    @model_validator(mode="after")
    def _check_parameters(self) -> Distribution:
        need = {
            "fixed": ("value",),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "lognormal": ("mean", "p90"),
            "empirical": ("values",),
        }[self.dist]
        missing = [p for p in need if getattr(self, p) is None]
        if missing:
            raise ValueError(f"{self.dist} distribution needs {', '.join(missing)}")
        allowed = set(need) | ({"weights"} if self.dist == "empirical" else set())
        extra = [p for p in ("value", "low", "mode", "high", "mean", "p90", "values", "weights")
                 if p not in allowed and getattr(self, p) is not None]
        if extra:
            raise ValueError(f"{self.dist} distribution does not take {', '.join(extra)}")
        if self.dist == "uniform" and not self.low <= self.high:
            raise ValueError("uniform needs low <= high")
        if self.dist == "triangular" and not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("triangular needs low <= mode <= high and low < high")
        if self.dist == "lognormal":
            ratio = self.p90 / self.mean
            if ratio <= 1.0:
                raise ValueError("lognormal needs p90 > mean")
            if math.log(ratio) > Z90**2 / 2:
                raise ValueError(
                    f"lognormal p90/mean = {ratio:.2f} exceeds {math.exp(Z90**2 / 2):.2f}, "
                    "the largest ratio a lognormal can have")
        if self.dist == "empirical":
            if self.weights is not None and len(self.weights) != len(self.values):
                raise ValueError("empirical needs one weight per value")
            if self.weights is not None and abs(sum(self.weights) - 1.0) > WEIGHT_TOLERANCE:
                raise ValueError(f"empirical weights must sum to 1 (they sum to "
                                 f"{sum(self.weights):.4f})")
        return self

    # -- numbers ------------------------------------------------------------------------
    def lognormal_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal for the lognormal form."""
        r = math.log(self.p90 / self.mean)
        sigma = Z90 - math.sqrt(Z90**2 - 2.0 * r)
        mu = math.log(self.mean) - sigma**2 / 2.0
        return mu, sigma

    def _probabilities(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        return w / w.sum()

    def mean_value(self) -> float:
        """Expected value."""
        match self.dist:
            case "fixed":
                return float(self.value)
            case "uniform":
                return (self.low + self.high) / 2.0
            case "triangular":
                return (self.low + self.mode + self.high) / 3.0
            case "lognormal":
                return float(self.mean)
            case _:
                return float(np.dot(self._probabilities(), self.values))

    def variance(self) -> float:
        """Variance (squared units)."""
        match self.dist:
            case "fixed":
                return 0.0
            case "uniform":
                return (self.high - self.low) ** 2 / 12.0
            case "triangular":
                a, c, b = self.low, self.mode, self.high
                return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
            case "lognormal":
                _, s = self.lognormal_params()
                return (math.exp(s * s) - 1.0) * self.mean**2
            case _:
                p, v = self._probabilities(), np.asarray(self.values, float)
                m = float(np.dot(p, v))
                return float(np.dot(p, (v - m) ** 2))

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        """Draw ``size`` values (a float when size is None) from ``rng``."""
        match self.dist:
            case "fixed":
                out = np.full(1 if size is None else size, float(self.value))
            case "uniform":
                out = rng.uniform(self.low, self.high, 1 if size is None else size)
            case "triangular":
                if self.low == self.high:
                    out = np.full(1 if size is None else size, float(self.low))
                else:
                    out = rng.triangular(self.low, self.mode, self.high, 1 if size is None else size)
            case "lognormal":
                mu, s = self.lognormal_params()
                out = rng.lognormal(mu, s, 1 if size is None else size)
            case _:
                out = rng.choice(np.asarray(self.values, float), size=1 if size is None else size,
                                 p=self._probabilities())
        return float(out[0]) if size is None else out

    def describe(self) -> str:
        """Short text such as ``lognormal(mean 6, p90 11)``."""
        match self.dist:
            case "fixed":
                return f"{self.value:g}"
            case "uniform":
                return f"uniform({self.low:g}-{self.high:g})"
            case "triangular":
                return f"triangular({self.low:g}, {self.mode:g}, {self.high:g})"
            case "lognormal":
                return f"lognormal(mean {self.mean:g}, p90 {self.p90:g})"
            case _:
                return f"empirical({len(self.values)} values, mean {self.mean_value():g})"
