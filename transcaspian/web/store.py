"""The job store: tokens, a team's scenarios, jobs and their results, in one SQL database.

SQLite (WAL journal, a busy timeout, so the server and its worker processes share one file)
by default in the data folder, or PostgreSQL (``postgresql://...``, psycopg 3). Opening a
:class:`Store` migrates the schema to the newest revision (Alembic, ``web/migrations``).

Every read is scoped by team: another team's job or scenario is simply not there (None),
which the API turns into 404. A job moves ``queued -> running -> done | failed``, or to
``cancelled`` (by its team) or ``interrupted`` (the server stopped while it ran). Each move is
one conditional UPDATE (``... WHERE status = 'running'``), so two processes never both win:
a worker claims a job only if it is still queued, a result is kept only if its job is still
running, and a cancelled job's late result is dropped. A result (its metadata and every table
as Parquet) is written in the same transaction that marks its job done: it is visible whole
or not at all, and a kill (even SIGKILL) at any moment leaves finished results intact.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from transcaspian.model.results import Result
>>> store = Store(Store.default_url(pathlib.Path(tempfile.mkdtemp())))
>>> token_id, token = store.create_token("analyst", "ministry")
>>> store.authenticate(token).team, store.authenticate("tc_wrong") is None
('ministry', True)
>>> job = store.submit_job("ministry", "simulate", "baseline-2024", {"years": 0.1})
>>> store.claim_next("w1").id == job.id, store.job("port", job.id) is None
(True, True)
>>> store.finish(job.id, Result({"scenario": "baseline-2024"}, {"t": pd.DataFrame({"x_t": [1.5]})}))
True
>>> store.job("ministry", job.id).status, store.result("ministry", job.id)["t"]["x_t"].tolist()
('done', [1.5])
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd
from sqlalchemy import Connection, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import NullPool

from transcaspian.model.errors import Problem, UserError
from transcaspian.model.results import Result
from transcaspian.web.db import JOB_RESULTS, JOBS, RESULT_TABLES, SCENARIOS, TOKENS
from transcaspian.web.tokens import (
    Role,
    hash_token,
    looks_like_token,
    new_token,
    new_token_id,
    role_problems,
    same_hash,
)

Status = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
STATUSES: tuple[str, ...] = get_args(Status)
#: Statuses a job never leaves.
FINAL = ("done", "failed", "cancelled", "interrupted")
#: Environment variable naming the data folder (default ``~/.local/share/transcaspian``).
DATA_ENV = "TRANSCASPIAN_DATA"
#: File name of the default SQLite database inside the data folder.
DB_FILE = "transcaspian.sqlite"
#: How long a SQLite writer waits for another's lock before giving up (ms).
SQLITE_BUSY_MS = 30_000
#: A stored scenario's name: also its file name while a job runs, so no path characters.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
#: The message of a job the server stopped while it ran.
INTERRUPTED_MESSAGE = "interrupted: the server stopped while this job ran; submit it again"


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: the token's id, role and team."""

    token_id: str
    role: Role
    team: str


@dataclass(frozen=True)
class JobRecord:
    """One job as stored: what was asked (kind, scenario, options) and where it stands.

    ``progress`` is a share (0..1); times are UTC; ``started`` and ``finished`` are None
    until the job starts and ends.
    """

    id: str
    team: str
    kind: str
    scenario: str
    options: dict[str, Any]
    status: Status
    progress: float
    message: str
    created: dt.datetime
    started: dt.datetime | None
    finished: dt.datetime | None

    def to_json_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (times as ISO 8601 text)."""
        out = dict(self.__dict__)
        for key in ("created", "started", "finished"):
            out[key] = None if out[key] is None else out[key].isoformat()
        return out


def now() -> dt.datetime:
    """The current time (UTC, timezone-aware)."""
    return dt.datetime.now(dt.UTC)


def data_dir() -> Path:
    """The data folder: ``$TRANSCASPIAN_DATA``, else ``$XDG_DATA_HOME/transcaspian``, else
    ``~/.local/share/transcaspian``."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "transcaspian"


