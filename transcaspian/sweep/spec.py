"""A sweep specification: the base scenario, the parameters and their ranges, the design, the KPIs.

A spec is a YAML file (docs/sweeps.md), read safely and validated here; every problem is
named with the file and the field (``parameters[2].range``) and raised together as a
:class:`~transcaspian.model.errors.UserError`, which the CLI turns into exit code 2.
Sizes are bounded: at most :data:`MAX_PARAMETERS` parameters and :data:`MAX_POINTS` points.

Examples
--------
>>> spec = parse_spec({"name": "demo", "scenario": "baseline-2024",
...     "design": {"method": "latin_hypercube", "samples": 8},
...     "parameters": [{"name": "level", "field": "sea_level.change_m", "range": [-1.5, 0.0],
...                     "assumption": "plausible 2030 band"}],
...     "kpis": [{"kpi": "served_share"}]})
>>> spec.points(), spec.kpis[0].column, spec.kpis[0].unit
(8, 'served_share', 'share')
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from transcaspian.model.errors import Problem, UserError
from transcaspian.model.loading import MAX_FILE_BYTES, parse_yaml
from transcaspian.model.scenario import Scenario, load_scenario

#: Most points one sweep may run.
MAX_POINTS = 20_000
#: Most parameters one sweep may vary.
MAX_PARAMETERS = 50
#: Most KPIs one sweep may keep.
MAX_KPIS = 50
#: The ``field`` of a parameter that scales the annual units of demand flows (x).
DEMAND_MULTIPLIER = "demand.multiplier"
_NAME = r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$"
_OD = r"^[a-z0-9][a-z0-9_.\-]*:[a-z0-9][a-z0-9_.\-]*$"

#: KPI -> (unit, engine that computes it, meaning).
KPI_KINDS: dict[str, tuple[str, str, str]] = {
    "served_share": ("share", "capacity", "demand tonnes the capacity LP serves / demand tonnes"),
    "served_mt": ("Mt/yr", "capacity", "tonnes the capacity LP serves"),
    "multiplier": ("x", "capacity", "largest uniform demand multiplier the corridor carries"),
    "expected_days": ("days", "capacity", "analytic expected door-to-door days on od (quote)"),
    "p50_days": ("days", "simulate", "simulated median door-to-door days on od"),
    "p90_days": ("days", "simulate", "simulated 90th percentile door-to-door days on od"),
    "waiting_h": ("h", "simulate", "simulated mean wait per passage at port (tonne-weighted)"),
    "sim_served_share": ("share", "simulate", "simulated delivered / demand tonnes in the window"),
    "plan_cost": ("MUSD", "plan", "capital cost of the plan, every project it builds (committed "
                  "ones included), undiscounted (the plan's capex_musd)"),
    "plan_pv_cost": ("MUSD", "plan", "the same, discounted to the start year (pv_capex_musd)"),
    "plan_met": ("share", "plan", "1 when the plan meets the target, 0 when not or when no plan "
                 "reaches it (its mean: the share of points)"),
}
#: Plan options a sweep sets unless its spec does (no simulation check by default).
PLAN_DEFAULTS: dict[str, Any] = {"replications": 0}
_NEEDS_OD = ("expected_days", "p50_days", "p90_days")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Parameter(_Model):
    """One assumption varied by the sweep: a scenario field or the demand multiplier."""

    name: str = Field(..., pattern=_NAME, description="Column name in the points table")
    field: str = Field(..., min_length=1, max_length=200, description="component[id].field, "
                       "sea_level.change_m, or demand.multiplier")
    range: tuple[float, float] | None = Field(None, description="[low, high] in the field's unit")
    values: list[float] | None = Field(None, max_length=1000,
                                       description="Discrete values, equally likely")
    distribution: Literal["uniform", "triangular", "normal"] = "uniform"
    mode: float | None = Field(None, description="triangular: most likely value")
    mean: float | None = Field(None, description="normal: mean (truncated to range)")
    sd: float | None = Field(None, gt=0, description="normal: standard deviation")
    commodities: list[str] = Field(default_factory=list, max_length=100,
                                   description="demand.multiplier: commodity ids (empty: all)")
    source: str | None = Field(None, max_length=500)
    assumption: str | None = Field(None, max_length=500)

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high) of the values the parameter may take (its unit)."""
        if self.values is not None:
            return float(min(self.values)), float(max(self.values))
        assert self.range is not None
        return float(self.range[0]), float(self.range[1])


