"""The API's bodies, built from the engines' option classes and result-table declarations.

Request bodies copy the fields (type, bounds, default, description) of each engine's
options class, less those the server sets itself (worker processes, budgets, files on the
server's disk), so the API and the CLI accept the same values and the OpenAPI document
shows the same descriptions. Responses of the engines are typed table by table from their
``ResultSchema``: a column's dtype becomes its JSON type (a float may be null: NaN or
infinity), so a response that departs from the declared tables fails schema validation.

Examples
--------
>>> from transcaspian.sim.options import SimOptions
>>> Sim = options_model(SimOptions, SERVER_SET["simulate"], "SimulateOptions")
>>> sorted(Sim.model_fields)[:3], "workers" in Sim.model_fields
(['replications', 'seed', 'track'], False)
>>> Sim(years=2).years
2.0
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from transcaspian.analysis.capacity import CapacityOptions
from transcaspian.analysis.compare import CompareOptions
from transcaspian.analysis.quote import QuoteOptions
from transcaspian.analysis.tables import CAPACITY, COMPARE, QUOTE
from transcaspian.calibration.fit import CalibrateOptions
from transcaspian.calibration.tables import CALIBRATION
from transcaspian.model.options import EngineOptions
from transcaspian.model.results import ResultSchema, TableSchema
from transcaspian.model.schema import ID_PATTERN
from transcaspian.planning.options import PlanOptions
from transcaspian.planning.tables import PLAN
from transcaspian.sim.options import SimOptions
from transcaspian.sim.tables import SIMULATION

#: Option fields the server sets, by engine: processes, resource ceilings, files on its disk.
SERVER_SET: dict[str, frozenset[str]] = {
    "simulate": frozenset({"workers", "max_events", "max_trains", "max_memory_gb"}),
    "calibrate": frozenset({"workers", "observed"}),
    "plan": frozenset(),
    "capacity": frozenset({"max_lp_nonzeros"}),
    "quote": frozenset(),
}
#: Role of a token: what it may do within its team.
Role = Literal["viewer", "analyst", "admin"]
JobKind = Literal["simulate", "calibrate", "plan"]
JobStatus = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
ScenarioName = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN,
                                    description="Built-in scenario name or one of the team's",
                                    examples=["baseline-2024", "target-2030"])]


class Body(BaseModel):
    """Base of the request bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def options_model(options: type[EngineOptions], exclude: frozenset[str], name: str,
                  base: type[BaseModel] = Body, **extra: Any) -> type[BaseModel]:
    """A request model with the fields of ``options`` (less ``exclude``) and ``extra`` ones."""
    fields: dict[str, Any] = {k: (f.annotation, f) for k, f in options.model_fields.items()
                              if k not in exclude}
    return create_model(name, __base__=base, __doc__=options.__doc__, **extra, **fields)


SimulateOptions = options_model(SimOptions, SERVER_SET["simulate"], "SimulateOptions")
CalibrateJobOptions = options_model(CalibrateOptions, SERVER_SET["calibrate"], "CalibrateJobOptions")
PlanJobOptions = options_model(PlanOptions, SERVER_SET["plan"], "PlanJobOptions")
CapacityRequest = options_model(CapacityOptions, SERVER_SET["capacity"], "CapacityRequest",
                                scenario=(ScenarioName, ...))
QuoteRequest = options_model(
    QuoteOptions, SERVER_SET["quote"], "QuoteRequest", scenario=(ScenarioName, ...),
    simulation_job=(str | None, Field(None, max_length=64, description="Id of a finished simulate "
                    "job on the same scenario whose transit times give the expected days (default: "
                    "analytic days only)")))


class SimulateJob(Body):
    kind: Literal["simulate"]
    scenario: ScenarioName
    options: SimulateOptions = Field(default_factory=SimulateOptions)  # type: ignore[valid-type]


class CalibrateJob(Body):
    kind: Literal["calibrate"]
    scenario: ScenarioName
    options: CalibrateJobOptions = Field(default_factory=CalibrateJobOptions)  # type: ignore[valid-type]


class PlanJob(Body):
    kind: Literal["plan"]
    scenario: ScenarioName
    options: PlanJobOptions = Field(default_factory=PlanJobOptions)  # type: ignore[valid-type]


JobRequest = Annotated[SimulateJob | CalibrateJob | PlanJob, Field(discriminator="kind")]
#: The engine options class of each job kind (the job's options are validated by it).
JOB_OPTIONS: dict[str, type[EngineOptions]] = {"simulate": SimOptions, "calibrate": CalibrateOptions,
                                               "plan": PlanOptions}


# -- responses ---------------------------------------------------------------------------
class ProblemOut(BaseModel):
    """One problem of a request, located as the model's problems are."""

    message: str
    file: str = ""
    component: str = ""
    id: str = ""
    field: str = ""


