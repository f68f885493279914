"""The page at ``/`` and its static files, the plotly.js bundled with the plotly package, and the
API docs at ``/docs`` with Swagger UI's files from the ``swagger-ui-bundle`` package: all
served from the package, nothing fetched from the internet."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)
STATIC = Path(str(resources.files("transcaspian.web").joinpath("static")))

DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>transcaspian API</title>
<link rel="stylesheet" href="/swagger/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/swagger/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body></html>"""


def plotly_js() -> Path:
    """The plotly.min.js shipped inside the plotly Python package."""
    return Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))


def swagger_dir() -> Path | None:
    """Swagger UI's files from the ``swagger-ui-bundle`` package (None if it is not installed)."""
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


@router.get("/")
def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/vendor/plotly.min.js")
def plotly() -> FileResponse:
    return FileResponse(plotly_js(), media_type="text/javascript")


@router.get("/docs")
def docs() -> HTMLResponse:
    if swagger_dir() is None:
        raise HTTPException(404, "the API docs need the swagger-ui-bundle package; the OpenAPI "
                            "document is at /openapi.json")
    return HTMLResponse(DOCS_HTML)


def mount_static(app: FastAPI) -> None:
    """Serve the page's files at /static and Swagger UI's at /swagger."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    swagger = swagger_dir()
    if swagger is not None:
        app.mount("/swagger", StaticFiles(directory=swagger), name="swagger")
