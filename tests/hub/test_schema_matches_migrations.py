"""The one MetaData and the migrations agree: a table or column declared but never migrated (or the reverse) fails."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, Table, Text

from repcompanion.hub.db import HubDb, metadata
from repcompanion.hub.db.derived import include_object_for, tables_on
from repcompanion.hub.db.engine import alembic_config


def test_alembic_finds_nothing_to_autogenerate_on_a_migrated_hub(db_url: str) -> None:
    db = HubDb(db_url)
    db.migrate()
    cfg = alembic_config(db.url)
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)  # runs env.py against its target_metadata; raises when anything differs
    db.dispose()


def test_every_table_and_column_of_the_migrated_hub_is_declared_on_the_one_metadata(db_url: str) -> None:
    db = HubDb(db_url)
    db.migrate()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object_for(db.dialect)})
        diff = compare_metadata(context, metadata)
        tables = set(MigrationContext.configure(conn).impl.dialect.get_table_names(conn)) - {"alembic_version"}
    db.dispose()
    assert diff == []
    assert tables == tables_on(db.dialect)  # derived aggregates are materialized views on PostgreSQL


def test_a_table_or_column_declared_but_never_migrated_and_a_table_never_declared_are_reported(tmp_path: Path) -> None:
    db = HubDb(f"sqlite:///{tmp_path / 'hub.db'}")
    db.migrate()
    drifted = MetaData()
    for table in metadata.tables.values():
        if table.name != "audit_log":
            table.to_metadata(drifted)
    drifted.tables["hub_settings"].append_column(Column("never_migrated", Text))
    Table("never_migrated", drifted, Column("id", Text, primary_key=True))
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), drifted)
    db.dispose()
    found = {(d[0], f"{d[2]}.{d[3].name}" if d[0] == "add_column" else d[1].name) for d in diff}
    assert found == {
        ("add_table", "never_migrated"),
        ("remove_table", "audit_log"),
        ("remove_index", "audit_log_at"),
        ("add_column", "hub_settings.never_migrated"),
    }
