"""The last ranking, kept in the workspace so the app paints today's list at once.

A cached ranking is used only when nothing it depends on has changed: the day, the replica (sync cursor
and the newest event, consent, follow-up and feedback rows), the rep's own uploads, the model file and
the app version. Anything else recomputes it. It is the same list the engine would return, not a guess.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from repcompanion import __version__
from repcompanion.domain import ActionType, ContentId, HcpId, Reason, Suggestion, SuggestionId
from repcompanion.intel.propensity import default_model_path
from repcompanion.store import Store

T = TypeVar("T")

#: The layout of the stored payload (and the reasons' wording); a cache written in another is recomputed.
FORMAT = 3


def fingerprint(store: Store, day: date, model_file: Path | None) -> str:
    """``model_file``: the hub-published model installed in the workspace (if any); the shipped default model
    counts too, so a retrained default is never served a ranking made with the old one."""
    state = store.sync_state.get_value("cursor") or "0"
    counts = store.ranking_cache.inputs_stamp()
    models = [_stamp(model_file), _stamp(default_model_path())]
    raw = json.dumps([__version__, FORMAT, day.isoformat(), state, counts, models])
    return hashlib.sha256(raw.encode()).hexdigest()


def _stamp(path: Path | None) -> str:
    if path is None or not path.exists():
        return ""
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _encode(s: Suggestion) -> dict[str, Any]:
    # Field by field: dataclasses.asdict deep-copies every nested dict and took ~1 s for 5,000 suggestions.
    return {
        "id": s.id,
        "hcp_id": s.hcp_id,
        "day": s.day.isoformat(),
        "action": s.action.value,
        "priority": s.priority,
        "probability": s.probability,
        "logit": s.logit,
        "intercept": s.intercept,
        "contributions": s.contributions,
        "value": s.value,
        "urgency": s.urgency,
        "context": s.context,
        "reasons": [
            {"text": r.text, "feature": r.feature, "contribution": r.contribution, "data": r.data} for r in s.reasons
        ],
        "rule_reasons": s.rule_reasons,
        "blocked": s.blocked,
        "content_id": s.content_id,
        "what_would_change": s.what_would_change,
        "model_version": s.model_version,
        "rules_version": s.rules_version,
        "rank": s.rank,
    }


def _decode(d: dict[str, Any]) -> Suggestion:
    return Suggestion(
        id=SuggestionId(d["id"]),
        hcp_id=HcpId(d["hcp_id"]),
        day=date.fromisoformat(d["day"]),
        action=ActionType(d["action"]),
        priority=d["priority"],
        probability=d["probability"],
        logit=d["logit"],
        intercept=d["intercept"],
        contributions=d["contributions"],
        value=d["value"],
        urgency=d["urgency"],
        context=d["context"],
        reasons=tuple(Reason(**r) for r in d["reasons"]),
        rule_reasons=tuple(d["rule_reasons"]),
        blocked=d["blocked"],
        content_id=ContentId(d["content_id"]) if d["content_id"] else None,
        what_would_change=tuple(d["what_would_change"]),
        model_version=d["model_version"],
        rules_version=d["rules_version"],
        rank=d["rank"],
    )


@dataclass(frozen=True)
class RankedLine:
    """What a list of the day's priorities shows of one suggestion (the full one is ~50 times larger)."""

    hcp_id: HcpId
    rank: int
    action: ActionType
    priority: float
    probability: float
    top_reason: str

    @staticmethod
    def of(s: Suggestion) -> RankedLine:
        top = s.reasons[0].text if s.reasons else (s.rule_reasons[0] if s.rule_reasons else "")
        return RankedLine(s.hcp_id, s.rank or 0, s.action, s.priority, s.probability, top)


def _line(d: dict[str, Any]) -> RankedLine:
    reasons, rules = d["reasons"], d["rule_reasons"]
    top = reasons[0]["text"] if reasons else (rules[0] if rules else "")
    return RankedLine(HcpId(d["hcp_id"]), d["rank"] or 0, ActionType(d["action"]), d["priority"], d["probability"], top)


def load(store: Store, key: str) -> list[Suggestion] | None:
    """The cached ranking with every suggestion's full explanation, or None when there is none for ``key``."""
    return _load(store, key, _decode)


def load_lines(store: Store, key: str) -> list[RankedLine] | None:
    """The cached ranking as list lines; each suggestion is decoded and dropped in turn, so the full ranking is
    never in memory at once."""
    return _load(store, key, _line)


def load_latest_lines(store: Store) -> tuple[date, list[RankedLine]] | None:
    """The last ranking kept, whatever it was made for (its day, and its lines), or None."""
    latest = store.ranking_cache.latest()
    if latest is None:
        return None
    day, key = latest
    lines = _load(store, key, _line)
    return (date.fromisoformat(day), lines) if lines else None


def _load(store: Store, key: str, decode: Callable[[dict[str, Any]], T]) -> list[T] | None:
    payload = store.ranking_cache.payload(key)
    if payload is None:
        return None
    try:
        text = zlib.decompress(payload).decode()
        # One small JSON document per line: a single document of thousands would hold the GIL (and so freeze
        # the window) for a fifth of a second while it parses.
        return [decode(json.loads(line)) for line in _lines(text)]
    except (ValueError, KeyError, TypeError, zlib.error):
        return None  # a cache from another version: recompute


def _lines(text: str) -> Iterator[str]:
    """The non-empty lines of ``text``, one at a time (a list or a StringIO would copy all of it)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end > start:
            yield text[start:end]
        start = end + 1


def save(store: Store, key: str, day: date, ranking: list[Suggestion]) -> None:
    compressor = zlib.compressobj(3)
    parts = [compressor.compress((json.dumps(_encode(s), default=str) + "\n").encode()) for s in ranking]
    parts.append(compressor.flush())
    store.ranking_cache.replace(key, day.isoformat(), b"".join(parts))
