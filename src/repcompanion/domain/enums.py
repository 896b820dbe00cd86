"""Enumerations of the field's vocabulary: channels, consent, events, actions, statuses."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    IN_PERSON = "in_person"
    EMAIL = "email"
    REMOTE_MEETING = "remote_meeting"
    SMS = "sms"


class ConsentState(StrEnum):
    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"


class Segment(StrEnum):
    """Commercial segment: A (highest value) to D."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class EventType(StrEnum):
    VISIT = "visit"
    REMOTE_CALL = "remote_call"
    EMAIL_SENT = "email_sent"
    EMAIL_OPENED = "email_opened"
    EMAIL_CLICKED = "email_clicked"
    EMAIL_BOUNCED = "email_bounced"
    WEB_VISIT = "web_visit"
    EVENT_INVITED = "event_invited"
    EVENT_ATTENDED = "event_attended"
    SAMPLE_DROP = "sample_drop"
    MSL_VISIT = "msl_visit"


#: Events that count as a contact initiated by the company (for fatigue and caps).
CONTACT_EVENTS = frozenset(
    {
        EventType.VISIT,
        EventType.REMOTE_CALL,
        EventType.EMAIL_SENT,
        EventType.EVENT_INVITED,
        EventType.MSL_VISIT,
    }
)


class ActionType(StrEnum):
    """What a suggestion proposes."""

    VISIT = "visit"
    REMOTE_MEETING = "remote_meeting"
    EMAIL = "email"
    EVENT_INVITE = "event_invite"
    MSL_REFERRAL = "msl_referral"


#: The consent channel each action needs (MSL referral is an in-person medical contact).
ACTION_CHANNEL: dict[ActionType, Channel] = {
    ActionType.VISIT: Channel.IN_PERSON,
    ActionType.REMOTE_MEETING: Channel.REMOTE_MEETING,
    ActionType.EMAIL: Channel.EMAIL,
    ActionType.EVENT_INVITE: Channel.EMAIL,
    ActionType.MSL_REFERRAL: Channel.IN_PERSON,
}
#: The contact event an action becomes once done (and that counts against its frequency cap).
ACTION_EVENT: dict[ActionType, EventType] = {
    ActionType.VISIT: EventType.VISIT,
    ActionType.REMOTE_MEETING: EventType.REMOTE_CALL,
    ActionType.EMAIL: EventType.EMAIL_SENT,
    ActionType.EVENT_INVITE: EventType.EVENT_INVITED,
    ActionType.MSL_REFERRAL: EventType.MSL_VISIT,
}


class CallType(StrEnum):
    IN_PERSON = "in_person"
    REMOTE = "remote"
    PHONE = "phone"
    GROUP = "group"


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class FeedbackKind(StrEnum):
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    SNOOZED = "snoozed"
    COMPLETED = "completed"


class DismissReason(StrEnum):
    NOT_RELEVANT = "not_relevant"
    ALREADY_DONE = "already_done"
    HCP_UNAVAILABLE = "hcp_unavailable"
    WRONG_TIMING = "wrong_timing"
    WRONG_CONTENT = "wrong_content"
    OTHER = "other"


class MutationKind(StrEnum):
    """What an outbox row asks the hub to do."""

    CALL_REPORT_UPSERT = "call_report.upsert"
    CALL_REPORT_SUBMIT = "call_report.submit"
    SUGGESTION_FEEDBACK = "suggestion.feedback"
    SUGGESTIONS_SHOWN = "suggestions.shown"  # the ranked list shown to the rep on a day (its size and top)
    AE_INTAKE = "ae_intake.submit"
    SCREENING_DECISION = "screening.decision"
    DATA_CHANGE_REQUEST = "dcr.submit"
    CONSENT_CAPTURE = "consent.capture"


class MutationStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class FollowUpStatus(StrEnum):
    """Where a digital follow-up is: planned by a journey, delivered, and what the HCP did with it."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED = "bounced"
    FAILED = "failed"  # dead-lettered after retries; the reason says why
    SUPPRESSED = "suppressed"  # a rule (consent, cap, approval) stopped it; the reason says which
    CANCELLED = "cancelled"  # the rep deselected it


class Seriousness(StrEnum):
    NON_SERIOUS = "non_serious"
    SERIOUS = "serious"
    UNKNOWN = "unknown"


class IntakeStatus(StrEnum):
    OPEN = "open"  # being written by the rep
    QUEUED = "queued"  # complete, waiting for sync
    FORWARDED = "forwarded"  # the hub sent it to pharmacovigilance


class ScreeningDecisionKind(StrEnum):
    REPORT = "report"
    NOT_AN_AE = "not_an_ae"


class GeoPrecision(StrEnum):
    ROOFTOP = "rooftop"
    ZIP_CENTROID = "zip_centroid"
    CITY = "city"
    NONE = "none"


class AccountKind(StrEnum):
    HOSPITAL = "hospital"
    CLINIC = "clinic"
    GROUP_PRACTICE = "group_practice"
    PHARMACY = "pharmacy"
    IDN = "idn"
    OTHER = "other"


__all__ = [
    "ACTION_CHANNEL",
    "ACTION_EVENT",
    "CONTACT_EVENTS",
    "AccountKind",
    "ActionType",
    "CallType",
    "Channel",
    "ConsentState",
    "DismissReason",
    "EventType",
    "FeedbackKind",
    "FollowUpStatus",
    "GeoPrecision",
    "IntakeStatus",
    "MutationKind",
    "MutationStatus",
    "ReportStatus",
    "ScreeningDecisionKind",
    "Segment",
    "Seriousness",
]
