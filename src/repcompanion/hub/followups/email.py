"""The e-mail of a follow-up job, rendered from its MLR-approved template as an approved-email system sends it.

The message is ``multipart/alternative`` — the approved text body and the approved HTML body (or, when the content
has only a text body, that text laid out as HTML: nothing is reworded) — inside ``multipart/mixed`` when the
content has an approved file attachment. Only the allowed personal fields reach a template ({first_name}
{last_name} {credentials}), plus {unsubscribe_url} and {link} (the approved landing page); a template asking for
anything else is refused (the job dead-letters with that reason), and so is withdrawn or expired content.

Unsubscribing: ``List-Unsubscribe`` carries the hub's unsubscribe page (signed with the hub's engagement secret)
and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), so a mail client's unsubscribe button posts
to the hub, which records an e-mail opt-out that reaches the rep on the next sync. RFC 8058 also asks for a DKIM
signature covering both headers: the outgoing mail server (or the provider) signs.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import mimetypes
import re
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlencode

from repcompanion.domain import TEMPLATE_FIELDS, Content, Hcp
from repcompanion.hub.delivery import DeliveryError, SmtpServer
from repcompanion.resources import read_text

ALLOWED_FIELDS = TEMPLATE_FIELDS
#: header SendGrid reads on SMTP relay; its ``unique_args`` come back in every Event Webhook event
SENDGRID_HEADER = "X-SMTPAPI"
FOLLOW_UP_ARG = "repcompanion_follow_up"
_URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class MailSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "RepCompanion <no-reply@repcompanion.invalid>"
    unsubscribe_base: str = "https://hub.invalid/unsubscribe"
    timeout_s: float = 10.0
    #: none, starttls or tls; SMTP AUTH with ``username`` (only over TLS)
    security: str = "none"
    username: str = ""
    password: str = field(default="", repr=False)
    ca_file: str = ""
    #: mark each message for SendGrid's Event Webhook (its follow-up id as a unique argument)
    sendgrid: bool = False

    def server(self) -> SmtpServer:
        return SmtpServer(
            self.host, self.port, self.security, self.username, self.password, self.ca_file, self.timeout_s
        )


def unsubscribe_signature(job_id: str, secret: str) -> str:
    return hmac.new(secret.encode(), job_id.encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_url(base: str, job_id: str, secret: str) -> str:
    """``base?f=<job id>&s=<HMAC-SHA256(secret, job id)>``: the hub's page (GET) and one-click target (POST)."""
    return f"{base}?{urlencode({'f': job_id, 's': unsubscribe_signature(job_id, secret)})}"


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}


def _render(template: str, values: dict[str, str], what: str, content_id: str) -> str:
    try:
        bad = sorted(_fields(template) - ALLOWED_FIELDS)
    except ValueError as exc:  # an unbalanced brace
        raise DeliveryError(
            f"the approved {what} of content {content_id} is not a valid template: {exc}", permanent=True
        ) from exc
    if bad:
        raise DeliveryError(
            f"the approved {what} of content {content_id} uses {', '.join('{' + b + '}' for b in bad)}; only "
            f"{', '.join(sorted(ALLOWED_FIELDS))} may be filled in",
            permanent=True,
            hint="Fix the template in the content library (it needs a new MLR approval).",
        )
    return template.format_map(values)


def _check_sendable(content: Content, hcp: Hcp, today: datetime) -> None:
    if not content.mlr_code:
        raise DeliveryError(f"content {content.id} has no MLR approval code; it cannot be sent", permanent=True)
    if content.withdrawn_at is not None:
        why = f": {content.withdrawn_reason}" if content.withdrawn_reason else ""
        raise DeliveryError(
            f"content {content.id} was withdrawn on {content.withdrawn_at.date()}{why}; it is never sent again",
            permanent=True,
        )
    if not content.valid_from <= today.date() <= content.valid_to:
        raise DeliveryError(
            f"content {content.id} is approved from {content.valid_from} to {content.valid_to}, not on "
            f"{today.date()}; it was not sent",
            permanent=True,
        )
    if not hcp.email:
        raise DeliveryError(f"HCP {hcp.id} has no email address on file", permanent=True)


