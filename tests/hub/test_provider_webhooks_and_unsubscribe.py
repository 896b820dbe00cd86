"""Engagement from SendGrid's Event Webhook (its ECDSA signature) and from the hub's own unsubscribe page and RFC 8058
one-click: each reaches the follow-up and the rep; a bad signature or an unknown message changes nothing and loses
nothing."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import select

from repcompanion.hub import HubSettings, create_app
from repcompanion.hub.db import schema
from repcompanion.hub.db.schema import engagement_unmatched, followup_jobs
from repcompanion.hub.followups import JOURNEYS, MailSettings, WebhookRefused, Worker, sendgrid_key, verify_sendgrid
from tests.e2e.conftest import Inbox, free_port
from tests.hub.conftest import Hub

#: the test vector of SendGrid's own Python library (test/unit/test_eventwebhook.py): a real key and signature
SENDGRID_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8"
    "eNEc6wEA3F+g=="
)
SENDGRID_SIGNATURE = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
SENDGRID_TIMESTAMP = "1600112502"
SENDGRID_PAYLOAD = (
    json.dumps(
        [
            {
                "email": "hello@world.com",
                "event": "dropped",
                "reason": "Bounced Address",
                "sg_event_id": "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
                "sg_message_id": "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",
                "smtp-id": "<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>",
                "timestamp": 1600112492,
            }
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    + "\r\n"
).encode()

#: the "open" event of SendGrid's Event Webhook reference, as documented (its smtp-id is set per test)
DOCS_OPEN_EVENT = {
    "email": "example@test.com",
    "timestamp": 1513299569,
    "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
    "event": "open",
    "category": "cat facts",
    "sg_event_id": "sg_event_id",
    "sg_message_id": "sg_message_id",
    "useragent": "Mozilla/4.0 (compatible; MSIE 6.1; Windows XP; .NET CLR 1.1.4322; .NET CLR 2.0.50727)",
    "ip": "255.255.255.255",
}


def test_sendgrids_own_signed_example_verifies_and_any_change_to_it_does_not() -> None:
    key = sendgrid_key(SENDGRID_KEY)
    verify_sendgrid(key, SENDGRID_PAYLOAD, SENDGRID_SIGNATURE, SENDGRID_TIMESTAMP, now=int(SENDGRID_TIMESTAMP))
    with pytest.raises(WebhookRefused, match="does not match") as tampered:
        verify_sendgrid(key, SENDGRID_PAYLOAD.replace(b"dropped", b"open"), SENDGRID_SIGNATURE, SENDGRID_TIMESTAMP)
    assert tampered.value.code == "bad_signature"
    with pytest.raises(WebhookRefused, match="more than 600 s"):  # a correct signature from 2020 is a replay now
        verify_sendgrid(key, SENDGRID_PAYLOAD, SENDGRID_SIGNATURE, SENDGRID_TIMESTAMP)


class SendGrid:
    """A SendGrid account as the test makes it: its own P-256 key; signs bodies the way SendGrid does."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public = base64.b64encode(der).decode()

    def headers(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(timestamp or int(time.time()))
        signature = self.key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
            "Content-Type": "application/json",
        }


@pytest.fixture
def sent(hub: Hub) -> Iterator[list[dict]]:
    """Follow-up e-mails the worker delivered (to a local SMTP server), with their Message-IDs."""
    JOURNEYS.use(None)
    rep = hub.rep()
    assert all(r["status"] == "applied" for r in rep.push([rep.report(h) for h in hub.hcps_of(rep.territory_id)]))
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail = MailSettings(host="127.0.0.1", port=port, unsubscribe_base="http://testserver/unsubscribe")
        assert Worker(hub.db, mail).run_once().sent
    finally:
        controller.stop()
    with hub.db.read() as conn:
        jobs = [dict(r) for r in conn.execute(select(followup_jobs).order_by(followup_jobs.c.id)).mappings()]
    for job, message in zip(jobs, sorted(box.messages, key=lambda m: m["X-RepCompanion-Follow-Up"]), strict=True):
        job["unsubscribe"] = message["List-Unsubscribe"].strip().strip("<>")
    yield jobs


