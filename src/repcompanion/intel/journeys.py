"""Journey rules: load and validate the TOML journey files, and plan the follow-ups a trigger causes.

Pure and domain-only: the hub evaluates journeys when a call report is pushed or engagement comes in,
and the Workspace evaluates the same files to preview a visit's follow-ups. See docs/journeys.md.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from repcompanion.domain import (
    Channel,
    Consent,
    Content,
    FollowUpStatus,
    Hcp,
    ValidationError,
    effective_consent,
)

FORMAT_VERSION = 1
TRIGGERS = ("call_report", "email_opened", "email_not_opened", "event_attended")
ACTIONS = ("send_email", "suggest_msl_referral", "suggest_remote_follow_up", "invite_to_event")
#: the consent channel each action needs before it may be planned
ACTION_CHANNEL = {
    "send_email": Channel.EMAIL,
    "invite_to_event": Channel.EMAIL,
    "suggest_msl_referral": Channel.IN_PERSON,
    "suggest_remote_follow_up": Channel.REMOTE_MEETING,
}
#: actions that deliver approved content (and so need an MLR approval code)
CONTENT_ACTIONS = frozenset({"send_email", "invite_to_event"})
#: which trigger kinds an action can cause (the edges of the cycle check)
CAUSES = {"send_email": ("email_opened", "email_not_opened"), "invite_to_event": ("event_attended",)}
#: the prefix of a call report's follow_up_requests entry that deselects a journey for that visit
SKIP_PREFIX = "skip-follow-up:"

_DURATION = re.compile(r"^\s*(\d+)\s*([hd])\s*$")
_TOP_KEYS = {"format", "journey"}
_JOURNEY_KEYS = {"id", "version", "description", "trigger", "conditions", "action"}
_TRIGGER_KEYS = {"on", "topics", "products", "after", "within"}
_CONDITION_KEYS = {"consent", "segments", "specialties", "max_emails", "per"}
_ACTION_KEYS = {"do", "content", "topic", "within"}


class JourneyError(ValidationError):
    """A journey file is invalid; the message names the file and line."""


@dataclass(frozen=True)
class Trigger:
    on: str
    topics: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    after: str | None = None  # the journey whose email/invitation this engagement answers (None: any)
    within: timedelta | None = None  # email_opened: within N of sending; email_not_opened: N without opening


@dataclass(frozen=True)
class Conditions:
    consent: bool = True
    segments: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    max_emails: int | None = None  # approved emails in the window ``per``
    per: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class Action:
    do: str
    content: str | None = None
    topic: str | None = None  # choose approved email content on this topic at evaluation time
    within: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class Journey:
    id: str
    version: int
    trigger: Trigger
    action: Action
    conditions: Conditions = Conditions()
    description: str = ""
    source: str = ""  # "file:line" of the journey's table


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


# -- loading ----------------------------------------------------------------------------------------------


def parse_duration(value: Any, where: str) -> timedelta:
    """'24h' or '7d' (hours or days, a positive integer)."""
    m = _DURATION.match(value) if isinstance(value, str) else None
    if m is None or int(m.group(1)) <= 0:
        raise JourneyError(
            f"{where}: bad duration {value!r}; write a positive number of hours or days, e.g. '24h' or '7d'"
        )
    n = int(m.group(1))
    return timedelta(hours=n) if m.group(2) == "h" else timedelta(days=n)


class _Lines:
    """Line numbers of ``[[journey]]`` tables and their keys (tomllib keeps none)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.starts = [i + 1 for i, line in enumerate(self.lines) if line.strip().startswith("[[journey]]")]

    def at(self, index: int | None = None, key: str | None = None) -> str:
        if index is None or index >= len(self.starts):
            return f"{self.path}:{self._find(key, 0, len(self.lines)) or 1}"
        start = self.starts[index]
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.lines)
        return f"{self.path}:{self._find(key, start - 1, end) or start}"

    def _find(self, key: str | None, lo: int, hi: int) -> int | None:
        if not key:
            return None
        pattern = re.compile(rf"(^|[\s{{,.\[]){re.escape(key)}\s*=")
        for i in range(lo, hi):
            if pattern.search(self.lines[i]):
                return i + 1
        return None


