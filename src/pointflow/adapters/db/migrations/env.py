"""Alembic environment: runs pointflow's migrations against the connection it is handed."""

from __future__ import annotations

from alembic import context

from pointflow.adapters.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through pointflow.adapters.db.migrate.upgrade()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
