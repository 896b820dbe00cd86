"""Adverse-event intakes: their 24-hour reporting clocks, the report to pharmacovigilance, and its forwarding."""

from repcompanion.hub.safety.clocks import IntakeClock, duration_text, intake_clocks
from repcompanion.hub.safety.forwarding import MAX_RETRY, PvOutbox, backoff, forward_forever, forward_pending
from repcompanion.hub.safety.report import PvMailbox, build_message, message_id, recipients, smtp_send
from repcompanion.hub.safety.review import IntakeReviewError, acknowledge_intake, reforward_intake

__all__ = [
    "MAX_RETRY",
    "IntakeClock",
    "IntakeReviewError",
    "PvMailbox",
    "PvOutbox",
    "acknowledge_intake",
    "backoff",
    "build_message",
    "duration_text",
    "forward_forever",
    "forward_pending",
    "intake_clocks",
    "message_id",
    "recipients",
    "reforward_intake",
    "smtp_send",
]
