"""Plain-Python view data for the desktop app: each view's rows gathered in one call on the worker thread.

The app's Qt models adapt these records; nothing here knows about Qt.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from repcompanion.domain import (
    Account,
    ActionType,
    Affiliation,
    CallReport,
    CallReportId,
    CallType,
    Channel,
    Consent,
    Content,
    ContentId,
    DataChangeRequest,
    EngagementEvent,
    Hcp,
    HcpId,
    Product,
    ProductId,
    ReportStatus,
    SampleDrop,
    Suggestion,
    ValidationError,
)

if TYPE_CHECKING:
    from repcompanion.workspace.core import Workspace
    from repcompanion.workspace.ranking_cache import RankedLine

ACTION_LABELS: dict[str, str] = {
    ActionType.VISIT: "Visit",
    ActionType.REMOTE_MEETING: "Remote meeting",
    ActionType.EMAIL: "Send email",
    ActionType.EVENT_INVITE: "Invite to event",
    ActionType.MSL_REFERRAL: "MSL referral",
}
CHANNEL_LABELS: dict[str, str] = {
    Channel.IN_PERSON: "In person",
    Channel.EMAIL: "Email",
    Channel.REMOTE_MEETING: "Remote meeting",
    Channel.SMS: "SMS",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, str(action).replace("_", " ").capitalize())


#: How the Why? chart names the propensity model's inputs (others: the name in words).
FEATURE_LABELS: dict[str, str] = {
    "action": "Kind of action",
    "channel_preference": "Preferred channel",
    "channel_success_rate": "Response rate on this channel",
    "channel_tries": "Contacts on this channel",
    "weekday_posterior": "Best day of the week",
    "topic_open_lift": "Opens on these topics",
    "topic_web_share": "Website views on these topics",
    "topic_web_share_f2f": "Topic interest (calls)",
    "has_content": "With approved content",
    "days_since_relevant_signal": "Days since interest in the topic",
    "msl_days_since_relevant_signal": "Days since clinical interest",
    "days_since_signal": "Days since any engagement",
    "contacts_7": "Contacts, last 7 days",
    "contacts_30": "Contacts, last 30 days",
    "contacts_30_usual": "Usual contacts per 30 days",
    "contacts_30_vs_usual": "Last 30 days vs usual",
    "contacts_7_vs_usual": "Last 7 days vs usual",
    "days_since_visit": "Days since last visit",
    "days_since_email": "Days since last email",
    "plan_gap": "Behind the call plan",
    "quarter_elapsed": "Share of the quarter gone",
    "open_follow_ups": "Open follow-ups",
}


def feature_label(feature: str) -> str:
    """A model feature's name for a person: ``plan_gap`` → ``Behind the call plan``, else the name in words."""
    if feature in FEATURE_LABELS:
        return FEATURE_LABELS[feature]
    text = feature.replace("__", ": ").replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "(baseline)"


@dataclass(frozen=True)
class TodayRow:
    """One line of the Today list: an HCP and the best action for them today."""

    hcp_id: HcpId
    rank: int
    name: str
    specialty: str
    segment: str
    action: str
    priority: float
    probability: float
    top_reason: str
    last_contact: date | None
    town: str
    accepted: bool = False  # the rep accepted this suggestion and has not done it yet


@dataclass(frozen=True)
class TodayData:
    day: date
    rows: list[TodayRow]
    visits_logged: int
    territory: str = ""
    ranked_on: date | None = None  # set when the rows are an earlier day's ranking, shown until today's is ready
    seen: int = 0  # HCPs seen today, left off the list


@dataclass(frozen=True)
class TodayFilter:
    """What the rep narrowed the list to; ``None`` / empty means no restriction."""

    ids: frozenset[str] | None = None
    segment: str = ""
    specialty: str = ""
    action: str = ""
    town: str = ""

    def accepts(self, row: TodayRow) -> bool:
        return (
            (self.ids is None or row.hcp_id in self.ids)
            and (not self.segment or row.segment == self.segment)
            and (not self.specialty or row.specialty == self.specialty)
            and (not self.action or row.action == self.action)
            and (not self.town or row.town == self.town)
        )


#: Above this many changed HCPs a Today patch reads every HCP in one query instead of one query each.
PATCH_READS_ALL = 200


