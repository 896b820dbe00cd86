"""SMTP for the delivery loop: one connection reused across a pass, each failure classified permanent or not."""

from __future__ import annotations

import contextlib
import smtplib
from email.message import Message

from repcompanion.hub.delivery.loop import DeliveryError


class SmtpSender:
    """One SMTP connection reused across a batch (reconnects after an error); failures raise DeliveryError."""

    def __init__(self, host: str, port: int, *, timeout_s: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self._smtp: smtplib.SMTP | None = None

    def send(self, msg: Message) -> None:
        try:
            if self._smtp is None:
                self._smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            self._smtp.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            self.close()
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryError(
                f"the SMTP server refused the message: {exc.smtp_code} {exc.smtp_error!r}", permanent=permanent
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            raise DeliveryError(f"the SMTP server refused the recipient: {exc.recipients}", permanent=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise DeliveryError(
                f"cannot deliver through {self.host}:{self.port}: {exc}",
                hint="Check --smtp-host/--smtp-port and that the mail server is running; the job will be retried.",
            ) from exc

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None
