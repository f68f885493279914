"""Scenario fields addressed as ``component[id].field``: parsing, checking, bounds, patches.

A fit field is written ``nodes[aktau].port_time_h`` (a component type, an id, a field; a
dotted tail reaches into a per-unit dict, ``berths[aktau-ferry].handling_per_h.teu``) or
``sea_level.change_m``, optionally with bounds: ``nodes[aktau].port_time_h=2:24``.
Candidate values become an ordinary overlay ``patch`` (the model's overlay machinery,
:func:`transcaspian.model.loading.apply_changes`), so a fitted scenario is exactly what
loading the written overlay gives.

Examples
--------
>>> from transcaspian.model import load_scenario
>>> s = load_scenario("baseline-2024")
>>> f = resolve_field(s, "nodes[aktau].port_time_h=2:24")
>>> f.address, f.lower, f.upper
('nodes[aktau].port_time_h', 2.0, 24.0)
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from transcaspian.model import Scenario
from transcaspian.model.base import Component
from transcaspian.model.distributions import Distribution
from transcaspian.model.errors import Problem, ProblemCollector, UserError
from transcaspian.model.loading import Resolved, apply_changes, resolve_document, suggest
from transcaspian.model.schema import COMPONENTS, SeaLevel

__all__ = ["FitField", "apply_values", "parse_address", "patch_document", "resolve_field",
           "resolve_fields"]

_ADDRESS = re.compile(r"^(?P<ctype>[a-z_]+)\[(?P<id>[^\[\]]+)\]\.(?P<path>[A-Za-z_][\w.]*)$")
_SEA = re.compile(r"^sea_level\.(?P<path>[A-Za-z_]\w*)$")
#: Default bounds around the current value v when none are given: [v / k, v x k] within the schema.
DEFAULT_SPAN = 4.0
#: Most fields one calibration may fit.
MAX_FIELDS = 20


@dataclass(frozen=True)
class FitField:
    """One field to fit: where it is, its current value, its bounds and whether it is an integer.

    Attributes
    ----------
    ctype
        Component type (``nodes``) or ``sea_level``.
    id
        Component id (empty for ``sea_level``).
    path
        Field name, then dict keys (``("handling_per_h", "teu")``).
    current
        The scenario's value (NaN when the field is unset).
    lower, upper
        Bounds of the search (the field's unit).
    integer
        The field holds whole numbers (vessel counts); candidates are rounded.
    unit
        The field's declared unit.
    distribution
        For a distribution field (``dwell_h``): its parameters; the fit moves the mean
        (``current`` is the mean) and scales every parameter alike, keeping the family and
        shape.
    """

    ctype: str
    id: str
    path: tuple[str, ...]
    current: float
    lower: float
    upper: float
    integer: bool = False
    unit: str = ""
    distribution: tuple[tuple[str, Any], ...] = ()

    @property
    def address(self) -> str:
        """The address as written, without bounds."""
        tail = ".".join(self.path)
        return f"sea_level.{tail}" if self.ctype == "sea_level" else f"{self.ctype}[{self.id}].{tail}"

    def value(self, x: float) -> float | int:
        """``x`` as the field stores it: an int for integer fields, else 6 significant digits."""
        return round(x) if self.integer else float(f"{x:.6g}")

    def stored(self, x: float) -> Any:
        """What the scenario file holds for the candidate ``x``: the number, or for a
        distribution field its parameters scaled so that the mean is ``x``."""
        v = self.value(x)
        if not self.distribution:
            return v
        k = v / self.current
        out: dict[str, Any] = {}
        for key, p in self.distribution:
            if key in ("dist", "weights"):
                out[key] = p
            elif isinstance(p, list | tuple):
                out[key] = [float(f"{q * k:.6g}") for q in p]
            else:
                out[key] = float(f"{p * k:.6g}")
        return out


def parse_address(text: str) -> tuple[str, str, tuple[str, ...], tuple[float, float] | None]:
    """Split ``component[id].field[=lo:hi]`` into (component, id, field path, bounds or None).

    Examples
    --------
    >>> parse_address("vessels[v1].speed_kn=8:14")
    ('vessels', 'v1', ('speed_kn',), (8.0, 14.0))
    >>> parse_address("sea_level.change_m")
    ('sea_level', '', ('change_m',), None)
    """
    spec, _, bounds_text = text.strip().partition("=")
    spec = spec.strip()
    bounds = _parse_bounds(text, bounds_text) if bounds_text else None
    m = _ADDRESS.match(spec)
    if m:
        return m["ctype"], m["id"], tuple(m["path"].split(".")), bounds
    m = _SEA.match(spec)
    if m:
        return "sea_level", "", (m["path"],), bounds
    raise _error(f"'{text}' is not a field address: write component[id].field (for example "
                 "nodes[aktau].port_time_h or vessels[v1].speed_kn=8:14), or sea_level.change_m")


def _parse_bounds(text: str, bounds_text: str) -> tuple[float, float]:
    lo_text, sep, hi_text = bounds_text.partition(":")
    try:
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        lo = hi = math.nan
    if not sep or not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise _error(f"'{text}': bounds are written =LOW:HIGH with LOW < HIGH, both numbers")
    return lo, hi


def _error(message: str) -> UserError:
    return UserError([Problem(message, field="fit")], "the fit fields")


def _schema_bounds(info: Any) -> tuple[float, float]:
    lo, hi = -math.inf, math.inf
    for m in getattr(info, "metadata", ()):
        for attr in ("ge", "gt"):
            if getattr(m, attr, None) is not None:
                lo = float(getattr(m, attr))
        for attr in ("le", "lt"):
            if getattr(m, attr, None) is not None:
                hi = float(getattr(m, attr))
    return lo, hi


def _target(scenario: Scenario, ctype: str, cid: str) -> tuple[Component, type[Component]]:
    if ctype == "sea_level":
        return scenario.doc.sea_level, SeaLevel
    if ctype not in COMPONENTS:
        raise _error(f"unknown component type '{ctype}'{suggest(ctype, tuple(COMPONENTS))}")
    ids = [c.id for c in getattr(scenario.doc, ctype)]
    if cid not in ids:
        raise _error(f"no {ctype} with id '{cid}' in {scenario.name}{suggest(cid, ids)}")
    return scenario.get(ctype, cid), COMPONENTS[ctype]


def resolve_field(scenario: Scenario, text: str,
                  bounds: tuple[float, float] | None = None) -> FitField:
    """Check an address against the scenario and its schema; fill in value and bounds.

    Default bounds are the current value divided and multiplied by 4, kept inside the
    field's schema bounds; a field without a value, or whose schema has no finite bounds
    around a zero value, needs explicit ``=LOW:HIGH``. A distribution field
    (``nodes[dostyk].dwell_h``) is fitted by its mean: every parameter is scaled alike.

    Raises
    ------
    UserError
        Unknown component, id or field (with "did you mean"), a field that is not a
        number, bounds outside the schema's.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> resolve_field(s, "vessels[asco-ferry-kuryk].speed_kn").upper <= 40
    True
    >>> try:
    ...     resolve_field(s, "nodes[aktau].port_tme_h")
    ... except UserError as e:
    ...     print(e.problems[0].message)
    nodes has no field 'port_tme_h' (did you mean 'port_time_h'?)
    """
    ctype, cid, path, given = parse_address(text)
    bounds = given or bounds
    comp, model = _target(scenario, ctype, cid)
    names = {(info.alias or name): name for name, info in model.model_fields.items()
             if name not in ("id", "source", "assumption", "field_provenance")}
    head = path[0]
    if head not in names and head not in names.values():
        raise _error(f"{ctype} has no field '{head}'{suggest(head, list(names))}")
    attr = names.get(head, head)
    info = model.model_fields[attr]
    value: Any = getattr(comp, attr)
    for key in path[1:]:
        if not isinstance(value, Mapping) or key not in value:
            keys = list(value) if isinstance(value, Mapping) else []
            raise _error(f"{ctype}[{cid}].{head} has no entry '{key}'{suggest(key, keys)}")
        value = value[key]
    dist: tuple[tuple[str, Any], ...] = ()
    if isinstance(value, Distribution) and value.mean_value() > 0:
        dist = tuple((k, v) for k, v in value.model_dump(exclude_none=True).items()
                     if k not in ("source", "assumption", "field_provenance"))
        value = value.mean_value()
    elif isinstance(value, Distribution | Mapping | list | bool) or not (
            value is None or isinstance(value, int | float)):
        raise _error(f"{ctype}[{cid}].{'.'.join(path)} is not a number (a "
                     f"{type(value).__name__}); fit a numeric field or a distribution with a mean > 0")
    lo_schema, hi_schema = _schema_bounds(info) if len(path) == 1 and not dist else (0.0, math.inf)
    current = math.nan if value is None else float(value)
    lo, hi = bounds if bounds else _default_bounds(current, lo_schema, hi_schema)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise _error(f"{ctype}[{cid}].{'.'.join(path)}: give bounds (=LOW:HIGH); the field has "
                     f"{'no value' if value is None else 'no finite range'} to derive them from")
    if lo < lo_schema or hi > hi_schema:
        raise _error(f"{ctype}[{cid}].{'.'.join(path)}: bounds {lo:g}:{hi:g} leave the field's "
                     f"allowed range {lo_schema:g}:{hi_schema:g}")
    unit = (info.json_schema_extra or {}).get("unit", "") if isinstance(info.json_schema_extra, dict) else ""
    integer = isinstance(value, int) and len(path) == 1
    return FitField(ctype, cid, tuple([info.alias or attr, *path[1:]]), current, float(lo), float(hi),
                    integer, unit, dist)


def _default_bounds(v: float, lo: float, hi: float) -> tuple[float, float]:
    if not math.isfinite(v):
        return math.nan, math.nan
    if v > 0:
        return max(lo, v / DEFAULT_SPAN), min(hi, v * DEFAULT_SPAN)
    if v < 0:
        return max(lo, v * DEFAULT_SPAN), min(hi, v / DEFAULT_SPAN)
    return lo, hi


def resolve_fields(scenario: Scenario, texts: Sequence[str],
                   bounds: Mapping[str, tuple[float, float]] | None = None) -> list[FitField]:
    """:func:`resolve_field` for every address, reporting all problems together (UserError).

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> [f.address for f in resolve_fields(s, ["nodes[aktau].port_time_h", "sea_level.change_m=-2:0"])]
    ['nodes[aktau].port_time_h', 'sea_level.change_m']
    """
    problems: list[Problem] = []
    out: list[FitField] = []
    if not texts:
        problems.append(Problem("give at least one field to fit", field="fit"))
    if len(texts) > MAX_FIELDS:
        problems.append(Problem(f"{len(texts)} fields; at most {MAX_FIELDS} can be fitted together",
                                field="fit"))
    for text in texts:
        try:
            f = resolve_field(scenario, text, (bounds or {}).get(text.partition("=")[0].strip()))
        except UserError as exc:
            problems.extend(exc.problems)
            continue
        if any(g.address == f.address for g in out):
            problems.append(Problem(f"'{f.address}' is given twice", field="fit"))
        out.append(f)
    if problems:
        raise UserError(problems, "the fit fields")
    return out


def patch_document(fields: Sequence[FitField], values: Sequence[float],
                   provenance: Mapping[str, str]) -> dict[str, Any]:
    """The ``patch`` (and ``sea_level``) entries of an overlay setting ``fields`` to ``values``.

    Each value is written in the wrapped form ``{value: x, assumption: ...}``.

    Examples
    --------
    >>> f = FitField("nodes", "aktau", ("port_time_h",), 6.0, 1.0, 24.0)
    >>> patch_document([f], [7.5], {"assumption": "fit"})
    {'patch': {'nodes': [{'id': 'aktau', 'port_time_h': {'value': 7.5, 'assumption': 'fit'}}]}}
    """
    doc: dict[str, Any] = {}
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for f, x in zip(fields, values, strict=True):
        leaf: Any = {"value": f.stored(x), **provenance}
        if f.ctype == "sea_level":
            doc.setdefault("sea_level", {})[f.path[0]] = leaf
            continue
        entry = entries.get((f.ctype, f.id))
        if entry is None:
            entry = entries[(f.ctype, f.id)] = {"id": f.id}
            doc.setdefault("patch", {}).setdefault(f.ctype, []).append(entry)
        if len(f.path) == 1:
            entry[f.path[0]] = leaf
            continue
        node = entry.setdefault(f.path[0], {})
        for key in f.path[1:-1]:
            node = node.setdefault(key, {})
        node[f.path[-1]] = f.stored(x)
        entry.setdefault("assumption", provenance.get("assumption", ""))
    return doc


class Patcher:
    """Applies candidate values to one scenario quickly (resolved once, validated each time)."""

    def __init__(self, scenario: Scenario) -> None:
        self.base = resolve_document(scenario.to_dict(), scenario.name)
        self.label = scenario.name

    def apply(self, fields: Sequence[FitField], values: Sequence[float]) -> Scenario:
        """The scenario with ``fields`` set to ``values`` (ScenarioError if it does not validate)."""
        doc = patch_document(fields, values, {"assumption": "calibration candidate"})
        res = Resolved(copy.deepcopy(self.base.data), dict(self.base.origins), self.label,
                       list(self.base.files))
        problems = ProblemCollector(self.label)
        if "sea_level" in doc:
            level = dict(res.data.get("sea_level") or {})
            level.update(doc["sea_level"])
            res.data["sea_level"] = level
        if "patch" in doc:
            apply_changes(res, {"patch": doc["patch"]}, self.label, problems)
        problems.raise_if_any()
        return Scenario.from_resolved(res)


def apply_values(scenario: Scenario, fields: Sequence[FitField], values: Sequence[float]) -> Scenario:
    """``scenario`` with each field set to its value, through the overlay ``patch`` machinery.

    Examples
    --------
    >>> from transcaspian.model import load_scenario
    >>> s = load_scenario("baseline-2024")
    >>> f = resolve_field(s, "nodes[aktau].port_time_h")
    >>> float(apply_values(s, [f], [9.0]).nodes.loc["aktau", "port_time_h"])
    9.0
    """
    return Patcher(scenario).apply(fields, values)
