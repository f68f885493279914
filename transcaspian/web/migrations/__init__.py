"""Alembic migrations of the job store (run by :class:`transcaspian.web.store.Store` on open)."""
