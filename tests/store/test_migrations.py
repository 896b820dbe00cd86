"""Schema migrations and what happens when the workspace file is not what we expect."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from repcompanion.domain import (
    WorkspaceCorruptError,
    WorkspaceReadOnlyError,
    WorkspaceTooNewError,
)
from repcompanion.store import LATEST_VERSION, MIGRATIONS, migrate, open_store, schema_version
from tests import factories as f


def test_empty_file_migrates_to_latest(tmp_path):
    s = open_store(tmp_path / "w.db")
    assert schema_version(s.conn) == LATEST_VERSION
    names = [r[0] for r in s.conn.execute("SELECT name FROM _migrations ORDER BY version")]
    assert names == [m.name for m in MIGRATIONS]
    assert s.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    s.close()


@pytest.mark.parametrize("start", [m.version for m in MIGRATIONS[:-1]])
def test_every_earlier_schema_upgrades_and_keeps_its_rows(tmp_path, start):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=start)
    conn.execute("INSERT INTO territories(id, name, region, state) VALUES ('T-001', 'Worcester North', 'NE', 'MA')")
    conn.close()
    s = open_store(path)
    assert schema_version(s.conn) == LATEST_VERSION
    assert s.territories.get("T-001").name == "Worcester North"
    f.small_territory(s)
    s.save_draft(f.report())
    s.close()


def test_migrations_are_idempotent(tmp_path):
    s = open_store(tmp_path / "w.db")
    assert migrate(s.conn) == []
    s.close()


def test_a_failing_migration_leaves_the_old_schema(tmp_path, monkeypatch):
    from repcompanion.store import migrations as m

    path = tmp_path / "w.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=1)

    def boom(c):
        c.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("disk full")

    broken = (*m.MIGRATIONS[:1], m.Migration(2, "broken", boom))
    monkeypatch.setattr(m, "MIGRATIONS", broken)
    with pytest.raises(RuntimeError):
        m.migrate(conn)
    assert schema_version(conn) == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    conn.close()


def test_non_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "w.db"
    content = b"%PDF-1.7 this is somebody's PDF, not a workspace\n" * 20
    path.write_bytes(content)
    with pytest.raises(WorkspaceCorruptError) as info:
        open_store(path)
    assert "not an SQLite database" in info.value.user_message()
    assert "untouched" in info.value.user_message()
    assert path.read_bytes() == content


def test_damaged_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "w.db"
    s = open_store(path)
    f.small_territory(s)
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page behind a valid header
    path.write_bytes(bytes(data))
    with pytest.raises(WorkspaceCorruptError):
        open_store(path)
    assert path.read_bytes() == bytes(data)


def test_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "w.db"
    s = open_store(path)
    s.conn.execute("INSERT INTO _migrations VALUES (?, 'from the future', '2030-01-01')", (LATEST_VERSION + 5,))
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    before = path.read_bytes()
    with pytest.raises(WorkspaceTooNewError) as info:
        open_store(path)
    assert "newer RepCompanion" in str(info.value)
    assert path.read_bytes() == before


def test_read_only_folder_gives_a_clear_message(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(WorkspaceReadOnlyError) as info:
            open_store(folder / "w.db")
        assert "read-only" in str(info.value)
        assert "--workspace" in info.value.hint
        assert os.listdir(folder) == []
    finally:
        folder.chmod(stat.S_IRWXU)


def test_read_only_file_is_not_modified(tmp_path):
    path = tmp_path / "w.db"
    open_store(path).close()
    path.chmod(stat.S_IRUSR)
    try:
        with pytest.raises(WorkspaceReadOnlyError):
            open_store(path)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