@dataclass(frozen=True)
class TodayPatch:
    """The Today list brought up to date after a change to a few HCPs, without reading every row again."""

    day: date
    rows: tuple[TodayRow, ...]  # the changed HCPs' rows, as ranked now
    removed: frozenset[str]  # changed HCPs no longer ranked (they left the territory)
    ranks: dict[HcpId, int] | None  # every ranked HCP's rank, when the ranking changed (None: it did not)
    visits_logged: int
    seen: int = 0  # HCPs seen today, left off the list


def today_data(ws: Workspace, day: date | None = None) -> TodayData:
    """The ranked priorities with everything the Today table shows."""
    day = day or ws.today()
    return _today_rows(ws, day, ws.ranking.lines(day))


def previous_today_data(ws: Workspace, day: date | None = None) -> TodayData | None:
    """The last ranking kept, when today's must still be computed (a new morning, fresh data): shown at once,
    labelled with its day, until today's replaces it. None when today's is current or there is none."""
    day = day or ws.today()
    previous = ws.ranking.previous_lines(day)
    if previous is None:
        return None
    ranked_on, lines = previous
    return replace(_today_rows(ws, day, lines), ranked_on=ranked_on)


def today_patch(ws: Workspace, hcp_ids: Collection[str], *, ranking: bool, day: date | None = None) -> TodayPatch:
    """The rows of ``hcp_ids`` as they stand now and, when the ``ranking`` changed, every HCP's new rank."""
    day = day or ws.today()
    lines = ws.ranking.lines(day)
    wanted = set(hcp_ids)
    ranked = [(i, line) for i, line in enumerate(lines, start=1) if line.hcp_id in wanted]
    if len(wanted) > PATCH_READS_ALL:
        hcps = {h.id: h for h in ws.directory.hcps() if h.id in wanted}
    else:
        hcps = {h.id: h for h in (ws.store.hcps.find(hcp_id) for hcp_id in wanted) if h is not None}
    contacts = ws.directory.last_contacts(list(hcps))
    rows = tuple(_row(hcps[line.hcp_id], line, i, contacts) for i, line in ranked if line.hcp_id in hcps)
    accepted = ws.ranking.accepted(list(hcps))
    rows = tuple(replace(r, accepted=ActionType(r.action) in accepted.get(r.hcp_id, ())) for r in rows)
    ranks = {line.hcp_id: line.rank or i for i, line in enumerate(lines, start=1)} if ranking else None
    removed = frozenset(wanted - {r.hcp_id for r in rows})
    return TodayPatch(day, rows, removed, ranks, ws.visits.logged_on(day), len(ws.day.seen(day)))


def _row(h: Hcp, line: RankedLine, position: int, contacts: Mapping[str, date], accepted: bool = False) -> TodayRow:
    return TodayRow(
        hcp_id=h.id,
        rank=line.rank or position,
        name=f"{h.last_name}, {h.first_name}" + (f", {h.credentials}" if h.credentials else ""),
        specialty=h.specialty_label,
        segment=str(h.segment),
        action=str(line.action),
        priority=float(line.priority),
        probability=float(line.probability),
        top_reason=line.top_reason,
        last_contact=contacts.get(h.id),
        town=h.address.town,
        accepted=accepted,
    )


def _today_rows(ws: Workspace, day: date, lines: list[RankedLine]) -> TodayData:
    hcps = {h.id: h for h in ws.directory.hcps()}
    contacts = ws.directory.last_contacts()
    accepted = ws.ranking.accepted()
    rows = [
        _row(hcps[line.hcp_id], line, i, contacts, line.action in accepted.get(line.hcp_id, ()))
        for i, line in enumerate(lines, start=1)
        if line.hcp_id in hcps
    ]
    return TodayData(day, rows, ws.visits.logged_on(day), ws.directory.territory_name(), seen=len(ws.day.seen(day)))


@dataclass(frozen=True)
class HcpDossier:
    """Everything the pre-call view shows for one HCP, read in one go."""

    hcp: Hcp
    affiliations: list[tuple[Account, Affiliation]]
    consents: dict[Channel, Consent | None]
    plan_done: int
    plan_planned: int
    timeline: list[EngagementEvent]
    suggestions: list[Suggestion]
    content: list[Content]
    reports: list[CallReport]
    day: date
    products: dict[str, Product] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    accepted: frozenset[ActionType] = frozenset()  # suggestions the rep accepted and has not done yet
    seen_today: bool = False
    change_requests: list[DataChangeRequest] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)  # the territory's (an affiliation change names one)

    @property
    def open_follow_ups(self) -> list[tuple[CallReport, str]]:
        """Follow-ups requested in this HCP's visits, newest first, and draft visits still to finish."""
        items: list[tuple[CallReport, str]] = []
        for r in self.reports:
            if r.status is ReportStatus.DRAFT:
                items.append((r, "Draft visit not submitted yet"))
            items.extend((r, text) for text in r.follow_up_requests)
        return items


