"""What a rep sees when the hub (or something pretending to be it) answers badly: a clear message, nothing lost."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx
import pytest

import repcompanion.sync.hub_api as hub_api
from repcompanion.sync import (
    CredentialStore,
    HubProtocolError,
    HubUnreachable,
    LoginRequired,
    SyncClient,
    SyncError,
    UpgradeRequired,
)
from tests.sync.conftest import HUB_URL, Device, Hub, MemoryKeyring, assert_invariants, html_page


def _reply(status: int, body: bytes, content_type: str) -> Callable[..., httpx.Response]:
    def fault(request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
        return httpx.Response(status, headers={"content-type": content_type}, stream=httpx.ByteStream(body))

    return fault


@pytest.fixture
def rep(hub: Hub, make_device: Callable[..., Device]) -> Device:
    device = make_device(hub, max_retries=2)
    device.login()
    device.client.sync()
    device.submit_report(hub.hcps_of("T-001")[0], notes="must survive every bad reply")
    return device


BAD_REPLIES = {
    "malformed-json": (
        _reply(200, b'{"results": [{"id": ', "application/json"),
        HubProtocolError,
        "malformed JSON",
    ),
    "wrong-content-type": (
        _reply(200, b"results: none", "text/plain"),
        HubProtocolError,
        "text/plain (HTTP 200) instead of sync data",
    ),
    "captive-portal": (
        _reply(200, b"<!DOCTYPE html><html><body>Sign in to Hotel Wi-Fi</body></html>", "text/html"),
        HubProtocolError,
        "HTML page (HTTP 200",
    ),
    "proxy-502": (html_page(502), HubProtocolError, "answered an upload with an HTML page (HTTP 502 from a proxy?)"),
    "hub-503": (
        _reply(
            503, b'{"error": "hub_unavailable", "message": "The hub cannot reach its database."}', "application/json"
        ),
        HubUnreachable,
        "The hub cannot reach its database",
    ),
}


@pytest.mark.parametrize("case", list(BAD_REPLIES))
def test_a_bad_reply_says_what_came_back_and_loses_nothing(hub: Hub, rep: Device, case: str) -> None:
    fault, error, words = BAD_REPLIES[case]
    before = [(m.id, m.status) for m in rep.store.outbox.all()]
    rep.transport.plan("/v1/push", *[fault] * 3)
    with pytest.raises(error) as raised:
        rep.client.sync()
    assert words in raised.value.message and HUB_URL in raised.value.message
    assert "kept on this laptop" in raised.value.hint
    assert [(m.id, m.status) for m in rep.store.outbox.all()] == before
    assert rep.store.sync_state.get().last_error == raised.value.message
    rep.transport.script.clear()  # the network is fine again
    rep.client.sync()
    assert_invariants(hub, rep)


def test_a_wrong_password_is_refused_clearly_and_changes_nothing(hub: Hub, make_device: Callable[..., Device]) -> None:
    rep = make_device(hub)
    with pytest.raises(LoginRequired) as raised:
        rep.client.login(HUB_URL, "rep01", "not-the-password")
    assert "did not accept user 'rep01'" in raised.value.message
    assert rep.client.requests == 1  # a refused password is not retried
    assert rep.keyring.entries == {} and rep.store.sync_state.get().server_url == ""


def test_an_unreachable_hub_is_named_and_retried_a_bounded_number_of_times(tmp_path, hub: Hub) -> None:  # type: ignore[no-untyped-def]
    from repcompanion.store import open_store

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = open_store(tmp_path / "w.db")
    sleeps: list[float] = []
    client = SyncClient(
        httpx.Client(timeout=2), store, CredentialStore(MemoryKeyring()), max_retries=3, sleep=sleeps.append
    )
    with pytest.raises(HubUnreachable) as raised:
        client.login(f"http://127.0.0.1:{port}", "rep01", "pw")
    assert f"127.0.0.1:{port}" in raised.value.message and "tried 4 times" in raised.value.message
    assert len(sleeps) == 3 and sleeps[0] < sleeps[-1]  # exponential backoff (jitter keeps the order here)
    client.http.close()
    store.close()


def test_an_incompatible_protocol_version_asks_for_the_upgrade_with_the_hubs_hint(
    hub: Hub, rep: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_api, "PROTOCOL_VERSION", 0)
    with pytest.raises(UpgradeRequired) as raised:
        rep.client.sync()
    assert "newer RepCompanion" in raised.value.message
    assert "install the update" in raised.value.hint
    assert rep.store.outbox.pending_count() == 1
    assert rep.client.requests == 1  # no retry loop on a 426


def test_every_sync_error_says_what_to_do() -> None:
    for cls in [*SyncError.__subclasses__(), LoginRequired]:
        assert cls.hint or cls is SyncError, f"{cls.__name__} has no hint"
