"""SMTP for the delivery loop: STARTTLS or TLS, SMTP AUTH, one connection reused across a pass, and each failure
classified — refused by the server for this message (permanent) or not delivered now (retried)."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import Message

from repcompanion.hub.delivery.loop import DeliveryError

SECURITY = ("none", "starttls", "tls")
#: 5xx replies about the session (TLS or login required, credentials refused), not about this message: the server
#: or the configuration needs fixing, and the message is kept and retried rather than dead-lettered
SESSION_CODES = frozenset({530, 534, 535, 538})


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand messages over: ``security`` none, starttls (upgrade, usually port 587) or tls
    (TLS from the first byte, port 465); ``username`` logs in with SMTP AUTH (only over TLS)."""

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    username: str = ""
    password: str = field(default="", repr=False)
    ca_file: str = ""
    timeout_s: float = 15.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise DeliveryError(
                f"SMTP security must be one of {', '.join(SECURITY)}, not {self.security!r}.", permanent=True
            )
        if self.username and self.security == "none":
            raise DeliveryError(
                f"Logging in to {self.host}:{self.port} as {self.username} without TLS would send the password in "
                "clear; nothing was sent.",
                permanent=True,
                hint='Set [smtp] security = "starttls" (port 587) or "tls" (port 465).',
            )

    def where(self) -> str:
        tls = {"none": "", "starttls": " (STARTTLS)", "tls": " (TLS)"}[self.security]
        return f"{self.host}:{self.port}{tls}"


def connect(server: SmtpServer) -> smtplib.SMTP:
    """An SMTP session with ``server``, TLS and login done (the caller quits it)."""
    context = ssl.create_default_context(cafile=server.ca_file or None)
    smtp: smtplib.SMTP
    if server.security == "tls":
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout_s, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_s)
    try:
        if server.security == "starttls":
            smtp.starttls(context=context)
        if server.username:
            smtp.login(server.username, server.password)
    except BaseException:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.close()
        raise
    return smtp


def _not_now(server: SmtpServer, exc: BaseException) -> DeliveryError:
    """A failure of the server or the connection, not of this message: retried, never dead-lettered for it."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        what = f"the SMTP server {server.where()} refused the login of {server.username!r}: {exc.smtp_code}"
        hint = "Check [smtp] username and password (or its *_file); the message is kept and retried."
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        what = f"the SMTP server {server.where()} does not offer {'STARTTLS' if 'STARTTLS' in str(exc) else 'AUTH'}"
        hint = "Check [smtp] security and port (587 for STARTTLS, 465 for TLS); the message is kept and retried."
    elif isinstance(exc, ssl.SSLError | ssl.CertificateError):
        what = f"TLS with the SMTP server {server.where()} failed: {exc}"
        hint = "Check the server's certificate, or set [smtp] ca_file to the company CA; the message is retried."
    else:
        what = f"cannot deliver through {server.where()}: {exc or type(exc).__name__}"
        hint = "Check [smtp] host and port and that the mail server is running; the message is kept and retried."
    return DeliveryError(what, session=True, hint=hint)


class SmtpSender:
    """One SMTP connection reused across a batch (reconnects after an error); failures raise DeliveryError."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def send(self, msg: Message) -> None:
        try:
            if self._smtp is None:
                self._smtp = connect(self.server)
            refused = self._smtp.send_message(msg)
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError, ssl.SSLError) as exc:
            self.close()
            raise _not_now(self.server, exc) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            raise DeliveryError(f"the SMTP server refused the recipient: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if exc.smtp_code in SESSION_CODES:
                said = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
                raise DeliveryError(
                    f"the SMTP server {self.server.where()} refused the session: {exc.smtp_code} {said}",
                    session=True,
                    hint="Check [smtp] security, username and password; the message is kept and retried.",
                ) from exc
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryError(
                f"the SMTP server refused the message: {exc.smtp_code} {exc.smtp_error!r}", permanent=permanent
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise _not_now(self.server, exc) from exc
        if refused:
            raise DeliveryError(f"the SMTP server refused the recipient: {refused}", permanent=True)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None


__all__ = ["SECURITY", "SmtpSender", "SmtpServer", "connect"]