def hcp_dossier(ws: Workspace, hcp_id: str) -> HcpDossier:
    directory = ws.directory
    done, planned = directory.call_plan_progress(hcp_id)
    reports = sorted(ws.visits.for_hcp(hcp_id), key=lambda r: r.started_at, reverse=True)
    return HcpDossier(
        hcp=directory.hcp(hcp_id),
        affiliations=directory.affiliations(hcp_id),
        consents=directory.consents(hcp_id),
        plan_done=done,
        plan_planned=planned,
        timeline=directory.timeline(hcp_id, limit=200),
        suggestions=ws.ranking.suggestions(hcp_id),
        content=directory.approved_content(hcp_id),
        reports=reports,
        day=ws.today(),
        products={p.id: p for p in directory.products()},
        blocked=ws.ranking.blocked(hcp_id),
        accepted=ws.ranking.accepted([hcp_id]).get(HcpId(hcp_id), frozenset()),
        seen_today=hcp_id in ws.day.seen(),
        change_requests=directory.change_requests(hcp_id),
        accounts=directory.accounts(),
    )


@dataclass(frozen=True)
class VisitCatalogue:
    """What the Log a visit form offers: the HCP, products, topics and content approved today."""

    hcp: Hcp
    products: list[Product]
    topics: list[str]
    content: list[Content]


def visit_catalogue(ws: Workspace, hcp_id: str) -> VisitCatalogue:
    d = ws.directory
    return VisitCatalogue(d.hcp(hcp_id), d.products(), d.topics(), d.approved_content(hcp_id))


def sample_problems(samples: list[SampleDrop], products: dict[str, Product]) -> list[str]:
    """Each way ``samples`` break the per-visit sample limit of their product, in words."""
    totals: dict[str, int] = {}
    for s in samples:
        totals[s.product_id] = totals.get(s.product_id, 0) + s.quantity
    problems = []
    for pid, qty in totals.items():
        product = products.get(pid)
        if product is None:
            problems.append(f"Unknown product {pid}.")
        elif qty > product.sample_limit_per_visit:
            limit = product.sample_limit_per_visit
            allowed = f"at most {limit}" if limit else "none"
            problems.append(f"{product.name}: {qty} samples, but {allowed} may be left per visit.")
    return problems


def report_to_payload(report: CallReport) -> dict[str, object]:
    """A call report as plain JSON values (for autosave)."""
    return {
        "id": report.id,
        "hcp_id": report.hcp_id,
        "started_at": report.started_at.isoformat(),
        "call_type": report.call_type.value,
        "attendees": list(report.attendees),
        "products": list(report.products),
        "topics": list(report.topics),
        "content_shown": list(report.content_shown),
        "samples": [[s.product_id, s.lot, s.quantity] for s in report.samples],
        "notes": report.notes,
        "follow_up_requests": list(report.follow_up_requests),
        "duration_min": report.duration_min,
    }


def report_from_payload(payload: Mapping[str, Any]) -> CallReport:
    """The draft call report an autosave payload describes; samples that no longer validate are dropped."""
    samples = []
    for pid, lot, qty in payload.get("samples", []):
        try:
            samples.append(SampleDrop(ProductId(pid), lot, int(qty)))
        except (ValidationError, ValueError, TypeError):
            continue
    return CallReport(
        id=CallReportId(payload["id"]),
        hcp_id=HcpId(payload["hcp_id"]),
        started_at=datetime.fromisoformat(payload["started_at"]),
        call_type=CallType(payload.get("call_type", CallType.IN_PERSON.value)),
        attendees=tuple(payload.get("attendees", ())),
        products=tuple(ProductId(p) for p in payload.get("products", ())),
        topics=tuple(payload.get("topics", ())),
        content_shown=tuple(ContentId(c) for c in payload.get("content_shown", ())),
        samples=tuple(samples),
        notes=payload.get("notes", ""),
        follow_up_requests=tuple(payload.get("follow_up_requests", ())),
        duration_min=int(payload.get("duration_min", 20)),
    )