class ErrorOut(BaseModel):
    """An error: what went wrong in one line, and every problem when there are several."""

    detail: str
    problems: list[ProblemOut] = Field(default_factory=list)


class ScenarioItem(BaseModel):
    name: str
    builtin: bool
    hash: str = Field(description="SHA-256 of the stored text (team scenarios) or of the resolved "
                      "scenario (built-ins)")
    created: dt.datetime | None = None


class ScenarioInfo(BaseModel):
    name: str
    title: str
    year: int
    builtin: bool
    hash: str = Field(description="SHA-256 of the resolved scenario (the hash in every result's meta)")
    extends: str | None = None
    components: dict[str, int] = Field(description="Number of components of each type")
    warnings: list[ProblemOut] = Field(default_factory=list)


class ValidationOut(BaseModel):
    name: str
    valid: bool
    errors: list[ProblemOut]
    warnings: list[ProblemOut]


class DiffOut(BaseModel):
    a: str
    b: str
    rows: list[dict[str, Any]] = Field(description="One row per changed field (scenario diff table)")


class JobOut(BaseModel):
    id: str
    kind: str
    scenario: str
    options: dict[str, Any]
    status: JobStatus
    progress: float = Field(ge=0, le=1, description="Share done (0..1)")
    message: str
    created: dt.datetime
    started: dt.datetime | None
    finished: dt.datetime | None


class TokenRequest(Body):
    role: Role = Field(description="Role of the new token, in the admin's own team")
    label: str = Field("", max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")


class TokenCreated(BaseModel):
    token_id: str
    token: str = Field(description="The token itself: shown once, stored only as a hash")
    role: Role
    team: str


class TokenItem(BaseModel):
    id: str
    role: Role
    team: str
    label: str
    created: dt.datetime
    revoked: dt.datetime | None


class ResultOut(BaseModel):
    """A result: its metadata and every table as records."""

    meta: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]


_JSON_TYPES: dict[str, Any] = {"str": str, "category": str, "float64": float | None, "int64": int,
                               "bool": bool, "object": Any}


def row_model(table: TableSchema, prefix: str) -> type[BaseModel]:
    """One row of a declared table: declared columns typed, others (per-unit columns) allowed."""
    fields = {c.name: (_JSON_TYPES[c.dtype], Field(..., description=f"{c.meaning} ({c.unit})"
                                                   if c.unit else c.meaning))
              for c in table.columns if "{" not in c.name}
    name = f"{prefix}{''.join(w.capitalize() for w in table.name.split('_'))}Row"
    return create_model(name, __config__=ConfigDict(extra="allow"), __doc__=table.meaning, **fields)


def result_model(schema: ResultSchema, name: str) -> type[BaseModel]:
    """The response of an engine: ``meta`` and its declared tables (optional ones may be absent)."""
    prefix = name.removesuffix("Result")
    tables = {t.name: (list[row_model(t, prefix)] | None if t.optional else list[row_model(t, prefix)],
                       None if t.optional else ...) for t in schema.tables}
    tables_model = create_model(f"{prefix}Tables", __doc__=schema.meaning, **tables)
    return create_model(name, __doc__=schema.meaning, meta=(dict[str, Any], ...),
                        tables=(tables_model, ...))


CapacityResult = result_model(CAPACITY, "CapacityResult")
QuoteResult = result_model(QUOTE, "QuoteResult")


# -- the comparison, the page's reference data ----------------------------------------------------
CompareRequest = options_model(
    CompareOptions, frozenset(), "CompareRequest",
    scenarios=(list[ScenarioName], Field(..., min_length=2, max_length=4, description="Two to four "
               "scenarios; the first is the base of every delta")),
    simulation_jobs=(list[Annotated[str, Field(min_length=1, max_length=64)] | None] | None,
                     Field(None, max_length=4, description="Ids of finished simulate jobs, one per "
                           "scenario (null where there is none): their P50/P90 days fill od_times "
                           "(default: analytic days only)")))
CompareResult = result_model(COMPARE, "CompareResult")
#: The declared result tables of each engine, by its name (the page's units come from these).
RESULT_SCHEMAS: dict[str, ResultSchema] = {"capacity": CAPACITY, "quote": QUOTE, "compare": COMPARE,
                                           "simulate": SIMULATION, "calibrate": CALIBRATION, "plan": PLAN}


class ColumnDoc(BaseModel):
    name: str = Field(description="Column name ('{unit}' stands for any unit name)")
    dtype: str
    unit: str = Field(description="Unit ('' when the column has none)")
    meaning: str


class TableDoc(BaseModel):
    """One declared result table of an engine."""

    engine: str
    table: str
    meaning: str
    optional: bool
    columns: list[ColumnDoc]


class NodeItem(BaseModel):
    id: str
    name: str
    country: str
    kind: str
