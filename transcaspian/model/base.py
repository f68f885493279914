"""Base class for scenario components: strict fields plus per-field provenance.

Every numeric input must say where it comes from. A component can carry a
``source`` (key into the scenario's ``sources`` list, or a URL) or an
``assumption`` (a one-line reason) that covers all its fields; any single field
can override it by being written as ``{value: ..., source: ...}`` or
``{value: ..., assumption: ...}``. The wrapped form is unwrapped on load (engines
see plain values) and restored on save, so round trips are lossless.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

PROVENANCE_KEYS = frozenset({"source", "assumption"})

#: Printable text: no control characters (tab, newline and carriage return allowed in long text).
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"




class Provenance(BaseModel):
    """Where one figure comes from: a source key/URL, or an assumption with its reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str | None = Field(None, max_length=2_000, pattern=LINE_PATTERN,
                               description="Source key or URL of this one figure")
    assumption: str | None = Field(None, max_length=5_000, pattern=TEXT_PATTERN,
                                   description="Reason, when this figure is an assumption")

    @property
    def is_given(self) -> bool:
        return bool(self.source or self.assumption)


def is_wrapped(value: Any) -> bool:
    """True for the ``{value: x, source|assumption: ...}`` form of one field."""
    return isinstance(value, dict) and "value" in value and set(value) <= {"value", *PROVENANCE_KEYS}


class Component(BaseModel):
    """A scenario element: unknown fields are errors, values are frozen after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: str | None = Field(
        None, max_length=2_000, pattern=LINE_PATTERN,
        description="Source key (see `sources`) or URL for this component's figures")
    assumption: str | None = Field(
        None, max_length=5_000, pattern=TEXT_PATTERN,
        description="Reason, when a figure is an assumption rather than sourced")
    field_provenance: dict[str, Provenance] = Field(
        default_factory=dict,
        description="Per-field source/assumption (filled from the `{value:, source:}` form)",
    )

    @model_validator(mode="before")
    @classmethod
    def _unwrap_sourced_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        prov: dict[str, Any] = dict(out.get("field_provenance") or {})
        names = _field_names(cls)
        for key, value in data.items():
            if key in names and key not in ("source", "assumption") and is_wrapped(value):
                out[key] = value["value"]
                prov[_canonical(cls, key)] = {k: value.get(k) for k in PROVENANCE_KEYS}
        if prov:
            out["field_provenance"] = prov
        return out

    def provenance_of(self, field_name: str) -> Provenance | None:
        """Provenance of one field: its own if given, else the component's, else None."""
        own = self.field_provenance.get(field_name)
        if own is not None:
            return own if own.is_given else None
        if self.source or self.assumption:
            return Provenance(source=self.source, assumption=self.assumption)
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain YAML-ready dict: aliases, only the fields that were set, sourced fields re-wrapped."""
        raw = self.model_dump(mode="json", by_alias=True, exclude_unset=True,
                              exclude={"field_provenance"})
        for key in list(raw):
            sub = getattr(self, _attr_for(type(self), key), None)
            if isinstance(sub, Component):
                raw[key] = sub.to_dict()
            elif isinstance(sub, list | tuple) and sub and all(isinstance(s, Component) for s in sub):
                raw[key] = [s.to_dict() for s in sub]
        for name, prov in self.field_provenance.items():
            alias = type(self).model_fields[name].alias or name
            value = raw.get(alias)
            if alias not in raw:
                value = getattr(self, name)
                if isinstance(value, Component):
                    value = value.to_dict()
            wrapped = {"value": value}
            wrapped.update({k: v for k, v in prov.model_dump().items() if v is not None})
            raw[alias] = wrapped
        return raw


def _field_names(cls: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    for name, info in cls.model_fields.items():
        names.add(name)
        if info.alias:
            names.add(info.alias)
    return names


def _canonical(cls: type[BaseModel], key: str) -> str:
    """Python attribute name for a key that may be an alias."""
    for name, info in cls.model_fields.items():
        if key in (name, info.alias):
            return name
    return key


def _attr_for(cls: type[BaseModel], alias: str) -> str:
    return _canonical(cls, alias)


def quantity(default: Any = ..., *, unit: str, description: str, ge: float | None = None,
             gt: float | None = None, le: float | None = None, lt: float | None = None,
             container: bool = False, **kw: Any) -> Any:
    """A numeric field with its unit and real-world bounds as machine-readable metadata.

    The unit goes to ``json_schema_extra["unit"]`` (read by ``docs/schema.md`` and the tests);
    scalar numbers are strict (a bool or text is refused) and finite. ``container=True`` is
    for a dict, list or distribution whose elements carry their own bounds.

    Examples
    --------
    >>> from pydantic import BaseModel
    >>> class Leg(BaseModel):
    ...     distance_km: float = quantity(unit="km", description="Length", gt=0, le=20_000)
    >>> Leg.model_fields["distance_km"].json_schema_extra
    {'unit': 'km'}
    >>> Leg(distance_km=12).distance_km
    12.0
    """
    if container:
        return Field(default, description=description, json_schema_extra={"unit": unit}, **kw)
    return Field(default, description=description, ge=ge, gt=gt, le=le, lt=lt, strict=True,
                 allow_inf_nan=False, json_schema_extra={"unit": unit}, **kw)


def unit_of_field(info: Any) -> str | None:
    """The unit declared on a pydantic ``FieldInfo`` by :func:`quantity`, or None."""
    extra = info.json_schema_extra
    return extra.get("unit") if isinstance(extra, dict) else None