class Design(_Model):
    """How points are chosen."""

    method: Literal["grid", "latin_hypercube", "sobol", "saltelli", "morris"] = Field(
        ..., description="grid (full factorial), latin_hypercube or sobol (scipy.stats.qmc), "
        "saltelli (SALib, for Sobol indices) or morris (SALib, elementary effects)")
    samples: int = Field(16, ge=1, le=MAX_POINTS, description="Points (latin_hypercube, sobol), "
                         "base samples N (saltelli: N x (k + 2) points) or trajectories "
                         "(morris: N x (k + 1) points)")
    levels: int = Field(4, ge=2, le=100, description="grid: values per range parameter; morris: levels")


class Simulate(_Model):
    """The simulation run at each point (one worker process per point)."""

    replications: int = Field(4, ge=1, le=1000)
    years: float = Field(0.5, gt=0, le=5)
    warmup_days: float = Field(30.0, ge=0, le=365)


class Engines(_Model):
    """Engines run at each point: capacity always; the simulator and the planner when given."""

    simulate: Simulate | None = None
    plan: dict[str, Any] | None = Field(None, description="Options of the planner at each point "
                                        "(PlanOptions: target_mt, year, replications (0), ...)")

    def plan_options(self, seed: int | None = None) -> Any:
        """The planner's options (:class:`~transcaspian.planning.options.PlanOptions`; UserError
        naming each bad one) with a point's ``seed``; None without ``plan``."""
        from transcaspian.planning.options import PlanOptions

        if self.plan is None:
            return None
        given = {} if seed is None else {"seed": seed}
        return PlanOptions.build(**{**PLAN_DEFAULTS, **self.plan, **given})


class Kpi(_Model):
    """One KPI kept per point."""

    kpi: Literal[tuple(KPI_KINDS)]  # type: ignore[valid-type]
    od: str | None = Field(None, pattern=_OD, description="ORIGIN:DESTINATION node ids")
    port: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9_.\-]*$", description="Port node id")

    @property
    def column(self) -> str:
        """Column of the points table: ``p90_days[xian:constanta]``, ``waiting_h[aktau]``."""
        where = self.od or self.port
        return f"{self.kpi}[{where}]" if where else self.kpi

    @property
    def unit(self) -> str:
        return KPI_KINDS[self.kpi][0]

    @property
    def engine(self) -> str:
        return KPI_KINDS[self.kpi][1]


