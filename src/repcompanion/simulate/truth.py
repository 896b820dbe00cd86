"""The ground-truth response model: hidden HCP parameters and the true response probability."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

import numpy as np

from repcompanion.domain import (
    ACTION_CHANNEL,
    CONTACT_EVENTS,
    ActionType,
    Channel,
    Consent,
    ConsentState,
    Content,
    ContentId,
    EngagementEvent,
    EventType,
    Hcp,
    HcpId,
    NotFoundError,
    Segment,
    effective_consent,
)
from repcompanion.simulate.vocab import CARDIOLOGY, ENDOCRINOLOGY, NEPHROLOGY, PRIMARY_CARE, TOPICS

#: Receptivity keys: the three contact channels plus company events (webinars, dinner programmes).
RECEPTIVITY_KEYS: tuple[str, ...] = ("in_person", "email", "remote_meeting", "events")
#: HCP-initiated events that show interest in their topics (they drive the timing boost and recency).
SIGNAL_EVENTS = frozenset({EventType.EMAIL_OPENED, EventType.EMAIL_CLICKED, EventType.WEB_VISIT})

FATIGUE_30_WEIGHT = 0.25  # a contact 8..30 days ago weighs a quarter of one in the last 7 days
BOOST_TAU_DAYS = 14.0  # the relevant-content boost decays with this time constant
RECENCY_WEIGHT = 0.3
RECENCY_TAU_DAYS = 30.0


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """How one action type turns the hidden parameters into a logit."""

    intercept: float
    receptivity: str  # one of RECEPTIVITY_KEYS
    topic_weight: float
    boost_weight: float
    weekday_weight: float
    default_topics: tuple[str, ...] = ()  # topics that matter when no content is attached


ACTION_SPECS: Mapping[ActionType, ActionSpec] = MappingProxyType(
    {
        ActionType.VISIT: ActionSpec(-0.2, "in_person", 0.6, 0.9, 0.6),
        ActionType.REMOTE_MEETING: ActionSpec(-0.3, "remote_meeting", 0.6, 0.7, 0.6),
        ActionType.EMAIL: ActionSpec(-1.3, "email", 1.0, 0.5, 0.0),
        ActionType.EVENT_INVITE: ActionSpec(-2.0, "events", 0.8, 0.6, 0.0),
        ActionType.MSL_REFERRAL: ActionSpec(
            -1.5, "in_person", 0.8, 1.8, 0.3, default_topics=("clinical_data", "mechanism")
        ),
    }
)


def true_logit(
    spec: ActionSpec,
    receptivity: float | np.ndarray,
    topic_interest: float | np.ndarray,
    contacts_7d: float | np.ndarray,
    contacts_30d: float | np.ndarray,
    fatigue_sensitivity: float | np.ndarray,
    boost_decay: float | np.ndarray,
    recency_decay: float | np.ndarray,
    weekday_match: float | np.ndarray,
) -> float | np.ndarray:
    """The one formula of the truth, shared by the scalar function and the vectorised history."""
    return (
        spec.intercept
        + receptivity
        + spec.topic_weight * topic_interest
        - fatigue_sensitivity * (contacts_7d + FATIGUE_30_WEIGHT * contacts_30d)
        + spec.boost_weight * boost_decay
        + RECENCY_WEIGHT * recency_decay
        + spec.weekday_weight * weekday_match
    )


def sigmoid(z: float | np.ndarray) -> float | np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True, slots=True)
class HcpTruth:
    """The hidden parameters of one HCP (never visible to the app or the model)."""

    hcp_id: HcpId
    receptivity: Mapping[str, float]  # logit offset per RECEPTIVITY_KEYS entry
    topic_interest: Mapping[str, float]  # logit offset per topic in TOPICS
    fatigue_sensitivity: float  # logit penalty per recent company contact
    preferred_weekday: int  # 0 = Monday .. 4 = Friday
    preferred_hour: int  # local hour when the HCP is easiest to reach


@dataclass(frozen=True, slots=True)
class TruthArrays:
    """The hidden parameters of all HCPs as arrays, row i for the i-th HCP."""

    receptivity: np.ndarray  # (n, len(RECEPTIVITY_KEYS))
    interest: np.ndarray  # (n, len(TOPICS))
    fatigue: np.ndarray  # (n,)
    weekday: np.ndarray  # (n,) int
    hour: np.ndarray  # (n,) int


_CHANNEL_MEAN = {"in_person": 0.3, "email": -0.2, "remote_meeting": -0.3, "events": -0.2}
_PREFERRED_KEY = {
    Channel.IN_PERSON: "in_person",
    Channel.EMAIL: "email",
    Channel.REMOTE_MEETING: "remote_meeting",
    Channel.SMS: "email",
}
_SEGMENT_OPENNESS = {Segment.A: 0.25, Segment.B: 0.1, Segment.C: 0.0, Segment.D: -0.1}


def _specialty_affinity(code: str) -> dict[str, float]:
    if code in CARDIOLOGY or code in NEPHROLOGY:
        return {"clinical_data": 0.5, "mechanism": 0.3, "guidelines": 0.2}
    if code in ENDOCRINOLOGY:
        return {"clinical_data": 0.4, "dosing": 0.3, "efficacy": 0.2}
    if code in PRIMARY_CARE:
        return {"access": 0.4, "patient_support": 0.4, "dosing": 0.2, "guidelines": 0.2}
    return {}


def draw_hidden_parameters(rng: np.random.Generator, hcps: Sequence[Hcp]) -> TruthArrays:
    """Draw every HCP's hidden parameters; specialty and preferred channel shift them a little."""
    n = len(hcps)
    rec = rng.normal(0.0, 0.9, size=(n, len(RECEPTIVITY_KEYS)))
    rec += np.array([_CHANNEL_MEAN[k] for k in RECEPTIVITY_KEYS])
    interest = rng.normal(0.0, 0.8, size=(n, len(TOPICS)))
    for i, hcp in enumerate(hcps):
        rec[i, RECEPTIVITY_KEYS.index(_PREFERRED_KEY[hcp.preferred_channel])] += 0.8
        rec[i] += _SEGMENT_OPENNESS[hcp.segment]
        for topic, shift in _specialty_affinity(hcp.specialty_code).items():
            interest[i, TOPICS.index(topic)] += shift
    fatigue = np.exp(rng.normal(math.log(0.16), 0.5, size=n))
    weekday = rng.integers(0, 5, size=n)
    hour = rng.choice(np.arange(8, 18), size=n, p=_HOUR_WEIGHTS)
    return TruthArrays(rec, interest, fatigue, weekday, hour)


