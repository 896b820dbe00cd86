"""Plain-language reasons for a suggestion, each with the feature, its logit contribution and the data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from repcompanion.domain import ActionType, Content, Reason
from repcompanion.intel.rules import ACTION_LABEL

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIN_CONTRIBUTION = 0.02


def _num(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(v) else v


def article(noun: str) -> str:
    """'a visit', 'an approved email'."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _plural(k: float, word: str) -> str:
    k = round(float(k))
    return f"{k} {word}" + ("" if k == 1 else "s")


def describe(
    feature: str, row: dict[str, Any], hcp: dict[str, Any], content: Content | None, topics: Sequence[str], weekday: int
) -> tuple[str, dict[str, Any]]:
    """The sentence and the data behind ``feature`` for one candidate."""
    action = ActionType(row["action"])
    label = ACTION_LABEL[action]
    topic_text = " and ".join(t.replace("_", " ") for t in topics) or "company"
    if feature == "action":
        return f"Baseline response to {article(label)}", {"action": str(action)}
    if feature == "segment":
        return f"Segment {row['segment']} HCP", {"segment": row["segment"]}
    if feature == "specialty":
        return f"Specialty {hcp.get('specialty_label') or row['specialty']}", {"specialty": row["specialty"]}
    if feature == "decile":
        return f"Prescribing decile {int(row['decile'])}", {"decile": int(row["decile"])}
    if feature in ("channel_success_rate", "channel_tries"):
        if action is ActionType.EMAIL:
            data = {"opened": int(hcp["emails_opened_365"]), "sent": int(hcp["emails_sent_365"])}
            return f"Opened {data['opened']} of {_plural(data['sent'], 'email')} in the last year", data
        if action is ActionType.EVENT_INVITE:
            data = {"attended": int(hcp["events_attended_730"]), "invited": int(hcp["event_invites_730"])}
            return f"Attended {data['attended']} of {_plural(data['invited'], 'event')} invited to in 2 years", data
        key = "remote" if action is ActionType.REMOTE_MEETING else "visit"
        data = {"successful": int(hcp[f"{key}_successes"]), "tries": int(hcp[f"{key}_tries"])}
        word = "remote meeting" if key == "remote" else "visit"
        return f"{data['successful']} of {_plural(data['tries'], word)} in 2 years led to a discussion", data
    if feature == "weekday_lift":
        day = WEEKDAYS[weekday]
        lift = _num(row["weekday_lift"]) or 0.0
        verdict = "work better" if lift >= 0 else "work less well"
        return f"{day}s {verdict} than other days for calls with this HCP", {"weekday": day, "lift": round(lift, 3)}
    if feature in ("topic_open_lift", "topic_signal_share", "has_content"):
        if content is None:
            return "No content attached", {}
        data = {"content_id": str(content.id), "mlr_code": content.mlr_code, "topics": list(content.topics)}
        return f"Approved content on {topic_text} ({content.mlr_code}) matches this HCP's interests", data
    if feature in ("days_since_relevant_signal", "msl_days_since_relevant_signal"):
        days = _num(row[feature])
        if days is None:
            return f"No engagement with {topic_text} content on record", {"days": None}
        return f"Engaged with {topic_text} content {_plural(days, 'day')} ago", {
            "days": int(days),
            "topics": list(topics),
        }
    if feature == "days_since_signal":
        days = _num(row[feature])
        if days is None:
            return "Has never opened or clicked company content", {"days": None}
        return f"Last opened or clicked company content {_plural(days, 'day')} ago", {"days": int(days)}
    if feature in ("contacts_7", "contacts_30"):
        window = 7 if feature == "contacts_7" else 30
        k = int(row[feature])
        return f"{_plural(k, 'company contact')} in the last {window} days", {"contacts": k, "days": window}
    if feature == "days_since_visit":
        days = _num(row[feature])
        if days is None:
            return "Never visited", {"days": None}
        return f"No visit in {_plural(days, 'day')}", {"days": int(days)}
    if feature == "days_since_email":
        days = _num(row[feature])
        if days is None:
            return "Never emailed", {"days": None}
        return f"Last approved email {_plural(days, 'day')} ago", {"days": int(days)}
    if feature in ("plan_gap", "quarter_elapsed"):
        data = {
            "done": int(hcp["plan_done"]),
            "planned": int(hcp["plan_planned"]),
            "quarter_elapsed": round(float(hcp["quarter_elapsed"]), 2),
        }
        return (
            f"{data['done']} of {data['planned']} planned visits this quarter "
            f"({round(100 * data['quarter_elapsed'])}% of the quarter gone)"
        ), data
    if feature == "open_follow_ups":
        k = int(row[feature])
        return f"{_plural(k, 'open follow-up')}", {"open_follow_ups": k}
    return feature.replace("_", " "), {feature: row.get(feature)}


def top_reasons(
    features: Sequence[str],
    contributions: np.ndarray,
    row: dict[str, Any],
    hcp: dict[str, Any],
    content: Content | None,
    topics: Sequence[str],
    weekday: int,
    k: int = 3,
    order: Sequence[int] | None = None,
) -> tuple[Reason, ...]:
    """The ``k`` features that raise the logit most (then those that lower it most), in words.

    ``order`` (feature indices by decreasing contribution) may be given when computed in bulk."""
    order = np.argsort(-contributions, kind="stable").tolist() if order is None else order
    chosen = [j for j in order[:k] if contributions[j] > MIN_CONTRIBUTION]
    if len(chosen) < k:
        negatives = [j for j in reversed(order) if contributions[j] < -MIN_CONTRIBUTION]
        chosen += negatives[: k - len(chosen)]
    reasons = []
    seen: set[str] = set()
    for j in chosen:
        text, data = describe(features[j], row, hcp, content, topics, weekday)
        if text in seen:
            continue
        seen.add(text)
        reasons.append(Reason(text=text, feature=features[j], contribution=float(contributions[j]), data=data))
    return tuple(reasons)
