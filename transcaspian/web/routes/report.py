"""``/report/{scenario}`` (the HTML report) and ``/scenarios/{name}/map`` (the report's map figure,
for the page: one drawing of the map, the report's)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from transcaspian.web import auth
from transcaspian.web.routes import COMMON, open_scenario
from transcaspian.web.routes.engines import capacity_of, simulation_for
from transcaspian.web.schemas import ErrorOut, ScenarioName

router = APIRouter(tags=["report"], responses=COMMON)
#: The report is self-contained (inline plotly): it may run its own inline scripts, in a sandbox
#: (an opaque origin: no access to the page's token or the API).
REPORT_CSP = ("sandbox allow-scripts allow-popups allow-downloads; default-src 'none'; "
              "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; "
              "font-src data:")


@router.get("/report/{scenario}", summary="The HTML report of a scenario",
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}},
                       409: {"model": ErrorOut, "description": "simulation job not done"}})
def report(request: Request, scenario: ScenarioName,
           simulation_job: str | None = Query(None, max_length=64, description="A finished simulate job "
                                              "of the scenario: adds its transit times and waits"),
           download: bool = Query(False, description="Send as an attachment"),
           who: Any = Depends(auth.viewer)) -> HTMLResponse:
    from transcaspian.report.build import build_report

    scen = open_scenario(request, who.team, scenario)
    html = build_report(scen, simulation=simulation_for(request, who.team, simulation_job, scen))
    headers = {"Content-Security-Policy": REPORT_CSP}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="report-{scenario}.html"'
    return HTMLResponse(html, headers=headers)


@router.get("/scenarios/{name}/map", summary="The corridor map coloured by utilisation (plotly figure)",
            responses={200: {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"data": {"type": "array"}, "layout": {"type": "object"}},
                "required": ["data", "layout"]}}}}})
def corridor_map(request: Request, name: ScenarioName, who: Any = Depends(auth.viewer)) -> Any:
    from fastapi.responses import Response

    from transcaspian.analysis.indicators import map_element_utilisation
    from transcaspian.report.map import corridor_map as draw
    from transcaspian.report.sections.map import map_detail

    scen = open_scenario(request, who.team, name)
    cap = capacity_of(scen)
    fig = draw(scen, map_element_utilisation(scen, cap), map_detail(scen, cap))
    return Response(fig.to_json(), media_type="application/json")


