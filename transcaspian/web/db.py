"""The job store's tables (SQLAlchemy Core): tokens, scenarios, jobs, results, result tables.

This is the schema as the code reads and writes it; the database gets it through the
Alembic migrations in ``migrations/versions`` (a test checks that migrating to head gives
exactly these tables). A change here needs a new migration.

Times are UTC. A job's result is two kinds of row, ``results`` (its metadata as JSON) and
``result_tables`` (one Parquet blob per table), written in the transaction that marks the
job done, so a result is either whole or absent.

Examples
--------
>>> sorted(METADATA.tables)
['job_results', 'jobs', 'result_tables', 'scenarios', 'tokens']
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

METADATA = MetaData()


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored timezone-aware where the database can, always read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store (use UTC-aware times)")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


TOKENS = Table(
    "tokens", METADATA,
    Column("id", String(32), primary_key=True),
    Column("hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("team", String(64), nullable=False, index=True),
    Column("label", String(200), nullable=False, default=""),
    Column("created", UTCDateTime(), nullable=False),
    Column("revoked", UTCDateTime(), nullable=True),
)

SCENARIOS = Table(
    "scenarios", METADATA,
    Column("team", String(64), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("created", UTCDateTime(), nullable=False),
    Column("updated", UTCDateTime(), nullable=False),
)

JOBS = Table(
    "jobs", METADATA,
    Column("id", String(40), primary_key=True),
    Column("team", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("scenario", String(100), nullable=False),
    Column("options", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("progress", Float, nullable=False, default=0.0),
    Column("message", Text, nullable=False, default=""),
    Column("worker", String(100), nullable=True),
    Column("created", UTCDateTime(), nullable=False),
    Column("started", UTCDateTime(), nullable=True),
    Column("finished", UTCDateTime(), nullable=True),
    Index("ix_jobs_team_created", "team", "created"),
    Index("ix_jobs_status_created", "status", "created"),
)

JOB_RESULTS = Table(
    "job_results", METADATA,
    Column("job_id", String(40), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("meta", Text, nullable=False),
    Column("created", UTCDateTime(), nullable=False),
)

RESULT_TABLES = Table(
    "result_tables", METADATA,
    Column("job_id", String(40), ForeignKey("job_results.job_id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)