def _store_error(message: str, field: str = "db") -> UserError:
    return UserError([Problem(message, field=field)], "the job store")


def engine_for(url: str) -> Engine:
    """A SQLAlchemy engine for a store URL (``sqlite:///path`` or ``postgresql://...``).

    SQLite gets the WAL journal, a busy timeout, foreign keys and write transactions that
    take the lock at BEGIN (so concurrent writers wait instead of failing); PostgreSQL URLs
    use the psycopg 3 driver. A URL of another database raises UserError.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise _store_error(f"{url!r} is not a database URL (sqlite:///PATH or "
                           "postgresql://USER@HOST:PORT/DB)") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)
    if backend != "sqlite":
        raise _store_error(f"database {backend!r} is not supported (sqlite:///PATH or postgresql://...)")
    if parsed.database in (None, "", ":memory:"):
        raise _store_error("an in-memory SQLite database cannot be shared with the worker processes; "
                           "give a file (sqlite:///PATH)")
    Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = create_engine(parsed, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", f"busy_timeout={SQLITE_BUSY_MS}", "foreign_keys=ON",
                       "synchronous=NORMAL"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write")
                             else "BEGIN")

    return engine


def upgrade_schema(engine: Engine) -> None:
    """Upgrade the database behind ``engine`` to the newest schema revision (Alembic)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("transcaspian.web") / "migrations"))
    with engine.connect().execution_options(write=True) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


def _record(row: Mapping[str, Any]) -> JobRecord:
    return JobRecord(id=row["id"], team=row["team"], kind=row["kind"], scenario=row["scenario"],
                     options=json.loads(row["options"]), status=row["status"],
                     progress=float(row["progress"]), message=row["message"], created=row["created"],
                     started=row["started"], finished=row["finished"])


def _json_default(value: Any) -> Any:
    """JSON of what ``json`` cannot encode: numpy scalars as numbers, times as ISO text, the rest
    as text (as a result folder's meta.json)."""
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _table_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf)  # the index is kept, so the frame reads back as it was
    return buf.getvalue()


