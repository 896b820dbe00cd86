"""Flat row codecs: every synced record as a dict of plain values (the store's and the wire's shape).

One codec per table keeps the local store, the hub and the sync protocol in agreement. Dates and
datetimes travel as ISO 8601 text, string tuples as ';'-joined text, nested records as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
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
    ReportStatus,
    ScreeningDecisionKind,
    Segment,
    Seriousness,
)
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
    ProductId,
    SuggestionId,
    TerritoryId,
)
from repcompanion.domain.models import (
    Account,
    Address,
    AdverseEventIntake,
    Affiliation,
    Alignment,
    CallPlan,
    CallReport,
    Consent,
    Content,
    DataChangeRequest,
    EngagementEvent,
    FollowUpJob,
    Hcp,
    Product,
    SampleDrop,
    ScreeningDecision,
    SuggestionFeedback,
    Territory,
)

Row = dict[str, Any]


def dt_text(value: datetime | None) -> str | None:
    """ISO 8601 with an offset; a naive datetime is taken to be UTC."""
    if value is None:
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


def dt_parse(value: str | None) -> datetime | None:
    return None if value is None or value == "" else datetime.fromisoformat(value)


def d_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def d_parse(value: str | None) -> date | None:
    return None if value is None or value == "" else date.fromisoformat(value)


def join(values: tuple[str, ...] | list[str]) -> str:
    return ";".join(values)


def split(value: str | None) -> tuple[str, ...]:
    return tuple(value.split(";")) if value else ()


def _address_row(a: Address) -> Row:
    return {
        "line1": a.line1,
        "line2": a.line2,
        "city": a.city,
        "state": a.state,
        "zip": a.zip,
        "latitude": a.latitude,
        "longitude": a.longitude,
        "geo_precision": a.geo_precision.value,
    }


def _address(r: Row) -> Address:
    return Address(
        line1=r["line1"] or "",
        line2=r["line2"] or "",
        city=r["city"] or "",
        state=r["state"] or "",
        zip=r["zip"] or "",
        latitude=r["latitude"],
        longitude=r["longitude"],
        geo_precision=GeoPrecision(r["geo_precision"] or "none"),
    )


_ADDRESS_COLUMNS = ("line1", "line2", "city", "state", "zip", "latitude", "longitude", "geo_precision")


def hcp_to_row(h: Hcp) -> Row:
    return {
        "id": h.id,
        "npi": h.npi,
        "first_name": h.first_name,
        "middle_name": h.middle_name,
        "last_name": h.last_name,
        "credentials": h.credentials,
        "specialty_code": h.specialty_code,
        "specialty_label": h.specialty_label,
        "segment": h.segment.value,
        "decile": h.decile,
        **_address_row(h.address),
        "preferred_channel": h.preferred_channel.value,
        "do_not_contact": int(h.do_not_contact),
        "target": int(h.target),
        "planned_visits": h.planned_visits,
        "phone": h.phone,
        "email": h.email,
        "active": int(h.active),
        "affiliations": json.dumps(
            [{"account_id": a.account_id, "role": a.role, "primary": a.primary} for a in h.affiliations]
        ),
    }


def hcp_from_row(r: Row) -> Hcp:
    affs = json.loads(r["affiliations"]) if r.get("affiliations") else []
    return Hcp(
        id=HcpId(r["id"]),
        npi=r["npi"],
        first_name=r["first_name"],
        middle_name=r["middle_name"] or "",
        last_name=r["last_name"],
        credentials=r["credentials"] or "",
        specialty_code=r["specialty_code"] or "",
        specialty_label=r["specialty_label"] or "",
        segment=Segment(r["segment"]),
        decile=int(r["decile"]),
        address=_address(r),
        preferred_channel=Channel(r["preferred_channel"]),
        do_not_contact=bool(r["do_not_contact"]),
        target=bool(r["target"]),
        planned_visits=int(r["planned_visits"] or 0),
        phone=r["phone"] or "",
        email=r["email"] or "",
        active=bool(r["active"]),
        affiliations=tuple(
            Affiliation(AccountId(a["account_id"]), a.get("role", "staff"), bool(a.get("primary"))) for a in affs
        ),
    )


def account_to_row(a: Account) -> Row:
    return {
        "id": a.id,
        "name": a.name,
        "kind": a.kind.value,
        "npi": a.npi,
        "parent_id": a.parent_id,
        **_address_row(a.address),
    }


def account_from_row(r: Row) -> Account:
    return Account(
        id=AccountId(r["id"]),
        name=r["name"],
        kind=AccountKind(r["kind"]),
        address=_address(r),
        npi=r["npi"],
        parent_id=r["parent_id"],
    )


def territory_to_row(t: Territory) -> Row:
    return {"id": t.id, "name": t.name, "region": t.region, "state": t.state}


def territory_from_row(r: Row) -> Territory:
    return Territory(TerritoryId(r["id"]), r["name"], r["region"] or "", r["state"] or "")


def alignment_to_row(a: Alignment) -> Row:
    return {"id": f"{a.territory_id}|{a.hcp_id}", "territory_id": a.territory_id, "hcp_id": a.hcp_id}


def alignment_from_row(r: Row) -> Alignment:
    return Alignment(TerritoryId(r["territory_id"]), HcpId(r["hcp_id"]))


def product_to_row(p: Product) -> Row:
    return {
        "id": p.id,
        "name": p.name,
        "generic_name": p.generic_name,
        "therapeutic_area": p.therapeutic_area,
        "sample_limit_per_visit": p.sample_limit_per_visit,
    }


def product_from_row(r: Row) -> Product:
    return Product(
        ProductId(r["id"]),
        r["name"],
        r["generic_name"] or "",
        r["therapeutic_area"] or "",
        int(r["sample_limit_per_visit"] or 0),
    )


def content_to_row(c: Content) -> Row:
    return {
        "id": c.id,
        "title": c.title,
        "product_id": c.product_id,
        "topics": join(c.topics),
        "channel": c.channel.value,
        "mlr_code": c.mlr_code,
        "valid_from": d_text(c.valid_from),
        "valid_to": d_text(c.valid_to),
        "audience_specialties": join(c.audience_specialties),
        "subject": c.subject,
        "body": c.body,
    }


def content_from_row(r: Row) -> Content:
    return Content(
        id=ContentId(r["id"]),
        title=r["title"],
        product_id=ProductId(r["product_id"]),
        topics=split(r["topics"]),
        channel=Channel(r["channel"]),
        mlr_code=r["mlr_code"] or "",
        valid_from=date.fromisoformat(r["valid_from"]),
        valid_to=date.fromisoformat(r["valid_to"]),
        audience_specialties=split(r["audience_specialties"]),
        subject=r["subject"] or "",
        body=r["body"] or "",
    )


def consent_to_row(c: Consent) -> Row:
    return {
        "id": c.id,
        "hcp_id": c.hcp_id,
        "channel": c.channel.value,
        "state": c.state.value,
        "captured_at": dt_text(c.captured_at),
        "source": c.source,
        "expires_at": dt_text(c.expires_at),
    }


def consent_from_row(r: Row) -> Consent:
    return Consent(
        id=ConsentId(r["id"]),
        hcp_id=HcpId(r["hcp_id"]),
        channel=Channel(r["channel"]),
        state=ConsentState(r["state"]),
        captured_at=datetime.fromisoformat(r["captured_at"]),
        source=r["source"] or "",
        expires_at=dt_parse(r["expires_at"]),
    )


def event_to_row(e: EngagementEvent) -> Row:
    return {
        "id": e.id,
        "hcp_id": e.hcp_id,
        "type": e.type.value,
        "occurred_at": dt_text(e.occurred_at),
        "channel": e.channel.value if e.channel else None,
        "product_id": e.product_id,
        "content_id": e.content_id,
        "topics": join(e.topics),
        "quantity": e.quantity,
        "source": e.source,
    }


def event_to_values(e: EngagementEvent) -> tuple[Any, ...]:
    """The events row as a tuple in column order: the bulk-load fast path (a million rows per territory)."""
    at = e.occurred_at
    return (
        e.id,
        e.hcp_id,
        e.type.value,
        (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).isoformat(),
        e.channel.value if e.channel else None,
        e.product_id,
        e.content_id,
        ";".join(e.topics),
        e.quantity,
        e.source,
    )


def event_from_row(r: Row) -> EngagementEvent:
    return EngagementEvent(
        id=EventId(r["id"]),
        hcp_id=HcpId(r["hcp_id"]),
        type=EventType(r["type"]),
        occurred_at=datetime.fromisoformat(r["occurred_at"]),
        channel=Channel(r["channel"]) if r["channel"] else None,
        product_id=r["product_id"],
        content_id=r["content_id"],
        topics=split(r["topics"]),
        quantity=int(r["quantity"] or 0),
        source=r["source"] or "",
    )


def call_plan_to_row(p: CallPlan) -> Row:
    return {
        "id": p.id,
        "territory_id": p.territory_id,
        "hcp_id": p.hcp_id,
        "period_start": d_text(p.period_start),
        "period_end": d_text(p.period_end),
        "planned_visits": p.planned_visits,
    }


def call_plan_from_row(r: Row) -> CallPlan:
    return CallPlan(
        id=CallPlanId(r["id"]),
        territory_id=TerritoryId(r["territory_id"]),
        hcp_id=HcpId(r["hcp_id"]),
        period_start=date.fromisoformat(r["period_start"]),
        period_end=date.fromisoformat(r["period_end"]),
        planned_visits=int(r["planned_visits"]),
    )


def call_report_to_row(c: CallReport) -> Row:
    return {
        "id": c.id,
        "hcp_id": c.hcp_id,
        "started_at": dt_text(c.started_at),
        "call_type": c.call_type.value,
        "status": c.status.value,
        "attendees": json.dumps(list(c.attendees)),
        "products": json.dumps(list(c.products)),
        "topics": json.dumps(list(c.topics)),
        "content_shown": json.dumps(list(c.content_shown)),
        "samples": json.dumps([{"product_id": s.product_id, "lot": s.lot, "quantity": s.quantity} for s in c.samples]),
        "notes": c.notes,
        "follow_up_requests": json.dumps(list(c.follow_up_requests)),
        "duration_min": c.duration_min,
        "created_at": dt_text(c.created_at),
        "submitted_at": dt_text(c.submitted_at),
        "device_id": c.device_id,
    }


def call_report_from_row(r: Row) -> CallReport:
    return CallReport(
        id=CallReportId(r["id"]),
        hcp_id=HcpId(r["hcp_id"]),
        started_at=datetime.fromisoformat(r["started_at"]),
        call_type=CallType(r["call_type"]),
        status=ReportStatus(r["status"]),
        attendees=tuple(json.loads(r["attendees"] or "[]")),
        products=tuple(json.loads(r["products"] or "[]")),
        topics=tuple(json.loads(r["topics"] or "[]")),
        content_shown=tuple(json.loads(r["content_shown"] or "[]")),
        samples=tuple(
            SampleDrop(ProductId(s["product_id"]), s["lot"], int(s["quantity"]))
            for s in json.loads(r["samples"] or "[]")
        ),
        notes=r["notes"] or "",
        follow_up_requests=tuple(json.loads(r["follow_up_requests"] or "[]")),
        duration_min=int(r["duration_min"] or 0),
        created_at=dt_parse(r["created_at"]),
        submitted_at=dt_parse(r["submitted_at"]),
        device_id=DeviceId(r["device_id"]) if r["device_id"] else None,
    )


def feedback_to_row(f: SuggestionFeedback) -> Row:
    return {
        "id": f.id,
        "hcp_id": f.hcp_id,
        "action": f.action.value,
        "kind": f.kind.value,
        "at": dt_text(f.at),
        "suggestion_id": f.suggestion_id,
        "reason": f.reason.value if f.reason else None,
        "note": f.note,
        "snooze_until": d_text(f.snooze_until),
    }


def feedback_from_row(r: Row) -> SuggestionFeedback:
    return SuggestionFeedback(
        id=FeedbackId(r["id"]),
        hcp_id=HcpId(r["hcp_id"]),
        action=ActionType(r["action"]),
        kind=FeedbackKind(r["kind"]),
        at=datetime.fromisoformat(r["at"]),
        suggestion_id=SuggestionId(r["suggestion_id"]) if r["suggestion_id"] else None,
        reason=DismissReason(r["reason"]) if r["reason"] else None,
        note=r["note"] or "",
        snooze_until=d_parse(r["snooze_until"]),
    )


def intake_to_row(i: AdverseEventIntake) -> Row:
    return {
        "id": i.id,
        "hcp_id": i.hcp_id,
        "description": i.description,
        "aware_at": dt_text(i.aware_at),
        "created_at": dt_text(i.created_at),
        "call_report_id": i.call_report_id,
        "product_id": i.product_id,
        "reporter": i.reporter,
        "patient_details": i.patient_details,
        "seriousness": i.seriousness.value,
        "categories": join(i.categories),
        "status": i.status.value,
        "forwarded_at": dt_text(i.forwarded_at),
    }


def intake_from_row(r: Row) -> AdverseEventIntake:
    return AdverseEventIntake(
        id=IntakeId(r["id"]),
        hcp_id=HcpId(r["hcp_id"]),
        description=r["description"],
        aware_at=datetime.fromisoformat(r["aware_at"]),
        created_at=datetime.fromisoformat(r["created_at"]),
        call_report_id=r["call_report_id"],
        product_id=r["product_id"],
        reporter=r["reporter"] or "",
        patient_details=r["patient_details"] or "",
        seriousness=Seriousness(r["seriousness"]),
        categories=split(r["categories"]),
        status=IntakeStatus(r["status"]),
        forwarded_at=dt_parse(r["forwarded_at"]),
    )


def decision_to_row(d: ScreeningDecision) -> Row:
    return {
        "call_report_id": d.call_report_id,
        "decision": d.decision.value,
        "categories": join(d.categories),
        "at": dt_text(d.at),
        "reason": d.reason,
        "intake_id": d.intake_id,
    }


def decision_from_row(r: Row) -> ScreeningDecision:
    return ScreeningDecision(
        call_report_id=CallReportId(r["call_report_id"]),
        decision=ScreeningDecisionKind(r["decision"]),
        categories=split(r["categories"]),
        at=datetime.fromisoformat(r["at"]),
        reason=r["reason"] or "",
        intake_id=r["intake_id"],
    )


def follow_up_to_row(f: FollowUpJob) -> Row:
    return {
        "id": f.id,
        "hcp_id": f.hcp_id,
        "journey": f.journey,
        "action": f.action,
        "status": f.status.value,
        "created_at": dt_text(f.created_at),
        "call_report_id": f.call_report_id,
        "content_id": f.content_id,
        "channel": f.channel.value if f.channel else None,
        "due_at": dt_text(f.due_at),
        "sent_at": dt_text(f.sent_at),
        "reason": f.reason,
    }


def follow_up_from_row(r: Row) -> FollowUpJob:
    return FollowUpJob(
        id=r["id"],
        hcp_id=HcpId(r["hcp_id"]),
        journey=r["journey"],
        action=r["action"],
        status=FollowUpStatus(r["status"]),
        created_at=datetime.fromisoformat(r["created_at"]),
        call_report_id=r["call_report_id"],
        content_id=r["content_id"],
        channel=Channel(r["channel"]) if r["channel"] else None,
        due_at=dt_parse(r["due_at"]),
        sent_at=dt_parse(r["sent_at"]),
        reason=r["reason"] or "",
    )


def dcr_to_row(d: DataChangeRequest) -> Row:
    return {
        "id": d.id,
        "hcp_id": d.hcp_id,
        "changes": json.dumps(d.changes, sort_keys=True),
        "note": d.note,
        "created_at": dt_text(d.created_at),
        "status": d.status,
        "decided_at": dt_text(d.decided_at),
        "reason": d.reason,
    }


def dcr_from_row(r: Row) -> DataChangeRequest:
    return DataChangeRequest(
        id=r["id"],
        hcp_id=HcpId(r["hcp_id"]),
        changes=json.loads(r["changes"] or "{}"),
        note=r["note"] or "",
        created_at=datetime.fromisoformat(r["created_at"]),
        status=r["status"],
        decided_at=dt_parse(r["decided_at"]),
        reason=r["reason"] or "",
    )


#: The local record of the rep's own data change requests (not synced down as a table; results arrive as
#: updated HCP rows and as the request's status in the push reply).
DCR_COLUMNS = ("id", "hcp_id", "changes", "note", "created_at", "status", "decided_at", "reason")


#: An admin's decision on a data change request, sent down to the rep's laptop.
DCR_RESULT_COLUMNS = ("id", "hcp_id", "status", "decided_at", "reason", "changes")


def dcr_result_to_row(d: DataChangeRequest) -> Row:
    return {
        "id": d.id,
        "hcp_id": d.hcp_id,
        "status": d.status,
        "decided_at": dt_text(d.decided_at),
        "reason": d.reason,
        "changes": json.dumps(d.changes, sort_keys=True),
    }


def dcr_result_from_row(r: Row) -> DataChangeRequest:
    decided = dt_parse(r["decided_at"])
    return DataChangeRequest(
        id=r["id"],
        hcp_id=HcpId(r["hcp_id"]),
        changes=json.loads(r["changes"] or "{}"),
        note="",
        created_at=decided or datetime.min,
        status=r["status"],
        decided_at=decided,
        reason=r["reason"] or "",
    )


@dataclass(frozen=True)
class TableCodec:
    """How one synced table's rows map to domain records."""

    table: str
    columns: tuple[str, ...]
    to_row: Callable[[Any], Row]
    from_row: Callable[[Row], Any]
    to_values: Callable[[Any], tuple[Any, ...]] | None = None

    def values(self, record: Any) -> tuple[Any, ...]:
        """The record's row as a tuple in column order."""
        if self.to_values is not None:
            return self.to_values(record)
        row = self.to_row(record)
        return tuple(row[c] for c in self.columns)