def _status(hub: Hub, job_id: str) -> str:
    fu = schema.synced["follow_ups"]
    with hub.db.read() as conn:
        return str(conn.execute(select(fu.c.status).where(fu.c.id == job_id)).scalar_one())


def _email_opt_outs(hub: Hub, hcp_id: str) -> list[dict]:
    c = schema.synced["consents"]
    with hub.db.read() as conn:
        rows = conn.execute(select(c).where(c.c.hcp_id == hcp_id, c.c.channel == "email")).mappings()
        return [dict(r) for r in rows if r["state"] == "opt_out" and "CN-" in r["id"]]


@pytest.fixture
def sendgrid(hub: Hub) -> Iterator[tuple[SendGrid, TestClient]]:
    account = SendGrid()
    app = create_app(hub.url, settings=HubSettings(sendgrid_public_key=account.public), migrate=False)
    with TestClient(app) as client:
        yield account, client
    app.state.db.dispose()


def test_a_documented_sendgrid_open_event_opens_the_follow_up_and_plans_the_next_journey(
    hub: Hub, sent: list[dict], sendgrid: tuple[SendGrid, TestClient]
) -> None:
    account, client = sendgrid
    job = sent[0]
    body = json.dumps([{**DOCS_OPEN_EVENT, "smtp-id": job["message_id"]}]).encode()
    reply = client.post("/v1/engagement/sendgrid", content=body, headers=account.headers(body))
    assert reply.status_code == 200, reply.text
    assert reply.json()["applied"] == ["sendgrid:sg_event_id"] and reply.json()["unknown"] == []
    assert _status(hub, job["id"]) == "opened"
    fu = schema.synced["follow_ups"]
    with hub.db.read() as conn:
        journeys = {r[0] for r in conn.execute(select(fu.c.journey).where(fu.c.hcp_id == job["hcp_id"]))}
    assert "msl-after-open" in journeys
    again = client.post("/v1/engagement/sendgrid", content=body, headers=account.headers(body))
    assert again.status_code == 200 and again.json()["duplicates"] == ["sendgrid:sg_event_id"]


