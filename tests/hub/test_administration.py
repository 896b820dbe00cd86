"""User administration from the command line: roles and managers, disable and enable, password reset and policy,
territory moves, device revocation and approval, the orphan-report queue — and what each means for a rep's laptop."""

from __future__ import annotations

import io
import json

import pytest

from repcompanion.hub.auth import WeakPasswordError, check_password
from repcompanion.hub.auth.passwords import breached_passwords
from repcompanion.hub.cli import main
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.hub.conftest import PASSWORD, Hub, Rep

GOOD = "tidal marble orchestra"


def _run(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(args))


def _login(hub: Hub, user: str, device: str, password: str = PASSWORD) -> tuple[int, dict]:
    reply = hub.client.post(
        "/v1/auth/login",
        json={"username": user, "password": password, "device_id": device},
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
    )
    return reply.status_code, reply.json()


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short1", "it needs at least 12"),
        ("aaaaaaaaaaaaaaaa", "repeats the same few characters"),
        ("rep01-is-my-password", "contains the user name"),
        ("1qaz2wsx3edc4rfv", "list of breached passwords"),
        ("Password12345678!", "breached password ('pa…') with digits or symbols added"),
        ("x" * 257 + "yz12", "at most 256"),
    ],
)
def test_the_password_policy_refuses_weak_passwords_and_says_why(password: str, says: str) -> None:
    with pytest.raises(WeakPasswordError, match=says.replace("(", r"\(").replace(")", r"\)")):
        check_password(password, user="rep01")


def test_the_password_policy_accepts_a_long_passphrase_and_ships_its_breached_list() -> None:
    check_password(GOOD, user="rep01")
    check_password("correct horse", user="rep01")  # 13 characters, not breached
    assert len(breached_passwords()) > 19_000 and "password" in breached_passwords()