class Store:
    """The job store over one database (see the module docstring).

    Parameters
    ----------
    url
        ``sqlite:///path/to/db.sqlite`` or ``postgresql://user@host:port/db``.
    migrate
        Upgrade the schema to the newest revision on open (the server does; its worker
        processes open the already-migrated database without).

    Raises
    ------
    UserError
        The URL names another kind of database, or the database cannot be opened.
    """

    def __init__(self, url: str, migrate: bool = True) -> None:
        self.url = url
        self.engine = engine_for(url)
        if migrate:
            try:
                upgrade_schema(self.engine)
            except OperationalError as exc:
                raise _store_error(f"cannot open the database {self.safe_url}: {exc.orig}") from None

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden (for messages and logs)."""
        return make_url(self.url).render_as_string(hide_password=True)

    @classmethod
    def default_url(cls, data_folder: Path | None = None) -> str:
        """The SQLite URL of the default database in ``data_folder`` (default :func:`data_dir`).

        >>> Store.default_url(Path("/srv/tc"))
        'sqlite:////srv/tc/transcaspian.sqlite'
        """
        return f"sqlite:///{(data_folder or data_dir()) / DB_FILE}"

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        """One transaction (committed on success, rolled back on error)."""
        with self.engine.connect().execution_options(write=write) as conn, conn.begin():
            yield conn

    # -- tokens --------------------------------------------------------------------------
    def create_token(self, role: Role, team: str, label: str = "") -> tuple[str, str]:
        """Make a token: returns (token id, the token itself). Only its hash is kept, so the
        token can be shown this once; a bad role or team raises UserError naming both."""
        problems = role_problems(role, team)
        if len(label) > 200:
            problems.append(f"label is {len(label)} characters; at most 200")
        if problems:
            raise UserError([Problem(p, field="token") for p in problems], "the new token")
        token_id, token = new_token_id(), new_token()
        with self._tx(write=True) as c:
            c.execute(insert(TOKENS).values(id=token_id, hash=hash_token(token), role=role, team=team,
                                            label=label, created=now(), revoked=None))
        return token_id, token

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a valid, unrevoked token, else None."""
        if not looks_like_token(token):
            return None
        digest = hash_token(token)
        with self._tx() as c:
            row = c.execute(select(TOKENS).where(TOKENS.c.hash == digest)).mappings().first()
        if row is None or row["revoked"] is not None or not same_hash(row["hash"], digest):
            return None
        return Principal(row["id"], row["role"], row["team"])

    def list_tokens(self, team: str | None = None) -> list[dict[str, Any]]:
        """Every token (of ``team`` if given): id, role, team, label, created, revoked (None or
        the time); never the token or its hash."""
        q = select(TOKENS.c.id, TOKENS.c.role, TOKENS.c.team, TOKENS.c.label, TOKENS.c.created,
                   TOKENS.c.revoked).order_by(TOKENS.c.created, TOKENS.c.id)
        if team is not None:
            q = q.where(TOKENS.c.team == team)
        with self._tx() as c:
            return [dict(r) for r in c.execute(q).mappings()]

    def revoke_token(self, token_id: str, team: str | None = None) -> bool:
        """Revoke a token (of ``team`` if given); False if there is no such active token."""
        q = update(TOKENS).where(TOKENS.c.id == token_id, TOKENS.c.revoked.is_(None))
        if team is not None:
            q = q.where(TOKENS.c.team == team)
        with self._tx(write=True) as c:
            return c.execute(q.values(revoked=now())).rowcount == 1

    # -- scenarios -----------------------------------------------------------------------
    def put_scenario(self, team: str, name: str, text: str, content_hash: str) -> None:
        """Store (or replace) a team's scenario overlay: its YAML text as uploaded and the
        content hash of the scenario it resolves to. A name that is not 1-100 letters,
        digits, '.', '-' or '_' raises UserError."""
        if not isinstance(name, str) or NAME_PATTERN.fullmatch(name) is None or name.endswith(
                (".yaml", ".yml")):
            raise UserError([Problem(f"scenario name {str(name)[:120]!r}: use 1-100 letters, digits, "
                                     "'.', '-' or '_', starting with a letter or digit, not ending "
                                     "in .yaml", field="name")], "the scenario")
        t = now()
        with self._tx(write=True) as c:
            done = c.execute(update(SCENARIOS).where(SCENARIOS.c.team == team, SCENARIOS.c.name == name)
                             .values(text=text, content_hash=content_hash, updated=t)).rowcount
            if not done:
                c.execute(insert(SCENARIOS).values(team=team, name=name, text=text,
                                                   content_hash=content_hash, created=t, updated=t))

    def get_scenario(self, team: str, name: str) -> str | None:
        """The YAML text of a team's stored scenario (None if the team has none of that name)."""
        with self._tx() as c:
            return c.execute(select(SCENARIOS.c.text).where(
                SCENARIOS.c.team == team, SCENARIOS.c.name == name)).scalar()

    def list_scenarios(self, team: str) -> list[dict[str, Any]]:
        """A team's stored scenarios: name, hash, created, updated (by name)."""
        with self._tx() as c:
            rows = c.execute(select(SCENARIOS.c.name, SCENARIOS.c.content_hash, SCENARIOS.c.created,
                                    SCENARIOS.c.updated).where(SCENARIOS.c.team == team)
                             .order_by(SCENARIOS.c.name)).mappings()
            return [{"name": r["name"], "hash": r["content_hash"], "created": r["created"],
                     "updated": r["updated"]} for r in rows]

    def delete_scenario(self, team: str, name: str) -> bool:
        """Remove a team's stored scenario; False if there was none."""
        with self._tx(write=True) as c:
            return c.execute(delete(SCENARIOS).where(SCENARIOS.c.team == team,
                                                     SCENARIOS.c.name == name)).rowcount == 1

    # -- jobs ----------------------------------------------------------------------------
    def submit_job(self, team: str, kind: str, scenario: str, options: dict[str, Any]) -> JobRecord:
        """Queue a job (the options must be JSON data) and return its record."""
        row = {"id": uuid.uuid4().hex, "team": team, "kind": kind, "scenario": scenario,
               "options": json.dumps(options, sort_keys=True, allow_nan=False), "status": "queued",
               "progress": 0.0, "message": "queued", "worker": None, "created": now(),
               "started": None, "finished": None}
        with self._tx(write=True) as c:
            c.execute(insert(JOBS).values(**row))
        return _record(row)

    def resubmit_job(self, team: str, job_id: str) -> JobRecord | None:
        """Queue a new job with the kind, scenario and options of a team's earlier job (e.g. an
        interrupted one); None if the team has no such job."""
        old = self.job(team, job_id)
        return None if old is None else self.submit_job(team, old.kind, old.scenario, old.options)

    def job(self, team: str, job_id: str) -> JobRecord | None:
        """A team's job (None for an unknown id or another team's: the API's 404)."""
        with self._tx() as c:
            row = c.execute(select(JOBS).where(JOBS.c.id == job_id, JOBS.c.team == team)).mappings().first()
        return None if row is None else _record(row)

    def list_jobs(self, team: str, limit: int = 1000) -> list[JobRecord]:
        """A team's jobs, newest first (at most ``limit``)."""
        with self._tx() as c:
            rows = c.execute(select(JOBS).where(JOBS.c.team == team)
                             .order_by(JOBS.c.created.desc(), JOBS.c.id).limit(limit)).mappings()
            return [_record(r) for r in rows]

    def cancel_job(self, team: str, job_id: str) -> JobRecord | None:
        """Cancel a team's queued or running job (a running one stops at its next progress
        report); a job already ended is left as it is. None if the team has no such job."""
        with self._tx(write=True) as c:
            c.execute(update(JOBS).where(JOBS.c.id == job_id, JOBS.c.team == team,
                                         JOBS.c.status.in_(("queued", "running")))
                      .values(status="cancelled", message="cancelled", finished=now()))
        return self.job(team, job_id)

    def count_active(self, team: str) -> tuple[int, int]:
        """(running, queued) jobs of a team, for the limits."""
        with self._tx() as c:
            rows = dict(c.execute(select(JOBS.c.status, func.count()).where(
                JOBS.c.team == team, JOBS.c.status.in_(("running", "queued"))).group_by(JOBS.c.status)).all())
        return int(rows.get("running", 0)), int(rows.get("queued", 0))

    def claim_next(self, worker: str, max_running_per_team: int | None = None) -> JobRecord | None:
        """Take the oldest queued job for ``worker`` (queued -> running), or None.

        Atomic across processes: the job moves only if it is still queued, so of two workers
        racing for it one wins and the other tries the next. With ``max_running_per_team``,
        a team already running that many jobs waits (others' jobs go first).
        """
        for _attempt in range(20):
            with self._tx(write=True) as c:
                q = select(JOBS.c.id).where(JOBS.c.status == "queued")
                if max_running_per_team is not None:
                    busy = (select(JOBS.c.team).where(JOBS.c.status == "running").group_by(JOBS.c.team)
                            .having(func.count() >= max_running_per_team))
                    q = q.where(JOBS.c.team.not_in(busy))
                job_id = c.execute(q.order_by(JOBS.c.created, JOBS.c.id).limit(1)).scalar()
                if job_id is None:
                    return None
                won = c.execute(update(JOBS).where(JOBS.c.id == job_id, JOBS.c.status == "queued")
                                .values(status="running", worker=worker, started=now(),
                                        message="started")).rowcount == 1
                if won:
                    row = c.execute(select(JOBS).where(JOBS.c.id == job_id)).mappings().one()
                    return _record(row)
        return None

    def set_progress(self, job_id: str, progress: float, message: str) -> bool:
        """Record a running job's progress (share 0..1, clipped) and message. False when the
        job is no longer running (cancelled, or ended): the worker then stops."""
        share = min(max(float(progress), 0.0), 1.0)
        with self._tx(write=True) as c:
            return c.execute(update(JOBS).where(JOBS.c.id == job_id, JOBS.c.status == "running")
                             .values(progress=share, message=message[:2000])).rowcount == 1

    def finish(self, job_id: str, result: Result) -> bool:
        """Keep a running job's result and mark it done, in one transaction.

        The metadata is stored as JSON, every table as Parquet (index and dtypes kept). If
        the job is no longer running (cancelled meanwhile) nothing is kept and False is
        returned.
        """
        meta = json.dumps(result.meta, default=_json_default, ensure_ascii=False)
        blobs = [(name, _table_bytes(df)) for name, df in result.tables.items()]
        with self._tx(write=True) as c:
            moved = c.execute(update(JOBS).where(JOBS.c.id == job_id, JOBS.c.status == "running")
                              .values(status="done", progress=1.0, message="done",
                                      finished=now())).rowcount
            if moved != 1:
                return False
            c.execute(insert(JOB_RESULTS).values(job_id=job_id, meta=meta, created=now()))
            if blobs:
                c.execute(insert(RESULT_TABLES), [{"job_id": job_id, "name": n, "position": i, "data": b}
                                                  for i, (n, b) in enumerate(blobs)])
        return True

    def fail(self, job_id: str, message: str) -> bool:
        """Mark a running job failed with ``message`` (False if it was no longer running)."""
        with self._tx(write=True) as c:
            return c.execute(update(JOBS).where(JOBS.c.id == job_id, JOBS.c.status == "running")
                             .values(status="failed", message=message[:20_000],
                                     finished=now())).rowcount == 1

    def result(self, team: str, job_id: str) -> Result | None:
        """A team's job result, only once the job is done (None otherwise or for another
        team's id): the metadata and every table as it was given to :meth:`finish`."""
        with self._tx() as c:
            meta = c.execute(select(JOB_RESULTS.c.meta).join(JOBS, JOBS.c.id == JOB_RESULTS.c.job_id).where(
                JOBS.c.id == job_id, JOBS.c.team == team, JOBS.c.status == "done")).scalar()
            if meta is None:
                return None
            rows = c.execute(select(RESULT_TABLES.c.name, RESULT_TABLES.c.data).where(
                RESULT_TABLES.c.job_id == job_id).order_by(RESULT_TABLES.c.position)).all()
        return Result(json.loads(meta), {name: pd.read_parquet(io.BytesIO(data)) for name, data in rows})

    def result_table_names(self, team: str, job_id: str) -> list[str] | None:
        """The table names of a done job's result, in order (None as for :meth:`result`)."""
        with self._tx() as c:
            done = c.execute(select(JOBS.c.id).where(JOBS.c.id == job_id, JOBS.c.team == team,
                                                     JOBS.c.status == "done")).scalar()
            if done is None:
                return None
            return list(c.execute(select(RESULT_TABLES.c.name).where(RESULT_TABLES.c.job_id == job_id)
                                  .order_by(RESULT_TABLES.c.position)).scalars())

    def mark_interrupted(self, worker: str | None = None) -> int:
        """Mark running jobs interrupted (all of them at server start; with ``worker``, those of
        one worker process that died). Returns how many. They can be submitted again
        (:meth:`resubmit_job`)."""
        q = update(JOBS).where(JOBS.c.status == "running")
        if worker is not None:
            q = q.where(JOBS.c.worker == worker)
        with self._tx(write=True) as c:
            return c.execute(q.values(status="interrupted", message=INTERRUPTED_MESSAGE,
                                      finished=now())).rowcount

    def job_by_id(self, job_id: str) -> JobRecord | None:
        """Any job by id, whatever its team (for the workers and the runner, never for a
        request: requests use :meth:`job`, which is scoped by team)."""
        with self._tx() as c:
            row = c.execute(select(JOBS).where(JOBS.c.id == job_id)).mappings().first()
        return None if row is None else _record(row)


__all__ = ["FINAL", "STATUSES", "JobRecord", "Principal", "Status", "Store", "data_dir", "engine_for",
           "now", "upgrade_schema"]
