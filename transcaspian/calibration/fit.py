"""Fit scenario fields to observed KPIs: ``calibrate(scenario, options) -> Result``.

The loss is the weighted mean squared relative error over the observed rows,
``sum_i w_i x error_pct_i^2 / n`` with ``w_i = 1 / tolerance_pct_i^2`` by default, so a loss
of 1 means every row sits at its tolerance and a loss below 1 that the rows are, on average,
inside it. Each evaluation applies the candidate values as an overlay patch
(:class:`~transcaspian.calibration.address.Patcher`) and runs the engine(s) the rows need
(:func:`~transcaspian.calibration.kpis.model_kpis`); the simulator runs with the same seed
every time (common random numbers), so the loss is a deterministic function of the values.

Why Powell: against the simulator the loss is piecewise constant (whole voyages, lots and
trains) and, between seeds, noisy, so finite-difference gradients are zero or huge. Powell's
method is derivative-free, searches along one direction at a time with bounded line
searches, honours the bounds natively, and reaches a useful fit in a few dozen evaluations.
The search runs on the unit cube (each field scaled to its bounds) so that fields with very
different magnitudes are treated alike; ``method="nelder-mead"`` is the alternative.

Examples
--------
>>> from transcaspian.model import load_scenario
>>> s = load_scenario("baseline-2024")
>>> obs = pd.DataFrame([{"kpi": "leg_days", "element": "aktau>alat", "year": 2024, "value": 1.2,
...                      "unit": "days", "tolerance_pct": 2.0, "note": ""}])
>>> opts = CalibrateOptions.build(observed=obs, fit=("vessels[asco-ferry-aktau].speed_kn",
...                               "vessels[asco-ferry-aktau-legacy].speed_kn"), engine="capacity")
>>> res = calibrate(s, opts)
>>> bool(res.meta["loss_after"] < 1 < res.meta["loss_before"])
True
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field
from scipy import optimize

from transcaspian.calibration.address import FitField, Patcher, patch_document, resolve_fields
from transcaspian.calibration.kpis import model_kpis
from transcaspian.model import Scenario
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.executors import Workers
from transcaspian.model.observed import check_elements, load_observed
from transcaspian.model.options import EngineOptions
from transcaspian.model.results import Result
from transcaspian.sim import SimOptions

__all__ = ["CalibrateOptions", "calibrate", "evaluation_loss", "observed_rows"]

#: Error (%) a row counts with when a candidate leaves the model without a figure for it.
MISSING_ERROR_PCT = 100.0


class CalibrateOptions(EngineOptions):
    """What to fit, against which observations and engine, and how hard to search.

    Examples
    --------
    >>> CalibrateOptions.build(fit=("nodes[aktau].port_time_h",)).record()["engine"]
    'auto'
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    observed: str | Path | pd.DataFrame = Field(
        "builtin", description="Observed-KPI CSV file or folder, 'builtin' (the package's files) or "
        "a DataFrame of the same columns")
    fit: tuple[str, ...] = Field((), max_length=20, description="Fields to fit, component[id].field "
                                 "with optional bounds =LOW:HIGH (at least one for calibrate)")
    bounds: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Bounds per field address (field units); overrides the "
        "defaults (value / 4 to value x 4 inside the schema's range)")
    engine: Literal["auto", "capacity", "sim"] = Field(
        "auto", description="auto: each KPI's own engine; capacity or sim where they compute it")
    year: int | None = Field(None, ge=1990, le=2100, description="Observed year to fit (default: the "
                             "scenario's year)")
    weights: dict[str, float] = Field(
        default_factory=dict, description="Weight per row, keyed 'kpi:element' (1/%^2; default "
        "1 / tolerance_pct^2)")
    years: float = Field(1.0, gt=0, le=50, description="Simulated years per evaluation")
    replications: int = Field(1, ge=1, le=10_000, description="Replications per evaluation (count)")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="Seed of every evaluation (common random "
                      "numbers)")
    workers: int | None = Field(1, ge=1, le=64, description="Simulator worker processes (count)")
    warmup_days: float | None = Field(None, ge=0, description="Simulator warm-up (days; default: "
                                      "the simulator's)")
    max_evaluations: int = Field(60, ge=1, le=10_000, description="Most loss evaluations (count)")
    xtol: float = Field(1e-3, gt=0, le=0.5, description="Search tolerance as a share of each "
                        "field's bound range")
    method: Literal["powell", "nelder-mead"] = Field("powell", description="scipy.optimize method")

    def record(self) -> dict[str, Any]:
        """The options as JSON-ready data (a DataFrame of observations shown by its size)."""
        out = self.model_dump(mode="python", exclude={"observed"})
        obs = self.observed
        out["observed"] = str(obs) if isinstance(obs, str | Path) else f"<DataFrame, {len(obs)} rows>"
        out["bounds"] = {k: list(v) for k, v in self.bounds.items()}
        out["fit"] = list(self.fit)
        return out

    def sim_options(self) -> SimOptions:
        """The simulator options every evaluation uses (same seed each time)."""
        extra = {} if self.warmup_days is None else {"warmup_days": self.warmup_days}
        return SimOptions.build(years=self.years, replications=self.replications, seed=self.seed,
                                workers=self.workers, **extra)