class SweepSpec(_Model):
    """A whole sweep (docs/sweeps.md)."""

    name: str = Field(..., pattern=_NAME)
    description: str = Field("", max_length=2000)
    scenario: str = Field(..., min_length=1, max_length=1024, description="Built-in name or YAML "
                          "path (relative to the spec file)")
    seed: int = Field(1, ge=0, le=2**32 - 1)
    design: Design
    engines: Engines = Engines()
    parameters: list[Parameter] = Field(..., min_length=1, max_length=MAX_PARAMETERS)
    kpis: list[Kpi] = Field(..., min_length=1, max_length=MAX_KPIS)

    def points(self) -> int:
        """Number of points the design makes."""
        d, k = self.design, len(self.parameters)
        if d.method == "grid":
            return math.prod(len(p.values) if p.values is not None else d.levels for p in self.parameters)
        if d.method == "saltelli":
            return d.samples * (k + 2)
        if d.method == "morris":
            return d.samples * (k + 1)
        return d.samples

    def digest(self) -> str:
        """SHA-256 of the spec's canonical JSON (what makes two sweeps the same)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _parameter_problems(i: int, p: Parameter) -> list[tuple[str, str]]:
    out = []
    where = f"parameters[{i}]"
    if (p.range is None) == (p.values is None):
        out.append((f"{where}", "give either range: [low, high] or values: [...]"))
    if p.range is not None and not p.range[0] < p.range[1]:
        out.append((f"{where}.range", f"low must be below high (got {list(p.range)})"))
    if p.values is not None and (len(set(p.values)) < 2 or p.distribution != "uniform"):
        out.append((f"{where}.values", "values need at least two distinct numbers and the "
                    "uniform distribution (each value equally likely)"))
    if p.distribution == "triangular" and (p.mode is None or p.range is None
                                           or not p.range[0] <= p.mode <= p.range[1]):
        out.append((f"{where}.mode", "triangular needs mode inside range"))
    if p.distribution == "normal" and (p.mean is None or p.sd is None):
        out.append((f"{where}.mean", "normal needs mean and sd (truncated to range)"))
    if not (p.source or p.assumption):
        out.append((f"{where}.source", "say where the range comes from: source: (URL, year) or "
                    "assumption: (a one-line reason)"))
    if p.commodities and p.field != DEMAND_MULTIPLIER:
        out.append((f"{where}.commodities", f"commodities applies only to {DEMAND_MULTIPLIER}"))
    return out


def check_spec(spec: SweepSpec, file: str = "") -> list[Problem]:
    """Problems across fields: ranges, provenance, duplicates, engines, power-of-two sizes, points.

    Examples
    --------
    >>> s = SweepSpec.model_validate({"name": "d", "scenario": "baseline-2024",
    ...     "design": {"method": "saltelli", "samples": 12},
    ...     "parameters": [{"name": "a", "field": "sea_level.change_m", "range": [0, -1]}],
    ...     "kpis": [{"kpi": "p90_days", "od": "xian:baku"}]})
    >>> [p.field for p in check_spec(s)]
    ['parameters[0].range', 'parameters[0].source', 'design.samples', 'engines.simulate']
    """
    found: list[tuple[str, str]] = []
    for i, p in enumerate(spec.parameters):
        found += _parameter_problems(i, p)
    for key, label in (("name", "name"), ("field", "field")):
        seen: set[str] = set()
        for i, p in enumerate(spec.parameters):
            value = getattr(p, key)
            if value in seen and not (key == "field" and value == DEMAND_MULTIPLIER):
                found.append((f"parameters[{i}].{key}", f"{label} '{value}' is given twice"))
            seen.add(value)
    d = spec.design
    if d.method in ("saltelli", "sobol") and d.samples & (d.samples - 1):
        found.append(("design.samples", f"{d.method} needs a power of two (got {d.samples}; "
                      f"try {1 << max(0, d.samples.bit_length() - 1)} or {1 << d.samples.bit_length()})"))
    n = spec.points()
    if n > MAX_POINTS:
        found.append(("design", f"{n:,} points; at most {MAX_POINTS:,} (fewer samples, levels or "
                      "parameters)"))
    columns: set[str] = set()
    for i, k in enumerate(spec.kpis):
        if k.kpi in _NEEDS_OD and k.od is None:
            found.append((f"kpis[{i}].od", f"{k.kpi} needs od: ORIGIN:DESTINATION"))
        if k.kpi == "waiting_h" and k.port is None:
            found.append((f"kpis[{i}].port", "waiting_h needs port: a port node id"))
        if k.column in columns:
            found.append((f"kpis[{i}]", f"KPI {k.column} is given twice"))
        columns.add(k.column)
    if spec.engines.simulate is None and any(k.engine == "simulate" for k in spec.kpis):
        found.append(("engines.simulate", "KPIs " + ", ".join(k.column for k in spec.kpis
                      if k.engine == "simulate") + " need the simulator: add engines: simulate: "
                      "{replications: N}"))
    if spec.engines.plan is None and any(k.engine == "plan" for k in spec.kpis):
        found.append(("engines.plan", "KPIs " + ", ".join(k.column for k in spec.kpis
                      if k.engine == "plan") + " need the planner: add engines: plan: "
                      "{target_mt: T, year: Y}"))
    if "seed" in (spec.engines.plan or {}):
        found.append(("engines.plan.seed", "the planner's check uses each point's own seed (from "
                      "the spec's seed:); remove it here"))
    try:
        spec.engines.plan_options()
    except UserError as exc:
        found += [(f"engines.plan.{q.field}" if q.field != "options" else "engines.plan", q.message)
                  for q in exc.problems]
    return [Problem(msg, file=file, field=f) for f, msg in found]


def parse_spec(data: Any, file: str = "<spec>") -> SweepSpec:
    """Validate a parsed spec document (UserError naming every problem with file and field)."""
    if not isinstance(data, dict):
        raise UserError([Problem("a sweep spec is a mapping (name:, scenario:, design:, parameters:, "
                                 "kpis:)", file=file)], "the sweep spec")
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(err["msg"].removeprefix("Value error, "), file=file, field=_loc(err["loc"]))
                    for err in exc.errors()]
        rest = _without(data, [err["loc"] for err in exc.errors()])
        with contextlib.suppress(ValidationError):   # the other fields' problems too (defaults)
            problems += check_spec(SweepSpec.model_validate(rest), file)
        raise UserError(problems, "the sweep spec") from None
    problems = check_spec(spec, file)
    if problems:
        raise UserError(problems, "the sweep spec")
    return spec


def _loc(loc: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _without(data: Any, locs: list[tuple]) -> Any:
    """A copy of ``data`` without the leaves at ``locs`` (so their defaults apply)."""
    out = copy.deepcopy(data)
    for loc in locs:
        node = out
        for key in loc[:-1]:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                break
        else:
            if isinstance(node, dict) and loc and loc[-1] in node:
                del node[loc[-1]]
    return out


def load_spec(path: str | Path) -> tuple[SweepSpec, str]:
    """Read a spec file (safe, bounded YAML): the spec and its text.

    Raises
    ------
    UserError
        The file is missing or too large, not YAML, or not a valid spec (every problem).

    Examples
    --------
    >>> import transcaspian
    >>> examples = Path(transcaspian.__file__).parents[1] / "docs" / "examples"
    >>> spec, text = load_spec(examples / "sweep-caspian.yaml")
    >>> spec.design.method, spec.points()
    ('saltelli', 128)
    """
    path = Path(path)
    if not path.is_file():
        raise UserError([Problem("no such file", file=str(path))], "the sweep spec")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UserError([Problem(f"larger than {MAX_FILE_BYTES:,} bytes", file=str(path))],
                        "the sweep spec")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = parse_yaml(text, str(path))
    except UserError as exc:
        raise UserError(exc.problems, "the sweep spec") from None
    return parse_spec(data, str(path)), text


def open_base(spec: SweepSpec, spec_file: str | Path | None = None) -> Scenario:
    """The base scenario: a built-in name, or a path taken relative to the spec file's folder.

    Examples
    --------
    >>> spec = parse_spec({"name": "d", "scenario": "storm-winter.yaml", "design": {"method": "sobol",
    ...     "samples": 2}, "parameters": [{"name": "x", "field": "sea_level.change_m", "range": [-1, 0],
    ...     "assumption": "demo"}], "kpis": [{"kpi": "multiplier"}]})
    >>> import transcaspian
    >>> examples = Path(transcaspian.__file__).parents[1] / "docs" / "examples"
    >>> open_base(spec, examples / "spec.yaml").files[-1].endswith("storm-winter.yaml")
    True
    """
    return load_scenario(base_ref(spec, spec_file))


def base_ref(spec: SweepSpec, spec_file: str | Path | None = None) -> str:
    """The spec's scenario as a built-in name or a path (relative to the spec file's folder)."""
    ref = spec.scenario
    if spec_file is not None and (ref.endswith((".yaml", ".yml")) or "/" in ref):
        candidate = Path(spec_file).parent / ref
        if candidate.exists():
            ref = str(candidate)
    return ref
