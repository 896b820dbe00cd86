"""The unsubscribe landing page and RFC 8058 one-click unsubscribe, served by the hub.

``GET /unsubscribe?f=<follow-up>&s=<signature>`` shows a page with one button (a GET never changes anything: mail
scanners fetch links); its form, and a mail client's one-click button (``POST`` with the body
``List-Unsubscribe=One-Click``), post to the same address. Either records an ``unsubscribed`` engagement: an e-mail
opt-out for the HCP that reaches the rep on the next sync. Doing it twice records it once. The signature is the
HMAC of the follow-up id with the hub's engagement secret, so the link cannot be forged for another HCP.
"""

from __future__ import annotations

import hmac
import html
import string
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from repcompanion.hub.api.routes import RouteContext
from repcompanion.hub.db import now_text, schema
from repcompanion.hub.db.schema import engagement_seen
from repcompanion.hub.followups import apply_engagement, engagement_secret, unsubscribe_signature
from repcompanion.resources import read_text

PATH = "/unsubscribe"
#: the page carries its own small style sheet and posts only to the hub
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"


def _page(status: int, title: str, content: str) -> HTMLResponse:
    page = string.Template(read_text("hub", "unsubscribe.html")).substitute(title=html.escape(title), content=content)
    return HTMLResponse(page, status, headers={"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-store"})


def _masked(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 2)}@{domain}" if domain else "your address"


def register(app: FastAPI, ctx: RouteContext) -> None:
    def check(job_id: str, signature: str) -> dict[str, Any] | HTMLResponse:
        """The follow-up and its HCP's address, or the page saying why the link does not work."""
        if not job_id or not hmac.compare_digest(signature, unsubscribe_signature(job_id, engagement_secret(ctx.db))):
            return _page(
                400,
                "This unsubscribe link is not valid",
                "<p>The link is incomplete or was changed. Use the link in the e-mail as it arrived, or reply to the "
                'e-mail asking to be removed.</p><p class="small">Nothing was changed.</p>',
            )
        fu, h = schema.synced["follow_ups"], schema.synced["hcps"]
        with ctx.db.read() as conn:
            found = conn.execute(
                select(fu.c.id, fu.c.hcp_id, h.c.email).select_from(fu.outerjoin(h, h.c.id == fu.c.hcp_id))
                .where(fu.c.id == job_id)
            ).first()  # fmt: skip
        if found is None:
            return _page(
                404,
                "This e-mail is no longer known",
                "<p>The message this link came from is not on our system any more. Reply to the e-mail asking to be "
                'removed, and we will do it by hand.</p><p class="small">Nothing was changed.</p>',
            )
        return {"id": found[0], "hcp_id": found[1], "email": found[2] or ""}

    def confirm_page(job_id: str, signature: str) -> HTMLResponse:
        checked = check(job_id, signature)
        if isinstance(checked, HTMLResponse):
            return checked
        action = html.escape(f"{PATH}?f={job_id}&s={signature}", quote=True)
        return _page(
            200,
            "Unsubscribe from these e-mails",
            f"<p>Stop e-mails like this one to <strong>{html.escape(_masked(checked['email']))}</strong>?</p>"
            f'<form method="post" action="{action}"><input type="hidden" name="confirm" value="yes">'
            '<button type="submit">Unsubscribe</button></form>'
            '<p class="small">Your representative is told, and no further promotional e-mail is sent to you.</p>',
        )

    def unsubscribe(job_id: str, signature: str, how: str) -> HTMLResponse:
        checked = check(job_id, signature)
        if isinstance(checked, HTMLResponse):
            return checked
        event_id = f"unsubscribe:{job_id}"
        with ctx.db.write() as conn:
            seen = conn.execute(select(engagement_seen.c.event_id).where(engagement_seen.c.event_id == event_id))
            if seen.first() is None:
                apply_engagement(conn, event_id=event_id, kind="unsubscribed", job_id=job_id, at=datetime.now(UTC))
                conn.execute(engagement_seen.insert().values(event_id=event_id, received_at=now_text(), provider=how))
        return _page(
            200,
            "You are unsubscribed",
            f"<p>No further promotional e-mail will be sent to {html.escape(_masked(checked['email']))}.</p>"
            '<p class="small">Your representative sees this the next time their laptop syncs.</p>',
        )

    @app.get(PATH, response_class=HTMLResponse, tags=["engagement"], include_in_schema=False)
    async def unsubscribe_page(f: str = "", s: str = "") -> HTMLResponse:
        return await anyio.to_thread.run_sync(confirm_page, f, s)

    @app.post(PATH, response_class=HTMLResponse, tags=["engagement"], include_in_schema=False)
    async def unsubscribe_post(request: Request, f: str = "", s: str = "") -> HTMLResponse:
        body = await request.body()
        if "multipart/form-data" in request.headers.get("content-type", ""):  # RFC 8058 allows either encoding
            one_click = b'name="List-Unsubscribe"' in body and b"One-Click" in body
            confirmed = False
        else:
            form = parse_qs(body.decode("utf-8", "replace"))
            one_click = form.get("List-Unsubscribe", [""])[0] == "One-Click"
            confirmed = form.get("confirm", [""])[0] == "yes"
        if not one_click and not confirmed:
            return _page(400, "Nothing was changed", "<p>Use the Unsubscribe button on the page.</p>")
        return await anyio.to_thread.run_sync(unsubscribe, f, s, "one-click" if one_click else "page")
