"""``/compare``: scenarios side by side with their deltas to the first (the engine
:func:`transcaspian.analysis.compare.compare`; the route only opens scenarios and simulations)."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter, Depends, Request

from transcaspian.model import Scenario
from transcaspian.model.results import Result
from transcaspian.web import auth
from transcaspian.web.routes import COMMON, open_scenario
from transcaspian.web.routes.engines import READ_ONLY, result_json, simulation_for
from transcaspian.web.schemas import CompareRequest, CompareResult, ErrorOut

router = APIRouter(tags=["engines"], responses=COMMON)


@functools.lru_cache(maxsize=32)
def _analytic(scens: tuple[Scenario, ...], corridors: int) -> Result:
    """A comparison without simulations (cached: it is deterministic)."""
    from transcaspian.analysis.compare import CompareOptions, compare

    return compare(list(scens), CompareOptions.build(corridors=corridors))


@router.post("/compare", response_model=CompareResult, summary="Compare scenarios side by side (deltas "
             "to the first)", description=READ_ONLY,
             responses={409: {"model": ErrorOut, "description": "simulation job not done"}})
def post_compare(body: CompareRequest, request: Request,  # type: ignore[valid-type]
                 who: Any = Depends(auth.viewer)) -> dict[str, Any]:
    from transcaspian.analysis.compare import CompareOptions, compare

    scens = [open_scenario(request, who.team, name) for name in body.scenarios]  # type: ignore[attr-defined]
    jobs = body.simulation_jobs  # type: ignore[attr-defined]
    if not jobs or all(j is None for j in jobs):
        return result_json(_analytic(tuple(scens), body.corridors))  # type: ignore[attr-defined]
    # a job beyond the scenarios is left for the engine to name (its count must match)
    sims = [simulation_for(request, who.team, j, s) for j, s in zip(jobs, scens, strict=False)]
    sims += [None] * (len(jobs) - len(scens))
    options = CompareOptions.build(corridors=body.corridors)  # type: ignore[attr-defined]
    return result_json(compare(scens, options, simulations=sims))
