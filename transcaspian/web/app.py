"""The web application: the REST API under ``/api/v1``, its OpenAPI document, docs and the page.

:func:`create_app` wires a store (tokens, scenarios, jobs, results), an optional job runner
(the worker processes; None: jobs wait until a runner serves the same database) and the
limits into one FastAPI app. Every error has one JSON shape (:class:`ErrorOut`): a user's
mistake is 422 with every problem listed, as the CLI lists them; a limit is 422 or 429 naming
it; another team's id is 404.

Safety: no CORS middleware unless origins are given; security headers on every response
(the page's own scripts only); request bodies bounded by ``limits.max_upload_bytes``.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from transcaspian import __version__
from transcaspian.model.errors import UserError
from transcaspian.web.limits import LimitExceeded, Limits
from transcaspian.web.scenarios import NotFound, ScenarioCache
from transcaspian.web.schemas import ErrorOut, ProblemOut

#: The page's Content-Security-Policy: its own scripts and styles only, nothing framed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin",
                    "Cache-Control": "no-store"}
API = "/api/v1"


def error(status: int, detail: str, problems: Sequence[ProblemOut] = (),
          headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error response shape."""
    body = ErrorOut(detail=detail, problems=list(problems)).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)


def user_error_response(exc: UserError) -> JSONResponse:
    """422 with every problem of a UserError (scenario, options, limits of the model)."""
    problems = [ProblemOut(message=p.message, file=p.file, component=p.component, id=p.id, field=p.field)
                for p in exc.problems]
    n = len(problems)
    return error(422, f"{n} problem{'s' if n != 1 else ''} in {exc.what}", problems)


def validation_response(exc: RequestValidationError) -> JSONResponse:
    """422 naming each field of the request that is wrong."""
    problems = []
    body = getattr(exc, "body", None)
    tag = body.get("kind") if isinstance(body, dict) else None  # a job's kind: the union's tag
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        if tag is not None and loc and loc[0] == tag:
            loc = loc[1:]
        problems.append(ProblemOut(message=str(err.get("msg", "invalid")).removeprefix("Value error, "),
                                   field=".".join(loc)))
    n = len(problems)
    return error(422, f"{n} problem{'s' if n != 1 else ''} in the request", problems)


def plain(value: Any) -> Any:
    """``value`` as strict JSON data: NaN and infinities null, numpy scalars plain, else text.

    Examples
    --------
    >>> plain({"a": float("nan"), "b": [1, float("inf")], "c": (2.5,)})
    {'a': None, 'b': [1, None], 'c': [2.5]}
    """
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return plain(item())
        except (TypeError, ValueError):
            pass
    return str(value)


class BodyLimit:
    """Refuse (413, naming the limit) any request body larger than ``limit`` bytes.

    The body is read up to the limit before the app sees it, so a large upload costs at most
    ``limit`` bytes of memory whether or not it declares its length.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        too_big = declared is not None and declared.isdigit() and int(declared) > self.limit
        chunks: list[bytes] = []
        size, more = 0, not too_big
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                too_big = True
                break
            chunks.append(chunk)
            more = message.get("more_body", False)
        if too_big:
            response = error(413, f"max_upload_bytes: the request body exceeds {self.limit:,} bytes")
            await response(scope, receive, send)
            return
        body, sent = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(UserError)
    async def _user(request: Request, exc: UserError) -> JSONResponse:
        return user_error_response(exc)

    @app.exception_handler(LimitExceeded)
    async def _limit(request: Request, exc: LimitExceeded) -> JSONResponse:
        return error(exc.status, exc.message)

    @app.exception_handler(NotFound)
    async def _missing(request: Request, exc: NotFound) -> JSONResponse:
        return error(404, f"no scenario named '{exc.args[0]}' (built-in or of your team)")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(exc)


def create_app(store: Any, runner: Any | None = None, limits: Limits | None = None,
               cors_origins: Sequence[str] = ()) -> FastAPI:
    """The web app over ``store`` (a :class:`~transcaspian.web.store.Store`).

    Parameters
    ----------
    store
        Tokens, scenarios, jobs and results.
    runner
        The :class:`~transcaspian.web.jobs.JobRunner` executing jobs (None: jobs are queued in
        the store for a runner on the same database).
    limits
        Bounded cost (:class:`~transcaspian.web.limits.Limits`; default: its defaults).
    cors_origins
        Origins allowed to call the API from a browser (default: none, no CORS headers).
    """
    from transcaspian.web.routes import compare, engines, jobs, page, report, scenarios, tokens, views

    limits = limits or Limits()
    app = FastAPI(title="transcaspian", version=__version__, docs_url=None, redoc_url=None,
                  description="Planning toolkit for the Trans-Caspian (Middle) Corridor. Every "
                  f"{API} call needs 'Authorization: Bearer TOKEN' (transcaspian serve token create).")
    app.state.store, app.state.runner, app.state.limits = store, runner, limits
    app.state.scenarios = ScenarioCache()
    _install_errors(app)
    for module in (scenarios, engines, compare, jobs, tokens, report, views):
        app.include_router(module.router, prefix=API)
    app.include_router(page.router)
    page.mount_static(app)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_headers=["Authorization",
                           "Content-Type"], allow_methods=["GET", "POST", "DELETE"])
    app.add_middleware(BodyLimit, limit=limits.max_upload_bytes)
    return app


def static_dir() -> Any:
    """The page's static files inside the package."""
    return resources.files("transcaspian.web").joinpath("static")
