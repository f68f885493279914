"""A sweep point as a scenario: the base changed by an overlay ``patch``, as a YAML overlay would.

Scenario fields are addressed as the calibration addresses them (``component[id].field``,
``sea_level.change_m``; :mod:`transcaspian.calibration.address` checks them against the
scenario and its schema, and writes the patch); ``demand.multiplier`` scales the annual
units of every demand flow (or those of the listed commodities). The patch goes through
:meth:`Scenario.overlay`, so a point is exactly the scenario its overlay file would load.

Examples
--------
>>> from transcaspian.model import load_scenario
>>> from transcaspian.sweep.spec import Parameter
>>> base = load_scenario("baseline-2024")
>>> ps = resolve_parameters(base, [
...     Parameter(name="ferries", field="vessels[asco-ferry-kuryk].count", range=(2, 6), assumption="x"),
...     Parameter(name="demand", field="demand.multiplier", range=(0.5, 2.0), assumption="x")])
>>> s = point_scenario(base, ps, {"ferries": 5, "demand": 2.0}, 0)
>>> int(s.vessels.loc["asco-ferry-kuryk", "count"]), bool(
...     (s.demand["annual_units"] == 2 * base.demand["annual_units"]).all())
(5, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from transcaspian.calibration.address import FitField, patch_document, resolve_field
from transcaspian.model.demand import scaled_demand
from transcaspian.model.errors import Problem, UserError
from transcaspian.model.loading import suggest
from transcaspian.model.scenario import Scenario
from transcaspian.sweep.spec import DEMAND_MULTIPLIER, Parameter


@dataclass(frozen=True)
class Applied:
    """A parameter checked against the base scenario.

    Attributes
    ----------
    parameter
        The spec's parameter.
    field
        The scenario field it sets (None for the demand multiplier).
    unit
        Unit of its values (``x`` for the demand multiplier).
    integer
        Its values are whole numbers (vessel counts).
    """

    parameter: Parameter
    field: FitField | None
    unit: str
    integer: bool

    @property
    def address(self) -> str:
        return self.field.address if self.field is not None else DEMAND_MULTIPLIER


def _demand_multiplier(base: Scenario, p: Parameter, where: str) -> list[Problem]:
    problems = []
    if p.bounds[0] <= 0:
        problems.append(Problem("a demand multiplier must stay above 0", field=f"{where}.range"))
    known = list(base.commodities.index)
    problems += [Problem(f"no commodity '{c}' in {base.name}{suggest(c, known)}",
                         field=f"{where}.commodities") for c in p.commodities if c not in known]
    return problems


def resolve_parameters(base: Scenario, parameters: Sequence[Parameter], file: str = "") -> list[Applied]:
    """Check every parameter's field and range against the base scenario (UserError naming all).

    A range outside the field's allowed range, an unknown component, id or field (with "did
    you mean"), or a field that is not a number is a problem.
    """
    out, problems = [], []
    for i, p in enumerate(parameters):
        where = f"parameters[{i}]"
        if p.field == DEMAND_MULTIPLIER:
            found = _demand_multiplier(base, p, where)
            problems += [Problem(q.message, file=file, field=q.field) for q in found]
            out.append(Applied(p, None, "x", False))
            continue
        try:
            f = resolve_field(base, p.field, p.bounds)
        except UserError as exc:
            problems += [Problem(q.message, file=file, field=f"{where}.field") for q in exc.problems]
            continue
        out.append(Applied(p, f, f.unit, f.integer))
    targets = {a.field.id for a in out if a.field is not None and a.field.ctype == "demand"
               and a.field.path[0] == "annual_units"}
    if targets and any(a.field is None for a in out):
        problems.append(Problem("demand.multiplier and demand[...].annual_units both set flows' "
                                "volumes; keep one", file=file, field="parameters"))
    if problems:
        raise UserError(problems, "the sweep spec")
    return out


def _demand_patch(base: Scenario, applied: Sequence[Applied], values: Mapping[str, float],
                  note: str) -> list[dict[str, Any]]:
    factors = {d.id: 1.0 for d in base.doc.demand}
    for a in applied:
        if a.field is None:
            for d in base.doc.demand:
                if not a.parameter.commodities or d.commodity in a.parameter.commodities:
                    factors[d.id] *= float(values[a.parameter.name])
    return scaled_demand({d.id: d.annual_units for d in base.doc.demand},
                         {f: k for f, k in factors.items() if k != 1.0}, note)


def point_overlay(base: Scenario, applied: Sequence[Applied], values: Mapping[str, float],
                  index: int, sweep: str = "sweep") -> dict[str, Any]:
    """The overlay document (no ``extends``) of point ``index``: its ``name``, ``patch`` and
    ``sea_level``, the keys an overlay file of the point would hold.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> from transcaspian.sweep.spec import Parameter
    >>> base = load_scenario("baseline-2024")
    >>> ps = resolve_parameters(base, [Parameter(name="n", field="vessels[asco-ferry-kuryk].count",
    ...                                          range=(2, 6), assumption="x")])
    >>> point_overlay(base, ps, {"n": 4}, 7, "demo")["patch"]["vessels"][0]["count"]["value"]
    4
    """
    note = f"{sweep} point {index}"
    fields = [a for a in applied if a.field is not None]
    doc = patch_document([a.field for a in fields], [float(values[a.parameter.name]) for a in fields],
                         {"assumption": note})
    patch = doc.get("patch", {})
    demand = _demand_patch(base, applied, values, note)
    if demand:
        patch = {**patch, "demand": [*patch.get("demand", []), *demand]}
    out: dict[str, Any] = {"name": f"{base.name}.{sweep}-{index}"[:64]}
    if patch:
        out["patch"] = patch
    if "sea_level" in doc:
        out["sea_level"] = doc["sea_level"]
    return out


def point_scenario(base: Scenario, applied: Sequence[Applied], values: Mapping[str, float],
                   index: int, sweep: str = "sweep") -> Scenario:
    """The base scenario with each parameter at its value at point ``index``: the base
    overlaid with :func:`point_overlay`.

    Raises
    ------
    ScenarioError
        The changed scenario does not validate (every problem, named).
    """
    return base.overlay(**point_overlay(base, applied, values, index, sweep))
