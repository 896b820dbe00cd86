"""Alembic environment: runs migrations on the connection handed over by HubDb.migrate, against the one MetaData."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from repcompanion.hub.db.derived import include_object_for
from repcompanion.hub.db.schema import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        include_object=include_object_for(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=metadata,
            render_as_batch=True,
            include_object=include_object_for(conn.dialect.name),
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
