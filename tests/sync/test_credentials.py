"""Tokens in the OS keyring, or in memory for one run with a single notice when there is no keyring."""

from __future__ import annotations

from keyring.backends.fail import Keyring as NoKeyring

from repcompanion.sync import NO_KEYRING_NOTICE, CredentialStore, Tokens
from tests.sync.conftest import MemoryKeyring

TOKENS = Tokens("access-secret-abc", "refresh-secret-xyz", "rep01", "T-001")


def test_tokens_go_to_the_keyring_under_one_entry_per_server_and_user() -> None:
    ring = MemoryKeyring()
    creds = CredentialStore(ring)
    assert creds.save("https://hub.example/", "rep01", TOKENS) is None
    assert list(ring.entries) == [("RepCompanion", "https://hub.example|rep01")]
    assert CredentialStore(ring).load("https://hub.example", "rep01") == TOKENS  # a new run reads it back
    assert CredentialStore(ring).load("https://hub.example", "rep02") is None
    creds.forget("https://hub.example", "rep01")
    assert ring.entries == {} and creds.load("https://hub.example", "rep01") is None


def test_without_a_keyring_tokens_live_in_memory_and_the_rep_is_told_once() -> None:
    creds = CredentialStore(NoKeyring())
    assert creds.save("https://hub.example", "rep01", TOKENS) == NO_KEYRING_NOTICE
    assert creds.save("https://hub.example", "rep01", TOKENS) is None  # once per run
    assert creds.load("https://hub.example", "rep01") == TOKENS
    assert not creds.persistent
    assert CredentialStore(NoKeyring()).load("https://hub.example", "rep01") is None  # gone next run


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        from keyring.errors import KeyringLocked

        raise KeyringLocked("the wallet is locked")


def test_a_keyring_that_refuses_to_store_falls_back_to_memory_with_the_notice() -> None:
    creds = CredentialStore(BrokenKeyring())
    assert creds.save("https://hub.example", "rep01", TOKENS) == NO_KEYRING_NOTICE
    assert creds.load("https://hub.example", "rep01") == TOKENS


def test_token_values_never_appear_in_repr_or_logs(caplog) -> None:  # type: ignore[no-untyped-def]
    creds = CredentialStore(NoKeyring())
    with caplog.at_level("DEBUG"):
        creds.save("https://hub.example", "rep01", TOKENS)
    text = repr(TOKENS) + caplog.text + repr(creds.__dict__.get("_backend"))
    assert "secret" not in text and "rep01" in repr(TOKENS)
