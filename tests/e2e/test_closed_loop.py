"""The closed loop with real parts: a visit → an approved email over SMTP → a signed 'opened' → an MSL referral."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from repcompanion.domain import ActionType, Channel, FollowUpStatus
from repcompanion.domain.rows import content_from_row
from repcompanion.hub.db import schema
from repcompanion.hub.db.schema import followup_jobs
from repcompanion.hub.followups import MailSettings, Worker
from repcompanion.workspace import Workspace
from tests.e2e.conftest import PASSWORD, Inbox, LoopbackHub

WITH_CONSENT = "H00001"  # email opt-in (and in-person opt-in), cardiology
WITHOUT_CONSENT = "H00012"  # email opt-out since 2026-03-11


def _rep(tmp_path: Path, hub: LoopbackHub) -> Workspace:
    ws = Workspace.open(tmp_path / "rep")
    ws.sync.use_http(httpx.Client(timeout=30))
    ws.sync.login(hub.url, "rep01", PASSWORD)
    ws.sync.run()
    return ws


def _visit(ws: Workspace, hcp_id: str, *, skip: str | None = None):
    # the product whose approved efficacy e-mail the journey sends (only a product discussed gets content)
    product = min(
        str(c.product_id) for c in ws.directory.content() if "efficacy" in c.topics and c.channel.value == "email"
    )
    report = replace(
        ws.visits.new(hcp_id), topics=("efficacy",), products=(product,), notes="Discussed the efficacy data."
    )
    if skip:
        report = ws.followups.deselect(report, skip)
    return report, ws.followups.preview(report)


def test_visit_sends_one_approved_email_and_an_open_turns_the_next_suggestion_into_an_msl_referral(
    tmp_path: Path, loopback_hub: LoopbackHub, smtp: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = smtp
    ws = _rep(tmp_path, loopback_hub)
    assert ws.directory.consents(WITH_CONSENT)[Channel.EMAIL].state.value == "opt_in"

    report, preview = _visit(ws, WITH_CONSENT)
    [planned] = [p for p in preview if p.journey == "efficacy-email"]
    assert planned.status is FollowUpStatus.SCHEDULED and "email opt-in" in planned.consent
    ws.visits.submit(report)
    ws.sync.run()

    with loopback_hub.db.read() as conn:
        job = conn.execute(select(followup_jobs).where(followup_jobs.c.hcp_id == WITH_CONSENT)).mappings().one()
        hcp = conn.execute(select(schema.synced["hcps"]).where(schema.synced["hcps"].c.id == WITH_CONSENT)).first()
        ct = schema.synced["content"]
        content = content_from_row(dict(conn.execute(select(ct).where(ct.c.id == job["content_id"])).mappings().one()))
    assert job["content_id"] == planned.content_id and job["status"] == "scheduled"

    worker = Worker(loopback_hub.db, MailSettings(host="127.0.0.1", port=smtp_port))
    run = worker.run_once()
    assert (len(run.sent), len(run.dead)) == (1, 0)
    assert Worker(loopback_hub.db, MailSettings(host="127.0.0.1", port=smtp_port)).run_once().sent == []

    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert msg.get_content_type() == "multipart/alternative"
    body = msg.get_body(("plain",)).get_content()
    page = msg.get_body(("html",)).get_content()
    assert f"Dear {hcp.first_name} {hcp.last_name}, {hcp.credentials}," in page and content.mlr_code in page
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert inbox.recipients[0] == [hcp.email]
    assert msg["Subject"] == content.subject.format(first_name=hcp.first_name)
    assert f"Dear {hcp.first_name} {hcp.last_name}, {hcp.credentials}," in body
    assert content.body.splitlines()[2] in body and content.mlr_code in body
    assert f"unsubscribe?f={job['id']}&s=" in body and msg["List-Unsubscribe"].strip().startswith("<https://")
    assert msg["Message-ID"].strip() == job["message_id"] == f"<{job['id']}@repcompanion.invalid>"
    assert "{" not in body  # every placeholder was filled

    opened = loopback_hub.post_engagement(loopback_hub.event(job["id"], "opened", "esp-open-1"))
    assert opened.status_code == 200, opened.text
    assert opened.json()["follow_up_status"] == "opened" and opened.json()["planned"]

    ws.sync.run()
    statuses = {f.journey: f.status for f in ws.followups.for_hcp(WITH_CONSENT)}
    assert statuses["efficacy-email"] is FollowUpStatus.OPENED
    assert statuses["msl-after-open"] is FollowUpStatus.SCHEDULED
    [top] = ws.ranking.suggestions(WITH_CONSENT)
    assert top.action is ActionType.MSL_REFERRAL
    opened_on = datetime.now(UTC).date().isoformat()  # the hub dates an engagement by its UTC timestamp
    assert top.reasons[0].text.startswith(f"Opened '{content.title}' on {opened_on}")


def test_without_email_consent_nothing_is_sent_and_the_follow_up_says_why(
    tmp_path: Path, loopback_hub: LoopbackHub, smtp: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = smtp
    ws = _rep(tmp_path, loopback_hub)
    report, preview = _visit(ws, WITHOUT_CONSENT)
    [planned] = [p for p in preview if p.journey == "efficacy-email"]
    assert planned.status is FollowUpStatus.SUPPRESSED and "email opt-out" in planned.reason
    skipped, _ = _visit(ws, "H00006", skip="efficacy-email")  # email opt-in, but the rep deselects it
    ws.visits.submit(report)
    ws.visits.submit(skipped)
    ws.sync.run()

    assert Worker(loopback_hub.db, MailSettings(host="127.0.0.1", port=smtp_port)).run_once().sent == []
    assert inbox.messages == []
    [row] = ws.followups.for_hcp(WITHOUT_CONSENT)
    assert row.status is FollowUpStatus.SUPPRESSED
    assert "not sent: email opt-out since 2026-03-11" in row.reason
    [cancelled] = ws.followups.for_hcp("H00006")
    assert cancelled.status is FollowUpStatus.CANCELLED and "deselected" in cancelled.reason
