"""Compliance rules for next-best actions, versioned; every block carries a reason a rep can read.

Rules run in a fixed order and the first that blocks names itself: do-not-contact, snoozed,
consent for the action's channel, dismissed recently, frequency caps, content (approved, in date,
for the HCP's specialty and the action's channel). Blocked candidates are kept with their reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

from repcompanion.domain import (
    ACTION_CHANNEL,
    ACTION_EVENT,
    ActionType,
    Channel,
    Consent,
    ConsentState,
    Content,
    FeedbackKind,
    Hcp,
    SuggestionFeedback,
    effective_consent,
)
from repcompanion.intel.territory.events import EVENT_TYPES, EventArrays, day_number

RULES_VERSION = "nba-rules-2026.11.1"

ACTIONS: tuple[ActionType, ...] = tuple(ActionType)
CHANNEL_LABEL = {
    Channel.IN_PERSON: "in-person",
    Channel.EMAIL: "email",
    Channel.REMOTE_MEETING: "remote meeting",
    Channel.SMS: "SMS",
}
ACTION_LABEL = {
    ActionType.VISIT: "visit",
    ActionType.REMOTE_MEETING: "remote meeting",
    ActionType.EMAIL: "approved email",
    ActionType.EVENT_INVITE: "event invitation",
    ActionType.MSL_REFERRAL: "MSL referral",
}
PRESCRIBER_CREDENTIALS = frozenset({"MD", "DO", "NP", "PA", "PA-C", "APRN", "FNP", "DNP", "MBBS"})
INVITATION_PREFIX = "invitation"


@dataclass(frozen=True)
class Cap:
    """At most ``limit`` contacts of one kind within ``days`` days (today included)."""

    limit: int
    days: int


@dataclass(frozen=True)
class RuleConfig:
    """Configurable limits; the defaults are the company's standard contact policy."""

    caps: dict[ActionType, Cap] = field(
        default_factory=lambda: {
            ActionType.EMAIL: Cap(1, 7),
            ActionType.VISIT: Cap(2, 30),
            ActionType.REMOTE_MEETING: Cap(2, 30),
            ActionType.EVENT_INVITE: Cap(1, 28),
            ActionType.MSL_REFERRAL: Cap(1, 90),
        }
    )
    dismiss_days: int = 14


_CAP_EVENT = {action: EVENT_TYPES.index(event) for action, event in ACTION_EVENT.items()}


def is_invitation(content: Content) -> bool:
    """Content that invites to a company event (its title starts with "Invitation")."""
    return content.title.strip().lower().startswith(INVITATION_PREFIX)


def content_fits_action(content: Content, action: ActionType) -> bool:
    if action is ActionType.EMAIL:
        return content.channel is Channel.EMAIL and not is_invitation(content)
    if action is ActionType.EVENT_INVITE:
        return content.channel is Channel.EMAIL and is_invitation(content)
    if action is ActionType.VISIT:
        return content.channel is Channel.IN_PERSON
    if action is ActionType.REMOTE_MEETING:
        return content.channel in (Channel.IN_PERSON, Channel.REMOTE_MEETING) and not is_invitation(content)
    return False


def content_problem(content: Content, hcp: Hcp, action: ActionType, day: date) -> str:
    """Why ``content`` may not be used for ``action`` with ``hcp`` on ``day`` ('' when it may)."""
    if not content.mlr_code:
        return f"Content {content.id} has no MLR approval code"
    if day < content.valid_from:
        return f"Content {content.mlr_code} is approved only from {content.valid_from.isoformat()}"
    if day > content.valid_to:
        return f"Content {content.mlr_code} expired on {content.valid_to.isoformat()}"
    if not content.is_for_specialty(hcp.specialty_code):
        return f"Content {content.mlr_code} is not approved for {hcp.specialty_label or hcp.specialty_code}"
    if not content_fits_action(content, action):
        return f"Content {content.mlr_code} is not made for this kind of action ({ACTION_LABEL[action]})"
    return ""


def consent_problem(records: Sequence[Consent], channel: Channel, day: date) -> str:
    """Why consent does not cover ``channel`` for the whole of ``day`` ('' when it does).

    The most restrictive state wins: consent must hold at the start and at the end of the day,
    and an opt-out captured during the day blocks the day.
    """
    label = CHANNEL_LABEL[channel]
    start = datetime.combine(day, time.min)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    mine = [c for c in records if c.channel is channel]
    first = effective_consent(mine, channel, start)
    last = effective_consent(mine, channel, end)
    if last is None:
        return f"No {label} consent on file"
    for record, at in ((last, end), (first, start)):
        if record is None:
            return f"No {label} consent on file at the start of the day"
        if record.state is ConsentState.OPT_OUT:
            return f"Opted out of {label} contact on {record.captured_at.date().isoformat()}"
        if not record.allows(at):
            expired = record.expires_at.date().isoformat() if record.expires_at else "?"
            return f"{label.capitalize()} consent expired on {expired}"
    for c in mine:
        if c.state is ConsentState.OPT_OUT and start <= c.captured_at <= end:
            return f"Opted out of {label} contact today"
    return ""


