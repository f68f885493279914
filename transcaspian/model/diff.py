"""What differs between two scenarios, component by component, with the project behind it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from transcaspian.model.distributions import Distribution
from transcaspian.model.scenario import Scenario
from transcaspian.model.schema import COMPONENTS

DIFF_COLUMNS = ["component", "id", "change", "field", "before", "after", "project"]


def _flat(component: Any) -> dict[str, Any]:
    """Field -> comparable value; per-unit dicts flatten to ``field.unit``."""
    out: dict[str, Any] = {}
    for name, info in type(component).model_fields.items():
        if name in ("field_provenance", "source", "assumption"):
            continue
        key = info.alias or name
        value = getattr(component, name)
        if isinstance(value, Distribution):
            out[key] = value.describe()
        elif isinstance(value, dict):
            for k, v in value.items():
                out[f"{key}.{k}"] = v
        elif isinstance(value, list) and value and hasattr(value[0], "model_dump"):
            out[key] = ", ".join(
                " ".join(f"{k}={v}" for k, v in item.model_dump(
                    exclude={"field_provenance", "source", "assumption"}, exclude_none=True).items())
                for item in value)
        elif isinstance(value, list):
            out[key] = ", ".join(str(v) for v in value)
        elif hasattr(value, "model_dump"):
            out[key] = str(value.model_dump(exclude_none=True))
        else:
            out[key] = value
    return out


def _touched_by_projects(scenario: Scenario, project_ids: list[str]) -> dict[tuple[str, str], str]:
    """(component, id) -> names of the projects whose changes touch it."""
    out: dict[tuple[str, str], list[str]] = {}
    for pid in project_ids:
        project = scenario.get("projects", pid)
        ch = project.changes
        for ctype, entries in [*ch.add.items(), *ch.patch.items()]:
            for e in entries:
                out.setdefault((ctype, str(e.get("id"))), []).append(project.name)
        for ctype, ids in ch.remove.items():
            for cid in ids:
                out.setdefault((ctype, cid), []).append(project.name)
    return {k: "; ".join(v) for k, v in out.items()}


def new_projects(a: Scenario, b: Scenario) -> pd.DataFrame:
    """Projects applied in ``b`` but not in ``a``: name, capex, years, payer."""
    ids = [p for p in b.doc.applied_projects if p not in a.doc.applied_projects]
    rows = []
    for pid in ids:
        p = b.get("projects", pid)
        rows.append({"id": pid, "name": p.name, "country": p.country, "payer": p.payer,
                     "capex_musd": p.capex_musd, "in_service_year": p.in_service_year,
                     "status": p.status})
    return pd.DataFrame(rows, columns=["id", "name", "country", "payer", "capex_musd",
                                       "in_service_year", "status"])


def diff_scenarios(a: Scenario, b: Scenario) -> pd.DataFrame:
    """Every difference from ``a`` to ``b``.

    Returns
    -------
    DataFrame with columns component, id, change (added | removed | changed), field,
    before, after, project (the project in ``b`` whose changes touch the component).
    """
    rows: list[dict[str, Any]] = []
    projects = _touched_by_projects(b, [p for p in b.doc.applied_projects
                                        if p not in a.doc.applied_projects])
    for key in ("year", "price_year", "tonnage_definition"):
        va, vb = getattr(a.doc, key), getattr(b.doc, key)
        if va != vb:
            rows.append({"component": "scenario", "id": "", "change": "changed", "field": key,
                         "before": va, "after": vb, "project": ""})
    if a.doc.sea_level.change_m != b.doc.sea_level.change_m:
        rows.append({"component": "sea_level", "id": "", "change": "changed", "field": "change_m",
                     "before": a.doc.sea_level.change_m, "after": b.doc.sea_level.change_m,
                     "project": ""})
    for ctype in COMPONENTS:
        if ctype == "projects":
            continue
        ca = {c.id: c for c in getattr(a.doc, ctype)}
        cb = {c.id: c for c in getattr(b.doc, ctype)}
        for cid in [i for i in ca if i not in cb]:
            rows.append({"component": ctype, "id": cid, "change": "removed", "field": "",
                         "before": getattr(ca[cid], "name", None) or cid, "after": None,
                         "project": projects.get((ctype, cid), "")})
        for cid in [i for i in cb if i not in ca]:
            rows.append({"component": ctype, "id": cid, "change": "added", "field": "",
                         "before": None, "after": getattr(cb[cid], "name", None) or cid,
                         "project": projects.get((ctype, cid), "")})
        for cid in [i for i in cb if i in ca]:
            fa, fb = _flat(ca[cid]), _flat(cb[cid])
            for field in [*fa, *(k for k in fb if k not in fa)]:
                va, vb = fa.get(field), fb.get(field)
                if va != vb:
                    rows.append({"component": ctype, "id": cid, "change": "changed", "field": field,
                                 "before": va, "after": vb,
                                 "project": projects.get((ctype, cid), "")})
    frame = pd.DataFrame(rows, columns=DIFF_COLUMNS)
    return frame.astype({"before": object, "after": object})


#: Fields named first when an added component is shown (its key figures), by name prefix.
KEY_FIELDS = ("count", "capacity", "distance", "trains", "berths", "length", "speed", "annual")
#: Most key figures shown for an added component.
KEY_FIGURES = 4


def field_unit(ctype: str, field: str) -> str:
    """The schema's unit of a component field (``field.unit`` entries of per-unit dicts use
    the dict field's unit); empty when the field has none.

    Examples
    --------
    >>> field_unit("links", "distance_km"), field_unit("nodes", "name")
    ('km', '')
    """
    from transcaspian.model.base import unit_of_field

    model = COMPONENTS.get(ctype)
    if model is None:
        return ""
    name = field.split(".")[0]
    info = next((i for n, i in model.model_fields.items() if (i.alias or n) == name), None)
    return (unit_of_field(info) or "") if info is not None else ""


def format_value(value: Any, unit: str = "") -> str:
    """A diff value for people: thousands separators and the unit.

    Examples
    --------
    >>> format_value(1500000.0, "t/yr"), format_value(3, "vessels"), format_value("x"), format_value(None)
    ('1,500,000 t/yr', '3 vessels', 'x', '')
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}" if abs(value) < 1e4 \
        else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def key_figures(ctype: str, component: Any) -> str:
    """An added component in one line: its name and its first key figures with units, e.g.
    ``Ferry X: count 2; capacity_teu 50 TEU``."""
    flat = _flat(component)
    numeric = {k: v for k, v in flat.items()
               if isinstance(v, int | float) and not isinstance(v, bool) and field_unit(ctype, k)}
    order = sorted(numeric, key=lambda k: next((i for i, p in enumerate(KEY_FIELDS) if k.startswith(p)),
                                               len(KEY_FIELDS)))
    figures = [f"{k} {format_value(numeric[k], field_unit(ctype, k))}" for k in order[:KEY_FIGURES]]
    name = getattr(component, "name", None) or component.id
    return f"{name}: {'; '.join(figures)}" if figures else str(name)
