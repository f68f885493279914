"""Alembic environment of the job store: migrates the connection the Store hands over.

Run programmatically (:func:`transcaspian.web.store.upgrade_schema` calls
``alembic.command.upgrade``) with the open connection in ``config.attributes["connection"]``;
there is no ``alembic.ini`` and no command-line use. Importing this file outside Alembic (the
doctest collector does) runs nothing.
"""

from __future__ import annotations

from alembic import context

from transcaspian.web.db import METADATA


def run_migrations() -> None:
    """Migrate the handed-over connection inside one transaction."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):  # only while Alembic runs this environment
    run_migrations()
