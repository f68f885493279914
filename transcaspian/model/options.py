"""Engine options as data: one frozen, validated model per engine.

Every engine is ``engine(scenario, options) -> Result``. Its options class derives from
:class:`EngineOptions`: a frozen pydantic model whose fields carry bounds, units and a
description, so the CLI, the report and (later) the web API check and document them the
same way. A bad value becomes a :class:`~transcaspian.model.errors.UserError` whose
problems name the option (``years``, ``seed``), never a command-line flag; each interface
translates names to its own spelling.

Examples
--------
>>> from pydantic import Field
>>> class DemoOptions(EngineOptions):
...     years: float = Field(1.0, gt=0, le=100, description="Simulated time (years)")
>>> DemoOptions.build(years=2).years
2.0
>>> try:
...     DemoOptions.build(years=-1)
... except UserError as e:
...     print(e.problems[0].field)
years
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from transcaspian.model.errors import Problem, UserError


class EngineOptions(BaseModel):
    """Base of every engine's options: frozen, no unknown fields, no bools as numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)

    @classmethod
    def build(cls, **values: Any) -> Self:
        """Validate ``values`` into options; every problem names its option (UserError)."""
        try:
            return cls(**values)
        except ValidationError as exc:
            raise options_error(exc, cls.__name__) from None

    def record(self) -> dict[str, Any]:
        """The options as JSON-ready data, for a result's metadata."""
        return self.model_dump(mode="json")


def options_error(exc: ValidationError, what: str = "the options") -> UserError:
    """A UserError naming each offending option of a pydantic ValidationError."""
    problems = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "options"
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" (got {value!r})"
        problems.append(Problem(f"{err['msg'].removeprefix('Value error, ')}{shown}", field=name))
    return UserError(problems, what)
