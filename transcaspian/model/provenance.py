"""Every figure of a scenario with the source or assumption behind it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from transcaspian.model.base import Component
from transcaspian.model.schema import COMPONENTS, ScenarioDoc

#: Numeric fields that are calendar years rather than measured figures.
NON_FIGURES = frozenset({"build_start_year", "in_service_year", "reference_year"})


@dataclass(frozen=True)
class Figure:
    """One numeric input: where it sits, its value, and its provenance (either may be None)."""

    component: str
    id: str
    field: str
    value: Any
    source: str | None
    assumption: str | None

    @property
    def sourced(self) -> bool:
        return bool(self.source or self.assumption)


def is_numeric(value: Any) -> bool:
    """True for numbers and containers holding numbers (bools excluded)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, dict):
        return any(is_numeric(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(is_numeric(v) for v in value)
    return False


def _walk(comp: Component, ctype: str, cid: str, prefix: str,
          inherited: tuple[str | None, str | None]) -> Iterator[Figure]:
    own = (comp.source, comp.assumption) if (comp.source or comp.assumption) else inherited
    for name in type(comp).model_fields:
        if name in ("source", "assumption", "field_provenance") or name not in comp.model_fields_set:
            continue
        value = getattr(comp, name)
        fprov = comp.field_provenance.get(name)
        prov = (fprov.source, fprov.assumption) if fprov is not None else own
        if isinstance(value, Component):
            yield from _walk(value, ctype, cid, f"{prefix}{name}.", prov)
        elif isinstance(value, list) and value and isinstance(value[0], Component):
            for i, v in enumerate(value):
                yield from _walk(v, ctype, cid, f"{prefix}{name}[{i}].", prov)
        elif is_numeric(value) and name not in NON_FIGURES:
            yield Figure(ctype, cid, f"{prefix}{name}", value, prov[0], prov[1])


def iter_figures(doc: ScenarioDoc) -> Iterator[Figure]:
    """Every numeric input of a resolved scenario, in file order, with its provenance."""
    for ctype in COMPONENTS:
        for comp in getattr(doc, ctype):
            yield from _walk(comp, ctype, comp.id, "", (None, None))
    yield from _walk(doc.sea_level, "sea_level", "", "", (None, None))


@dataclass(frozen=True)
class ProvenanceCounts:
    """How many figures rest on a source, on a stated assumption only, or on nothing."""

    sourced: int
    assumptions: int
    missing: int

    @property
    def total(self) -> int:
        """All figures counted."""
        return self.sourced + self.assumptions + self.missing

    @property
    def assumption_share(self) -> float:
        """Share (0..1) of the figures that are assumptions; NaN when there are none."""
        return self.assumptions / self.total if self.total else float("nan")


def provenance_counts(figures: Iterable[Figure]) -> ProvenanceCounts:
    """Count ``figures`` by provenance: sourced (names a source, with or without a note of
    assumption), assumption (an assumption and no source), missing (neither).

    The one rule behind docs/data-sources.md and the report's "Method and caveats".

    Examples
    --------
    >>> c = provenance_counts([Figure("nodes", "a", "dwell_h", 2.0, "s1", None),
    ...                        Figure("nodes", "a", "port_time_h", 4.0, None, "guess")])
    >>> c.sourced, c.assumptions, c.missing, c.assumption_share
    (1, 1, 0, 0.5)
    """
    sourced = assumptions = missing = 0
    for f in figures:
        if f.source:
            sourced += 1
        elif f.assumption:
            assumptions += 1
        else:
            missing += 1
    return ProvenanceCounts(sourced, assumptions, missing)


def iter_source_refs(doc: ScenarioDoc) -> Iterator[tuple[str, str, str, str]]:
    """(component, id, field, source) for every ``source`` reference in the scenario."""

    def walk(comp: Component, ctype: str, cid: str, prefix: str) -> Iterator[tuple[str, str, str, str]]:
        if comp.source:
            yield ctype, cid, f"{prefix}source", comp.source
        for name, prov in comp.field_provenance.items():
            if prov.source:
                yield ctype, cid, f"{prefix}{name}.source", prov.source
        for name in type(comp).model_fields:
            value = getattr(comp, name)
            if isinstance(value, Component):
                yield from walk(value, ctype, cid, f"{prefix}{name}.")
            elif isinstance(value, list) and value and isinstance(value[0], Component):
                for i, v in enumerate(value):
                    yield from walk(v, ctype, cid, f"{prefix}{name}[{i}].")

    for ctype in COMPONENTS:
        for comp in getattr(doc, ctype):
            yield from walk(comp, ctype, comp.id, "")
    yield from walk(doc.sea_level, "sea_level", "", "")
