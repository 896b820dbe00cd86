"""Follow-up e-mail as an approved-email system sends it: multipart from the approved template, one-click unsubscribe
headers, STARTTLS and SMTP AUTH, every send and failure logged, and a failing server that loses nothing."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from repcompanion.domain import Address, Channel, Content, ContentId, Hcp, HcpId, ProductId, Segment
from repcompanion.hub.cli import main
from repcompanion.hub.db.schema import followup_jobs
from repcompanion.hub.delivery import DeliveryError, SmtpServer
from repcompanion.hub.followups import JOURNEYS, MailSettings, Worker, WorkerSettings, render
from tests.hub.conftest import Hub
from tests.smtp_tls import SMTP_PASSWORD, SMTP_USER, free_port, tls_smtp_server

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
CONTENT = Content(
    id=ContentId("C900"),
    title="Nefrovia: efficacy at 52 weeks",
    product_id=ProductId("P1"),
    topics=("efficacy",),
    channel=Channel.EMAIL,
    mlr_code="US-NEF-0042 v2",
    valid_from=date(2026, 1, 1),
    valid_to=date(2027, 1, 1),
    subject="{first_name}, the 52-week efficacy data",
    body="Dear {first_name} {last_name}, {credentials},\n\nThe 52-week data are in.\n\nUnsubscribe: {unsubscribe_url}",
)
HCP = Hcp(
    id=HcpId("H00001"),
    npi="1234567893",
    first_name="Ann",
    last_name="O'Neil <script>",
    credentials="MD",
    specialty_code="207RC0000X",
    specialty_label="Cardiology",
    segment=Segment.A,
    decile=9,
    address=Address("1 Main St", "Providence", "RI", "02903"),
    email="ann@example.org",
)
SETTINGS = MailSettings(unsubscribe_base="https://hub.example.com/unsubscribe")


def _render(content: Content = CONTENT) -> object:
    return render(content, HCP, job_id="FU-1", settings=SETTINGS, secret="s" * 64, now=NOW)


def test_a_follow_up_is_multipart_text_and_html_with_one_click_unsubscribe_headers() -> None:
    msg = _render()
    assert msg.get_content_type() == "multipart/alternative"  # type: ignore[attr-defined]
    text, page = (part.get_payload(decode=True).decode() for part in msg.get_payload())  # type: ignore[attr-defined]
    assert "Dear Ann O'Neil <script>, MD," in text and "US-NEF-0042 v2" in text
    assert "O&#x27;Neil &lt;script&gt;" in page and "<script>" not in page  # names are escaped in HTML
    assert "The 52-week data are in." in page and "US-NEF-0042 v2" in page
    unsubscribe = msg["List-Unsubscribe"]  # type: ignore[index]
    assert unsubscribe.startswith("<https://hub.example.com/unsubscribe?f=FU-1&s=")
    assert unsubscribe.strip("<>") in text and f'href="{unsubscribe.strip("<>").replace("&", "&amp;")}"' in page
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # type: ignore[index]
    assert msg["Subject"] == "Ann, the 52-week efficacy data" and "X-SMTPAPI" not in msg  # type: ignore[index,operator]


def test_the_approved_html_body_link_and_attachment_are_used_as_approved(tmp_path: Path) -> None:
    leaflet = tmp_path / "leaflet.pdf"
    leaflet.write_bytes(b"%PDF-1.4 approved leaflet")
    content = replace(
        CONTENT,
        html_body='<h1>Hello {first_name}</h1><p>See <a href="{link}">the data</a>.</p>',
        link="https://nefrovia.example/data",
        attachment=str(leaflet),
    )
    msg = _render(content)
    assert msg.get_content_type() == "multipart/mixed"  # type: ignore[attr-defined]
    alternative, attached = msg.get_payload()  # type: ignore[attr-defined]
    text, page = (p.get_payload(decode=True).decode() for p in alternative.get_payload())
    assert "<h1>Hello Ann</h1>" in page and 'href="https://nefrovia.example/data"' in page
    assert "unsubscribe</a>" in page  # the approved HTML has no {unsubscribe_url}: the footer adds it
    assert "Read more: https://nefrovia.example/data" in text
    assert attached.get_filename() == "leaflet.pdf" and attached.get_payload(decode=True) == leaflet.read_bytes()
    assert attached.get_content_type() == "application/pdf"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"withdrawn_at": datetime(2026, 10, 1, tzinfo=UTC), "withdrawn_reason": "label change"}, "was withdrawn"),
        ({"valid_to": date(2026, 11, 1)}, "is approved from 2026-01-01 to 2026-11-01"),
        ({"body": "Dear {first_name}, your NPI is {npi}"}, "uses {npi}"),
        ({"attachment": "/nowhere/leaflet.pdf"}, "attachment /nowhere/leaflet.pdf of content C900 is not on the hub"),
    ],
)
def test_content_that_may_not_be_sent_is_refused_for_good_with_the_reason(change: dict, says: str) -> None:
    with pytest.raises(DeliveryError, match=says) as refused:
        _render(replace(CONTENT, **change))
    assert refused.value.permanent


def test_smtp_login_without_tls_is_refused_before_a_password_is_sent() -> None:
    with pytest.raises(DeliveryError, match="would send the password in clear"):
        SmtpServer("127.0.0.1", 25, "none", "user", "secret")


def _jobs(hub: Hub) -> list[str]:
    JOURNEYS.use(None)
    rep = hub.rep()
    assert all(r["status"] == "applied" for r in rep.push([rep.report(h) for h in hub.hcps_of(rep.territory_id)]))
    with hub.db.read() as conn:
        return [r[0] for r in conn.execute(select(followup_jobs.c.id))]


def test_the_worker_delivers_over_starttls_with_smtp_auth_and_logs_each_send(
    hub: Hub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    jobs = _jobs(hub)
    with tls_smtp_server(tmp_path) as inbox:
        mail = MailSettings(
            host="127.0.0.1",
            port=inbox.port,
            security="starttls",
            username=SMTP_USER,
            password=SMTP_PASSWORD,
            ca_file=str(inbox.ca_file),
            timeout_s=5,
        )
        with caplog.at_level(logging.INFO, logger="repcompanion.hub.worker"):
            report = Worker(hub.db, mail).run_once()
    assert sorted(report.sent) == sorted(jobs) and inbox.logins and all(inbox.encrypted)
    assert all(m.get_content_type() == "multipart/alternative" for m in inbox.messages)
    sent_lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("sent follow-up")]
    assert len(sent_lines) == len(jobs) and all("@" not in line.split(" as ")[0] for line in sent_lines)


def test_an_unreachable_smtp_server_keeps_every_job_and_followups_list_says_why_and_when(
    hub: Hub, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    jobs = _jobs(hub)
    mail = MailSettings(host="127.0.0.1", port=free_port(), timeout_s=2)
    with caplog.at_level(logging.WARNING, logger="repcompanion.hub.worker"):
        report = Worker(hub.db, mail, WorkerSettings(max_attempts=5)).run_once()
    assert report.sent == [] and sorted(k for k, _ in report.retried) == sorted(jobs) and report.dead == []
    assert any("not sent (attempt 1)" in r.getMessage() and "next attempt at" in r.getMessage() for r in caplog.records)
    capsys.readouterr()
    assert main(["followups", "list", "--db", hub.url]) == 0
    out = capsys.readouterr().out
    assert out.count("last error: cannot deliver through 127.0.0.1:") == len(jobs) and "next attempt 20" in out
    assert main(["followups", "list", "--json", "--db", hub.url]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    waiting = [r for r in rows if r["id"] in jobs]  # journeys that suppressed their follow-up have no job
    assert len(waiting) == len(jobs)
    assert all(r["status"] == "scheduled" and r["last_error"] and r["next_attempt_at"] for r in waiting)


def test_wrong_smtp_credentials_are_retried_never_dead_lettered(hub: Hub, tmp_path: Path) -> None:
    jobs = _jobs(hub)
    with tls_smtp_server(tmp_path) as inbox:
        mail = MailSettings(
            host="127.0.0.1", port=inbox.port, security="starttls", username=SMTP_USER, password="wrong",
            ca_file=str(inbox.ca_file), timeout_s=5,
        )  # fmt: skip
        report = Worker(hub.db, mail, WorkerSettings(max_attempts=1)).run_once()
    assert report.dead == [] and len(report.retried) == len(jobs)
    assert "refused the login of 'hub-mailer': 535" in report.retried[0][1]


def test_worker_once_reads_smtp_settings_from_the_configuration(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs = _jobs(hub)
    with tls_smtp_server(tmp_path) as inbox:
        (tmp_path / "smtp-password").write_text(SMTP_PASSWORD + "\n")
        config = tmp_path / "hub.toml"
        config.write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {inbox.port}\nsecurity = "starttls"\nusername = "{SMTP_USER}"\n'
            f'password_file = "{tmp_path / "smtp-password"}"\nca_file = "{inbox.ca_file}"\n'
            '[server]\npublic_url = "https://hub.example.com"\n'
        )
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        assert main(["--config", str(config), "worker", "--once", "--db", hub.url]) == 0
    assert f"sent {len(jobs)}" in capsys.readouterr().out
    assert inbox.messages[0]["List-Unsubscribe"].strip().startswith("<https://hub.example.com/unsubscribe?f=")
