"""Evaluating journeys: the follow-ups a trigger (a submitted visit, engagement) plans, or why each is suppressed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from repcompanion.domain import Channel, Consent, Content, FollowUpStatus, Hcp, effective_consent
from repcompanion.intel.journeys.files import ACTION_CHANNEL, CONTENT_ACTIONS, Journey

#: the prefix of a call report's follow_up_requests entry that deselects a journey for that visit
SKIP_PREFIX = "skip-follow-up:"


@dataclass(frozen=True)
class TriggerEvent:
    """What happened: a submitted call report, or engagement with an earlier follow-up."""

    on: str
    hcp_id: str
    at: datetime
    source_id: str  # the call report id or the engagement event id
    topics: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    after_journey: str | None = None
    content_id: str | None = None
    label: str = ""  # e.g. "Opened 'CARDIVA efficacy' on 2026-11-25" — the first words of each reason
    skip: frozenset[str] = frozenset()  # journeys the rep deselected


@dataclass(frozen=True)
class PlannedFollowUp:
    """One journey's verdict for one trigger: scheduled (with its content and due time) or suppressed (why)."""

    id: str
    journey: str
    version: int
    action: str
    status: FollowUpStatus
    reason: str
    hcp_id: str
    due_at: datetime
    channel: Channel
    content_id: str | None = None
    consent: str = ""  # the consent state the rep sees: "opt_in until ...", "opt_out", "none on file"


@dataclass
class HcpContext:
    """What evaluation needs about one HCP: master data, consents, and when approved emails went out."""

    hcp: Hcp
    consents: Sequence[Consent] = ()
    emails_sent: Sequence[datetime] = field(default_factory=tuple)


def follow_up_id(journey: str, source_id: str) -> str:
    """Stable id of the follow-up ``journey`` plans for trigger ``source_id`` (re-evaluation is idempotent)."""
    return f"FU-{journey}-{source_id}"[:128]


def _matches(j: Journey, event: TriggerEvent) -> bool:
    t = j.trigger
    if t.on != event.on:
        return False
    if t.topics and not set(t.topics) & set(event.topics):
        return False
    if t.products and not set(t.products) & set(event.products):
        return False
    return t.after is None or t.after == event.after_journey


def consent_text(consents: Sequence[Consent], channel: Channel, at: datetime) -> tuple[bool, str]:
    """(allowed, what the rep reads) for ``channel`` at ``at``: the newest record wins, opt-out wins a tie."""
    c = effective_consent(list(consents), channel, at)
    if c is None:
        return False, f"no {channel.value} consent on file"
    if c.allows(at):
        until = f" until {c.expires_at.date().isoformat()}" if c.expires_at else ""
        return True, f"{channel.value} opt-in{until} (captured {c.captured_at.date().isoformat()})"
    if c.expires_at is not None and at >= c.expires_at:
        return False, f"{channel.value} consent expired on {c.expires_at.date().isoformat()}"
    return False, f"{channel.value} opt-out since {c.captured_at.date().isoformat()}"


def _pick_content(
    j: Journey, catalog: Mapping[str, Content], hcp: Hcp, day: Any, products: Sequence[str]
) -> tuple[Content | None, str]:
    """The content the action sends, or None with the reason it cannot be sent.

    Only content for a product of the trigger (the products the rep discussed, or the product of the email the
    HCP engaged with) is ever sent, the first discussed product first; then the topic decides.
    """
    if not products:
        return None, "the visit names no product, and approved content is sent only for a product discussed"
    if j.action.content is not None:
        item = catalog.get(j.action.content)
        if item is None:
            return None, f"content {j.action.content} is no longer in the catalog"
        if not item.mlr_code:
            return None, f"content {item.id} has no MLR approval code"
        if item.withdrawn_at is not None:
            return None, f"content {item.id} was withdrawn on {item.withdrawn_at.date().isoformat()}"
        if not item.valid_from <= day <= item.valid_to:
            return None, f"content {item.id} is valid {item.valid_from} to {item.valid_to}, not on {day}"
        if item.product_id not in products:
            return (
                None,
                f"content {item.id} is about {item.product_id}, not a product discussed ({', '.join(products)})",
            )
        if not item.is_for_specialty(hcp.specialty_code):
            return None, f"content {item.id} is not approved for specialty {hcp.specialty_label or hcp.specialty_code}"
        return item, ""
    rank = {p: i for i, p in enumerate(products)}
    found = [
        c
        for c in catalog.values()
        if c.product_id in rank
        and j.action.topic in c.topics
        and c.channel is Channel.EMAIL
        and c.is_valid_on(day)
        and c.is_for_specialty(hcp.specialty_code)
    ]
    if not found:
        return None, (
            f"no approved, in-date email content on {j.action.topic} for {', '.join(products)} and specialty "
            f"{hcp.specialty_label or hcp.specialty_code}"
        )
    return min(found, key=lambda c: (rank[c.product_id], str(c.id))), ""