def observed_rows(scenario: Scenario, observed: str | Path | pd.DataFrame,
                  year: int | None = None) -> pd.DataFrame:
    """Observed rows of one year whose elements exist in the scenario (UserError otherwise).

    ``observed`` is a file or folder (:func:`~transcaspian.model.observed.load_observed`),
    ``"builtin"`` for the package's files, or a DataFrame of the vocabulary's columns.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> rows = observed_rows(load_scenario("baseline-2024"), "builtin")
    >>> set(rows["year"]) == {2024}
    True
    """
    if isinstance(observed, pd.DataFrame):
        df = observed.copy()
    else:
        df = load_observed(None if str(observed) == "builtin" else observed)
    problems = check_elements(scenario, df)
    if problems:
        raise UserError(problems, "observed data")
    year = scenario.year if year is None else year
    df = df[df["year"] == year].reset_index(drop=True)
    if df.empty:
        raise UserError([Problem(f"no observed figure for {year}", field="observed")], "the options")
    return df


def evaluation_loss(check: pd.DataFrame, weights: np.ndarray) -> float:
    """Weighted mean squared relative error (%^2 x weight) of a :func:`model_kpis` table.

    Rows the model gives no figure for count with an error of 100 %.

    Examples
    --------
    >>> t = pd.DataFrame({"error_pct": [10.0, float("nan")]})
    >>> evaluation_loss(t, np.array([0.01, 0.0]))
    0.5
    """
    err = check["error_pct"].to_numpy(dtype=float)
    err = np.where(np.isfinite(err), err, MISSING_ERROR_PCT)
    return float(np.sum(weights * err**2) / max(1, len(err)))


@dataclass
class _Search:
    """The objective over the unit cube, with its evaluation log and cache."""

    scenario: Scenario
    fields: list[FitField]
    rows: pd.DataFrame
    options: CalibrateOptions
    progress: Callable[[int, int, float, float], None] | None
    executor: Executor | Workers | None = None
    patcher: Patcher = field(init=False)
    weights: np.ndarray = field(init=False, default_factory=lambda: np.zeros(0))
    cache: dict[tuple[float, ...], tuple[float, pd.DataFrame]] = field(default_factory=dict)
    trace: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.patcher = Patcher(self.scenario)
        self.lo = np.array([f.lower for f in self.fields])
        self.hi = np.array([f.upper for f in self.fields])
        self.sim = self.options.sim_options()

    def values(self, u: np.ndarray) -> tuple[float, ...]:
        x = self.lo + np.clip(u, 0.0, 1.0) * (self.hi - self.lo)
        return tuple(float(f.value(v)) for f, v in zip(self.fields, x, strict=True))

    def check(self, values: tuple[float, ...]) -> pd.DataFrame | None:
        try:
            scen = self.patcher.apply(self.fields, values)
        except UserError:
            return None
        return model_kpis(scen, self.rows, engine=self.options.engine, sim_options=self.sim,
                          executor=self.executor)

    def __call__(self, u: np.ndarray) -> float:
        values = self.values(u)
        if values in self.cache:
            return self.cache[values][0]
        if len(self.trace) >= self.options.max_evaluations:
            raise _Budget
        return self.add(values, self.check(values))

    def add(self, values: tuple[float, ...], table: pd.DataFrame | None) -> float:
        """Log one evaluation; its loss (a huge number when the candidate does not validate)."""
        loss = math.inf if table is None else evaluation_loss(table, self.weights)
        self.cache[values] = (loss, table)
        best = min([loss, *(t["loss"] for t in self.trace)])
        self.trace.append({"evaluation": len(self.trace) + 1, "loss": loss, "best_loss": best,
                           "values": "; ".join(f"{f.address}={v:g}" for f, v in
                                               zip(self.fields, values, strict=True))})
        if self.progress is not None:
            self.progress(len(self.trace), self.options.max_evaluations, loss, best)
        return loss if math.isfinite(loss) else 1e300

    def best(self) -> tuple[tuple[float, ...], float, pd.DataFrame]:
        values, (loss, table) = min(self.cache.items(), key=lambda kv: kv[1][0])
        return values, loss, table


class _Budget(Exception):
    """The evaluation budget is spent."""


def _weights(rows: pd.DataFrame, before: pd.DataFrame, given: dict[str, float]) -> np.ndarray:
    keys = [f"{k}:{e}" for k, e in zip(rows["kpi"], rows["element"], strict=True)]
    unknown = sorted(set(given) - set(keys))
    if unknown:
        raise UserError([Problem(f"weight for '{k}', which is not an observed row (kpi:element)",
                                 field="weights") for k in unknown], "the options")
    w = np.array([given.get(k, 1.0 / t**2) for k, t in zip(keys, rows["tolerance_pct"], strict=True)])
    computable = np.isfinite(before["modelled"].to_numpy(dtype=float))
    if not computable.any():
        raise UserError([Problem("the model computes none of the observed figures: "
                                 + "; ".join(sorted(set(before["model_note"]))), field="observed")],
                        "the options")
    return np.where(computable, w, 0.0)