#: Tables the hub sends down, in dependency order (parents first).
SYNCED_TABLES: dict[str, TableCodec] = {
    c.table: c
    for c in (
        TableCodec("territories", ("id", "name", "region", "state"), territory_to_row, territory_from_row),
        TableCodec(
            "accounts",
            ("id", "name", "kind", "npi", "parent_id", *_ADDRESS_COLUMNS),
            account_to_row,
            account_from_row,
        ),
        TableCodec(
            "products",
            ("id", "name", "generic_name", "therapeutic_area", "sample_limit_per_visit"),
            product_to_row,
            product_from_row,
        ),
        TableCodec(
            "content",
            (
                "id",
                "title",
                "product_id",
                "topics",
                "channel",
                "mlr_code",
                "valid_from",
                "valid_to",
                "audience_specialties",
                "subject",
                "body",
            ),
            content_to_row,
            content_from_row,
        ),
        TableCodec(
            "hcps",
            (
                "id",
                "npi",
                "first_name",
                "middle_name",
                "last_name",
                "credentials",
                "specialty_code",
                "specialty_label",
                "segment",
                "decile",
                *_ADDRESS_COLUMNS,
                "preferred_channel",
                "do_not_contact",
                "target",
                "planned_visits",
                "phone",
                "email",
                "active",
                "affiliations",
            ),
            hcp_to_row,
            hcp_from_row,
        ),
        TableCodec("alignments", ("id", "territory_id", "hcp_id"), alignment_to_row, alignment_from_row),
        TableCodec(
            "consents",
            ("id", "hcp_id", "channel", "state", "captured_at", "source", "expires_at"),
            consent_to_row,
            consent_from_row,
        ),
        TableCodec(
            "call_plans",
            ("id", "territory_id", "hcp_id", "period_start", "period_end", "planned_visits"),
            call_plan_to_row,
            call_plan_from_row,
        ),
        TableCodec(
            "events",
            (
                "id",
                "hcp_id",
                "type",
                "occurred_at",
                "channel",
                "product_id",
                "content_id",
                "topics",
                "quantity",
                "source",
            ),
            event_to_row,
            event_from_row,
            event_to_values,
        ),
        TableCodec(
            "call_reports",
            (
                "id",
                "hcp_id",
                "started_at",
                "call_type",
                "status",
                "attendees",
                "products",
                "topics",
                "content_shown",
                "samples",
                "notes",
                "follow_up_requests",
                "duration_min",
                "created_at",
                "submitted_at",
                "device_id",
            ),
            call_report_to_row,
            call_report_from_row,
        ),
        TableCodec(
            "follow_ups",
            (
                "id",
                "hcp_id",
                "journey",
                "action",
                "status",
                "created_at",
                "call_report_id",
                "content_id",
                "channel",
                "due_at",
                "sent_at",
                "reason",
            ),
            follow_up_to_row,
            follow_up_from_row,
        ),
        TableCodec("dcr_results", DCR_RESULT_COLUMNS, dcr_result_to_row, dcr_result_from_row),
    )
}