def evaluate(
    journeys: Sequence[Journey], event: TriggerEvent, ctx: HcpContext, content: Mapping[str, Content]
) -> list[PlannedFollowUp]:
    """Every journey this trigger matches, planned (scheduled) or suppressed with the rule that stopped it."""
    hcp = ctx.hcp
    day = event.at.date()
    sent = sorted(ctx.emails_sent)
    out: list[PlannedFollowUp] = []
    for j in journeys:
        if not _matches(j, event):
            continue
        channel = ACTION_CHANNEL[j.action.do]
        allowed, consent = consent_text(ctx.consents, channel, event.at)
        problem = ""
        item: Content | None = None
        if j.id in event.skip:
            status, problem = FollowUpStatus.CANCELLED, "the rep deselected it when submitting the visit"
        elif hcp.do_not_contact:
            problem = "the HCP is marked do-not-contact"
        elif j.conditions.consent and not allowed:
            problem = consent
        elif j.conditions.segments and hcp.segment.value not in j.conditions.segments:
            problem = f"segment {hcp.segment.value} is not in {', '.join(j.conditions.segments)}"
        elif j.conditions.specialties and hcp.specialty_code not in j.conditions.specialties:
            problem = f"specialty {hcp.specialty_label or hcp.specialty_code} is not targeted by this journey"
        elif j.action.do in CONTENT_ACTIONS:
            item, problem = _pick_content(j, content, hcp, day, event.products)
            cap = j.conditions.max_emails
            if not problem and cap is not None:
                used = sum(1 for t in sent if event.at - j.conditions.per < t <= event.at + j.action.within)
                if used >= cap:
                    problem = (
                        f"frequency cap: {used} approved email(s) already in {j.conditions.per.days or 1} days "
                        f"(at most {cap})"
                    )
        if not problem:
            status = FollowUpStatus.SCHEDULED
            what = f"'{item.title}' ({item.mlr_code}) by email" if item else j.action.do.replace("_", " ")
            reason = (
                f"{event.label or event.on}: {what}; {consent}" if j.conditions.consent else f"{event.label}: {what}"
            )
            if item is not None:
                sent.append(event.at)
        else:
            status = status if j.id in event.skip else FollowUpStatus.SUPPRESSED
            reason = f"{j.id} v{j.version} not sent: {problem}"
        out.append(
            PlannedFollowUp(
                id=follow_up_id(j.id, event.source_id),
                journey=j.id,
                version=j.version,
                action=j.action.do,
                status=status,
                reason=reason,
                hcp_id=str(hcp.id),
                due_at=event.at + j.action.within,
                channel=channel,
                content_id=str(item.id) if item else None,
                consent=consent,
            )
        )
    return out


def skipped_journeys(follow_up_requests: Iterable[str]) -> frozenset[str]:
    """Journeys a call report's rep deselected (its ``SKIP_PREFIX`` entries)."""
    return frozenset(r[len(SKIP_PREFIX) :] for r in follow_up_requests if r.startswith(SKIP_PREFIX))