def calibrate(scenario: Scenario, options: CalibrateOptions, *,
              progress: Callable[[int, int, float, float], None] | None = None,
              executor: Executor | Workers | None = None) -> Result:
    """Fit ``options.fit`` fields of ``scenario`` to observed KPIs.

    Parameters
    ----------
    options
        :class:`CalibrateOptions`.
    progress
        Called after each evaluation with (evaluation, max evaluations, loss, best loss).
    executor
        Where each evaluation's simulator replications run (:func:`transcaspian.sim.simulate`).

    Returns
    -------
    Result
        Tables ``fit``, ``kpis``, ``trace`` (:data:`~transcaspian.calibration.tables.CALIBRATION`);
        meta: ``loss_before``, ``loss_after``, ``evaluations``, ``seed``, ``observed``,
        ``date``, ``fitted`` (address -> value) and ``overlay`` (the patch, with provenance,
        that :func:`~transcaspian.calibration.overlay.overlay_text` writes).

    Rows the model cannot compute with the scenario's values (see ``model_note``) are kept
    in ``kpis`` with weight 0.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> obs = pd.DataFrame([{"kpi": "vessel_turnaround_h", "element": "kuryk/asco-roro-kuryk",
    ...                      "year": 2024, "value": 12.0, "unit": "h", "tolerance_pct": 5.0, "note": ""}])
    >>> res = calibrate(s, CalibrateOptions.build(observed=obs, fit=("nodes[kuryk].port_time_h",),
    ...                                           engine="capacity"))
    >>> bool(res["kpis"]["within"].all()), res["fit"]["field"].tolist()
    (True, ['nodes[kuryk].port_time_h'])
    """
    rows = observed_rows(scenario, options.observed, options.year)
    fields = resolve_fields(scenario, options.fit, options.bounds)
    search = _Search(scenario, fields, rows, options, progress, executor)
    start = np.array([0.5 if math.isnan(f.current) else (f.current - f.lower) / (f.upper - f.lower)
                      for f in fields])
    start_values = search.values(start)
    before = search.check(start_values)
    if before is None:
        raise UserError([Problem("the scenario with its own values does not validate", field="fit")])
    search.weights = _weights(rows, before, options.weights)
    search.add(start_values, before)
    message = "evaluation budget spent"
    try:
        res = optimize.minimize(search, np.clip(start, 0.0, 1.0),   # a current value may lie outside
                                method="Powell" if options.method == "powell"
                                else "Nelder-Mead", bounds=[(0.0, 1.0)] * len(fields),
                                options={"xtol": options.xtol, "ftol": 1e-6,
                                         "maxfev": options.max_evaluations})
        message = str(res.message)
    except _Budget:
        pass
    values, loss_after, after = search.best()
    return _result(scenario, options, fields, rows, search, before, after, values, loss_after, message)


def _result(scenario: Scenario, options: CalibrateOptions, fields: list[FitField], rows: pd.DataFrame,
            search: _Search, before: pd.DataFrame, after: pd.DataFrame, values: tuple[float, ...],
            loss_after: float, message: str) -> Result:
    loss_before = search.trace[0]["loss"]
    date = dt.datetime.now(dt.UTC).date().isoformat()
    label = options.record()["observed"]
    label = "the package's observed files" if label == "builtin" else f"observed {label}"
    provenance = {"assumption": f"calibrated to {label} by transcaspian calibrate on {date} "
                                f"(loss {loss_before:.4g} -> {loss_after:.4g})"}
    fit = pd.DataFrame({"field": [f.address for f in fields], "unit": [f.unit for f in fields],
                        "before": [f.current for f in fields], "after": list(values),
                        "lower": [f.lower for f in fields], "upper": [f.upper for f in fields]})
    kpis = pd.DataFrame({
        "kpi": rows["kpi"].astype(str), "element": rows["element"].astype(str),
        "year": rows["year"].astype("int64"), "unit": rows["unit"].astype(str),
        "observed": rows["value"].astype(float), "before": before["modelled"],
        "after": after["modelled"], "error_before_pct": before["error_pct"],
        "error_after_pct": after["error_pct"], "tolerance_pct": rows["tolerance_pct"].astype(float),
        "within": after["within"].astype(bool), "weight": search.weights, "engine": after["engine"]})
    trace = pd.DataFrame(search.trace, columns=["evaluation", "loss", "best_loss", "values"]).astype(
        {"evaluation": "int64", "loss": "float64", "best_loss": "float64"})
    meta = scenario.metadata(options=options.record(), seed=options.seed, loss_before=loss_before,
                             loss_after=loss_after, evaluations=len(search.trace), observed=label,
                             date=date, optimizer=message,
                             fitted={f.address: v for f, v in zip(fields, values, strict=True)},
                             overlay=patch_document(fields, values, provenance))
    return Result(meta, {"fit": fit, "kpis": kpis, "trace": trace})