_HOUR_WEIGHTS = np.array([6, 9, 10, 7, 9, 6, 8, 9, 7, 4], dtype=float) / 75.0


def consent_allows_day(consents: Iterable[Consent], channel: Channel, day: date) -> bool:
    """True when consent for ``channel`` holds for the whole of ``day`` (no change during the day)."""
    start = datetime.combine(day, time.min)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    records = [c for c in consents if c.channel is channel]
    first = effective_consent(records, channel, start)
    last = effective_consent(records, channel, end)
    if first is None or last is None or not first.allows(start) or not last.allows(end):
        return False
    return not any(c.state is ConsentState.OPT_OUT and start <= c.captured_at <= end for c in records)


class GroundTruth:
    """The hidden parameters of every HCP and the true probability that an action succeeds."""

    def __init__(
        self,
        params: dict[HcpId, HcpTruth],
        content: Sequence[Content],
        consents: Sequence[Consent],
        do_not_contact: Iterable[HcpId] = (),
    ) -> None:
        self.params = params
        self._content = {c.id: c for c in content}
        self._consents: dict[HcpId, list[Consent]] = {}
        for c in consents:
            self._consents.setdefault(c.hcp_id, []).append(c)
        self._dnc = frozenset(do_not_contact)

    def consent_allows(self, hcp_id: HcpId, action: ActionType, day: date) -> bool:
        """Whether the company may take ``action`` with the HCP on ``day`` (consent, do-not-contact)."""
        if hcp_id in self._dnc:
            return False
        return consent_allows_day(self._consents.get(hcp_id, ()), ACTION_CHANNEL[action], day)

    def response_probability(
        self,
        hcp_id: HcpId,
        action: ActionType,
        day: date,
        *,
        content_id: ContentId | None = None,
        history: Sequence[EngagementEvent] = (),
    ) -> float:
        """The true probability that ``action`` on ``day`` succeeds; ``history`` = the HCP's events
        (only those before ``day`` are used)."""
        truth = self.params.get(hcp_id)
        if truth is None:
            raise NotFoundError(f"HCP {hcp_id} is not in the demo territory")
        if not self.consent_allows(hcp_id, action, day):
            return 0.0
        return float(sigmoid(self.logit(hcp_id, action, day, content_id=content_id, history=history)))

    def logit(
        self,
        hcp_id: HcpId,
        action: ActionType,
        day: date,
        *,
        content_id: ContentId | None = None,
        history: Sequence[EngagementEvent] = (),
    ) -> float:
        """The true logit before the consent gate (see ``response_probability``)."""
        truth = self.params[hcp_id]
        spec = ACTION_SPECS[action]
        if content_id is not None:
            content = self._content.get(content_id)
            if content is None:
                raise NotFoundError(f"content {content_id} is not in the demo territory")
            interest_topics = tuple(t for t in content.topics if t in truth.topic_interest)
            relevant = interest_topics
        else:
            interest_topics = spec.default_topics
            relevant = spec.default_topics or TOPICS
        topic_mean = (
            sum(truth.topic_interest[t] for t in interest_topics) / len(interest_topics) if interest_topics else 0.0
        )
        n7 = n30 = 0
        signal_age: int | None = None
        relevant_age: int | None = None
        relevant_set = set(relevant)
        for ev in history:
            age = (day - ev.occurred_at.date()).days
            if age <= 0:
                continue
            if ev.type in CONTACT_EVENTS:
                n7 += age <= 7
                n30 += age <= 30
            if ev.type in SIGNAL_EVENTS:
                if signal_age is None or age < signal_age:
                    signal_age = age
                if (relevant_age is None or age < relevant_age) and relevant_set.intersection(ev.topics):
                    relevant_age = age
        boost = math.exp(-relevant_age / BOOST_TAU_DAYS) if relevant_age is not None else 0.0
        recency = math.exp(-signal_age / RECENCY_TAU_DAYS) if signal_age is not None else 0.0
        weekday = 1.0 if day.weekday() == truth.preferred_weekday else 0.0
        return float(
            true_logit(
                spec,
                truth.receptivity[spec.receptivity],
                topic_mean,
                n7,
                n30,
                truth.fatigue_sensitivity,
                boost,
                recency,
                weekday,
            )
        )


def hcp_truths(hcp_ids: Sequence[HcpId], arrays: TruthArrays) -> dict[HcpId, HcpTruth]:
    out: dict[HcpId, HcpTruth] = {}
    for i, hid in enumerate(hcp_ids):
        out[hid] = HcpTruth(
            hcp_id=hid,
            receptivity=MappingProxyType({k: float(arrays.receptivity[i, j]) for j, k in enumerate(RECEPTIVITY_KEYS)}),
            topic_interest=MappingProxyType({t: float(arrays.interest[i, j]) for j, t in enumerate(TOPICS)}),
            fatigue_sensitivity=float(arrays.fatigue[i]),
            preferred_weekday=int(arrays.weekday[i]),
            preferred_hour=int(arrays.hour[i]),
        )
    return out


_SEGMENT_VALUE = {Segment.A: 4.0, Segment.B: 2.5, Segment.C: 1.5, Segment.D: 1.0}


def hcp_value(hcp: Hcp) -> float:
    """Business value of a successful action with ``hcp``: segment weight × (0.5 + decile / 10)."""
    return _SEGMENT_VALUE[hcp.segment] * (0.5 + hcp.decile / 10.0)
