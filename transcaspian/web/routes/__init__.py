"""The API's routes, one module per resource; shared helpers here.

Examples
--------
>>> sorted(COMMON)
[400, 401, 403, 404, 413, 422, 429]
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import Request

from transcaspian.model import Scenario
from transcaspian.web.schemas import ErrorOut, JobOut

#: Errors any API call may answer, declared in the OpenAPI document.
COMMON: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A body that cannot be parsed (not JSON)"},
    401: {"model": ErrorOut, "description": "No token, or an unknown or revoked one"},
    403: {"model": ErrorOut, "description": "The token's role may not do this"},
    404: {"model": ErrorOut, "description": "No such id in the caller's team"},
    413: {"model": ErrorOut, "description": "Request body beyond max_upload_bytes"},
    422: {"model": ErrorOut, "description": "Invalid request: every problem listed"},
    429: {"model": ErrorOut, "description": "A limit of the team (queued jobs) is reached"},
}


def store(request: Request) -> Any:
    """The app's store."""
    return request.app.state.store


def open_scenario(request: Request, team: str, name: str) -> Scenario:
    """A built-in or team scenario, validated (NotFound -> 404, ScenarioError -> 422)."""
    return request.app.state.scenarios.get(store(request), team, name)


def job_out(record: Any) -> JobOut:
    """The API's view of a store's JobRecord."""
    return JobOut(**dataclasses.asdict(record))