class ConsentBook:
    """All consent records as arrays, answering "may we use channel X with each HCP on day D" at once.

    Gives the same verdicts and reasons as :func:`consent_problem`, vectorised over HCPs.
    """

    CHANNELS = (Channel.IN_PERSON, Channel.EMAIL, Channel.REMOTE_MEETING)

    def __init__(self, hcp_ids: Sequence[str], consents: Sequence[Consent]) -> None:
        self.hcp_ids = pd.Index([str(h) for h in hcp_ids])
        records = [c for c in consents if c.channel in self.CHANNELS]
        frame = pd.DataFrame(
            {
                "hcp": self.hcp_ids.get_indexer([str(c.hcp_id) for c in records]).astype(np.int64),
                "channel": [self.CHANNELS.index(c.channel) for c in records],
                "opt_out": [c.state is ConsentState.OPT_OUT for c in records],
                "captured": pd.to_datetime([c.captured_at for c in records]),
                "expires": pd.to_datetime([c.expires_at for c in records]),
            }
        )
        frame = frame[frame["hcp"] >= 0]
        self.frame = frame.sort_values(["channel", "hcp", "captured", "opt_out"], kind="stable").reset_index(drop=True)

    def problems(self, day: date, positions: np.ndarray | None = None) -> dict[Channel, np.ndarray]:
        """Per channel, an object array (one entry per HCP, or per ``positions``) of problems ('' = allowed)."""
        start = pd.Timestamp(datetime.combine(day, time.min))
        end = start + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
        chosen = np.arange(len(self.hcp_ids)) if positions is None else np.asarray(positions, dtype=np.int64)
        local = np.full(len(self.hcp_ids), -1, dtype=np.int64)
        local[chosen] = np.arange(len(chosen))
        out = {}
        for c, channel in enumerate(self.CHANNELS):
            label = CHANNEL_LABEL[channel]
            f = self.frame[self.frame["channel"].to_numpy() == c]
            f = f[local[f["hcp"].to_numpy()] >= 0]
            reason = np.full(len(chosen), "", dtype=object)
            # checked in reverse order of precedence so the first failing check's text wins
            today_out = f[
                f["opt_out"].to_numpy(dtype=bool)
                & (f["captured"] >= start).to_numpy()
                & (f["captured"] <= end).to_numpy()
            ]
            reason[local[today_out["hcp"].to_numpy()]] = f"Opted out of {label} contact today"
            for at, missing in (
                (start, f"No {label} consent on file at the start of the day"),
                (end, f"No {label} consent on file"),
            ):
                seen = f[(f["captured"] <= at).to_numpy()]
                last = seen.drop_duplicates("hcp", keep="last")
                rows = local[last["hcp"].to_numpy()]
                has = np.zeros(len(chosen), dtype=bool)
                has[rows] = True
                expires = last["expires"]
                expired = (expires.notna() & (expires <= at)).to_numpy()
                texts = np.array(
                    [
                        f"{label.capitalize()} consent expired on {e.date().isoformat()}" if x else ""
                        for e, x in zip(expires, expired, strict=True)
                    ],
                    dtype=object,
                )
                opted = last["opt_out"].to_numpy(dtype=bool)
                dates = last["captured"].dt.date.astype(str).to_numpy()
                texts[opted] = np.array([f"Opted out of {label} contact on {d}" for d in dates[opted]], dtype=object)
                bad = texts != ""
                reason[rows[bad]] = texts[bad]
                reason[~has] = missing
            out[channel] = reason
        return out


def cap_counts(
    events: EventArrays, local: np.ndarray, n: int, day: date, config: RuleConfig
) -> dict[ActionType, np.ndarray]:
    """Per action, how many contacts of its kind each HCP had in the cap window (today included)."""
    today = day_number(day)
    age = today - events.day
    h = local[events.hcp]
    out = {}
    for action, cap in config.caps.items():
        mask = (events.type == _CAP_EVENT[action]) & (age >= 0) & (age < cap.days) & (h >= 0)
        out[action] = np.bincount(h[mask], minlength=n)
    return out


