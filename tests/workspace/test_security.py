"""Workspace keys: keyring first, passphrase (Argon2id) without one, wrong secrets refused, plain migrated."""

from __future__ import annotations

import json

import keyring
import keyring.backend
import keyring.backends.fail
import pytest

from repcompanion.domain import WorkspaceCorruptError, WorkspaceKeyError
from repcompanion.store import open_store, set_connection_factory
from repcompanion.store.crypto import content_digest, is_plain_database, table_counts
from repcompanion.workspace.security import (
    HEADER_FILE,
    KEYRING_SERVICE,
    KdfParams,
    KeyringKeyMissingError,
    PassphraseRequiredError,
    forget_workspace_key,
    keyring_available,
    open_encrypted_store,
    unlock_workspace,
    workspace_key,
)
from tests import factories as f
from tests.keyrings import MemoryKeyring

CHEAP = KdfParams(time_cost=1, memory_cost=1024, parallelism=1)
PASSPHRASE = "correct horse battery"


@pytest.fixture(autouse=True)
def restore_globals(monkeypatch):
    monkeypatch.delenv("REPCOMPANION_PASSPHRASE", raising=False)
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)
    set_connection_factory(None)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def no_keyring() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())


def _header(folder) -> dict:  # type: ignore[no-untyped-def]
    return json.loads((folder / HEADER_FILE).read_text())


def test_new_workspace_key_lives_in_the_keyring_not_on_disk(tmp_path, memory_keyring):
    store = open_encrypted_store(tmp_path)
    f.small_territory(store)
    store.close()
    header = _header(tmp_path)
    assert header["kdf"] == "keyring"
    stored = memory_keyring.entries[(KEYRING_SERVICE, header["workspace_id"])]
    assert len(bytes.fromhex(stored)) == 32
    assert stored not in (tmp_path / HEADER_FILE).read_text()
    assert not is_plain_database(tmp_path / "workspace.db")
    again = open_encrypted_store(tmp_path)
    assert again.table_counts()["hcps"] == 3
    again.close()