def _strings(value: Any, where: str, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise JourneyError(f"{where}: {name} must be a string or a list of strings")
    return tuple(value)


def _table(value: Any, allowed: set[str], lines: _Lines, index: int, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise JourneyError(f"{lines.at(index, name)}: '{name}' must be a table, e.g. {name} = {{ ... }}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise JourneyError(
            f"{lines.at(index, unknown[0])}: unknown field '{unknown[0]}' in {name}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    return value


def _journey(raw: Any, lines: _Lines, index: int) -> Journey:
    if not isinstance(raw, dict):
        raise JourneyError(f"{lines.at(index)}: each [[journey]] must be a table")
    unknown = sorted(set(raw) - _JOURNEY_KEYS)
    if unknown:
        raise JourneyError(
            f"{lines.at(index, unknown[0])}: unknown field '{unknown[0]}'; allowed: {', '.join(sorted(_JOURNEY_KEYS))}"
        )
    for key in ("id", "version", "trigger", "action"):
        if key not in raw:
            raise JourneyError(f"{lines.at(index)}: the journey lacks '{key}'")
    jid = raw["id"]
    if not isinstance(jid, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", jid):
        raise JourneyError(f"{lines.at(index, 'id')}: id must be 1-64 letters, digits, '.', '_' or '-'")
    if not isinstance(raw["version"], int) or raw["version"] < 1:
        raise JourneyError(f"{lines.at(index, 'version')}: version must be a positive integer")

    t = _table(raw["trigger"], _TRIGGER_KEYS, lines, index, "trigger")
    on = t.get("on")
    if on not in TRIGGERS:
        raise JourneyError(f"{lines.at(index, 'on')}: trigger 'on' must be one of {', '.join(TRIGGERS)}, not {on!r}")
    within = parse_duration(t["within"], lines.at(index, "within")) if "within" in t else None
    if on == "email_not_opened" and within is None:
        raise JourneyError(f"{lines.at(index, 'on')}: an email_not_opened trigger needs 'within' (e.g. '7d')")
    trigger = Trigger(
        on=on,
        topics=_strings(t.get("topics", []), lines.at(index, "topics"), "topics"),
        products=_strings(t.get("products", []), lines.at(index, "products"), "products"),
        after=t.get("after"),
        within=within,
    )

    c = _table(raw.get("conditions", {}), _CONDITION_KEYS, lines, index, "conditions")
    max_emails = c.get("max_emails")
    if max_emails is not None and (not isinstance(max_emails, int) or max_emails < 0):
        raise JourneyError(f"{lines.at(index, 'max_emails')}: max_emails must be a whole number ≥ 0")
    conditions = Conditions(
        consent=bool(c.get("consent", True)),
        segments=_strings(c.get("segments", []), lines.at(index, "segments"), "segments"),
        specialties=_strings(c.get("specialties", []), lines.at(index, "specialties"), "specialties"),
        max_emails=max_emails,
        per=parse_duration(c["per"], lines.at(index, "per")) if "per" in c else timedelta(days=7),
    )

    a = _table(raw["action"], _ACTION_KEYS, lines, index, "action")
    do = a.get("do")
    if do not in ACTIONS:
        raise JourneyError(f"{lines.at(index, 'do')}: action 'do' must be one of {', '.join(ACTIONS)}, not {do!r}")
    if do in CONTENT_ACTIONS and not (a.get("content") or a.get("topic")):
        raise JourneyError(f"{lines.at(index, 'do')}: a {do} action needs 'content' (an id) or 'topic'")
    action = Action(
        do=do,
        content=a.get("content"),
        topic=a.get("topic"),
        within=parse_duration(a["within"], lines.at(index, "within")) if "within" in a else timedelta(hours=24),
    )
    return Journey(jid, raw["version"], trigger, action, conditions, str(raw.get("description", "")), lines.at(index))


def load_journey_file(path: Path, content: Mapping[str, Content]) -> list[Journey]:
    """The journeys of one file, validated against the content catalog (raises JourneyError)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    lines = _Lines(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise JourneyError(f"{path}:{m.group(1) if m else 1}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise JourneyError(
            f"{lines.at(None, unknown[0])}: unknown field '{unknown[0]}'; a file holds format and [[journey]]"
        )
    if data.get("format") != FORMAT_VERSION:
        raise JourneyError(
            f"{lines.at(None, 'format')}: format = {data.get('format')!r} is not supported; "
            f"this version reads format = {FORMAT_VERSION}"
        )
    journeys = [_journey(raw, lines, i) for i, raw in enumerate(data.get("journey", []))]
    for i, j in enumerate(journeys):
        cid = j.action.content
        if cid is None:
            continue
        item = content.get(cid)
        if item is None:
            raise JourneyError(f"{lines.at(i, 'content')}: journey {j.id} names unknown content id {cid!r}")
        if j.action.do in CONTENT_ACTIONS and not item.mlr_code:
            raise JourneyError(
                f"{lines.at(i, 'content')}: content {cid} ('{item.title}') has no MLR approval code; only approved "
                "content can be sent"
            )
    return journeys


def load_journeys(paths: Iterable[Path], content: Iterable[Content]) -> list[Journey]:
    """Every journey of ``paths`` (files or folders of *.toml), validated; ids unique; no trigger cycles."""
    catalog = {str(c.id): c for c in content}
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        files.extend(sorted(p.glob("*.toml")) if p.is_dir() else [p])
    journeys: list[Journey] = []
    seen: dict[str, str] = {}
    for f in files:
        for j in load_journey_file(f, catalog):
            if j.id in seen:
                raise JourneyError(f"{j.source}: journey id {j.id!r} is already used at {seen[j.id]}")
            seen[j.id] = j.source
            journeys.append(j)
    ids = set(seen)
    for j in journeys:
        if j.trigger.after is not None and j.trigger.after not in ids:
            raise JourneyError(f"{j.source}: trigger 'after' names unknown journey {j.trigger.after!r}")
    _check_cycles(journeys)
    return journeys


def _causes(a: Journey, b: Journey) -> bool:
    return b.trigger.on in CAUSES.get(a.action.do, ()) and b.trigger.after in (None, a.id)


def _check_cycles(journeys: Sequence[Journey]) -> None:
    state: dict[str, int] = {}
    by_id = {j.id: j for j in journeys}

    def visit(j: Journey, path: list[str]) -> None:
        state[j.id] = 1
        for k in journeys:
            if not _causes(j, k):
                continue
            if state.get(k.id) == 1:
                loop = [*path[path.index(k.id) :], k.id] if k.id in path else [j.id, k.id]
                raise JourneyError(
                    f"{by_id[loop[0]].source}: journeys form a cycle ({' → '.join(loop)}); a follow-up would trigger "
                    "itself again. Narrow a trigger with 'after' or change an action."
                )
            if state.get(k.id) is None:
                visit(k, [*path, k.id])
        state[j.id] = 2

    for j in journeys:
        if j.id not in state:
            visit(j, [j.id])


# -- evaluating -------------------------------------------------------------------------------------------


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


def _pick_content(j: Journey, catalog: Mapping[str, Content], hcp: Hcp, day: Any) -> tuple[Content | None, str]:
    """The content the action sends, or None with the reason it cannot be sent."""
    if j.action.content is not None:
        item = catalog.get(j.action.content)
        if item is None:
            return None, f"content {j.action.content} is no longer in the catalog"
        if not item.mlr_code:
            return None, f"content {item.id} has no MLR approval code"
        if not item.valid_from <= day <= item.valid_to:
            return None, f"content {item.id} is valid {item.valid_from} to {item.valid_to}, not on {day}"
        if not item.is_for_specialty(hcp.specialty_code):
            return None, f"content {item.id} is not approved for specialty {hcp.specialty_label or hcp.specialty_code}"
        return item, ""
    found = [
        c
        for c in catalog.values()
        if j.action.topic in c.topics
        and c.channel is Channel.EMAIL
        and c.is_valid_on(day)
        and c.is_for_specialty(hcp.specialty_code)
    ]
    if not found:
        return None, (
            f"no approved, in-date email content on {j.action.topic} for specialty "
            f"{hcp.specialty_label or hcp.specialty_code}"
        )
    return min(found, key=lambda c: str(c.id)), ""


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
            item, problem = _pick_content(j, content, hcp, day)
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


def default_journey_dir() -> Path:
    """resources/journeys of the source tree (the hub's default journey folder)."""
    return Path(__file__).resolve().parents[3] / "resources" / "journeys"
