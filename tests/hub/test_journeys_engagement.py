"""POST /v1/engagement: signed events become synced engagement; unsigned, forged, stale or replayed ones do not."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from repcompanion.hub.api.routes.engagement import SIGNATURE_HEADER, sign
from repcompanion.hub.db import schema
from repcompanion.hub.db.schema import followup_jobs
from repcompanion.hub.followups import JOURNEYS, engagement_secret
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.hub.conftest import Hub, Rep


def _scheduled(hub: Hub) -> tuple[Rep, dict[str, Any]]:
    JOURNEYS.use(None)
    rep = hub.rep()
    rep.push([rep.report(h) for h in hub.hcps_of(rep.territory_id)])
    with hub.db.read() as conn:
        job = conn.execute(select(followup_jobs).order_by(followup_jobs.c.id)).mappings().first()
    assert job is not None
    return rep, dict(job)


def _post(hub: Hub, payload: dict[str, Any], signature: str | None = None) -> Any:
    body = json.dumps(payload).encode()
    headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Content-Type": "application/json"}
    if signature != "":
        headers[SIGNATURE_HEADER] = signature or sign(body, engagement_secret(hub.db))
    return hub.client.post("/v1/engagement", content=body, headers=headers)


def _event(job_id: str, kind: str, event_id: str, timestamp: float | None = None) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": kind,
        "follow_up_id": job_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "timestamp": int(timestamp if timestamp is not None else time.time()),
    }


def _events(hub: Hub) -> int:
    with hub.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.synced["events"])).scalar_one())


def test_unsigned_forged_stale_and_replayed_events_are_refused_and_change_nothing(hub: Hub) -> None:
    _, job = _scheduled(hub)
    before = _events(hub)
    cases = [
        (_post(hub, _event(job["id"], "opened", "e1"), signature=""), 401, "unsigned"),
        (_post(hub, _event(job["id"], "opened", "e1"), signature="sha256=" + "0" * 64), 401, "bad_signature"),
        (_post(hub, _event(job["id"], "opened", "e1", time.time() - 3600)), 401, "stale"),
    ]
    for reply, status, error in cases:
        assert reply.status_code == status, reply.text
        assert reply.json()["error"] == error and reply.json()["message"]
    assert _events(hub) == before

    assert _post(hub, _event(job["id"], "opened", "e1")).status_code == 200
    replay = _post(hub, _event(job["id"], "opened", "e1"))
    assert replay.status_code == 409 and replay.json()["error"] == "replayed"
    assert _events(hub) == before + 1


def test_an_open_and_an_unsubscribe_flow_down_to_the_rep(hub: Hub) -> None:
    rep, job = _scheduled(hub)
    _, first = rep.pull_all()
    cursor = first["next_cursor"]
    assert _post(hub, _event(job["id"], "opened", "open-1")).json()["follow_up_status"] == "opened"
    unsub = _post(hub, _event(job["id"], "unsubscribed", "unsub-1"))
    assert unsub.status_code == 200 and unsub.json()["consent_id"]

    changes, _ = rep.pull_all(cursor)
    rows = {(c["table"], c["id"]): c["row"] for c in changes}
    opened = rows[("events", "EN-open-1")]
    assert opened["type"] == "email_opened" and opened["content_id"] == job["content_id"] and opened["topics"]
    consent = rows[("consents", unsub.json()["consent_id"])]
    assert (consent["hcp_id"], consent["channel"], consent["state"]) == (job["hcp_id"], "email", "opt_out")
    assert rows[("follow_ups", job["id"])]["status"] == "opened"

    again = rep.push([rep.report(job["hcp_id"])])
    assert again[0]["status"] == "applied"
    fu = schema.synced["follow_ups"]
    with hub.db.read() as conn:
        reasons = [r[0] for r in conn.execute(select(fu.c.reason).where(fu.c.status == "suppressed"))]
    assert any("email opt-out" in r for r in reasons)


def test_an_event_for_an_unknown_follow_up_is_404(hub: Hub) -> None:
    reply = _post(hub, _event("FU-nope", "clicked", "e9"))
    assert reply.status_code == 404 and reply.json()["error"] == "not_found"


def test_the_email_service_needs_no_app_protocol_header(hub) -> None:
    """The webhook is the email service's, not the app's: it is authenticated by its signature alone."""
    reply = hub.client.post("/v1/engagement", content=b"{}", headers={"Content-Type": "application/json"})
    assert reply.status_code != 426
    assert reply.status_code == 401  # unsigned: refused by the signature check, not by the protocol gate
