"""Domain records: plain, immutable dataclasses with no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from repcompanion.domain.enums import (
    AccountKind,
    ActionType,
    CallType,
    Channel,
    ConsentState,
    DismissReason,
    EventType,
    FeedbackKind,
    FollowUpStatus,
    GeoPrecision,
    IntakeStatus,
    MutationKind,
    MutationStatus,
    ReportStatus,
    ScreeningDecisionKind,
    Segment,
    Seriousness,
)
from repcompanion.domain.errors import ImmutableRecordError, ValidationError
from repcompanion.domain.ids import (
    AccountId,
    CallPlanId,
    CallReportId,
    ConsentId,
    ContentId,
    DeviceId,
    EventId,
    FeedbackId,
    HcpId,
    IntakeId,
    MutationId,
    ProductId,
    SuggestionId,
    TerritoryId,
)

AE_REPORTING_WINDOW = timedelta(hours=24)
#: What an approved e-mail template may fill in ({first_name} ...); anything else is refused when content is loaded.
TEMPLATE_FIELDS = frozenset({"first_name", "last_name", "credentials", "unsubscribe_url", "link"})


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    state: str
    zip: str
    line2: str = ""
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: GeoPrecision = GeoPrecision.NONE

    @property
    def town(self) -> str:
        return f"{self.city}, {self.state}"


@dataclass(frozen=True, slots=True)
class Affiliation:
    account_id: AccountId
    role: str = "staff"
    primary: bool = False


@dataclass(frozen=True, slots=True)
class Hcp:
    """A healthcare professional in a territory."""

    id: HcpId
    npi: str | None
    first_name: str
    last_name: str
    credentials: str
    specialty_code: str
    specialty_label: str
    segment: Segment
    decile: int
    address: Address
    preferred_channel: Channel = Channel.IN_PERSON
    do_not_contact: bool = False
    target: bool = True
    planned_visits: int = 0
    affiliations: tuple[Affiliation, ...] = ()
    phone: str = ""
    email: str = ""
    middle_name: str = ""
    active: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.decile <= 10:
            raise ValidationError(f"decile must be 0..10, got {self.decile} for HCP {self.id}")

    @property
    def display_name(self) -> str:
        cred = f", {self.credentials}" if self.credentials else ""
        return f"{self.first_name} {self.last_name}{cred}"


@dataclass(frozen=True, slots=True)
class Account:
    """An institution: hospital, clinic, group practice."""

    id: AccountId
    name: str
    kind: AccountKind
    address: Address
    npi: str | None = None
    parent_id: AccountId | None = None


@dataclass(frozen=True, slots=True)
class Territory:
    id: TerritoryId
    name: str
    region: str = ""
    state: str = ""


@dataclass(frozen=True, slots=True)
class Alignment:
    """An HCP belongs to a territory (HCPs may be in several; a rep has one territory)."""

    territory_id: TerritoryId
    hcp_id: HcpId


@dataclass(frozen=True, slots=True)
class Product:
    id: ProductId
    name: str
    generic_name: str
    therapeutic_area: str
    sample_limit_per_visit: int = 0


@dataclass(frozen=True, slots=True)
class Content:
    """A medical-legal-regulatory (MLR) approved content item."""

    id: ContentId
    title: str
    product_id: ProductId
    topics: tuple[str, ...]
    channel: Channel
    mlr_code: str
    valid_from: date
    valid_to: date
    audience_specialties: tuple[str, ...] = ()
    subject: str = ""
    body: str = ""  # the approved plain-text body (a template: {first_name}, {last_name}, {credentials}...)
    html_body: str = ""  # the approved HTML body, the same template fields
    link: str = ""  # an approved landing page the item points to
    attachment: str = ""  # an approved file sent with it (path or URL, as the MLR system names it)
    withdrawn_at: datetime | None = None  # withdrawn by the company: never shown or sent again
    withdrawn_reason: str = ""

    def is_valid_on(self, day: date) -> bool:
        return bool(self.mlr_code) and self.withdrawn_at is None and self.valid_from <= day <= self.valid_to

    def is_for_specialty(self, specialty_code: str) -> bool:
        return not self.audience_specialties or specialty_code in self.audience_specialties


@dataclass(frozen=True, slots=True)
class Consent:
    """One consent record for one channel; the newest record per channel wins, expiry ends it."""

    id: ConsentId
    hcp_id: HcpId
    channel: Channel
    state: ConsentState
    captured_at: datetime
    source: str  # where it came from: the company's consent system, a web form, "rep: in person (signed)"...
    expires_at: datetime | None = None
    proof: str = ""  # what documents it: a form reference, a recording id, the HCP's typed name

    def allows(self, at: datetime) -> bool:
        if self.state is not ConsentState.OPT_IN:
            return False
        return self.expires_at is None or at < self.expires_at


def effective_consent(consents: list[Consent], channel: Channel, at: datetime) -> Consent | None:
    """The record that governs ``channel`` at ``at``: the latest captured; an opt-out wins a tie."""
    best: Consent | None = None
    for c in consents:
        if c.channel is not channel or c.captured_at > at:
            continue
        if (
            best is None
            or c.captured_at > best.captured_at
            or (c.captured_at == best.captured_at and c.state is ConsentState.OPT_OUT)
        ):
            best = c
    return best


@dataclass(frozen=True, slots=True)
class EngagementEvent:
    id: EventId
    hcp_id: HcpId
    type: EventType
    occurred_at: datetime
    channel: Channel | None = None
    product_id: ProductId | None = None
    content_id: ContentId | None = None
    topics: tuple[str, ...] = ()
    quantity: int = 0
    source: str = "crm"


@dataclass(frozen=True, slots=True)
class CallPlan:
    """How many visits the rep plans for an HCP in a period (usually a quarter)."""

    id: CallPlanId
    territory_id: TerritoryId
    hcp_id: HcpId
    period_start: date
    period_end: date
    planned_visits: int


@dataclass(frozen=True, slots=True)
class SampleDrop:
    product_id: ProductId
    lot: str
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValidationError(f"sample quantity must be positive, got {self.quantity}")
        if not self.lot.strip():
            raise ValidationError("a sample drop needs its lot number")


@dataclass(frozen=True, slots=True)
class CallReport:
    """A visit note. Its id is a client-generated UUIDv7; once submitted it never changes."""

    id: CallReportId
    hcp_id: HcpId
    started_at: datetime
    call_type: CallType
    status: ReportStatus = ReportStatus.DRAFT
    attendees: tuple[str, ...] = ()
    products: tuple[ProductId, ...] = ()
    topics: tuple[str, ...] = ()
    content_shown: tuple[ContentId, ...] = ()
    samples: tuple[SampleDrop, ...] = ()
    notes: str = ""
    follow_up_requests: tuple[str, ...] = ()
    duration_min: int = 20
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    device_id: DeviceId | None = None

    @property
    def submitted(self) -> bool:
        return self.status is ReportStatus.SUBMITTED

    def edited(self, **changes: Any) -> CallReport:
        """A copy with ``changes``; a submitted report refuses every change."""
        if self.submitted:
            raise ImmutableRecordError(f"call report {self.id} was submitted and cannot be changed")
        return replace(self, **changes)

    def submit(self, at: datetime) -> CallReport:
        if self.submitted:
            raise ImmutableRecordError(f"call report {self.id} was already submitted")
        return replace(self, status=ReportStatus.SUBMITTED, submitted_at=at)


def visit_event(report: CallReport) -> EngagementEvent:
    """The engagement event a submitted call report stands for; the laptop and the hub make the same one."""
    remote = report.call_type in (CallType.REMOTE, CallType.PHONE)
    return EngagementEvent(
        id=EventId(f"EV-{report.id}"),
        hcp_id=report.hcp_id,
        type=EventType.REMOTE_CALL if remote else EventType.VISIT,
        occurred_at=report.started_at,
        channel=Channel.REMOTE_MEETING if remote else Channel.IN_PERSON,
        product_id=report.products[0] if report.products else None,
        content_id=report.content_shown[0] if report.content_shown else None,
        topics=report.topics,
        quantity=sum(s.quantity for s in report.samples),
        source="call_report",
    )


@dataclass(frozen=True, slots=True)
class Reason:
    """One plain-language reason with the data behind it."""

    text: str
    feature: str = ""
    contribution: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A next-best action for one HCP on one day, with the exact arithmetic behind it."""

    id: SuggestionId
    hcp_id: HcpId
    day: date
    action: ActionType
    priority: float
    probability: float
    logit: float
    intercept: float
    contributions: dict[str, float]
    value: float
    urgency: float
    context: float
    reasons: tuple[Reason, ...]
    rule_reasons: tuple[str, ...] = ()
    blocked: dict[str, str] = field(default_factory=dict)
    content_id: ContentId | None = None
    what_would_change: tuple[str, ...] = ()
    model_version: str = ""
    rules_version: str = ""
    rank: int = 0