def test_user_add_list_role_and_manager(hub: Hub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    db = ["--db", hub.url]
    assert _run(monkeypatch, "user", "add", "mia", "--role", "manager", "--territory", "T-001", *db,
                "--password-stdin", stdin=f"{GOOD}\n") == 0  # fmt: skip
    assert _run(monkeypatch, "user", "add", "bea", "--role", "brand", "--password-stdin", *db, stdin=f"{GOOD}\n") == 0
    assert _run(monkeypatch, "user", "add", "weak", "--territory", "T-001", "--password-stdin", *db, stdin="abc\n") == 2
    assert "it needs at least 12" in capsys.readouterr().err
    assert _run(monkeypatch, "user", "add", "norep", "--password-stdin", *db, stdin=f"{GOOD}\n") == 2
    assert "A rep needs a territory" in capsys.readouterr().err
    assert _run(monkeypatch, "user", "manager", "rep01", "--manager", "mia", *db) == 0
    assert _run(monkeypatch, "user", "manager", "rep02", "--manager", "bea", *db) == 2
    assert "bea is not a manager" in capsys.readouterr().err
    assert _run(monkeypatch, "user", "list", "--manager", "mia", "--json", *db) == 0
    [managed] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert managed["name"] == "rep01" and managed["manager"] == "mia" and managed["role"] == "rep"
    assert _run(monkeypatch, "user", "role", "rep02", "manager", *db) == 0
    assert _run(monkeypatch, "user", "list", *db) == 0
    listing = capsys.readouterr().out
    assert "bea            brand" in listing and "rep02          manager" in listing and "mia " in listing
    status, body = _login(hub, "bea", "bea-laptop", GOOD)
    assert status == 403 and body["error"] == "no_territory"  # brand users have nothing to sync


def test_a_disabled_user_cannot_log_in_or_pull_until_enabled(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    rep = hub.rep()
    assert hub.client.get("/v1/pull", headers=rep.headers).status_code == 200
    assert _run(monkeypatch, "user", "disable", "rep01", "--reason", "left the company", "--db", hub.url) == 0
    pulled = hub.client.get("/v1/pull", headers=rep.headers)
    assert pulled.status_code == 403 and pulled.json()["error"] == "user_disabled"
    assert "left the company" in pulled.json()["message"]
    pushed = hub.client.post("/v1/push", json={"device_id": rep.device_id, "mutations": []}, headers=rep.headers)
    assert pushed.status_code == 403
    refreshed = hub.client.post(
        "/v1/auth/refresh",
        json={"refresh_token": rep.tokens["refresh_token"], "device_id": rep.device_id},
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
    )
    assert refreshed.status_code == 401
    status, body = _login(hub, "rep01", "device-a")
    assert status == 403 and body["error"] == "user_disabled"
    assert _login(hub, "rep01", "device-a", "wrong password!")[0] == 401  # a guesser learns nothing
    assert _run(monkeypatch, "user", "enable", "rep01", "--db", hub.url) == 0
    assert _login(hub, "rep01", "device-a")[0] == 200


def test_a_revoked_device_never_logs_in_again_and_a_new_one_waits_for_approval(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rep = hub.rep("rep01", "lost-laptop")
    assert _run(monkeypatch, "device", "revoke", "lost-laptop", "--reason", "stolen", "--db", hub.url) == 0
    assert "needs your approval" in capsys.readouterr().out
    assert hub.client.get("/v1/pull", headers=rep.headers).status_code == 403
    status, body = _login(hub, "rep01", "lost-laptop")
    assert status == 403 and body["error"] == "device_revoked"
    status, body = _login(hub, "rep01", "new-workspace")  # the stolen password from a fresh workspace
    assert status == 403 and body["error"] == "device_not_approved"
    assert "device approve new-workspace" in body["hint"]
    assert _run(monkeypatch, "device", "list", "--user", "rep01", "--db", hub.url) == 0
    assert "new-workspace  user rep01  (unnamed)" in capsys.readouterr().out
    assert _run(monkeypatch, "device", "approve", "lost-laptop", "--db", hub.url) == 2
    assert "never approved again" in capsys.readouterr().err
    assert _run(monkeypatch, "device", "approve", "new-workspace", "--db", hub.url) == 0
    status, body = _login(hub, "rep01", "new-workspace")
    assert status == 200
    headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": f"Bearer {body['access_token']}"}
    assert hub.client.get("/v1/pull", headers=headers).status_code == 200


def test_a_password_reset_ends_every_session(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    rep = hub.rep()
    assert _run(monkeypatch, "user", "reset-password", "rep01", "--password-stdin", "--db", hub.url,
                stdin=f"{GOOD}\n") == 0  # fmt: skip
    refreshed = hub.client.post(
        "/v1/auth/refresh",
        json={"refresh_token": rep.tokens["refresh_token"], "device_id": rep.device_id},
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
    )
    assert refreshed.status_code == 401
    assert _login(hub, "rep01", "device-a")[0] == 401
    assert _login(hub, "rep01", "device-a", GOOD)[0] == 200


def test_a_moved_rep_logs_in_again_and_reports_for_the_old_territory_reach_the_orphan_queue(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", hub.url]
    assert _run(monkeypatch, "user", "add", "mia", "--role", "manager", "--territory", "T-002", *db,
                "--password-stdin", stdin=f"{GOOD}\n") == 0  # fmt: skip
    assert _run(monkeypatch, "user", "manager", "rep01", "--manager", "mia", *db) == 0
    rep = hub.rep()
    old_hcp, other_hcp = hub.hcps_of("T-001")[0], hub.hcps_of("T-001")[1]
    assert _run(monkeypatch, "user", "move", "rep01", "--territory", "T-002", *db) == 0
    stale = hub.client.get("/v1/pull", headers=rep.headers)
    assert stale.status_code == 401 and "Your territory is now T-002" in stale.json()["message"]
    moved = hub.rep()  # logs in again
    assert moved.territory_id == "T-002"
    results = moved.push([moved.report(old_hcp), moved.report(other_hcp)])
    assert all(r["status"] == "rejected" and "sent to your manager" in r["reason"] for r in results)

    capsys.readouterr()
    assert _run(monkeypatch, "orphans", "list", "--manager", "mia", "--json", *db) == 0
    queue = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [q["hcp_id"] for q in queue] == [old_hcp, other_hcp] and all(q["manager"] == "mia" for q in queue)
    assert queue[0]["hcp_territories"] == ["T-001"] and queue[0]["topics"] == ["efficacy"]
    assert _run(monkeypatch, "orphans", "reassign", queue[0]["id"], "--note", "visit happened", *db) == 0
    assert "filed under territory T-001" in capsys.readouterr().out
    assert _run(monkeypatch, "orphans", "close", queue[1]["id"], "--reason", "duplicate of a call", *db) == 0
    assert _run(monkeypatch, "orphans", "close", queue[1]["id"], "--reason", "again", *db) == 2
    assert "already closed" in capsys.readouterr().err
    assert _run(monkeypatch, "orphans", "list", *db) == 0
    assert "No orphan reports with status open." in capsys.readouterr().out
    assert _run(monkeypatch, "orphans", "list", "--status", "all", *db) == 0
    history = capsys.readouterr().out
    assert "REASSIGNED" in history and "CLOSED" in history and "duplicate of a call" in history

    assert _run(monkeypatch, "user", "add", "ted", "--territory", "T-001", "--password-stdin", *db,
                stdin=f"{GOOD}\n") == 0  # fmt: skip
    changes, _ = Rep(hub.client, "ted", "ted-laptop", GOOD).pull_all()
    filed = [c for c in changes if c["table"] == "call_reports" and c["id"] == queue[0]["id"]]
    assert filed and filed[0]["row"]["hcp_id"] == old_hcp  # the new rep of T-001 receives the reassigned report
    capsys.readouterr()
    assert _run(monkeypatch, "audit", "list", "--json", *db) == 0
    actions = [e["action"] for e in json.loads(capsys.readouterr().out)]
    assert {"orphans reassign", "orphans close", "user move", "user manager", "user add"} <= set(actions)
