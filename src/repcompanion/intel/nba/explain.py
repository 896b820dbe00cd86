"""Plain-language reasons for a suggestion, each with the feature, its logit contribution and the data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from repcompanion.domain import ACTION_CHANNEL, ActionType, Content, Hcp, Reason
from repcompanion.intel.nba.rules import ACTION_LABEL, CHANNEL_LABEL
from repcompanion.intel.propensity.pairs import MSL_TOPICS

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIN_CONTRIBUTION = 0.02
#: What ``describe`` says of a rate with nothing to count ("0 of 0 visits…"): no sentence, so no reason is shown
#: (the factor still counts in the arithmetic).
NO_DATA = ""
_MSL = str(ActionType.MSL_REFERRAL)


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


def _ago(days: float) -> str:
    """'today', '1 day ago', '12 days ago'."""
    return "today" if round(days) == 0 else f"{_plural(days, 'day')} ago"


def describe(
    feature: str, row: dict[str, Any], hcp: dict[str, Any], content: Content | None, topics: Sequence[str], weekday: int
) -> tuple[str, dict[str, Any]]:
    """The sentence and the data behind ``feature`` for one candidate."""
    data: dict[str, Any]
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
            if not data["sent"]:
                return NO_DATA, data
            return f"Opened {data['opened']} of {_plural(data['sent'], 'email')} in the last year", data
        if action is ActionType.EVENT_INVITE:
            data = {"attended": int(hcp["events_attended_730"]), "invited": int(hcp["event_invites_730"])}
            if not data["invited"]:
                return NO_DATA, data
            return f"Attended {data['attended']} of {_plural(data['invited'], 'event')} invited to in 2 years", data
        key = "remote" if action is ActionType.REMOTE_MEETING else "visit"
        data = {"successful": int(hcp[f"{key}_successes"]), "tries": int(hcp[f"{key}_tries"])}
        if not data["tries"]:
            return NO_DATA, data
        word = "remote meeting" if key == "remote" else "visit"
        return f"{data['successful']} of {_plural(data['tries'], word)} in 2 years led to a discussion", data
    if feature == "weekday_best":
        day = WEEKDAYS[weekday]
        if float(row["weekday_best"]) > 0:
            return f"{day} has been the best day for calls with this HCP", {"weekday": day}
        return f"{day} has not been the best day for calls with this HCP", {"weekday": day}
    if feature == "weekday_lift":
        day = WEEKDAYS[weekday]
        lift = _num(row["weekday_lift"]) or 0.0
        verdict = "work better" if lift >= 0 else "work less well"
        return f"{day}s {verdict} than other days for calls with this HCP", {"weekday": day, "lift": round(lift, 3)}
    if feature == "weekday_posterior":
        day = WEEKDAYS[weekday]
        if action not in (ActionType.VISIT, ActionType.REMOTE_MEETING, ActionType.MSL_REFERRAL):
            return f"The weekday does not matter for {article(label)}", {"weekday": day}
        data = {
            "weekday": day,
            "calls": int(row["weekday_calls"]),
            "productive": int(row["weekday_productive"]),
            "chance_best_day": round(float(row["weekday_posterior"]), 2),
        }
        if not data["calls"]:
            return NO_DATA, data
        calls = f"{data['productive']} of {_plural(data['calls'], 'call')} on {day}s led to a discussion"
        return f"{calls}: {round(100 * data['chance_best_day'])}% chance {day} is this HCP's best day", data
    if feature in ("topic_web_share", "topic_web_share_f2f") and topics:
        data = {
            "views_on_topics": int(row["web_views_on_topics"]),
            "views": int(row["web_views"]),
            "topics": list(topics),
        }
        if data["views"] == 0:
            return f"No website views on record to show interest in {topic_text}", data
        views = _plural(data["views"], "website topic view")
        return f"{data['views_on_topics']} of {views} in 2 years were on {topic_text}", data
    if feature in ("topic_open_lift", "topic_web_share", "topic_web_share_f2f", "has_content"):
        if content is None:
            if topics and feature != "has_content":
                return f"Interest in {topic_text} (what an MSL discusses)", {"topics": list(topics)}
            return "No content attached", {}
        data = {"content_id": str(content.id), "mlr_code": content.mlr_code, "topics": list(content.topics)}
        return f"Approved content on {topic_text} ({content.mlr_code}) matches this HCP's interests", data
    if feature == "channel_preference":
        preferred = str(row["channel_preference"]).endswith(":preferred channel")
        channel = CHANNEL_LABEL.get(ACTION_CHANNEL[action], "this")
        if preferred:
            return f"Prefers {channel} contact", {"preferred_channel": channel}
        return f"Prefers another channel than {channel}", {"preferred_channel": None}
    if feature in ("days_since_relevant_signal", "msl_days_since_relevant_signal"):
        days = _num(row[feature])
        if days is None:
            return f"No engagement with {topic_text} content on record", {"days": None}
        return f"Engaged with {topic_text} content {_ago(days)}", {
            "days": int(days),
            "topics": list(topics),
        }
    if feature == "days_since_signal":
        days = _num(row[feature])
        if days is None:
            return "Has never opened or clicked company content", {"days": None}
        return f"Last opened or clicked company content {_ago(days)}", {"days": int(days)}
    if feature in ("contacts_7", "contacts_30"):
        window = 7 if feature == "contacts_7" else 30
        k = int(row[feature])
        return f"{_plural(k, 'company contact')} in the last {window} days", {"contacts": k, "days": window}
    if feature in ("contacts_7_vs_usual", "contacts_30_vs_usual"):
        window = 7 if feature == "contacts_7_vs_usual" else 30
        k = int(row[f"contacts_{window}"])
        usual = float(row["contacts_30_usual"]) * window / 30.0
        verdict = "fewer than" if k < usual - 0.5 else "more than" if k > usual + 0.5 else "about"
        return f"{_plural(k, 'company contact')} in the last {window} days, {verdict} the usual {usual:.1f}", {
            "contacts": k,
            "days": window,
            "usual": round(usual, 1),
        }
    if feature == "contacts_30_usual":
        per_month = float(row[feature])
        return f"Usually about {per_month:.0f} company contacts a month", {"contacts_per_30_days": round(per_month, 1)}
    if feature == "days_since_visit":
        days = _num(row[feature])
        if days is None:
            return "Never visited", {"days": None}
        if round(days) == 0:
            return "Visited today", {"days": 0}
        return f"No visit in {_plural(days, 'day')}", {"days": int(days)}
    if feature == "days_since_email":
        days = _num(row[feature])
        if days is None:
            return "Never emailed", {"days": None}
        return f"Last approved email {_ago(days)}", {"days": int(days)}
    if feature in ("plan_gap", "quarter_elapsed"):
        data = {
            "done": int(hcp["plan_done"]),
            "planned": int(hcp["plan_planned"]),
            "quarter_elapsed": round(float(hcp["quarter_elapsed"]), 2),
        }
        if not data["planned"]:
            return NO_DATA, data
        return (
            f"{data['done']} of {data['planned']} planned visits this quarter "
            f"({round(100 * data['quarter_elapsed'])}% of the quarter gone)"
        ), data
    if feature == "open_follow_ups":
        k = int(row[feature])
        return f"{_plural(k, 'open follow-up')}", {"open_follow_ups": k}
    return feature.replace("_", " "), {feature: row.get(feature)}


def reason_features(contributions: np.ndarray, k: int = 3) -> list[list[int]]:
    """Per row of an (m, F) contribution matrix, the features to explain: the ``k`` that raise the
    logit most (above MIN_CONTRIBUTION), then those that lower it most, up to ``k`` in all."""
    contributions = np.atleast_2d(contributions)
    order = np.argsort(-contributions, axis=1, kind="stable")
    ranked = np.take_along_axis(contributions, order, axis=1)
    top, rev = order[:, :k], order[:, ::-1][:, :k]
    n_pos = (ranked[:, :k] > MIN_CONTRIBUTION).sum(axis=1)
    n_neg = np.minimum((ranked[:, ::-1][:, :k] < -MIN_CONTRIBUTION).sum(axis=1), k - n_pos)
    return [
        t[:a] + r[:b] for t, r, a, b in zip(top.tolist(), rev.tolist(), n_pos.tolist(), n_neg.tolist(), strict=True)
    ]


#: Features whose sentence depends only on the candidate's action, content and this column's value
#: (None: on the action and content alone), so equal keys share one sentence.
_ROW_KEYED: dict[str, str | None] = {
    "action": None,
    "segment": "segment",
    "specialty": "specialty",
    "decile": "decile",
    "has_content": None,
    "topic_open_lift": None,
    "channel_preference": "channel_preference",
    "weekday_best": "weekday_best",
    **{
        f: f
        for f in (
            "days_since_relevant_signal",
            "msl_days_since_relevant_signal",
            "days_since_signal",
            "contacts_7",
            "contacts_30",
            "contacts_30_usual",
            "days_since_visit",
            "days_since_email",
            "open_follow_ups",
        )
    },
}


def _reasons(
    features: Sequence[str],
    chosen: Sequence[int],
    contributions: np.ndarray,
    row: Any,
    hcp: Any,
    content: Content | None,
    topics: Sequence[str],
    weekday: int,
    memo: dict[Any, Any] | None = None,
) -> tuple[Reason, ...]:
    reasons = []
    seen: set[str] = set()
    for j in chosen:
        feature = features[j]
        key = None
        if memo is not None and feature in _ROW_KEYED:
            column = _ROW_KEYED[feature]
            key = (feature, row["action"], content.id if content is not None else None, column and row[column])
            found = memo.get(key)
        else:
            found = None
        if found is None:
            found = describe(feature, row, hcp, content, topics, weekday)
            if key is not None and memo is not None:
                memo[key] = found
        text, data = found
        if text == NO_DATA or text in seen:
            continue
        seen.add(text)
        reasons.append(Reason(text=text, feature=feature, contribution=float(contributions[j]), data=dict(data)))
    return tuple(reasons)


class RowView:
    """One row of a dict of column arrays, read like a dict (no per-row copies)."""

    __slots__ = ("_cols", "_extra", "_i")

    def __init__(self, cols: dict[str, np.ndarray], i: int, extra: dict | None = None) -> None:
        self._cols, self._i, self._extra = cols, i, extra or {}

    def __getitem__(self, key: str) -> Any:
        if key in self._extra:
            return self._extra[key]
        return self._cols[key][self._i]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


class ReasonWriter:
    """Writes the reasons of many candidates that share column arrays (candidate and HCP columns)."""

    def __init__(
        self,
        features: Sequence[str],
        cand_cols: dict[str, np.ndarray],
        hcp_cols: dict[str, np.ndarray],
        hcps: Sequence[Hcp],
        content: Sequence[Content],
        weekday: int,
    ) -> None:
        self.features, self.cand_cols, self.hcp_cols = list(features), cand_cols, hcp_cols
        self.hcps, self.content, self.weekday = hcps, content, weekday
        self._memo: dict[Any, Any] = {}

    def __call__(self, row: int, hcp_pos: int, content_idx: int, chosen: Sequence[int], contributions: np.ndarray):
        """The reasons of candidate ``row`` (HCP at ``hcp_pos``) for the feature indices ``chosen``."""
        content = self.content[content_idx] if content_idx >= 0 else None
        action = self.cand_cols["action"][row]
        topics = content.topics if content is not None else (MSL_TOPICS if action == _MSL else ())
        hcp = RowView(self.hcp_cols, hcp_pos, {"specialty_label": self.hcps[hcp_pos].specialty_label})
        return _reasons(
            self.features,
            chosen,
            contributions,
            RowView(self.cand_cols, row),
            hcp,
            content,
            topics,
            self.weekday,
            self._memo,
        )
