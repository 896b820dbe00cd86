"""SQLCipher at rest: no personal data in the raw file, wrong keys refused untouched, lossless migration."""

from __future__ import annotations

import os
import sqlite3

import pytest

from repcompanion.domain import WorkspaceError, WorkspaceKeyError
from repcompanion.store import open_store, set_connection_factory
from repcompanion.store.crypto import (
    BACKUP_SUFFIX,
    content_digest,
    enable_encryption,
    encrypt_in_place,
    is_plain_database,
    recover_interrupted_encryption,
    table_counts,
)
from tests import factories as f

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
SECRETS = ("Zyxwarblovic", "Quillhaven", "glimmerfrost")


@pytest.fixture(autouse=True)
def sqlcipher_factory():
    enable_encryption()
    yield
    set_connection_factory(None)


def _fill(store) -> None:  # type: ignore[no-untyped-def]
    f.small_territory(store)
    store.hcps.upsert_many([f.hcp(9, last="Zyxwarblovic", city="Quillhaven")])
    store.save_draft(f.report("H00009", notes="Patient reported a glimmerfrost rash after the second dose."))


def _raw_bytes(db) -> bytes:  # type: ignore[no-untyped-def]
    data = b""
    for suffix in ("", "-wal"):
        p = db.with_name(db.name + suffix)
        if p.exists():
            data += p.read_bytes()
    return data


def _assert_no_secrets(data: bytes) -> None:
    lowered = data.lower()
    for secret in SECRETS:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert secret.lower().encode(encoding) not in lowered, secret


def test_encrypted_workspace_bytes_hold_no_name_town_or_note(tmp_path):
    db = tmp_path / "workspace.db"
    store = open_store(db, key=KEY)
    _fill(store)
    _assert_no_secrets(_raw_bytes(db))  # before a checkpoint: the WAL is encrypted too
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _assert_no_secrets(_raw_bytes(db))
    assert not db.read_bytes().startswith(b"SQLite format 3")
    store.close()
    reopened = open_store(db, key=KEY)
    assert reopened.hcps.get("H00009").last_name == "Zyxwarblovic"
    assert "glimmerfrost" in reopened.call_reports_for("H00009")[0].notes
    reopened.close()


def test_the_same_data_in_a_plain_file_is_visible_so_the_byte_check_can_fail(tmp_path):
    db = tmp_path / "plain.db"
    store = open_store(db)
    _fill(store)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    with pytest.raises(AssertionError):
        _assert_no_secrets(_raw_bytes(db))


def test_wrong_key_is_refused_and_the_file_is_untouched(tmp_path):
    db = tmp_path / "workspace.db"
    store = open_store(db, key=KEY)
    _fill(store)
    store.close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for bad in (OTHER_KEY, None):
        with pytest.raises(WorkspaceError) as err:
            open_store(db, key=bad)
        if bad is not None:
            assert isinstance(err.value, WorkspaceKeyError)
            assert "wrong" in str(err.value)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before


def test_migration_keeps_every_row_and_the_content(tmp_path):
    db = tmp_path / "workspace.db"
    store = open_store(db)
    _fill(store)
    version = store.conn.execute("PRAGMA user_version").fetchone()[0]
    counts, digest = table_counts(store.conn), content_digest(store.conn)
    store.close()
    assert is_plain_database(db)

    got = encrypt_in_place(db, KEY)

    assert got == counts and counts["hcps"] == 4
    assert not is_plain_database(db)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["workspace.db"]  # no backup, WAL or temp left
    _assert_no_secrets(db.read_bytes())
    enc = open_store(db, key=KEY)
    assert table_counts(enc.conn) == counts
    assert content_digest(enc.conn) == digest
    assert enc.conn.execute("PRAGMA user_version").fetchone()[0] == version
    assert enc.search_hcps("glimmerfrost") == ["H00009"]  # full-text index survived
    enc.close()


def test_migration_that_fails_verification_leaves_the_plain_file(tmp_path, monkeypatch):
    import repcompanion.store.crypto as crypto

    db = tmp_path / "workspace.db"
    store = open_store(db)
    _fill(store)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    before = db.read_bytes()
    real = crypto.table_counts
    calls = iter(range(10))
    monkeypatch.setattr(crypto, "table_counts", lambda conn, schema="main": {**real(conn, schema), "x": next(calls)})
    with pytest.raises(Exception, match="did not reproduce every row"):
        encrypt_in_place(db, KEY)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["workspace.db"]


def test_an_interrupted_swap_is_recovered_without_a_lingering_plain_copy(tmp_path):
    db = tmp_path / "workspace.db"
    backup = tmp_path / ("workspace.db" + BACKUP_SUFFIX)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    os.replace(db, backup)  # crash between the two renames: only the plain backup exists
    recover_interrupted_encryption(db)
    assert is_plain_database(db) and not backup.exists()

    encrypt_in_place(db, KEY)
    backup.write_bytes(b"SQLite format 3\x00 stale plain copy")  # crash after the swap, before the delete
    recover_interrupted_encryption(db)
    assert not backup.exists() and not is_plain_database(db)


def test_encrypted_connections_raise_sqlite3_errors_so_store_handlers_apply(tmp_path):
    store = open_store(tmp_path / "workspace.db", key=KEY)
    with store.atomic():
        assert store.hcps.upsert_many([f.hcp(1), f.hcp(1, last="Moreau")]) >= 1  # duplicate id → merged
    assert store.hcps.get("H00001").last_name == "Moreau"
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("INSERT INTO hcps (id) VALUES ('H00001')")
    with pytest.raises(sqlite3.OperationalError):
        store.conn.execute("SELECT * FROM no_such_table").fetchall()
    store.close()