def feedback_blocks(
    feedback: Sequence[SuggestionFeedback], day: date, config: RuleConfig
) -> tuple[dict[tuple[str, ActionType], str], dict[str, str]]:
    """Actions dismissed recently ((hcp, action) → reason) and HCPs snoozed (hcp → reason)."""
    dismissed: dict[tuple[str, ActionType], tuple[datetime, str]] = {}
    snoozed: dict[str, tuple[datetime, str]] = {}
    for fb in sorted(feedback, key=lambda f: f.at):
        hid = str(fb.hcp_id)
        if fb.kind is FeedbackKind.DISMISSED:
            until = fb.at.date() + timedelta(days=config.dismiss_days)
            if day < until:
                reason = fb.reason.value.replace("_", " ") if fb.reason else "no reason"
                dismissed[(hid, fb.action)] = (
                    fb.at,
                    f"Dismissed on {fb.at.date().isoformat()} ({reason}); hidden until {until.isoformat()}",
                )
        elif fb.kind is FeedbackKind.SNOOZED and fb.snooze_until is not None:
            if day < fb.snooze_until:
                snoozed[hid] = (fb.at, f"Snoozed until {fb.snooze_until.isoformat()}")
            else:
                snoozed.pop(hid, None)
        elif fb.kind in (FeedbackKind.ACCEPTED, FeedbackKind.COMPLETED):
            dismissed.pop((hid, fb.action), None)
    return {k: v[1] for k, v in dismissed.items()}, {k: v[1] for k, v in snoozed.items()}


def sample_problem(hcp: Hcp) -> str:
    """Why samples may not be left with ``hcp`` ('' when they may)."""
    if not hcp.npi:
        return "No samples: no NPI on file"
    creds = {c.strip().upper().rstrip(".") for c in hcp.credentials.replace(",", " ").split()}
    if not creds & PRESCRIBER_CREDENTIALS:
        return f"No samples: {hcp.credentials or 'no credentials'} is not a prescriber credential"
    return ""


@dataclass
class RuleContext:
    """Everything the rules need for one day, prepared once (per HCP position)."""

    day: date
    hcps: Sequence[Hcp]
    consent: dict[Channel, np.ndarray]
    caps: dict[ActionType, np.ndarray]
    dismissed: dict[tuple[str, ActionType], str]
    snoozed: dict[str, str]
    config: RuleConfig


def check_candidates(
    ctx: RuleContext,
    hcp_pos: np.ndarray,
    actions: np.ndarray,
    content_problems: np.ndarray,
) -> np.ndarray:
    """The blocking reason of each candidate row ('' when allowed), first failing rule first.

    ``hcp_pos`` indexes ``ctx.hcps``; ``actions`` holds ActionType values; ``content_problems``
    holds the content rule's verdict per row ('' when the row has acceptable or no content).
    """
    n = len(hcp_pos)
    reason = np.full(n, "", dtype=object)
    hcps = ctx.hcps

    def fill(mask: np.ndarray, texts: np.ndarray | str) -> None:
        todo = mask & (reason == "")
        if todo.any():
            reason[todo] = texts[todo] if isinstance(texts, np.ndarray) else texts

    dnc = np.array([hcps[i].do_not_contact for i in range(len(hcps))], dtype=bool)
    inactive = np.array([not hcps[i].active for i in range(len(hcps))], dtype=bool)
    fill(dnc[hcp_pos], "Do not contact: the HCP asked not to be contacted")
    fill(inactive[hcp_pos], "The HCP is no longer active")
    if ctx.snoozed:
        ids = np.array([str(hcps[i].id) for i in hcp_pos], dtype=object)
        texts = np.array([ctx.snoozed.get(i, "") for i in ids], dtype=object)
        fill(texts != "", texts)
    for action in ACTIONS:
        rows = actions == action
        if not rows.any():
            continue
        channel = ACTION_CHANNEL[action]
        problems = ctx.consent[channel][hcp_pos]
        if action is ActionType.EVENT_INVITE:
            problems = np.where(problems != "", "Event invitations go by email: " + problems.astype(str), "")
            problems = problems.astype(object)
        fill(rows & (problems != ""), problems)
    if ctx.dismissed:
        hcp_ids = [str(hcps[i].id) for i in hcp_pos]
        texts = np.array([ctx.dismissed.get((h, a), "") for h, a in zip(hcp_ids, actions, strict=True)], dtype=object)
        fill(texts != "", texts)
    for action, cap in ctx.config.caps.items():
        rows = actions == action
        if not rows.any():
            continue
        used = ctx.caps[action][hcp_pos]
        text = f"Frequency cap: at most {cap.limit} {ACTION_LABEL[action]}(s) per {cap.days} days"
        fill(rows & (used >= cap.limit), text)
    fill(content_problems != "", content_problems)
    return reason
