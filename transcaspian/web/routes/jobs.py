"""``/jobs``: simulate, calibrate and plan as jobs: submit, status with progress, result,
table downloads, cancel. Jobs run in the runner's worker processes, never in a request."""

from __future__ import annotations

import io
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response

from transcaspian.web import auth
from transcaspian.web.jobs import engine_options
from transcaspian.web.limits import check_job
from transcaspian.web.routes import COMMON, job_out, open_scenario, store
from transcaspian.web.routes.engines import result_json
from transcaspian.web.schemas import JOB_OPTIONS, ErrorOut, JobOut, JobRequest, ResultOut

router = APIRouter(tags=["jobs"], responses=COMMON)
JobId = Path(min_length=1, max_length=64, description="Job id")
NOT_DONE = {409: {"model": ErrorOut, "description": "The job is not done: no result (yet)"}}
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _job(request: Request, team: str, job_id: str) -> Any:
    job = store(request).job(team, job_id)
    if job is None:
        raise HTTPException(404, f"no job '{job_id}' in your team")
    return job


@router.post("/jobs", response_model=JobOut, status_code=202, summary="Submit a simulate, calibrate or "
             "plan job")
def submit(body: JobRequest, request: Request,  # type: ignore[valid-type]
           who: Any = Depends(auth.analyst)) -> JobOut:
    st, limits = store(request), request.app.state.limits
    options = body.options.model_dump(mode="json")  # type: ignore[attr-defined]
    engine_options(JOB_OPTIONS[body.kind], options)  # the engine's own checks, as the worker's (422)
    open_scenario(request, who.team, body.scenario)  # exists and is valid (404 / 422)
    running, queued = st.count_active(who.team)
    check_job(limits, body.kind, options, running, queued)
    return job_out(st.submit_job(who.team, body.kind, body.scenario, options))


@router.get("/jobs", response_model=list[JobOut], summary="The team's jobs, newest first")
def list_jobs(request: Request, who: Any = Depends(auth.viewer)) -> list[JobOut]:
    return [job_out(j) for j in store(request).list_jobs(who.team)]


@router.get("/jobs/{job_id}", response_model=JobOut, summary="A job's status and progress")
def get_job(request: Request, job_id: str = JobId, who: Any = Depends(auth.viewer)) -> JobOut:
    return job_out(_job(request, who.team, job_id))


@router.delete("/jobs/{job_id}", response_model=JobOut, summary="Cancel a job (queued or running)",
               responses=NOT_DONE)
def cancel(request: Request, job_id: str = JobId, who: Any = Depends(auth.analyst)) -> JobOut:
    _job(request, who.team, job_id)
    job = store(request).cancel_job(who.team, job_id)
    if job is None:
        raise HTTPException(404, f"no job '{job_id}' in your team")
    return job_out(job)


def _result(request: Request, team: str, job_id: str) -> Any:
    job = _job(request, team, job_id)
    res = store(request).result(team, job_id) if job.status == "done" else None
    if res is None:
        raise HTTPException(409, f"job '{job_id}' is {job.status}: its result is there only when it "
                            "is done")
    return res


@router.get("/jobs/{job_id}/result", response_model=ResultOut, responses=NOT_DONE,
            summary="A finished job's result: meta and every table as records")
def result(request: Request, job_id: str = JobId, who: Any = Depends(auth.viewer)) -> dict[str, Any]:
    return result_json(_result(request, who.team, job_id))


@router.get("/jobs/{job_id}/result/{table}.{fmt}", summary="One result table "
            "as CSV or xlsx", responses={**NOT_DONE, 200: {"content": {m: {"schema": {
                "type": "string", "format": "binary"}} for m in MEDIA.values()}}})
def table(request: Request, job_id: str = JobId,
          table: str = Path(pattern=r"^[a-z0-9_]{1,64}$", description="Table name"),
          fmt: Literal["csv", "xlsx"] = Path(description="csv or xlsx"),
          who: Any = Depends(auth.viewer)) -> Response:
    res = _result(request, who.team, job_id)
    if table not in res.tables:
        raise HTTPException(404, f"job '{job_id}' has no table '{table}' (tables: "
                            f"{', '.join(res.tables)})")
    return table_file(res.tables[table], table, fmt, f"{job_id}-{table}")


def table_file(frame: Any, table: str, fmt: str, stem: str) -> Response:
    """One result table as a CSV or xlsx attachment named ``stem.fmt`` (the API's one table writer).

    Examples
    --------
    >>> import pandas as pd
    >>> r = table_file(pd.DataFrame({"x_km": [1.5]}), "legs", "csv", "job-legs")
    >>> r.body, r.headers["content-disposition"]
    (b'x_km\\n1.5\\n', 'attachment; filename="job-legs.csv"')
    """
    from transcaspian.model.results import _plain

    frame = _plain(frame)
    if fmt == "csv":
        data = frame.to_csv(index=False).encode("utf-8")
    else:
        buf = io.BytesIO()
        frame.to_excel(buf, index=False, sheet_name=table[:31])
        data = buf.getvalue()
    return Response(data, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})