@dataclass(frozen=True, slots=True)
class SuggestionFeedback:
    id: FeedbackId
    hcp_id: HcpId
    action: ActionType
    kind: FeedbackKind
    at: datetime
    suggestion_id: SuggestionId | None = None
    reason: DismissReason | None = None
    note: str = ""
    snooze_until: date | None = None

    def __post_init__(self) -> None:
        if self.kind is FeedbackKind.DISMISSED and self.reason is None:
            raise ValidationError("dismissing a suggestion needs a reason")
        if self.kind is FeedbackKind.SNOOZED and self.snooze_until is None:
            raise ValidationError("snoozing a suggestion needs a date")


@dataclass(frozen=True, slots=True)
class ScreeningDecision:
    """The rep's decision on a flagged note, kept for audit."""

    call_report_id: CallReportId
    decision: ScreeningDecisionKind
    categories: tuple[str, ...]
    at: datetime
    reason: str = ""
    intake_id: IntakeId | None = None


@dataclass(frozen=True, slots=True)
class AdverseEventIntake:
    """A possible adverse event heard by the rep; pharmacovigilance must have it within 24 hours."""

    id: IntakeId
    hcp_id: HcpId
    description: str
    aware_at: datetime
    created_at: datetime
    call_report_id: CallReportId | None = None
    product_id: ProductId | None = None
    reporter: str = ""
    patient_details: str = ""
    seriousness: Seriousness = Seriousness.UNKNOWN
    categories: tuple[str, ...] = ()
    status: IntakeStatus = IntakeStatus.OPEN
    forwarded_at: datetime | None = None
    # The words in the note that raised the flag, as the screener found them (e.g. "pen jammed", "rash").
    triggers: tuple[str, ...] = ()

    @property
    def due_at(self) -> datetime:
        return self.aware_at + AE_REPORTING_WINDOW

    def time_left(self, now: datetime) -> timedelta:
        return self.due_at - now

    def overdue(self, now: datetime) -> bool:
        return self.forwarded_at is None and now > self.due_at


