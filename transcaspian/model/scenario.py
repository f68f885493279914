"""The validated, immutable Scenario that every engine reads.

>>> from transcaspian.model import load_scenario
>>> s = load_scenario("baseline-2024")
>>> float(s.links.loc["xian-urumqi", "distance_km"])
2570.0
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from transcaspian import __version__
from transcaspian.model.base import Component
from transcaspian.model.distributions import Distribution
from transcaspian.model.errors import Problem, ScenarioError
from transcaspian.model.loading import Resolved, resolve, resolve_document
from transcaspian.model.network import Leg, Network
from transcaspian.model.schema import COMPONENTS, UNIT_KINDS, ScenarioDoc
from transcaspian.model.validation import build_doc, check_doc


class Scenario:
    """A validated corridor scenario: components as DataFrames, a content hash, provenance.

    Build one with :func:`load_scenario` (file or built-in name) or
    :meth:`Scenario.from_dict`. It cannot be changed after construction; make an
    overlay to express a change.
    """

    __slots__ = ("__dict__", "_frozen", "_resolved", "doc", "files", "origins", "warnings")

    def __init__(self, doc: ScenarioDoc, *, files: list[str] | None = None,
                 origins: dict[tuple[str, str], str] | None = None,
                 warnings: list[Problem] | None = None, resolved: Resolved | None = None) -> None:
        self.doc = doc
        self.files = list(files or [])
        self.origins = dict(origins or {})
        self.warnings = list(warnings or [])
        #: The resolved document this scenario was validated from (what :meth:`overlay`
        #: extends); None for a scenario built directly from a document.
        self._resolved = resolved
        self._frozen = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_frozen", False) and name != "__dict__":
            raise AttributeError("Scenario is immutable; write an overlay to change it")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, hash={self.hash[:12]})"

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_resolved(cls, resolved: Resolved, strict: bool = False) -> Scenario:
        """Validate a resolved document; the scenario keeps it (do not change it afterwards)."""
        doc, field_errors, failed = build_doc(resolved)
        errors, warnings = check_doc(doc, resolved.origins, resolved.label, failed)
        errors = resolved.problems + field_errors + errors
        if strict:
            errors, warnings = errors + warnings, []
        if errors:
            raise ScenarioError(errors)
        return cls(doc, files=resolved.files, origins=resolved.origins, warnings=warnings,
                   resolved=resolved)

    @classmethod
    def from_dict(cls, data: dict[str, Any], label: str = "<dict>", strict: bool = False,
                  base_dir: Path | None = None) -> Scenario:
        """Validate a parsed document (which may ``extends`` a built-in or file)."""
        return cls.from_resolved(resolve_document(data, label, base_dir), strict)

    def overlay(self, patch: dict[str, Any] | None = None, add: dict[str, Any] | None = None,
                remove: dict[str, Any] | None = None, apply_projects: list[str] | None = None,
                name: str | None = None, **fields: Any) -> Scenario:
        """A what-if: this scenario changed as a YAML overlay ``extends: <this scenario>`` would.

        The arguments take the shapes of the overlay file's keys (docs/scenarios.md) and go
        through the same code, so the result (and its hash) is the one the same overlay
        written to a file and loaded would give. This scenario is not changed.

        Parameters
        ----------
        patch, add, remove
            Component type -> list: ``patch`` and ``add`` entries are dicts with an ``id``
            (``patch`` merges fields into that component), ``remove`` entries are ids.
            Applied in the order remove, patch, add.
        apply_projects
            Ids of projects listed in the scenario (``s.projects.index``) to put in service.
        name
            The new scenario's name (an id); default ``"<this name>-whatif"``.
        **fields
            Other top-level keys of an overlay: ``title``, ``description``, ``year``,
            ``price_year``, ``tonnage_definition``, ``sources`` (added), ``sea_level``
            (merged, e.g. ``sea_level={"change_m": -1.0}`` in m).

        Returns
        -------
        Scenario
            The new, validated scenario.

        Raises
        ------
        ScenarioError
            With every problem, each named like ``<name: overlay of parent>: vessels[id].field``.

        Examples
        --------
        >>> from transcaspian.model import load_scenario
        >>> s = load_scenario("baseline-2024")
        >>> w = s.overlay(patch={"vessels": [{"id": "asco-ferry-kuryk", "count": 5,
        ...                                   "assumption": "what if: two more ferries"}]})
        >>> w.name, [int(x.vessels.loc["asco-ferry-kuryk", "count"]) for x in (s, w)]
        ('baseline-2024-whatif', [3, 5])
        """
        name = f"{self.name}-whatif" if name is None else name
        data: dict[str, Any] = {"name": name, **fields}
        for key, value in (("remove", remove), ("patch", patch), ("add", add),
                           ("apply_projects", apply_projects)):
            if value is not None:
                data[key] = value
        parent = self._resolved or resolve_document(self.to_dict(), self.name)
        label = f"<{name}: overlay of {self.name}>"
        return Scenario.from_resolved(resolve_document(data, label, parent=parent))

    # -- identity ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.doc.name

    @property
    def title(self) -> str:
        return self.doc.title

    @property
    def year(self) -> int:
        return self.doc.year

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the canonical JSON of the resolved scenario (hex)."""
        return content_hash(self.doc)

    def metadata(self, **extra: Any) -> dict[str, Any]:
        """What every result carries: scenario name, content hash, package version."""
        return {"scenario": self.name, "scenario_hash": self.hash, "version": __version__, **extra}

    # -- components ----------------------------------------------------------------------
    @cached_property
    def network(self) -> Network:
        return Network(self.doc)

    def get(self, ctype: str, cid: str) -> Component:
        """One component by type and id (KeyError with the known ids if absent)."""
        index = self._index.get(ctype)
        if index is None:
            raise KeyError(f"unknown component type {ctype!r}")
        if cid not in index:
            raise KeyError(f"no {ctype} with id {cid!r}")
        return index[cid]

    @cached_property
    def _index(self) -> dict[str, dict[str, Component]]:
        return {ctype: {c.id: c for c in getattr(self.doc, ctype)} for ctype in COMPONENTS}

    def route_legs(self, route_id: str, unit: str) -> list[Leg]:
        """Legs of a route for a handling unit as :class:`~transcaspian.model.network.Leg`
        objects (validated routes are always feasible); :meth:`legs` gives them as a table.

        Raises
        ------
        KeyError
            No route ``route_id``.
        ValueError
            The route cannot carry ``unit``.
        """
        legs, problems = self.network.legs(self.get("routes", route_id).nodes, unit)
        if problems:
            raise ValueError(f"route {route_id} cannot carry {unit}: {'; '.join(problems)}")
        return legs

    def legs(self, route_id: str, unit: str) -> pd.DataFrame:
        """How a route is travelled by a handling unit: one row per leg, numbered from 1.

        Parameters
        ----------
        route_id
            A route id (``s.routes.index``).
        unit
            Handling unit: ``teu``, ``wagon``, ``truck`` or ``tonne``.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``leg``; columns ``from``, ``to`` (node ids), ``from_name``,
            ``to_name``, ``kind`` (``link`` or ``sea``), ``mode``, ``link`` (land legs; empty at
            sea), ``services`` (the sea services able to carry the unit, comma-separated),
            ``reverse`` (the link is run from its ``to`` end), ``distance_km`` (km) and
            ``cumulative_km`` (km from the origin). :meth:`route_legs` gives the same legs as
            objects.

        Examples
        --------
        >>> from transcaspian.model import load_scenario
        >>> legs = load_scenario("baseline-2024").legs("r-xian-constanta-dostyk-aktau-poti", "teu")
        >>> legs.loc[12, ["from", "to", "kind", "services"]].tolist(), float(legs.loc[12, "distance_km"])
        (['aktau', 'alat', 'sea', 'feeder-aktau-alat, ferry-aktau-alat'], 508.0)
        >>> float(legs["distance_km"].sum()) == float(legs["cumulative_km"].iloc[-1])
        True
        """
        names = {n.id: n.name for n in self.doc.nodes}
        rows = [{"leg": i, "from": lg.from_node, "to": lg.to_node, "from_name": names[lg.from_node],
                 "to_name": names[lg.to_node], "kind": lg.kind, "mode": lg.mode, "link": lg.link or "",
                 "services": ", ".join(lg.services), "reverse": lg.reverse,
                 "distance_km": float(lg.distance_km)}
                for i, lg in enumerate(self.route_legs(route_id, unit), start=1)]
        out = pd.DataFrame(rows).set_index("leg")
        out["cumulative_km"] = out["distance_km"].cumsum()
        return out

    def unit_of(self, commodity_id: str) -> str:
        return self.get("commodities", commodity_id).unit

    def table(self, ctype: str) -> pd.DataFrame:
        """Components of one type as a DataFrame indexed by id (a fresh copy)."""
        return self._tables[ctype].copy()

    @cached_property
    def _tables(self) -> dict[str, pd.DataFrame]:
        out = {ctype: components_frame(getattr(self.doc, ctype)) for ctype in COMPONENTS}
        d = out["demand"]
        if not d.empty:
            com = {c.id: c for c in self.doc.commodities}
            d["unit"] = [com[c].unit for c in d["commodity"]]
            d["annual_t"] = [u * com[c].tonnes_per_unit for u, c in zip(d["annual_units"],
                                                                      d["commodity"], strict=True)]
            d["annual_teu"] = [u if com[c].unit == "teu" else 0.0
                               for u, c in zip(d["annual_units"], d["commodity"], strict=True)]
        return out

    commodities = property(lambda self: self.table("commodities"))
    nodes = property(lambda self: self.table("nodes"))
    berths = property(lambda self: self.table("berths"))
    links = property(lambda self: self.table("links"))
    services = property(lambda self: self.table("services"))
    vessels = property(lambda self: self.table("vessels"))
    weather = property(lambda self: self.table("weather"))
    routes = property(lambda self: self.table("routes"))
    demand = property(lambda self: self.table("demand"))
    tariffs = property(lambda self: self.table("tariffs"))
    through_tariffs = property(lambda self: self.table("through_tariffs"))
    emission_factors = property(lambda self: self.table("emission_factors"))
    projects = property(lambda self: self.table("projects"))
    references = property(lambda self: self.table("references"))

    @property
    def sources(self) -> pd.DataFrame:
        return pd.DataFrame([s.model_dump() for s in self.doc.sources],
                            columns=["id", "title", "url", "year", "note"]).set_index("id")

    @property
    def sea_level_change_m(self) -> float:
        return self.doc.sea_level.change_m

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as a YAML-ready dict (no ``extends``)."""
        return self.doc.to_dict()


def content_hash(doc: ScenarioDoc) -> str:
    """SHA-256 hex digest of a document's canonical JSON."""
    payload = json.dumps(doc.model_dump(mode="json", by_alias=True), sort_keys=True,
                         separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def components_frame(items: list[Component]) -> pd.DataFrame:
    """Flatten components into a DataFrame indexed by id.

    Per-unit dicts (``capacity``, ``handling_per_h``, ...) become one column per unit
    (``capacity_teu``); a distribution field keeps the object and gains ``<field>_mean``.
    """
    rows = []
    for c in items:
        row: dict[str, Any] = {}
        for name, info in type(c).model_fields.items():
            if name == "field_provenance":
                continue
            col = info.alias or name
            value = getattr(c, name)
            if isinstance(value, dict) and value and set(value) <= set(UNIT_KINDS):
                for unit in UNIT_KINDS:
                    row[f"{col}_{unit}"] = value.get(unit)
                continue
            row[col] = value
            if isinstance(value, Distribution):
                row[f"{col}_mean"] = value.mean_value()
        rows.append(row)
    if not rows:
        return pd.DataFrame(columns=["id"]).set_index("id")
    return pd.DataFrame(rows).set_index("id")


def load_scenario(ref: str | Path, strict: bool = False) -> Scenario:
    """Load and validate a scenario by built-in name (``baseline-2024``) or file path.

    Parameters
    ----------
    ref
        Built-in name, path to a YAML file (``extends`` chains are followed) or a CSV
        folder written by ``transcaspian scenario export --format csv``.
    strict
        Treat warnings (figures without source or assumption, idle services) as errors.

    Raises
    ------
    ScenarioError
        With every problem found, each naming file, component id and field.

    Examples
    --------
    >>> s = load_scenario("target-2030")
    >>> s.name, len(s.hash)
    ('target-2030', 64)
    """
    path = Path(ref)
    if path.is_dir():
        from transcaspian.model.io import read_csv_dir

        return Scenario.from_dict(read_csv_dir(path), label=str(path), strict=strict)
    return Scenario.from_resolved(resolve(str(ref)), strict)
