"""``/scenarios``: the built-in scenarios and a team's overlays: list, read, upload, validate,
diff, export."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from transcaspian.model import Scenario
from transcaspian.model.errors import Problem, ScenarioError
from transcaspian.model.loading import builtin_names, parse_yaml
from transcaspian.model.schema import COMPONENTS
from transcaspian.web import auth
from transcaspian.web.routes import COMMON, open_scenario, store
from transcaspian.web.scenarios import builtin, check_name, parse_upload
from transcaspian.web.schemas import (
    DiffOut,
    ProblemOut,
    ScenarioInfo,
    ScenarioItem,
    ScenarioName,
    ValidationOut,
)

router = APIRouter(tags=["scenarios"], responses=COMMON)
#: Media types an overlay may be uploaded as.
UPLOAD_TYPES = ("application/x-yaml", "application/yaml", "text/yaml", "application/json")


def _problems(problems: list[Problem]) -> list[ProblemOut]:
    return [ProblemOut(message=p.message, file=p.file, component=p.component, id=p.id, field=p.field)
            for p in problems]


def info(scen: Scenario, builtin: bool, extends: str | None) -> ScenarioInfo:
    """What GET /scenarios/{name} shows of a scenario."""
    return ScenarioInfo(name=scen.name, title=scen.title, year=scen.year, builtin=builtin, hash=scen.hash,
                        extends=extends, components={c: len(getattr(scen.doc, c)) for c in COMPONENTS},
                        warnings=_problems(scen.warnings))


@router.get("/scenarios", response_model=list[ScenarioItem], summary="Built-in scenarios and the team's")
def list_scenarios(request: Request, who: Any = Depends(auth.viewer)) -> list[ScenarioItem]:
    out = [ScenarioItem(name=n, builtin=True, hash=builtin(n).hash)
           for n in builtin_names()]
    out += [ScenarioItem(name=s["name"], builtin=False, hash=s["hash"], created=s.get("created"))
            for s in store(request).list_scenarios(who.team)]
    return out


@router.get("/scenarios/{name}", response_model=ScenarioInfo, summary="A scenario's metadata and size")
def get_scenario(name: ScenarioName, request: Request, who: Any = Depends(auth.viewer)) -> ScenarioInfo:
    scen = open_scenario(request, who.team, name)
    if name in builtin_names():
        return info(scen, True, None)
    text = store(request).get_scenario(who.team, name) or ""
    data = parse_yaml(text, name)
    return info(scen, False, data.get("extends") if isinstance(data, dict) else None)


@router.post("/scenarios", response_model=ScenarioInfo, status_code=201,
             summary="Upload an overlay (YAML or JSON), stored under its name",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-yaml": {"schema": {"type": "string"}},
                 "application/json": {"schema": {"type": "object", "additionalProperties": True,
                                                 "description": "The overlay as a JSON object"}}}}})
async def post_scenario(request: Request, who: Any = Depends(auth.analyst)) -> ScenarioInfo:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in UPLOAD_TYPES:
        raise ScenarioError([Problem(f"send the overlay as application/x-yaml or application/json, "
                                     f"not {content_type or 'no Content-Type'!r}", file="upload")])
    raw = await request.body()
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_store_overlay, request, who, raw, content_type)


def _store_overlay(request: Request, who: Any, raw: bytes, content_type: str) -> ScenarioInfo:
    from transcaspian.web.resolve import check_overlay

    data, text = parse_upload(raw, content_type)
    problems = [Problem(p, file="upload", field="name") for p in check_name(data.get("name"))]
    if "extends" not in data:
        problems.append(Problem("an uploaded overlay must 'extends' a built-in scenario or one of the "
                                "team's", file="upload", field="extends"))
    if problems:
        raise ScenarioError(problems)
    scen = check_overlay(store(request), who.team, text)
    store(request).put_scenario(who.team, scen.name, text, scen.hash)
    return info(scen, False, data["extends"])


@router.get("/scenarios/{name}/validate", response_model=ValidationOut,
            summary="Validate a scenario: errors and warnings (strict checks)")
def validate(name: ScenarioName, request: Request, who: Any = Depends(auth.viewer)) -> ValidationOut:
    try:
        scen = open_scenario(request, who.team, name)
    except ScenarioError as exc:
        return ValidationOut(name=name, valid=False, errors=_problems(exc.problems), warnings=[])
    return ValidationOut(name=name, valid=True, errors=[], warnings=_problems(scen.warnings))


@router.get("/scenarios/{a}/diff/{b}", response_model=DiffOut, summary="Every difference from a to b")
def diff(a: ScenarioName, b: ScenarioName, request: Request, who: Any = Depends(auth.viewer)) -> DiffOut:
    from transcaspian.model.diff import diff_scenarios
    from transcaspian.model.results import frame_to_json
    from transcaspian.web.app import plain

    frame = diff_scenarios(open_scenario(request, who.team, a), open_scenario(request, who.team, b))
    return DiffOut(a=a, b=b, rows=plain(json.loads(frame_to_json(frame))))


@router.get("/scenarios/{name}/export",
            responses={200: {"content": {"application/x-yaml": {"schema": {
                "description": "The resolved scenario document (YAML)"}}}}},
            summary="The resolved scenario as YAML (no extends)")
def export(name: ScenarioName, request: Request, who: Any = Depends(auth.viewer)) -> PlainTextResponse:
    from transcaspian.model.io import to_yaml

    scen = open_scenario(request, who.team, name)
    return PlainTextResponse(to_yaml(scen.doc), media_type="application/x-yaml",
                             headers={"Content-Disposition": f'attachment; filename="{name}.yaml"'})
