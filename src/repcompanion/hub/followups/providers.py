"""Engagement from a mail provider's own webhook: SendGrid's Event Webhook, verified with its documented signature.

SendGrid signs each POST with ECDSA (P-256, SHA-256) over ``timestamp + raw body``: the base64 DER signature is in
``X-Twilio-Email-Event-Webhook-Signature``, the timestamp in ``X-Twilio-Email-Event-Webhook-Timestamp``, and the
public key is the base64 DER (SubjectPublicKeyInfo) "verification key" SendGrid's Mail Settings show. Nothing is
fetched over the network. A body is a JSON array of events; each is matched to its follow-up by the unique argument
``repcompanion_follow_up`` (sent in the ``X-SMTPAPI`` header) or else by ``smtp-id``, the Message-ID the hub gave
the message. Events map to the hub's engagement kinds::

    delivered → delivered      open → opened (not a machine open: Apple Mail Privacy Protection prefetches)
    click → clicked            bounce, dropped → bounced
    spamreport → complained    unsubscribe, group_unsubscribe → unsubscribed
    processed, deferred, group_resubscribe → acknowledged, nothing changes (a resubscription is a consent the
                                             rep captures, not a provider's event)
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from sqlalchemy import Connection, select

from repcompanion.domain.errors import HubError
from repcompanion.hub.db import now_text, schema
from repcompanion.hub.followups.email import FOLLOW_UP_ARG
from repcompanion.hub.followups.engagement import apply_engagement

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
#: a signed request older (or newer) than this is refused: it may be a replay
MAX_SKEW_S = 600
SENDGRID_KINDS: dict[str, str | None] = {
    "delivered": "delivered",
    "open": "opened",
    "click": "clicked",
    "bounce": "bounced",
    "dropped": "bounced",
    "spamreport": "complained",
    "unsubscribe": "unsubscribed",
    "group_unsubscribe": "unsubscribed",
    "processed": None,
    "deferred": None,
    "group_resubscribe": None,
}


class WebhookRefused(HubError):
    """A provider's request the hub does not accept (unsigned, wrong signature, stale, unreadable)."""

    def __init__(self, message: str, *, code: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


@dataclass(frozen=True)
class ProviderEvent:
    """One provider event as the hub reads it: its id, our kind (None: acknowledged only), the follow-up it names
    (by unique argument) or the Message-ID it names, when it happened, and the event as sent."""

    event_id: str
    provider_kind: str
    kind: str | None
    follow_up_id: str
    message_id: str
    at: datetime
    raw: dict[str, Any]


def sendgrid_key(text: str) -> ec.EllipticCurvePublicKey:
    """The verification key as SendGrid shows it (base64 DER), or PEM."""
    try:
        body = "".join(line for line in text.strip().splitlines() if not line.startswith("-----"))
        key = load_der_public_key(base64.b64decode(body, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise WebhookRefused(
            "The configured SendGrid verification key cannot be read.",
            code="misconfigured",
            hint="Copy the key from SendGrid's Signed Event Webhook settings into [webhooks] sendgrid_public_key.",
        ) from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise WebhookRefused("The configured SendGrid verification key is not an ECDSA key.", code="misconfigured")
    return key


def verify_sendgrid(
    key: ec.EllipticCurvePublicKey, body: bytes, signature: str, timestamp: str, *, now: float | None = None
) -> None:
    """Raise WebhookRefused unless ``signature`` is SendGrid's ECDSA signature of ``timestamp + body``."""
    if not signature or not timestamp:
        raise WebhookRefused(
            f"The request has no {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header; nothing was applied.",
            code="unsigned",
            hint="Turn on the Signed Event Webhook in SendGrid's Mail Settings.",
        )
    try:
        key.verify(base64.b64decode(signature, validate=True), timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error) as exc:
        raise WebhookRefused(
            "The SendGrid signature does not match the request; nothing was applied.",
            code="bad_signature",
            hint="Check that [webhooks] sendgrid_public_key is this SendGrid account's verification key.",
        ) from exc
    if not timestamp.strip().isdigit() or abs((time.time() if now is None else now) - int(timestamp)) > MAX_SKEW_S:
        raise WebhookRefused(
            f"The SendGrid request is signed at {timestamp}, more than {MAX_SKEW_S} s from the hub's clock; it may be "
            "a replay and was not applied.",
            code="stale",
            hint="Check the hub's clock (NTP).",
        )


def sendgrid_events(payload: Any) -> list[ProviderEvent]:
    """The events of a verified SendGrid body (a JSON array); an unreadable one raises WebhookRefused."""
    if not isinstance(payload, list):
        raise WebhookRefused("A SendGrid Event Webhook body is a JSON array of events.", code="invalid_request")
    events = []
    for raw in payload:
        if not isinstance(raw, dict) or not raw.get("event") or not raw.get("sg_event_id"):
            raise WebhookRefused(
                f"A SendGrid event has no 'event' or 'sg_event_id': {str(raw)[:120]}", code="invalid_request"
            )
        kind_name = str(raw["event"])
        kind = SENDGRID_KINDS.get(kind_name)
        if kind == "opened" and raw.get("sg_machine_open"):
            kind = None  # a mail client's privacy proxy fetched it, not a reader
        stamp = raw.get("timestamp")
        at = datetime.fromtimestamp(int(stamp), UTC) if isinstance(stamp, int | float | str) and str(stamp).isdigit() \
            else datetime.now(UTC)  # fmt: skip
        unique = raw.get(FOLLOW_UP_ARG) or (raw.get("unique_args") or {}).get(FOLLOW_UP_ARG, "")
        events.append(
            ProviderEvent(
                event_id=f"sendgrid:{raw['sg_event_id']}",
                provider_kind=kind_name,
                kind=kind,
                follow_up_id=str(unique or ""),
                message_id=str(raw.get("smtp-id") or ""),
                at=at,
                raw=raw,
            )
        )
    return events


@dataclass
class ProviderResult:
    """What became of a provider's events: applied, already received, acknowledged without change, and those
    whose message the hub does not know (kept in ``engagement_unmatched`` with the reason, never dropped)."""

    applied: list[str]
    duplicates: list[str]
    acknowledged: list[str]
    unknown: list[dict[str, str]]

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _follow_up_of(conn: Connection, event: ProviderEvent) -> str | None:
    fu, j = schema.synced["follow_ups"], schema.followup_jobs
    if event.follow_up_id and conn.execute(select(fu.c.id).where(fu.c.id == event.follow_up_id)).first():
        return event.follow_up_id
    if event.message_id:
        mid = event.message_id.strip()
        mid = mid if mid.startswith("<") else f"<{mid}>"
        found = conn.execute(select(j.c.id).where(j.c.message_id == mid)).first()
        if found is not None:
            return str(found[0])
    return None


def apply_provider_events(conn: Connection, provider: str, events: list[ProviderEvent]) -> ProviderResult:
    """Apply each event once (its id is remembered); in the caller's transaction."""
    seen, unmatched = schema.engagement_seen, schema.engagement_unmatched
    result = ProviderResult([], [], [], [])
    for event in events:
        if conn.execute(select(seen.c.event_id).where(seen.c.event_id == event.event_id)).first() is not None:
            result.duplicates.append(event.event_id)
            continue
        job_id = _follow_up_of(conn, event)
        if job_id is None:
            named = event.follow_up_id or event.message_id or "(no message id)"
            reason = (
                f"no follow-up on this hub has the message id {named}; the {event.provider_kind} event was kept, "
                "not applied"
            )
            if conn.execute(select(unmatched.c.event_id).where(unmatched.c.event_id == event.event_id)).first() is None:
                conn.execute(
                    unmatched.insert().values(
                        event_id=event.event_id,
                        provider=provider,
                        kind=event.provider_kind,
                        message_id=event.message_id or event.follow_up_id,
                        reason=reason,
                        payload=json.dumps(event.raw, sort_keys=True),
                        received_at=now_text(),
                    )
                )
            result.unknown.append({"event_id": event.event_id, "message": reason})
            continue
        if event.kind is None:
            result.acknowledged.append(event.event_id)
        else:
            apply_engagement(conn, event_id=event.event_id, kind=event.kind, job_id=job_id, at=event.at)
            result.applied.append(event.event_id)
        conn.execute(seen.insert().values(event_id=event.event_id, received_at=now_text(), provider=provider))
    return result


__all__ = [
    "MAX_SKEW_S",
    "SENDGRID_KINDS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "ProviderEvent",
    "ProviderResult",
    "WebhookRefused",
    "apply_provider_events",
    "sendgrid_events",
    "sendgrid_key",
    "verify_sendgrid",
]
