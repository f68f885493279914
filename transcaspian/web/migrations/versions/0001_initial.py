"""The first schema: tokens, scenarios, jobs, job results and their tables.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from transcaspian.web.db import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("revoked", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_tokens_team", "tokens", ["team"])
    op.create_table(
        "scenarios",
        sa.Column("team", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("scenario", sa.String(100), nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("worker", sa.String(100), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("started", UTCDateTime(), nullable=True),
        sa.Column("finished", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_jobs_team_created", "jobs", ["team", "created"])
    op.create_index("ix_jobs_status_created", "jobs", ["status", "created"])
    op.create_table(
        "job_results",
        sa.Column("job_id", sa.String(40), sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("meta", sa.Text, nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "result_tables",
        sa.Column("job_id", sa.String(40), sa.ForeignKey("job_results.job_id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("result_tables")
    op.drop_table("job_results")
    op.drop_index("ix_jobs_status_created", "jobs")
    op.drop_index("ix_jobs_team_created", "jobs")
    op.drop_table("jobs")
    op.drop_table("scenarios")
    op.drop_index("ix_tokens_team", "tokens")
    op.drop_table("tokens")
