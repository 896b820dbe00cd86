"""Hub hardening: login lockout (per user and per address) on a settable clock, body limits, security headers,
CORS off by default, and the audit log of admin commands."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from repcompanion.hub import HubDb, HubSettings, cli, create_app
from repcompanion.hub.admin import audit
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.hub.conftest import PASSWORD, Hub

PROTO = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


@pytest.fixture
def strict_hub(db_url: str) -> Iterator[Hub]:
    h = Hub(
        db_url,
        HubSettings(login_max_failures=3, login_max_failures_per_ip=8, login_lockout_s=600, max_raw_body_bytes=20_000),
    )
    yield h
    h.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _login(hub: Hub, user: str, password: str, device: str = "dev-1") -> tuple[int, dict]:
    r = hub.client.post(
        "/v1/auth/login", json={"username": user, "password": password, "device_id": device}, headers=PROTO
    )
    return r.status_code, r.json() | {"_retry": r.headers.get("retry-after")}


def test_a_user_is_locked_out_after_n_wrong_passwords_even_with_the_right_one_then_unlocked(strict_hub: Hub) -> None:
    clock = Clock()
    strict_hub.app.state.login_limiter.clock = clock
    for _ in range(3):
        assert _login(strict_hub, "rep01", "wrong")[0] == 401
    status, body = _login(strict_hub, "rep01", PASSWORD)
    assert status == 429 and body["error"] == "login_locked" and int(body["_retry"]) == 600
    assert "minutes" in body["hint"]
    assert _login(strict_hub, "rep02", PASSWORD)[0] == 200, "another rep on the same address is not locked"
    clock.now += 599
    assert _login(strict_hub, "rep01", PASSWORD)[0] == 429, "still locked inside the window"
    clock.now += 2
    assert _login(strict_hub, "rep01", PASSWORD)[0] == 200, "unlocked after the window"


def test_failures_spread_over_a_longer_time_than_the_window_do_not_lock(strict_hub: Hub) -> None:
    clock = Clock()
    strict_hub.app.state.login_limiter.clock = clock
    for _ in range(6):
        assert _login(strict_hub, "rep01", "wrong")[0] == 401
        clock.now += 400
    assert _login(strict_hub, "rep01", PASSWORD)[0] == 200


def test_one_address_guessing_many_user_names_is_locked_out(strict_hub: Hub) -> None:
    strict_hub.app.state.login_limiter.clock = Clock()
    for i in range(8):
        assert _login(strict_hub, f"guess{i}", "wrong")[0] == 401
    status, body = _login(strict_hub, "rep02", PASSWORD)
    assert status == 429 and body["error"] == "login_locked"


def test_an_oversized_body_gets_413_with_an_error_body(strict_hub: Hub) -> None:
    rep = strict_hub.rep()
    big = json.dumps({"device_id": rep.device_id, "mutations": [], "pad": "x" * 30_000})
    r = strict_hub.client.post("/v1/push", content=big, headers=rep.headers | {"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"
    chunked = strict_hub.client.post(
        "/v1/push", content=iter([big[:15_000].encode(), big[15_000:].encode()]), headers=rep.headers
    )
    assert chunked.status_code == 413 and chunked.json()["error"] == "body_too_large"
    login = strict_hub.client.post("/v1/auth/login", content=big, headers=PROTO)
    assert login.status_code == 413
    packed = gzip.compress(big.encode())  # small on the wire, too big once inflated
    bomb = strict_hub.client.post(
        "/v1/push",
        content=packed,
        headers=rep.headers | {"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert bomb.status_code in (200, 413)


def test_every_reply_carries_the_security_headers_and_authenticated_ones_are_not_cached(hub: Hub) -> None:
    rep = hub.rep()
    replies = {
        "health": hub.client.get("/v1/health"),
        "pull": hub.client.get("/v1/pull", headers=rep.headers),
        "not found": hub.client.get("/v1/nothing-here", headers=PROTO),
        "no protocol": hub.client.get("/v1/pull"),
        "bad token": hub.client.get("/v1/pull", headers=PROTO | {"Authorization": "Bearer nope"}),
        "openapi": hub.client.get("/openapi.json"),
    }
    for name, r in replies.items():
        assert r.headers["x-content-type-options"] == "nosniff", name
        assert r.headers["x-frame-options"] == "DENY", name
        assert r.headers["referrer-policy"] == "no-referrer", name
        assert "default-src 'none'" in r.headers["content-security-policy"], name
        assert "strict-transport-security" not in r.headers, f"{name}: no HSTS over plain HTTP"
    for name in ("pull", "bad token"):
        assert replies[name].headers["cache-control"] == "no-store", name
    login = hub.client.post(
        "/v1/auth/login", json={"username": "rep01", "password": PASSWORD, "device_id": "d2"}, headers=PROTO
    )
    assert login.headers["cache-control"] == "no-store", "tokens are never cached"


def test_hsts_is_sent_when_the_hub_is_behind_https(hub: Hub) -> None:
    app = create_app(hub.url, settings=HubSettings(https=True), migrate=False)
    with TestClient(app) as client:
        assert client.get("/v1/health").headers["strict-transport-security"].startswith("max-age=")
    app.state.db.dispose()


def test_cors_is_off_by_default_and_only_configured_origins_get_it(hub: Hub) -> None:
    origin = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    pre = hub.client.options("/v1/push", headers=origin)
    assert not any(k.lower().startswith("access-control-") for k in pre.headers)
    get = hub.client.get("/v1/health", headers={"Origin": "https://evil.example"})
    assert not any(k.lower().startswith("access-control-") for k in get.headers)
    app = create_app(hub.url, settings=HubSettings(cors_origins=("https://portal.example",)), migrate=False)
    client = TestClient(app)
    try:
        ok = client.get("/v1/health", headers={"Origin": "https://portal.example"})
        assert ok.headers["access-control-allow-origin"] == "https://portal.example"
        bad = client.get("/v1/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in bad.headers
    finally:
        client.close()
        app.state.db.dispose()


def test_admin_commands_are_audited_with_the_os_user_and_without_secrets(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUDO_USER", "alice-admin")
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-passphrase\n"))
    assert cli.main(["user", "add", "rep09", "--territory", "T-001", "--password-stdin", "--db", hub.url]) == 0
    hub.rep()  # rep01 logs in from device-a
    assert cli.main(["device", "list", "--user", "rep01", "--db", hub.url]) == 0
    assert "device-a" in capsys.readouterr().out
    assert cli.main(["device", "revoke", "device-a", "--reason", "reported lost", "--db", hub.url]) == 0
    assert cli.main(["device", "list", "--db", hub.url]) == 0
    assert "REVOKED" in capsys.readouterr().out
    assert cli.main(["audit", "list", "--json", "--db", hub.url]) == 0
    entries = json.loads(capsys.readouterr().out)
    actions = [e["action"] for e in entries]
    assert actions[:2] == ["device revoke", "user add"]
    assert all(e["actor"] == "alice-admin" and e["at"] for e in entries)
    assert entries[0]["arguments"]["reason"] == "reported lost"
    assert entries[1]["arguments"]["name"] == "rep09"
    assert "s3cret-passphrase" not in json.dumps(entries)
    if "@" in hub.url and ":" in hub.url.split("@")[0].split("//")[1]:
        assert hub.url.split("@")[0].split(":")[-1] not in json.dumps(entries), "database password hidden"
    r = hub.client.get("/v1/pull", headers=hub.rep("rep02", "device-b").headers)
    assert r.status_code == 200


def test_seed_realign_and_compact_are_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    monkeypatch.setenv("SUDO_USER", "bob-admin")
    monkeypatch.setattr("sys.stdin", io.StringIO("seed-secret-phrase\n"))
    assert (
        cli.main(["seed", "--reps", "2", "--hcps-per-rep", "2", "--years", "0.1", "--db", db, "--password-stdin"]) == 0
    )
    hcp = Hub.__new__(Hub)  # only its query helper, on this database
    hcp.db = HubDb(db)
    moved = hcp.hcps_of("T-001")[0]
    assert cli.main(["realign", "--hcp", moved, "--from", "T-001", "--to", "T-002", "--db", db]) == 0
    assert cli.main(["compact", "--tombstone-days", "30", "--db", db]) == 0
    capsys.readouterr()
    entries = audit.entries(hcp.db)
    assert [e["action"] for e in entries] == ["compact", "realign", "seed"]
    assert entries[1]["arguments"]["hcp"] == [moved] and entries[1]["arguments"]["target"] == "T-002"
    assert all(e["actor"] == "bob-admin" for e in entries)
    assert "seed-secret-phrase" not in json.dumps(entries)
    hcp.db.dispose()
