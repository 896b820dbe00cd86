"""The e-mail of a follow-up job, rendered from its MLR-approved template.

Only the allowed personal fields reach a template ({first_name} {last_name} {credentials}) plus the
{unsubscribe_url}; a template asking for anything else is refused (the job dead-letters with that reason).
"""

from __future__ import annotations

import hashlib
import hmac
import string
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formatdate
from urllib.parse import urlencode

from repcompanion.domain import Content, Hcp
from repcompanion.hub.delivery import DeliveryError

ALLOWED_FIELDS = frozenset({"first_name", "last_name", "credentials", "unsubscribe_url"})


@dataclass(frozen=True)
class MailSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "RepCompanion <no-reply@repcompanion.invalid>"
    unsubscribe_base: str = "https://hub.invalid/unsubscribe"
    timeout_s: float = 10.0


def unsubscribe_url(base: str, job_id: str, secret: str) -> str:
    """``base?f=<job id>&s=<HMAC-SHA256(secret, job id)>``: the landing page posts an ``unsubscribed`` event."""
    sig = hmac.new(secret.encode(), job_id.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{base}?{urlencode({'f': job_id, 's': sig})}"


def _render(template: str, values: dict[str, str], what: str, content_id: str) -> str:
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    bad = sorted(fields - ALLOWED_FIELDS)
    if bad:
        raise DeliveryError(
            f"the approved {what} of content {content_id} uses {', '.join('{' + b + '}' for b in bad)}; only "
            f"{', '.join(sorted(ALLOWED_FIELDS))} may be filled in",
            permanent=True,
            hint="Fix the template in the content library (it needs a new MLR approval).",
        )
    return template.format_map(values)


def render(content: Content, hcp: Hcp, *, job_id: str, settings: MailSettings, secret: str) -> Message:
    """The email of one follow-up job, without its Message-ID (the delivery loop stamps the job's); DeliveryError
    when it may not be sent."""
    if not content.mlr_code:
        raise DeliveryError(f"content {content.id} has no MLR approval code; it cannot be sent", permanent=True)
    if not hcp.email:
        raise DeliveryError(f"HCP {hcp.id} has no email address on file", permanent=True)
    link = unsubscribe_url(settings.unsubscribe_base, job_id, secret)
    values = {
        "first_name": hcp.first_name,
        "last_name": hcp.last_name,
        "credentials": hcp.credentials,
        "unsubscribe_url": link,
    }
    body = _render(content.body or content.title, values, "body", content.id)
    if "{unsubscribe_url}" not in (content.body or ""):
        body += f"\n\nTo stop receiving these emails: {link}"
    # compat32 MIMEText: the modern EmailMessage header machinery costs more than the SMTP round trip
    msg = MIMEText(f"{body}\n\n{content.mlr_code}\n", "plain", "utf-8")
    subject = _render(content.subject or content.title, values, "subject", content.id)
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")  # type: ignore[assignment]
    msg["From"] = settings.sender
    msg["To"] = hcp.email
    msg["Date"] = formatdate(usegmt=True)
    msg["List-Unsubscribe"] = f"<{link}>"
    msg["X-MLR-Code"] = content.mlr_code
    msg["X-RepCompanion-Follow-Up"] = job_id
    return msg
