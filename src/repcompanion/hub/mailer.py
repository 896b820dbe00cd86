"""Render an approved email from its MLR-approved template and deliver it over SMTP.

Only the allowed personal fields reach a template ({first_name} {last_name} {credentials}) plus the
{unsubscribe_url}; a template asking for anything else is refused (the job dead-letters with that reason).
Every message carries the job's Message-ID, so a resend after a crash is the same message.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import smtplib
import string
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formatdate
from urllib.parse import urlencode

from repcompanion.domain import Content, Hcp
from repcompanion.domain.errors import HubError

ALLOWED_FIELDS = frozenset({"first_name", "last_name", "credentials", "unsubscribe_url"})


class MailError(HubError):
    """A message cannot be rendered or delivered. ``permanent``: retrying will not help (dead-letter now)."""

    def __init__(self, message: str, *, permanent: bool = False, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.permanent = permanent


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
        raise MailError(
            f"the approved {what} of content {content_id} uses {', '.join('{' + b + '}' for b in bad)}; only "
            f"{', '.join(sorted(ALLOWED_FIELDS))} may be filled in",
            permanent=True,
            hint="Fix the template in the content library (it needs a new MLR approval).",
        )
    return template.format_map(values)


def render(content: Content, hcp: Hcp, *, job_id: str, message_id: str, settings: MailSettings, secret: str) -> Message:
    """The email of one follow-up job (raises MailError when it may not be sent)."""
    if not content.mlr_code:
        raise MailError(f"content {content.id} has no MLR approval code; it cannot be sent", permanent=True)
    if not hcp.email:
        raise MailError(f"HCP {hcp.id} has no email address on file", permanent=True)
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
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    msg["From"] = settings.sender
    msg["To"] = hcp.email
    msg["Message-ID"] = message_id
    msg["Date"] = formatdate(usegmt=True)
    msg["List-Unsubscribe"] = f"<{link}>"
    msg["X-MLR-Code"] = content.mlr_code
    msg["X-RepCompanion-Follow-Up"] = job_id
    return msg


class SmtpSender:
    """One SMTP connection reused across a batch (reconnects after an error)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, msg: Message) -> None:
        try:
            if self._smtp is None:
                self._smtp = smtplib.SMTP(self.settings.host, self.settings.port, timeout=self.settings.timeout_s)
            self._smtp.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            self.close()
            permanent = 500 <= exc.smtp_code < 600
            raise MailError(
                f"the SMTP server refused the message: {exc.smtp_code} {exc.smtp_error!r}", permanent=permanent
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            raise MailError(f"the SMTP server refused the recipient: {exc.recipients}", permanent=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise MailError(
                f"cannot deliver through {self.settings.host}:{self.settings.port}: {exc}",
                hint="Check --smtp-host/--smtp-port and that the mail server is running; the job will be retried.",
            ) from exc

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None
