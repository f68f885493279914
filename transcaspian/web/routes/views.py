"""What the page reads besides the engines: the declared result tables (units of every column),
a scenario's nodes (the quote's pickers) and the capacity tables as files."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response

from transcaspian.web import auth
from transcaspian.web.routes import COMMON, open_scenario
from transcaspian.web.routes.engines import capacity_of
from transcaspian.web.routes.jobs import MEDIA, table_file
from transcaspian.web.schemas import RESULT_SCHEMAS, ColumnDoc, NodeItem, ScenarioName, TableDoc

router = APIRouter(tags=["reference"], responses=COMMON)


@router.get("/tables", response_model=list[TableDoc], summary="Every engine's result tables: columns "
            "with dtype, unit and meaning")
def tables(who: Any = Depends(auth.viewer)) -> list[TableDoc]:
    return [TableDoc(engine=engine, table=t.name, meaning=t.meaning, optional=t.optional,
                     columns=[ColumnDoc(name=c.name, dtype=c.dtype, unit=c.unit, meaning=c.meaning)
                              for c in t.columns])
            for engine, schema in RESULT_SCHEMAS.items() for t in schema.tables]


@router.get("/scenarios/{name}/nodes", response_model=list[NodeItem], summary="A scenario's nodes")
def nodes(name: ScenarioName, request: Request, who: Any = Depends(auth.viewer)) -> list[NodeItem]:
    frame = open_scenario(request, who.team, name).nodes
    return [NodeItem(id=str(i), name=str(r["name"]), country=str(r["country"]), kind=str(r["kind"]))
            for i, r in frame.iterrows()]


@router.get("/scenarios/{name}/capacity/{table}.{fmt}", summary="One capacity table (default options) "
            "as CSV or xlsx", responses={200: {"content": {m: {"schema": {
                "type": "string", "format": "binary"}} for m in MEDIA.values()}}})
def capacity_table(request: Request, name: ScenarioName,
                   table: str = Path(pattern=r"^[a-z0-9_]{1,64}$", description="Table name"),
                   fmt: Literal["csv", "xlsx"] = Path(description="csv or xlsx"),
                   who: Any = Depends(auth.viewer)) -> Response:
    res = capacity_of(open_scenario(request, who.team, name))
    if table not in res.tables:
        raise HTTPException(404, f"the capacity result has no table '{table}' (tables: "
                            f"{', '.join(res.tables)})")
    return table_file(res.tables[table], table, fmt, f"{name}-capacity-{table}")
