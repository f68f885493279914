"""``transcaspian serve``: the web app and REST API (``serve``), and its tokens (``serve token``).

``transcaspian serve [--host] [--port] [--db URL] [--workers N] [--scheduler ADDRESS]`` opens
the store (SQLite in the data folder by default), marks the jobs a previous server left running
as interrupted, starts the job workers and serves the app with uvicorn until interrupted. With
``--scheduler``, simulate jobs' replications run on that Dask cluster (``local``: one
LocalCluster the server starts and every job worker shares).
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

import typer

from transcaspian.cli._common import err_console, user_errors
from transcaspian.cli._flags import flag_names

if TYPE_CHECKING:
    from transcaspian.web.limits import Limits

serve_app = typer.Typer(help="The web app and REST API, and its access tokens.", no_args_is_help=False,
                        invoke_without_command=True)
DB_HELP = ("Database URL: sqlite:///PATH or postgresql://...; default: SQLite in $TRANSCASPIAN_DATA "
           "or ~/.local/share/transcaspian")


def store_url(db: str | None) -> str:
    """The database URL of ``--db``, or the default SQLite file in the data folder."""
    from transcaspian.web.store import Store, data_dir

    return db or Store.default_url(data_dir())


@serve_app.callback()
def serve_cmd(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    workers: int = typer.Option(2, "--workers", min=0, max=64, help="Job worker processes (count; 0: jobs "
                                "wait for another server's workers on the same database)"),
    cors_origin: list[str] = typer.Option([], "--cors-origin", help="Allow browser calls from this "
                                          "origin (repeatable; default: none)"),
    max_replication_years: float | None = typer.Option(
        None, "--max-replication-years", help="Most replications x years one job may simulate "
        "(default 2000; env TRANSCASPIAN_MAX_REPLICATION_YEARS)"),
    max_concurrent_jobs: int | None = typer.Option(
        None, "--max-concurrent-jobs", help="Most running jobs per team (default 2)"),
    max_queued_jobs: int | None = typer.Option(None, "--max-queued-jobs", help="Most waiting jobs per "
                                               "team (default 20)"),
    job_time_limit_s: float | None = typer.Option(None, "--job-time-limit", help="Seconds a job may run "
                                                  "(default 3600)"),
    max_upload_bytes: int | None = typer.Option(None, "--max-upload-bytes", help="Largest request body "
                                                "(bytes; default 1,000,000)"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Run simulate jobs' replications on "
                                         "Dask: 'local' (a LocalCluster, one process per core) or a "
                                         "scheduler address tcp://host:8786 (default: in the job worker)"),
) -> None:
    """Serve the web app and REST API at http://HOST:PORT (docs at /docs)."""
    if ctx.invoked_subcommand is not None:
        return
    from transcaspian.model.errors import UserError
    from transcaspian.model.executors import check_scheduler
    from transcaspian.web.limits import Limits

    with user_errors(), flag_names({"scheduler": "--scheduler"}):
        limits = Limits.from_env(max_replication_years=max_replication_years,
                                 max_concurrent_jobs=max_concurrent_jobs, max_queued_jobs=max_queued_jobs,
                                 job_time_limit_s=job_time_limit_s, max_upload_bytes=max_upload_bytes)
        url = store_url(db)
        if problems := check_scheduler(scheduler):
            raise UserError(problems, "the command")
        with ExitStack() as stack:
            address = job_scheduler(stack, scheduler) if workers else None
            run_server(url, host, port, workers, limits, cors_origin, address)


def job_scheduler(stack: ExitStack, scheduler: str | None) -> str | None:
    """The Dask scheduler address the job workers send replications to (None: none); checks an
    address answers, or starts the shared LocalCluster of ``local`` (closed with ``stack``).
    Says where on standard error."""
    from transcaspian.model.executors import LOCAL_CLUSTER, open_executor

    if scheduler is None:
        return None
    pool = stack.enter_context(open_executor(scheduler))
    err_console.print(f"simulate jobs' replications on {pool.label}", highlight=False)
    return str(pool.client.scheduler.address) if scheduler == LOCAL_CLUSTER else scheduler


def run_server(url: str, host: str, port: int, workers: int, limits: Limits,
               cors_origins: list[str], scheduler: str | None = None) -> None:
    """Open the store, start the workers, serve until interrupted, stop the workers.
    ``scheduler``: the Dask scheduler address simulate jobs' replications go to (None: in the
    job workers)."""
    import uvicorn

    from transcaspian.web.app import create_app
    from transcaspian.web.jobs import JobRunner, RunLimits
    from transcaspian.web.store import Store

    store = Store(url)
    interrupted = store.mark_interrupted()
    if interrupted:
        err_console.print(f"{interrupted} job{'s' if interrupted != 1 else ''} left running by a previous "
                          "server marked interrupted (resubmit them)", highlight=False)
    run_limits = RunLimits(time_limit_s=limits.job_time_limit_s,
                           max_running_per_team=limits.max_concurrent_jobs)
    runner = JobRunner(url, workers=workers, limits=run_limits, scheduler=scheduler) if workers else None
    if runner is not None:
        runner.start()
    try:
        err_console.print(f"transcaspian serving http://{host}:{port} (API /api/v1, docs /docs); "
                          f"database {url.split('://')[0]}", highlight=False)
        uvicorn.run(create_app(store, runner, limits, cors_origins), host=host, port=port,
                    log_level="warning")
    finally:
        if runner is not None:
            runner.stop()


def register(app: typer.Typer) -> None:
    """Add the ``serve`` group."""
    app.add_typer(serve_app, name="serve")
