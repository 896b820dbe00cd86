"""Delivery: the one claim → send → retry with backoff → dead-letter loop, and SMTP, for every outgoing message."""

from repcompanion.hub.delivery.loop import (
    Attempt,
    Batch,
    Claimed,
    DeliveryError,
    DeliveryReport,
    Failure,
    Outbox,
    RetryPolicy,
    deliver,
    keep_delivering,
    leased,
    locked,
    utc_now,
)
from repcompanion.hub.delivery.mailer import SmtpSender, SmtpServer, connect

__all__ = [
    "Attempt",
    "Batch",
    "Claimed",
    "DeliveryError",
    "DeliveryReport",
    "Failure",
    "Outbox",
    "RetryPolicy",
    "SmtpSender",
    "SmtpServer",
    "connect",
    "deliver",
    "keep_delivering",
    "leased",
    "locked",
    "utc_now",
]