#: Tables whose rows hang off an HCP: purged locally when the HCP leaves the territory.
HCP_DEPENDENT_TABLES = (
    "consents",
    "call_plans",
    "events",
    "call_reports",
    "alignments",
    "follow_ups",
    "dcr_results",
)

__all__ = [
    "DCR_COLUMNS",
    "DCR_RESULT_COLUMNS",
    "HCP_DEPENDENT_TABLES",
    "SYNCED_TABLES",
    "Row",
    "TableCodec",
    "account_from_row",
    "account_to_row",
    "alignment_from_row",
    "alignment_to_row",
    "call_plan_from_row",
    "call_plan_to_row",
    "call_report_from_row",
    "call_report_to_row",
    "consent_from_row",
    "consent_to_row",
    "content_from_row",
    "content_to_row",
    "d_parse",
    "d_text",
    "dcr_from_row",
    "dcr_result_from_row",
    "dcr_result_to_row",
    "dcr_to_row",
    "decision_from_row",
    "decision_to_row",
    "dt_parse",
    "dt_text",
    "event_from_row",
    "event_to_row",
    "event_to_values",
    "feedback_from_row",
    "feedback_to_row",
    "follow_up_from_row",
    "follow_up_to_row",
    "hcp_from_row",
    "hcp_to_row",
    "intake_from_row",
    "intake_to_row",
    "join",
    "product_from_row",
    "product_to_row",
    "split",
    "territory_from_row",
    "territory_to_row",
]
