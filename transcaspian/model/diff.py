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