def test_a_lost_keyring_entry_is_a_clear_error_and_changes_nothing(tmp_path, memory_keyring):
    open_encrypted_store(tmp_path).close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    memory_keyring.entries.clear()
    with pytest.raises(KeyringKeyMissingError, match="no key"):
        open_encrypted_store(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_without_a_keyring_a_passphrase_is_required_then_used(tmp_path, no_keyring):
    with pytest.raises(PassphraseRequiredError):
        open_encrypted_store(tmp_path, params=CHEAP)
    assert not (tmp_path / "workspace.db").exists()
    store = open_encrypted_store(tmp_path, passphrase=PASSPHRASE, params=CHEAP)
    f.small_territory(store)
    store.close()
    header = _header(tmp_path)
    assert header["kdf"] == "argon2id" and header["params"]["memory_cost"] == 1024
    assert len(bytes.fromhex(header["salt"])) == 16
    assert PASSPHRASE not in json.dumps(header)
    reopened = open_encrypted_store(tmp_path, passphrase=PASSPHRASE)
    assert reopened.table_counts()["hcps"] == 3
    reopened.close()


def test_wrong_passphrase_is_refused_and_the_files_are_untouched(tmp_path, no_keyring):
    store = open_encrypted_store(tmp_path, passphrase=PASSPHRASE, params=CHEAP)
    f.small_territory(store)
    store.close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(WorkspaceKeyError, match="Wrong passphrase") as err:
        open_encrypted_store(tmp_path, passphrase="not the passphrase")
    assert "left untouched" in err.value.user_message()
    with pytest.raises(PassphraseRequiredError):
        open_encrypted_store(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_wrong_key_past_the_header_check_is_still_refused_by_sqlcipher(tmp_path, no_keyring):
    store = open_encrypted_store(tmp_path, passphrase=PASSPHRASE, params=CHEAP)
    store.close()
    db = tmp_path / "workspace.db"
    before = db.read_bytes()
    with pytest.raises(WorkspaceKeyError, match="wrong"):
        open_store(db, key=b"\x07" * 32)
    assert db.read_bytes() == before


def test_an_existing_plain_workspace_is_encrypted_in_place_with_every_row(tmp_path, memory_keyring):
    db = tmp_path / "workspace.db"
    plain = open_store(db)
    f.small_territory(plain)
    plain.save_draft(f.report(notes="Left samples; nurse asked about dosing."))
    counts, digest = table_counts(plain.conn), content_digest(plain.conn)
    plain.close()

    store = open_encrypted_store(tmp_path)
    assert table_counts(store.conn) == counts
    assert content_digest(store.conn) == digest
    store.close()
    assert not is_plain_database(db)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([HEADER_FILE, "workspace.db"])


def test_passphrase_from_the_environment_serves_the_command_line(tmp_path, no_keyring, monkeypatch):
    monkeypatch.setenv("REPCOMPANION_PASSPHRASE", PASSPHRASE)
    key = workspace_key(tmp_path, params=CHEAP)
    assert workspace_key(tmp_path) == key
    monkeypatch.setenv("REPCOMPANION_PASSPHRASE", "another passphrase")
    with pytest.raises(WorkspaceKeyError):
        workspace_key(tmp_path)


def test_encrypted_database_without_its_header_is_not_reinitialised(tmp_path, memory_keyring):
    open_encrypted_store(tmp_path).close()
    (tmp_path / HEADER_FILE).unlink()
    before = (tmp_path / "workspace.db").read_bytes()
    with pytest.raises(WorkspaceKeyError, match="header"):
        open_encrypted_store(tmp_path)
    assert (tmp_path / "workspace.db").read_bytes() == before
    assert not (tmp_path / HEADER_FILE).exists()


def test_production_kdf_is_memory_hard():
    assert KdfParams().memory_cost >= 64 * 1024


def test_forgetting_a_workspace_key_removes_it_from_the_keyring_and_disk(tmp_path, memory_keyring):
    open_encrypted_store(tmp_path).close()
    assert memory_keyring.entries
    forget_workspace_key(tmp_path)
    assert memory_keyring.entries == {}
    assert not (tmp_path / HEADER_FILE).exists()


def test_keyring_detection(memory_keyring):
    assert keyring_available()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert not keyring_available()


def test_a_file_that_is_no_database_at_all_is_reported_as_such_untouched(tmp_path, memory_keyring):
    (tmp_path / "workspace.db").write_text("not a database at all " * 50)
    with pytest.raises(WorkspaceCorruptError, match="not an SQLite database"):
        open_encrypted_store(tmp_path)
    assert (tmp_path / "workspace.db").read_text().startswith("not a database")
    assert not (tmp_path / HEADER_FILE).exists()


def test_a_damaged_encrypted_file_with_the_right_key_is_corrupt_not_a_wrong_key(tmp_path, memory_keyring):
    store = open_encrypted_store(tmp_path)
    f.small_territory(store)
    store.close()
    db = tmp_path / "workspace.db"
    data = bytearray(db.read_bytes())
    data[100:200] = bytes(100)  # page 1 no longer authenticates
    db.write_bytes(bytes(data))
    with pytest.raises(WorkspaceCorruptError, match="damaged"):
        open_encrypted_store(tmp_path)
    assert db.read_bytes() == bytes(data)


def test_unlock_returns_the_key_that_opens_a_staging_database_of_the_same_workspace(tmp_path, memory_keyring):
    store, key = unlock_workspace(tmp_path)
    staging = open_store(tmp_path / "workspace.db.staging", key=key)
    f.small_territory(staging)
    staging.conn.backup(store.conn)  # how a first sync swaps its download in
    staging.close()
    store.close()
    assert open_encrypted_store(tmp_path).table_counts()["hcps"] == 3
