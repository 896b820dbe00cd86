"""A real company's data end to end with real parts (PostgreSQL, uvicorn, aiosmtpd): real NPPES providers and the
company's products, approved content, e-mail addresses and consent loaded from files; a rep's visit about one
product sends that product's approved e-mail, never another product's; an opt-out the rep records in person stops
the next one."""

from __future__ import annotations

import io
from dataclasses import replace
from email.message import Message
from pathlib import Path

import httpx
import pytest

from repcompanion.domain import Channel, ConsentState, FollowUpStatus
from repcompanion.hub.cli import main as hub
from repcompanion.hub.followups import JOURNEYS, MailSettings, Worker
from repcompanion.workspace import CONSENT_WAYS, Workspace
from tests.company_data import write_company_files
from tests.e2e.conftest import Inbox, serving
from tests.pg import pg_schema

PASSWORD = "Company-Data-Passw0rd"


def run(*args: str) -> None:
    assert hub(list(args)) == 0, f"repcompanion-hub {' '.join(args)} failed"


def text_of(message: Message) -> str:
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain"] if message.is_multipart() else [message]
    return "\n".join(str(p.get_content()) for p in parts)


def test_a_visit_about_a_product_sends_that_products_approved_email_and_an_opt_out_in_person_stops_the_next(
    shared_data: Path,
    pg_server: str | None,
    tmp_path: Path,
    smtp: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, smtp_port = smtp
    JOURNEYS.use(None)
    nppes = shared_data / "nppes" / "davinci_sample-nppes-practitioner_20181204-data.csv"
    with pg_schema(pg_server) as url:
        db = ("--db", url)
        run("init", *db)
        run("import", "nppes", str(nppes), "--state", "RI", "--territory", "T-RI", "--create-territory", *db)
        ri_npis = ["1245233261", "1407859515"]  # two real RI practitioners of the NPPES sample
        files = write_company_files(tmp_path / "company", ri_npis)
        run("import", "products", str(files["products"]), "--mapping", str(files["products_mapping"]), *db)
        run("import", "content", str(files["content"]), "--mapping", str(files["content_mapping"]), *db)
        run("import", "emails", str(files["emails"]), *db)
        run("import", "consents", str(files["consents"]), *db)
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        run("user", "add", "rep-ri", "--territory", "T-RI", "--password-stdin", *db)

        with serving(url) as served:
            ws = Workspace.open(tmp_path / "laptop")
            ws.sync.use_http(httpx.Client(timeout=60))
            ws.sync.login(served.url, "rep-ri", PASSWORD)
            ws.sync.run()
            hcp = next(h for h in ws.directory.hcps() if h.npi == ri_npis[0])
            assert hcp.email == f"dr.{ri_npis[0]}@clinic.example.org"
            assert ws.directory.consents(hcp.id)[Channel.EMAIL].state.value == "opt_in"
            assert {c.id for c in ws.directory.content()} == {"NEF-EFF-01", "GLY-EFF-01"}

            report = replace(
                ws.visits.new(hcp.id),
                topics=("efficacy",),
                products=("P-NEF",),
                notes="Discussed the Nefrovia 52-week eGFR data.",
            )
            [planned] = [p for p in ws.followups.preview(report) if p.journey == "efficacy-email"]
            assert planned.content_id == "NEF-EFF-01"  # the product discussed, not GLY-EFF-01
            ws.visits.submit(report)
            ws.sync.run()

            sent = Worker(served.db, MailSettings(host="127.0.0.1", port=smtp_port)).run_once()
            assert (len(sent.sent), len(sent.dead)) == (1, 0)
            [message] = inbox.messages
            assert inbox.recipients[0] == [hcp.email]
            assert message["Subject"] == "Nefrovia 52-week results, " + hcp.first_name
            body = text_of(message)
            assert f"Dear Dr {hcp.last_name}" in body and "US-NEF-0112 v2" in body and "Glytessa" not in body
            ws.sync.run()
            [done] = [f for f in ws.followups.for_hcp(hcp.id) if f.journey == "efficacy-email"]
            assert done.status.value == "sent"

            # the other HCP opted in through the portal, then tells the rep in person: no more e-mail
            other = next(h for h in ws.directory.hcps() if h.npi == ri_npis[1])
            assert ws.directory.consents(other.id)[Channel.EMAIL].state is ConsentState.OPT_IN
            ws.directory.capture_consent(
                other.id,
                Channel.EMAIL,
                ConsentState.OPT_OUT,
                given_on=ws.today(),
                how=CONSENT_WAYS[0],
                typed_name=other.last_name,
            )
            assert ws.directory.consents(other.id)[Channel.EMAIL].state is ConsentState.OPT_OUT  # in force at once
            visit = replace(ws.visits.new(other.id), topics=("efficacy",), products=("P-NEF",), notes="Same data.")
            [blocked] = [p for p in ws.followups.preview(visit) if p.journey == "efficacy-email"]
            assert blocked.status is FollowUpStatus.SUPPRESSED, "the app shows the rep that no e-mail will go"
            ws.visits.submit(visit)
            ws.sync.run()
            after = Worker(served.db, MailSettings(host="127.0.0.1", port=smtp_port)).run_once()
            assert (len(after.sent), len(after.dead)) == (0, 0) and len(inbox.messages) == 1
            ws.sync.run()
            [stopped] = [f for f in ws.followups.for_hcp(other.id) if f.journey == "efficacy-email"]
            assert stopped.status is FollowUpStatus.SUPPRESSED and "email opt-out" in stopped.reason
            ws.close()