def _text_as_html(text: str) -> str:
    """Plain text laid out as HTML: escaped, paragraphs kept, URLs made links; no word changed."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]

    def linked(part: str) -> str:
        out, last = [], 0
        for m in _URL.finditer(part):
            out.append(html.escape(part[last : m.start()]))
            url = html.escape(m.group(0), quote=True)
            out.append(f'<a href="{url}" style="color:#1f5fbf;">{url}</a>')
            last = m.end()
        out.append(html.escape(part[last:]))
        return "".join(out).replace("\n", "<br>\n")

    return "\n".join(f'<p style="margin:0 0 14px 0;">{linked(p)}</p>' for p in paragraphs)


def _attachment(content: Content) -> MIMEApplication | None:
    """The approved file, when the attachment is a file the hub holds (a URL is linked in the body instead)."""
    if not content.attachment or _URL.fullmatch(content.attachment):
        return None
    path = Path(content.attachment).expanduser()
    if not path.is_file():
        raise DeliveryError(
            f"the approved attachment {content.attachment} of content {content.id} is not on the hub",
            permanent=True,
            hint="Put the file where the content library names it, or correct the content's attachment.",
        )
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    part = MIMEApplication(path.read_bytes(), _subtype=kind.split("/", 1)[1])
    part.replace_header("Content-Type", f'{kind}; name="{path.name}"')
    part.add_header("Content-Disposition", "attachment", filename=path.name)
    return part


def render(
    content: Content,
    hcp: Hcp,
    *,
    job_id: str,
    settings: MailSettings,
    secret: str,
    now: datetime | None = None,
) -> MIMEMultipart:
    """The email of one follow-up job, without its Message-ID (the delivery loop stamps the job's); DeliveryError
    when it may not be sent."""
    _check_sendable(content, hcp, now or datetime.now(UTC))
    unsubscribe = unsubscribe_url(settings.unsubscribe_base, job_id, secret)
    values = {
        "first_name": hcp.first_name,
        "last_name": hcp.last_name,
        "credentials": hcp.credentials,
        "unsubscribe_url": unsubscribe,
        "link": content.link,
    }
    text_template = content.body or content.title
    text = _render(text_template, values, "body", content.id)
    extras = []
    if content.link and "{link}" not in text_template:
        extras.append(f"Read more: {content.link}")
    if content.attachment and _URL.fullmatch(content.attachment):
        extras.append(f"Attachment: {content.attachment}")
    text = "\n\n".join([text, *extras])
    if "{unsubscribe_url}" not in text_template:
        text += f"\n\nTo stop receiving these emails: {unsubscribe}"
    plain = MIMEText(f"{text}\n\n{content.mlr_code}\n", "plain", "utf-8")

    if content.html_body:
        escaped = {k: html.escape(v, quote=True) for k, v in values.items()}
        body_html = _render(content.html_body, escaped, "HTML body", content.id)
        unsubscribed_in_body = "{unsubscribe_url}" in content.html_body
    else:
        body_html = _text_as_html(text)
        unsubscribed_in_body = True  # the text above already carries it
    footer = [html.escape(content.mlr_code)]
    if not unsubscribed_in_body:
        link = html.escape(unsubscribe, quote=True)
        footer.insert(0, f'To stop receiving these emails, <a href="{link}" style="color:#5b6475;">unsubscribe</a>.')
    subject = _render(content.subject or content.title, values, "subject", content.id)
    layout = string.Template(read_text("email", "layout.html"))
    page = layout.substitute(subject=html.escape(subject), body=body_html, footer="<br>\n".join(footer))
    alternative = MIMEMultipart("alternative")
    alternative.attach(plain)
    alternative.attach(MIMEText(page, "html", "utf-8"))

    attached = _attachment(content)
    msg = alternative
    if attached is not None:
        msg = MIMEMultipart("mixed")
        msg.attach(alternative)
        msg.attach(attached)
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    msg["From"] = settings.sender
    msg["To"] = hcp.email
    msg["Date"] = formatdate(usegmt=True)
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["X-MLR-Code"] = content.mlr_code
    msg["X-RepCompanion-Follow-Up"] = job_id
    if settings.sendgrid:
        msg[SENDGRID_HEADER] = json.dumps({"unique_args": {FOLLOW_UP_ARG: job_id}})
    return msg
