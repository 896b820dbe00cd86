"""Journey files: the TOML format, its validation (file and line in every error) and the journey records."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from repcompanion import resources
from repcompanion.domain import (
    Channel,
    Content,
    ValidationError,
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


def default_journey_dir() -> Path:
    """The journeys shipped with RepCompanion (the hub's default journey folder); MissingResourceError if absent."""
    return resources.resource_path("journeys")
