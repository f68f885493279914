"""The web interface: the REST API and page (``transcaspian serve``), its job store and workers.

A layer-3 interface beside ``report`` and ``cli``: ``store`` keeps tokens, scenarios, jobs and
results in SQL (SQLite or PostgreSQL), ``jobs`` runs the engines in worker processes.
"""
