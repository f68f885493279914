"""The synchronous engines: ``/capacity`` and ``/quote`` (fast; run in the server's thread pool,
their results not stored)."""

from __future__ import annotations

import functools
import json
import threading
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.web import auth
from transcaspian.web.routes import COMMON, open_scenario, store
from transcaspian.web.schemas import SERVER_SET, CapacityRequest, CapacityResult, QuoteRequest, QuoteResult

router = APIRouter(tags=["engines"], responses=COMMON)
#: The access rule of the read-only computations (/capacity, /quote, /compare), said in their docs.
READ_ONLY = ("Any token of the team may call it, a viewer's too: a read-only computation within the "
             "server's limits (nothing is stored).")


def result_json(res: Result) -> dict[str, Any]:
    """A result as strict JSON data (NaN and infinities null)."""
    from transcaspian.web.app import plain

    return plain(json.loads(json.dumps(res.to_json_dict(), default=str)))


@functools.lru_cache(maxsize=16)
def _capacity(scen: Scenario, options_json: str) -> Result:
    from transcaspian.analysis import CapacityOptions, capacity

    return capacity(scen, CapacityOptions.build(**json.loads(options_json)))


def capacity_of(scen: Scenario, options: dict[str, Any] | None = None) -> Result:
    """The capacity result of a scenario (cached by scenario and options: it is deterministic)."""
    return _capacity(scen, json.dumps(options or {}, sort_keys=True))


@router.post("/capacity", response_model=CapacityResult, summary="Capacity, routing and bottlenecks",
             description=READ_ONLY)
def post_capacity(body: CapacityRequest, request: Request,  # type: ignore[valid-type]
                  who: Any = Depends(auth.viewer)) -> dict[str, Any]:
    options = body.model_dump(exclude={"scenario"} | SERVER_SET["capacity"])  # type: ignore[attr-defined]
    return result_json(capacity_of(open_scenario(request, who.team, body.scenario), options))  # type: ignore[attr-defined]


def simulation_for(request: Request, team: str, job_id: str | None, scen: Scenario) -> Result | None:
    """The result of a finished simulate job of the team on ``scen`` (404/409/422 otherwise)."""
    if job_id is None:
        return None
    st = store(request)
    job = st.job(team, job_id)
    if job is None or job.kind != "simulate":
        raise HTTPException(404, f"no simulate job '{job_id}' in your team")
    res = st.result(team, job_id) if job.status == "done" else None
    if res is None:
        raise HTTPException(409, f"simulate job '{job_id}' is {job.status}, not done")
    if res.meta.get("scenario_hash") != scen.hash:
        raise HTTPException(422, f"simulate job '{job_id}' ran on another scenario "
                            f"({res.meta.get('scenario')}), not {scen.name}")
    return res


@router.post("/quote", response_model=QuoteResult, summary="Quote a shipment: the k best itineraries",
             description=READ_ONLY,
             responses={409: {"model": COMMON[422]["model"], "description": "simulation_job not done"}})
def post_quote(body: QuoteRequest, request: Request,  # type: ignore[valid-type]
               who: Any = Depends(auth.viewer)) -> dict[str, Any]:
    from transcaspian.analysis import QuoteOptions, quote

    scen = open_scenario(request, who.team, body.scenario)  # type: ignore[attr-defined]
    options = QuoteOptions.build(**body.model_dump(exclude={"scenario", "simulation_job"}))  # type: ignore[attr-defined]
    simulation = simulation_for(request, who.team, body.simulation_job, scen)  # type: ignore[attr-defined]
    planner, lock = _planner(scen)
    with lock:  # a planner memoises itineraries: one quote at a time on it
        res = quote(scen, options, planner=planner, simulation=simulation)
    return result_json(res)


@functools.lru_cache(maxsize=16)
def _planner(scen: Scenario) -> tuple[Any, threading.Lock]:
    """The route planner of a scenario (on its capacity result), reused across quotes."""
    from transcaspian.analysis import RoutePlanner

    return RoutePlanner(scen, capacity_of(scen)), threading.Lock()
