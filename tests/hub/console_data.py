"""A small hub with a month of the loop running, for the console's tests: reps who visited and gave feedback,
journeys that planned, sent, opened and dead-lettered e-mails, intakes (one overdue), data change requests, a
published model, and one console user per role. Built through the hub's own functions (push, the worker's
delivery loop, engagement, forwarding), so the console reads what production would hold."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from repcompanion.domain.enums import CallType, MutationKind
from repcompanion.domain.ids import CallReportId, HcpId, uuid7
from repcompanion.domain.models import AdverseEventIntake, CallReport
from repcompanion.domain.rows import call_report_to_row, intake_to_row
from repcompanion.hub import HubDb, HubSettings, create_app
from repcompanion.hub.admin import add_user, seed_hub, set_manager
from repcompanion.hub.db import derived, schema
from repcompanion.hub.delivery import DeliveryError, deliver
from repcompanion.hub.followups import MailSettings, Worker, apply_engagement
from repcompanion.hub.safety import PvMailbox, forward_pending
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from repcompanion.protocol.models import MODEL_HEADER
from repcompanion.simulate import generate_territory

PASSWORD = "correct horse battery staple 42"
#: one console user per role (and a rep, who has no console)
USERS = {"ada": "admin", "max": "manager", "bea": "brand", "meg": "medical", "rep01": "rep"}
TODAY = datetime.now(UTC).date()
START = TODAY - timedelta(days=29)


@dataclass
class ConsoleHub:
    url: str
    db: HubDb
    client: TestClient
    settings: HubSettings

    def login(self, user: str) -> TestClient:
        """A client signed in to the console as ``user`` (its own cookie jar)."""
        client = TestClient(self.client.app, raise_server_exceptions=False)
        form = client.get("/console/login")
        csrf = _field(form.text, "csrf")
        reply = client.post(
            "/console/login", data={"username": user, "password": PASSWORD, "csrf": csrf}, follow_redirects=False
        )
        assert reply.status_code == 303, reply.text[:500]
        return client

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        from sqlalchemy import text

        with self.db.read() as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings()]

    def close(self) -> None:
        self.client.close()
        self.db.dispose()


def _field(html: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def _push(client: TestClient, user: str, device: str, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    login = client.post(
        "/v1/auth/login",
        json={"username": user, "password": PASSWORD, "device_id": device},
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
    )
    assert login.status_code == 200, login.text
    headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": f"Bearer {login.json()['access_token']}"}
    client.get("/v1/model/latest", headers=headers | {MODEL_HEADER: "default"})
    for k, m in enumerate(mutations, start=1):
        m["device_id"], m["device_seq"] = device, k
    reply = client.post("/v1/push", json={"device_id": device, "mutations": mutations}, headers=headers)
    assert reply.status_code == 200, reply.text
    return list(reply.json()["results"])


def _mutation(kind: MutationKind, entity: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": uuid7(),
        "device_id": "",
        "device_seq": 0,
        "kind": kind.value,
        "entity_id": entity,
        "payload": payload,
        "created_at": datetime.now(UTC).isoformat(),
    }


def _report(hcp: str, when: datetime, topics: tuple[str, ...], product: str) -> dict[str, Any]:
    report = CallReport(
        CallReportId(uuid7()), HcpId(hcp), when, CallType.IN_PERSON, topics=topics, products=(product,),
        notes="Discussed " + ", ".join(topics),
    ).submit(when + timedelta(minutes=40))  # fmt: skip
    return _mutation(MutationKind.CALL_REPORT_SUBMIT, report.id, call_report_to_row(report))


def build(url: str) -> ConsoleHub:
    db = HubDb(url)
    db.migrate()
    demo = generate_territory(hcps=36, seed=5, years=0.3, today=TODAY)
    seed_hub(db, reps=3, hcps_per_rep=12, password=PASSWORD, demo=demo)
    for name, role in USERS.items():
        if role != "rep":
            add_user(db, name, PASSWORD, None, role=role)
    set_manager(db, "rep01", "max")
    set_manager(db, "rep02", "max")
    with db.write() as conn:  # every HCP may get e-mail: consent for all, so the journeys plan and send
        h = schema.synced["hcps"]
        conn.execute(h.update().values(email="hcp@example.com", do_not_contact=0))
    app = create_app(url, migrate=False)
    client = TestClient(app, raise_server_exceptions=False)
    hub = ConsoleHub(url, db, client, HubSettings())
    with db.read() as conn:
        aligned = {
            t: [r[0] for r in conn.execute(
                schema.synced["alignments"].select().with_only_columns(schema.synced["alignments"].c.hcp_id)
                .where(schema.synced["alignments"].c.territory_id == t).order_by(schema.synced["alignments"].c.hcp_id)
            )]
            for t in ("T-001", "T-002", "T-003")
        }  # fmt: skip
    _consent_all(db)
    now = datetime.now(UTC)
    for user, territory, device in (("rep01", "T-001", "dev-1"), ("rep02", "T-002", "dev-2")):
        hcps = aligned[territory]
        mutations = [
            _report(hcp, now - timedelta(hours=30 - k), ("efficacy",) if k % 2 else ("clinical_data",), "P1")
            for k, hcp in enumerate(hcps[:8])
        ]
        for k, hcp in enumerate(hcps[:6]):
            kind = ("accepted", "dismissed", "snoozed", "completed", "dismissed", "accepted")[k]
            payload = {
                "id": f"FB-{user}-{k}",
                "hcp_id": hcp,
                "action": "visit" if k % 2 else "email",
                "kind": kind,
                "at": (now - timedelta(days=k)).isoformat(),
                "reason": "wrong_timing" if kind == "dismissed" else None,
                "snooze_until": (TODAY + timedelta(days=7)).isoformat() if kind == "snoozed" else None,
            }
            mutations.append(_mutation(MutationKind.SUGGESTION_FEEDBACK, payload["id"], payload))
        for k in range(3):
            day = TODAY - timedelta(days=k)
            shown = {"day": day.isoformat(), "shown": 20 + k, "top": {"hcp_id": hcps[k], "action": "visit"}}
            mutations.append(_mutation(MutationKind.SUGGESTIONS_SHOWN, f"{day}", shown))
        intake = AdverseEventIntake(
            f"AE-{user}", HcpId(hcps[0]), "Patient reported a rash after the second dose.",
            now - timedelta(hours=30 if user == "rep01" else 2), now - timedelta(hours=1), product_id="P1",
            categories=("adverse_event",) if user == "rep01" else ("product_complaint",), triggers=("rash",),
        )  # fmt: skip
        mutations.append(_mutation(MutationKind.AE_INTAKE, intake.id, intake_to_row(intake)))
        dcr = {"hcp_id": hcps[1], "changes": {"phone": "617-555-0100"}, "note": "new number", "id": f"DCR-{user}"}
        mutations.append(_mutation(MutationKind.DATA_CHANGE_REQUEST, hcps[1], dcr))
        results = _push(client, user, device, mutations)
        assert all(r["status"] == "applied" for r in results), results
    _deliver(db)
    _forward_one(db)
    _publish_model_row(db)
    derived.refresh(db)
    return hub


def _consent_all(db: HubDb) -> None:
    from repcompanion.domain.enums import Channel, ConsentState
    from repcompanion.domain.ids import ConsentId
    from repcompanion.domain.models import Consent
    from repcompanion.domain.rows import consent_to_row
    from repcompanion.hub.db import upsert_rows

    with db.write() as conn:
        ids = [r[0] for r in conn.execute(schema.synced["hcps"].select().with_only_columns(schema.synced["hcps"].c.id))]
        rows = [
            consent_to_row(Consent(ConsentId(f"CN-test-{h}"), HcpId(h), Channel.EMAIL, ConsentState.OPT_IN,
                                   datetime.now(UTC) - timedelta(days=60), "test"))
            for h in ids
        ]  # fmt: skip
        upsert_rows(conn, "consents", rows)


def _deliver(db: HubDb) -> None:
    """Send every due e-mail (one dead-lettered), then open and click some of them."""
    worker = Worker(db, MailSettings())
    with db.read() as conn:
        j = schema.followup_jobs
        jobs = [r[0] for r in conn.execute(j.select().with_only_columns(j.c.id).order_by(j.c.id))]
    doomed = jobs[0] if jobs else ""

    def send(message: Any) -> None:
        if doomed and doomed.replace(":", "-") in str(message["Message-ID"]):
            raise DeliveryError("550 mailbox unavailable", permanent=True)

    now = datetime.now(UTC)
    deliver(worker, send, limit=500, clock=lambda: now)
    with db.write() as conn:
        fu = schema.synced["follow_ups"]
        sent = [r[0] for r in conn.execute(fu.select().with_only_columns(fu.c.id).where(fu.c.status == "sent")
                                           .order_by(fu.c.id))]  # fmt: skip
        for k, job in enumerate(sent):
            if k % 2 == 0:
                apply_engagement(conn, event_id=f"open-{job}", kind="opened", job_id=job, at=now)
            if k % 4 == 0:
                apply_engagement(conn, event_id=f"click-{job}", kind="clicked", job_id=job, at=now)


def _forward_one(db: HubDb) -> None:
    """Forward the product complaint (on time); the adverse event stays unforwarded and becomes overdue."""
    mailbox = PvMailbox(host="127.0.0.1", port=1, to="pv@example.com")
    forward_pending(db, mailbox, send=lambda _m, msg: None if "AE-rep02" in str(msg) else _refuse())


def _refuse() -> None:
    raise OSError("connection refused")


def _publish_model_row(db: HubDb) -> None:
    metrics = {"holdout": {"auc": 0.71, "brier": 0.18}, "history_until": (TODAY - timedelta(days=40)).isoformat(),
               "holdout_days": 28, "examples": 1234, "hcps": 36, "territories": 3, "baseline_version": ""}  # fmt: skip
    with db.write() as conn:
        conn.execute(
            schema.model_versions.insert().values(
                version="propensity-test-1", created_at=datetime.now(UTC).isoformat(), metrics=json.dumps(metrics),
                sha256="0" * 64, signature="", key_id="test", size=1, data=b"x",
            )
        )  # fmt: skip


def default_filters() -> dict[str, str]:
    return {"start": START.isoformat(), "end": TODAY.isoformat()}


__all__ = ["PASSWORD", "START", "TODAY", "USERS", "ConsoleHub", "build", "default_filters"]