def test_a_sendgrid_request_with_a_bad_signature_is_refused_and_changes_nothing(
    hub: Hub, sent: list[dict], sendgrid: tuple[SendGrid, TestClient]
) -> None:
    account, client = sendgrid
    job = sent[0]
    body = json.dumps([{**DOCS_OPEN_EVENT, "smtp-id": job["message_id"]}]).encode()
    forged = SendGrid().headers(body)  # signed, but with another key
    reply = client.post("/v1/engagement/sendgrid", content=body, headers=forged)
    assert reply.status_code == 401 and reply.json()["error"] == "bad_signature"
    assert "nothing was applied" in reply.json()["message"] and "sendgrid_public_key" in reply.json()["hint"]
    unsigned = client.post("/v1/engagement/sendgrid", content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401 and unsigned.json()["error"] == "unsigned"
    old = client.post("/v1/engagement/sendgrid", content=body, headers=account.headers(body, timestamp=1513299569))
    assert old.status_code == 401 and old.json()["error"] == "stale"
    assert _status(hub, job["id"]) == "sent"


def test_events_for_an_unknown_message_are_kept_and_said_while_the_known_ones_apply(
    hub: Hub, sent: list[dict], sendgrid: tuple[SendGrid, TestClient]
) -> None:
    account, client = sendgrid
    job = sent[0]
    events = [
        {**DOCS_OPEN_EVENT, "sg_event_id": "ev-unknown"},  # the documented smtp-id: no message of this hub
        {**DOCS_OPEN_EVENT, "sg_event_id": "ev-machine", "smtp-id": job["message_id"], "sg_machine_open": True},
        {**DOCS_OPEN_EVENT, "sg_event_id": "ev-spam", "event": "spamreport", "smtp-id": sent[-1]["message_id"]},
    ]
    body = json.dumps(events).encode()
    reply = client.post("/v1/engagement/sendgrid", content=body, headers=account.headers(body))
    assert reply.status_code == 200, reply.text
    [unknown] = reply.json()["unknown"]
    assert unknown["event_id"] == "sendgrid:ev-unknown"
    assert "no follow-up on this hub has the message id <14c5d75ce93.dfd.64b469@ismtpd-555>" in unknown["message"]
    assert reply.json()["acknowledged"] == ["sendgrid:ev-machine"] and reply.json()["applied"] == ["sendgrid:ev-spam"]
    with hub.db.read() as conn:
        [kept] = conn.execute(select(engagement_unmatched)).mappings().all()
    assert kept["provider"] == "sendgrid" and json.loads(kept["payload"])["ip"] == "255.255.255.255"
    assert _status(hub, job["id"]) == "sent"  # a privacy proxy's fetch is not a read
    assert [c["source"] for c in _email_opt_outs(hub, sent[-1]["hcp_id"])] == [f"spam complaint about {sent[-1]['id']}"]


def test_sendgrid_events_are_refused_when_no_key_is_configured(hub: Hub) -> None:
    reply = hub.client.post("/v1/engagement/sendgrid", content=b"[]", headers={"Content-Type": "application/json"})
    assert reply.status_code == 404 and "sendgrid_public_key" in reply.json()["hint"]


def _target(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_the_unsubscribe_page_asks_then_records_one_opt_out_that_syncs_to_the_rep(hub: Hub, sent: list[dict]) -> None:
    job = sent[0]
    path, params = _target(job["unsubscribe"])
    page = hub.client.get(path, params=params)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<form method="post"' in page.text and "Unsubscribe</button>" in page.text
    assert "style-src 'unsafe-inline'" in page.headers["content-security-policy"]
    assert _email_opt_outs(hub, job["hcp_id"]) == []  # looking is not unsubscribing (mail scanners fetch links)
    for _ in range(2):
        done = hub.client.post(path, params=params, data={"confirm": "yes"})
        assert done.status_code == 200 and "You are unsubscribed" in done.text
    [consent] = _email_opt_outs(hub, job["hcp_id"])
    assert consent["source"] == f"unsubscribe link in {job['id']}"
    rep = hub.rep()
    changes, _ = rep.pull_all()
    assert any(c["table"] == "consents" and c["id"] == consent["id"] for c in changes)


def test_one_click_unsubscribe_records_an_opt_out(hub: Hub, sent: list[dict]) -> None:
    job = sent[-1]
    path, params = _target(job["unsubscribe"])
    reply = hub.client.post(path, params=params, data={"List-Unsubscribe": "One-Click"})
    assert reply.status_code == 200
    assert [c["source"] for c in _email_opt_outs(hub, job["hcp_id"])] == [f"unsubscribe link in {job['id']}"]


def test_a_forged_or_stale_unsubscribe_link_says_so_and_changes_nothing(hub: Hub, sent: list[dict]) -> None:
    job = sent[0]
    path, params = _target(job["unsubscribe"])
    forged = hub.client.post(path, params={**params, "s": "0" * 32}, data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 400 and "not valid" in forged.text and "Nothing was changed" in forged.text
    blank = hub.client.post(path, params=params, data={})
    assert blank.status_code == 400
    assert _email_opt_outs(hub, job["hcp_id"]) == []


def test_a_valid_link_to_an_e_mail_the_hub_no_longer_has_says_so(hub: Hub) -> None:
    from repcompanion.hub.followups import engagement_secret, unsubscribe_signature

    signature = unsubscribe_signature("FU-gone", engagement_secret(hub.db))
    reply = hub.client.get("/unsubscribe", params={"f": "FU-gone", "s": signature})
    assert reply.status_code == 404 and "no longer known" in reply.text and "Nothing was changed" in reply.text