@dataclass(frozen=True, slots=True)
class FollowUpJob:
    """A compliant digital follow-up a journey planned after a visit (or an engagement), as the rep sees it."""

    id: str
    hcp_id: HcpId
    journey: str
    action: str  # send_email | suggest_msl_referral | suggest_remote_follow_up | invite_to_event
    status: FollowUpStatus
    created_at: datetime
    call_report_id: CallReportId | None = None
    content_id: ContentId | None = None
    channel: Channel | None = None
    due_at: datetime | None = None
    sent_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DataChangeRequest:
    """A rep's proposed correction to an HCP's master data, accepted or rejected by an admin on the hub."""

    id: str
    hcp_id: HcpId
    changes: dict[str, str]
    note: str
    created_at: datetime
    status: str = "proposed"  # proposed | accepted | rejected
    decided_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Mutation:
    """One outbox row: a change made on this device, waiting to be acknowledged by the hub."""

    id: MutationId
    device_id: DeviceId
    device_seq: int
    kind: MutationKind
    entity_id: str
    payload: dict[str, Any]
    created_at: datetime
    status: MutationStatus = MutationStatus.PENDING
    reason: str = ""
    priority: int = 0  # lower goes first: adverse-event intakes are pushed before anything else


@dataclass(frozen=True, slots=True)
class SyncState:
    device_id: DeviceId
    cursor: int = 0
    server_url: str = ""
    user: str = ""
    territory_id: TerritoryId | None = None
    last_sync_at: datetime | None = None
    last_error: str = ""
    initial_complete: bool = False


__all__ = [
    "AE_REPORTING_WINDOW",
    "TEMPLATE_FIELDS",
    "Account",
    "Address",
    "AdverseEventIntake",
    "Affiliation",
    "Alignment",
    "CallPlan",
    "CallReport",
    "Consent",
    "Content",
    "DataChangeRequest",
    "EngagementEvent",
    "FollowUpJob",
    "Hcp",
    "Mutation",
    "Product",
    "Reason",
    "SampleDrop",
    "ScreeningDecision",
    "Suggestion",
    "SuggestionFeedback",
    "SyncState",
    "Territory",
    "effective_consent",
    "visit_event",
]
