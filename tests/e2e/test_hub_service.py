"""The hub as a company runs it: `repcompanion-hub run` on PostgreSQL, configured by a TOML file, with a mail server
that requires STARTTLS and SMTP AUTH. A visit becomes a multipart e-mail, SendGrid's "open" changes the rep's next
suggestion, the unsubscribe page and one-click each record an opt-out the rep receives, an adverse event reaches the
pharmacovigilance mailbox — all from the one service, which stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from repcompanion.domain import ActionType, Channel, ConsentState
from repcompanion.hub import HubDb
from repcompanion.hub.admin import seed_hub
from repcompanion.hub.cli import main as hub_main
from repcompanion.hub.db.schema import followup_jobs
from repcompanion.simulate import generate_territory
from repcompanion.workspace import Workspace
from tests.hub.test_provider_webhooks_and_unsubscribe import DOCS_OPEN_EVENT, SendGrid
from tests.pg import pg_schema
from tests.smtp_tls import SMTP_PASSWORD, SMTP_USER, TlsInbox, free_port, tls_smtp_server

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"
PV = "pv-mailbox@pharma.example"
#: email opt-in HCPs of the demo territory (seed 11); H00001 also has the efficacy journey's content
OPENED, PAGE, ONE_CLICK = "H00001", "H00006", "H00004"
NOTE = "Seizure after first dose of Nefrovia; the patient was taken to hospital the same night."


def _wait(what: str, done: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = done()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def service(tmp_path: Path, pg_server: str | None) -> Iterator[dict[str, Any]]:
    """`repcompanion-hub --config hub.toml run` on a fresh PostgreSQL schema, a TLS+AUTH mail server, a SendGrid key."""
    with pg_schema(pg_server) as url, tls_smtp_server(tmp_path) as inbox:
        assert hub_main(["init", "--db", url]) == 0
        db = HubDb(url)
        seed_hub(db, reps=1, hcps_per_rep=12, password=PASSWORD, demo=generate_territory(hcps=12, seed=11, years=0.25))
        db.dispose()
        account = SendGrid()
        port = free_port()
        secret = tmp_path / "secrets" / "smtp-password"
        secret.parent.mkdir()
        secret.write_text(SMTP_PASSWORD)
        config = tmp_path / "hub.toml"
        config.write_text(
            f'[database]\nurl = "{url}"\n'
            f'[server]\nport = {port}\npublic_url = "http://127.0.0.1:{port}"\n'
            f'[smtp]\nhost = "127.0.0.1"\nport = {inbox.port}\nsecurity = "starttls"\nusername = "{SMTP_USER}"\n'
            f'password_file = "{secret}"\nca_file = "{inbox.ca_file}"\nsender = "Pharma <no-reply@pharma.example>"\n'
            f'[followups]\npoll = 0.2\n[safety]\npv_mailbox = "{PV}"\ninterval = 0.3\n'
            f'[webhooks]\nsendgrid_public_key = "{account.public}"\n'
        )
        config.chmod(0o600)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
        env.pop("REPCOMPANION_HUB_CONFIG", None)
        log = (tmp_path / "hub.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "repcompanion.hub.cli", "--config", str(config), "run"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait("the hub to answer", lambda: _healthy(base, proc), timeout=60)
            yield {"url": base, "db_url": url, "inbox": inbox, "sendgrid": account, "proc": proc, "tmp": tmp_path}
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            log.close()


def _healthy(base: str, proc: subprocess.Popen[bytes]) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"repcompanion-hub run exited with {proc.returncode}")
    try:
        return httpx.get(f"{base}/v1/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _visit(ws: Workspace, hcp_id: str) -> None:
    # approved content is only sent for a product discussed: the product of the efficacy e-mail content
    product = min(
        str(c.product_id) for c in ws.directory.content() if "efficacy" in c.topics and c.channel.value == "email"
    )
    report = replace(
        ws.visits.new(hcp_id), topics=("efficacy",), products=(product,), notes="Discussed the efficacy data."
    )
    ws.visits.submit(report)


def _job(db_url: str, hcp_id: str) -> dict[str, Any]:
    db = HubDb(db_url)
    try:
        with db.read() as conn:
            rows = conn.execute(select(followup_jobs).where(followup_jobs.c.hcp_id == hcp_id)).mappings().all()
    finally:
        db.dispose()
    return dict(rows[0]) if len(rows) == 1 and rows[0]["status"] == "sent" else {}


def _mail_for(inbox: TlsInbox, job: dict[str, Any]) -> Any:
    found = [m for m in inbox.messages if m["Message-ID"].strip() == job["message_id"]]
    return found[0] if found else None


@pytest.mark.postgres
def test_one_service_delivers_mail_engagement_opt_outs_and_adverse_events(service: dict[str, Any]) -> None:
    inbox: TlsInbox = service["inbox"]
    ws = Workspace.open(service["tmp"] / "rep")
    try:
        ws.sync.use_http(httpx.Client(timeout=30))
        ws.sync.login(service["url"], "rep01", PASSWORD)
        ws.sync.run()
        for hcp in (OPENED, PAGE, ONE_CLICK):
            assert ws.directory.consents(hcp)[Channel.EMAIL].state is ConsentState.OPT_IN
            _visit(ws, hcp)
        report = replace(ws.visits.new(OPENED), notes=NOTE)
        intake = ws.visits.report_intake(report, ws.visits.draft_intake(report)).intake
        assert not ws.sync.run().rejected

        # the follow-up e-mails: multipart, over STARTTLS after a login, each with one-click unsubscribe headers
        jobs = {
            h: _wait(f"the e-mail to {h}", lambda h=h: _job(service["db_url"], h)) for h in (OPENED, PAGE, ONE_CLICK)
        }
        mails = {h: _wait(f"the e-mail to {h} in the inbox", lambda j=j: _mail_for(inbox, j)) for h, j in jobs.items()}
        for mail in mails.values():
            assert mail.get_content_type() == "multipart/alternative"
            assert mail.get_body(("plain",)) is not None and mail.get_body(("html",)) is not None
            assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert json.loads(mail["X-SMTPAPI"])["unique_args"]["repcompanion_follow_up"]
        assert inbox.logins and all(inbox.encrypted)

        # the adverse event, forwarded by the same service to the PV mailbox
        [pv] = _wait("the adverse-event report", lambda: inbox.to(PV))
        assert pv["X-RepCompanion-Intake-Id"] == intake.id and "Seizure" in pv.get_body(("plain",)).get_content()

        # SendGrid reports the documented "open" for the first e-mail: the next suggestion becomes an MSL referral
        account: SendGrid = service["sendgrid"]
        body = json.dumps([{**DOCS_OPEN_EVENT, "smtp-id": jobs[OPENED]["message_id"]}]).encode()
        opened = httpx.post(f"{service['url']}/v1/engagement/sendgrid", content=body, headers=account.headers(body))
        assert opened.status_code == 200 and opened.json()["applied"] == ["sendgrid:sg_event_id"], opened.text

        # the unsubscribe page (GET, then its form) and a mail client's one-click POST
        page_url = mails[PAGE]["List-Unsubscribe"].strip().strip("<>")
        assert page_url.startswith(f"{service['url']}/unsubscribe?")
        assert "Unsubscribe</button>" in httpx.get(page_url).text
        assert httpx.post(page_url, data={"confirm": "yes"}).status_code == 200
        one_click = mails[ONE_CLICK]["List-Unsubscribe"].strip().strip("<>")
        assert httpx.post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code == 200

        ws.sync.run()
        [top] = ws.ranking.suggestions(OPENED)
        assert top.action is ActionType.MSL_REFERRAL
        for hcp in (PAGE, ONE_CLICK):
            assert ws.directory.consents(hcp)[Channel.EMAIL].state is ConsentState.OPT_OUT
    finally:
        ws.close()

    proc: subprocess.Popen[bytes] = service["proc"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    log = (service["tmp"] / "hub.log").read_text()
    assert log.count("sent follow-up") == 3 and "forwarded adverse-event intake" in log
    assert "the hub has stopped" in log and "Traceback" not in log
