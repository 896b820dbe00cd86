"""Protocol gate, error bodies, auth and token lifetimes, gzip both ways (over real loopback HTTP)."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from repcompanion.hub.auth import TokenSigner
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, ErrorBody
from tests.hub.conftest import PASSWORD, Hub

V = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


@pytest.fixture
def live(hub: Hub) -> Iterator[str]:
    """The hub served by uvicorn on 127.0.0.1 (a free port) in a thread, stopped after the test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(hub.app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.mark.parametrize(
    ("sent", "needle"),
    [(None, "did not say"), ("0", "speaks sync protocol 0 but the hub needs"), ("99", "ask your administrator")],
)
def test_a_missing_or_foreign_protocol_version_gets_426_with_an_upgrade_hint(
    hub: Hub, sent: str | None, needle: str
) -> None:
    headers = {PROTOCOL_HEADER: sent} if sent else {}
    reply = hub.client.get("/v1/pull", headers=headers)
    assert reply.status_code == 426
    body = ErrorBody.model_validate(reply.json())
    assert body.error == "protocol_mismatch" and needle in body.message + body.hint


def test_health_needs_no_token_and_says_the_protocol_version(hub: Hub) -> None:
    assert hub.client.get("/v1/health").json()["protocol_version"] == PROTOCOL_VERSION


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"device_id": "d", "mutations": "x"}'])
def test_malformed_push_bodies_get_422_with_an_error_body_never_a_500(hub: Hub, body: bytes) -> None:
    rep = hub.rep()
    reply = hub.client.post("/v1/push", content=body, headers=rep.headers | {"content-type": "application/json"})
    assert reply.status_code == 422
    assert ErrorBody.model_validate(reply.json()).error == "invalid_request"


def test_a_wrong_content_type_is_a_clear_422(hub: Hub) -> None:
    rep = hub.rep()
    reply = hub.client.post("/v1/push", content=b"hello", headers=rep.headers | {"content-type": "text/plain"})
    assert reply.status_code == 422 and reply.json()["error"] == "invalid_request"


def test_unknown_user_and_wrong_password_get_the_same_401(hub: Hub) -> None:
    replies = [
        hub.client.post("/v1/auth/login", json={"username": u, "password": p, "device_id": "d"}, headers=V)
        for u, p in (("rep01", "nope"), ("nobody", PASSWORD))
    ]
    assert [r.status_code for r in replies] == [401, 401]
    assert replies[0].json() == replies[1].json()
    assert replies[0].json()["error"] == "login_required"


def test_every_sync_endpoint_needs_a_token(hub: Hub) -> None:
    assert hub.client.get("/v1/pull", headers=V).json()["error"] == "login_required"
    reply = hub.client.post("/v1/push", json={"device_id": "d", "mutations": []}, headers=V)
    assert reply.status_code == 401


def test_an_expired_access_token_asks_for_a_refresh_and_the_refresh_rotates(hub: Hub) -> None:
    rep = hub.rep()
    with hub.db.read() as conn:
        signer = TokenSigner(hub.db.setting(conn, "token_secret"))
    expired = signer.sign({"sub": "rep01", "dev": rep.device_id, "exp": time.time() - 1})
    reply = hub.client.get("/v1/pull", headers=V | {"Authorization": f"Bearer {expired}"})
    assert reply.status_code == 401 and reply.json()["error"] == "token_expired"
    forged = expired.rsplit(".", 1)[0] + ".AAAA"
    assert hub.client.get("/v1/pull", headers=V | {"Authorization": f"Bearer {forged}"}).json()["error"] == (
        "login_required"
    )
    old_refresh = rep.tokens["refresh_token"]
    fresh = hub.client.post(
        "/v1/auth/refresh", json={"refresh_token": old_refresh, "device_id": rep.device_id}, headers=V
    )
    assert fresh.status_code == 200 and fresh.json()["refresh_token"] != old_refresh
    rep.tokens = fresh.json()
    assert rep.pull()["territory_id"] == "T-001"
    reused = hub.client.post(
        "/v1/auth/refresh", json={"refresh_token": old_refresh, "device_id": rep.device_id}, headers=V
    )
    assert reused.status_code == 401 and reused.json()["error"] == "login_required"


def test_replies_and_request_bodies_are_gzipped_over_loopback(hub: Hub, live: str) -> None:
    with httpx.Client(base_url=live) as client:
        login = client.post(
            "/v1/auth/login",
            headers=V | {"content-encoding": "gzip", "content-type": "application/json"},
            content=gzip.compress(json.dumps({"username": "rep01", "password": PASSWORD, "device_id": "gz"}).encode()),
        )
        assert login.status_code == 200, login.text
        auth = V | {"Authorization": f"Bearer {login.json()['access_token']}"}
        page = client.get("/v1/pull", headers=auth | {"accept-encoding": "gzip"})
        assert page.headers["content-encoding"] == "gzip" and page.json()["changes"]
        bad = client.post(
            "/v1/push",
            headers=auth | {"content-encoding": "gzip", "content-type": "application/json"},
            content=b"\x1f\x8b garbage",
        )
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_body"


def test_the_openapi_description_declares_every_route_with_models(hub: Hub) -> None:
    spec = hub.client.get("/openapi.json").json()
    for path in ("/v1/pull", "/v1/push", "/v1/auth/login", "/v1/auth/refresh", "/v1/health"):
        assert path in spec["paths"]
    assert {"PullPage", "PushReply", "TokenReply", "ErrorBody"} <= set(spec["components"]["schemas"])
    assert "426" in spec["paths"]["/v1/pull"]["get"]["responses"]
