"""Engagement webhooks: `POST /v1/engagement` (the hub's own signed format) and `POST /v1/engagement/sendgrid`
(SendGrid's Event Webhook with its ECDSA signature, see ``followups.providers``).

`POST /v1/engagement`: the email service reports opened / clicked / bounced / unsubscribed / attended, signed.

The body is JSON ``{"event_id", "type", "follow_up_id", "occurred_at", "timestamp"}``; the header
``X-RepCompanion-Signature: sha256=<hex>`` is HMAC-SHA256 of the raw body with the shared secret
(the hub's own, kept in its database: `repcompanion-hub followups secret`). A timestamp
more than ``MAX_SKEW_S`` away from the hub's clock is refused (401), and so is an event id seen before
(409): a captured request cannot be replayed. Each event becomes a synced engagement event, moves the
follow-up's status, and an unsubscribe is an email opt-out at once — all reach the rep on the next pull.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from repcompanion.hub.api.middleware import error_response as _error
from repcompanion.hub.api.routes import RouteContext
from repcompanion.hub.db import now_text
from repcompanion.hub.db.schema import engagement_seen
from repcompanion.hub.followups import (
    ENGAGEMENT_TYPES,
    WebhookRefused,
    apply_engagement,
    apply_provider_events,
    engagement_secret,
    sendgrid_events,
    sendgrid_key,
    verify_sendgrid,
)
from repcompanion.hub.followups.providers import SIGNATURE_HEADER as SENDGRID_SIGNATURE
from repcompanion.hub.followups.providers import TIMESTAMP_HEADER as SENDGRID_TIMESTAMP
from repcompanion.protocol.models import ErrorBody

log = logging.getLogger("repcompanion.hub.engagement")

SIGNATURE_HEADER = "X-RepCompanion-Signature"
MAX_SKEW_S = 300


class EngagementIn(BaseModel):
    event_id: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._:|@-]+$")
    type: str
    follow_up_id: str = Field(min_length=1, max_length=128)
    occurred_at: datetime
    timestamp: int


class EngagementReply(BaseModel):
    status: str
    follow_up_status: str
    event_ids: list[str]
    consent_id: str | None = None
    planned: list[str] = []


def sign(body: bytes, secret: str) -> str:
    """The signature header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def register(app: FastAPI, ctx: RouteContext) -> None:
    secret_box: list[str] = []

    def secret() -> str:
        if not secret_box:
            secret_box.append(engagement_secret(ctx.db))
        return secret_box[0]

    def apply(event: EngagementIn) -> JSONResponse | EngagementReply:
        at = event.occurred_at if event.occurred_at.tzinfo else event.occurred_at.replace(tzinfo=UTC)
        with ctx.db.write() as conn:
            seen = conn.execute(
                select(engagement_seen.c.event_id).where(engagement_seen.c.event_id == event.event_id)
            ).first()
            if seen is not None:
                message = f"Engagement event {event.event_id} was already received; it was not applied again."
                return _error(409, "replayed", message)
            try:
                result = apply_engagement(
                    conn, event_id=event.event_id, kind=event.type, job_id=event.follow_up_id, at=at
                )
            except LookupError:
                return _error(404, "not_found", f"There is no follow-up {event.follow_up_id} on this hub.")
            conn.execute(
                engagement_seen.insert().values(event_id=event.event_id, received_at=now_text(), provider="signed")
            )
        return EngagementReply(
            status="applied",
            follow_up_status=result.follow_up_status,
            event_ids=list(result.event_ids),
            consent_id=result.consent_id,
            planned=list(result.planned),
        )

    errors = {
        **ctx.errors,
        401: {"model": ErrorBody, "description": "missing or wrong signature, or a stale timestamp"},
        404: {"model": ErrorBody, "description": "unknown follow-up"},
        409: {"model": ErrorBody, "description": "this event id was already received (replay)"},
    }

    @app.post("/v1/engagement", response_model=EngagementReply, responses=errors, tags=["engagement"])
    async def engagement(request: Request) -> Any:
        body = await request.body()
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not given:
            return _error(401, "unsigned", f"The request has no {SIGNATURE_HEADER} header.", "Sign the raw body.")
        if not hmac.compare_digest(given, sign(body, secret())):
            return _error(
                401, "bad_signature", "The signature does not match the body.", "Check the shared engagement secret."
            )
        try:
            event = EngagementIn.model_validate(json.loads(body))
        except (ValueError, ValidationError) as exc:
            return _error(422, "invalid_request", f"The engagement event could not be read: {exc}".splitlines()[0])
        if event.type not in ENGAGEMENT_TYPES:
            kinds = ", ".join(ENGAGEMENT_TYPES)
            return _error(422, "invalid_request", f"Unknown engagement type {event.type!r}; use {kinds}.")
        if abs(time.time() - event.timestamp) > MAX_SKEW_S:
            return _error(
                401,
                "stale",
                f"The event's timestamp is more than {MAX_SKEW_S} s away from the hub's clock; it may be a replay.",
                "Send events as they happen, with the current time in 'timestamp'.",
            )
        return await anyio.to_thread.run_sync(apply, event)

    def apply_sendgrid(body: bytes) -> JSONResponse:
        events = sendgrid_events(json.loads(body))
        with ctx.db.write() as conn:
            result = apply_provider_events(conn, "sendgrid", events)
        for unknown in result.unknown:
            log.warning("SendGrid event %s: %s", unknown["event_id"], unknown["message"])
        return JSONResponse({"status": "received", **result.to_json()})

    @app.post("/v1/engagement/sendgrid", responses=errors, tags=["engagement"])
    async def sendgrid(request: Request) -> Any:
        """SendGrid's Event Webhook (a JSON array of events), signed with SendGrid's ECDSA key. Events whose
        message the hub does not know are kept (``unknown`` in the reply) and answered 200, so SendGrid does not
        resend them for a day; a wrong signature is 401 and nothing is applied."""
        if not ctx.settings.sendgrid_public_key:
            return _error(
                404,
                "not_configured",
                "This hub takes no SendGrid events: no verification key is configured.",
                "Set [webhooks] sendgrid_public_key (REPCOMPANION_HUB_WEBHOOKS_SENDGRID_PUBLIC_KEY).",
            )
        body = await request.body()
        try:
            verify_sendgrid(
                sendgrid_key(ctx.settings.sendgrid_public_key),
                body,
                request.headers.get(SENDGRID_SIGNATURE, ""),
                request.headers.get(SENDGRID_TIMESTAMP, ""),
            )
            return await anyio.to_thread.run_sync(apply_sendgrid, body)
        except WebhookRefused as exc:
            status = 500 if exc.code == "misconfigured" else 422 if exc.code == "invalid_request" else 401
            return _error(status, exc.code, exc.message, exc.hint or "")
        except ValueError as exc:
            return _error(422, "invalid_request", f"The SendGrid events could not be read: {exc}".splitlines()[0])
