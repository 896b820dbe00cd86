"""``TerritorySimulator``: steps the demo world forward so policies can be evaluated against the truth."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from repcompanion.domain import (
    ACTION_CHANNEL,
    ACTION_EVENT,
    ActionType,
    Channel,
    ContentId,
    EngagementEvent,
    EventId,
    EventType,
    HcpId,
    NotFoundError,
    ProductId,
)
from repcompanion.simulate.territory import DemoTerritory, source_of
from repcompanion.simulate.truth import ACTION_SPECS

#: per action: the contact event it leaves, its channel and the system that records it
_CONTACT = {action: (event, ACTION_CHANNEL[action], source_of(event)) for action, event in ACTION_EVENT.items()}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened when one action was taken on one day."""

    hcp_id: HcpId
    action: ActionType
    content_id: ContentId | None
    day: date
    probability: float
    responded: bool


def uniform_draw(seed: int, hcp_id: str, action: ActionType, day: date, content_id: str | None, k: int = 0) -> float:
    """A uniform number in [0, 1) fixed by (seed, HCP, action, day, content): two policies that take the
    same action get the same luck (common random numbers), whatever else they do that day."""
    digest = hashlib.blake2b(
        f"{seed}|{hcp_id}|{action.value}|{day.isoformat()}|{content_id or ''}|{k}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big") / 2.0**64


class TerritorySimulator:
    """Applies a policy's daily actions to the demo territory: responses are drawn from the truth and
    the resulting engagement events are appended to the simulator's own history."""

    def __init__(self, demo: DemoTerritory, seed: int = 0) -> None:
        self.demo = demo
        self.seed = seed
        self.truth = demo.truth
        self.events: list[EngagementEvent] = list(demo.events)
        self._by_hcp: dict[HcpId, list[EngagementEvent]] = {h.id: [] for h in demo.hcps}
        for e in self.events:
            self._by_hcp[e.hcp_id].append(e)
        self._content = {c.id: c for c in demo.content}
        self._hcps = {h.id: h for h in demo.hcps}
        self._products = {p.id: p for p in demo.products}
        self._next_id = len(self.events) + 1

    def history_of(self, hcp_id: HcpId) -> list[EngagementEvent]:
        if hcp_id not in self._by_hcp:
            raise NotFoundError(f"HCP {hcp_id} is not in the demo territory")
        return list(self._by_hcp[hcp_id])

    def step(self, day: date, actions: Sequence[tuple[HcpId, ActionType, ContentId | None]]) -> list[Outcome]:
        """Take ``actions`` on ``day``. Probabilities use only history before ``day``; an action without
        consent (or to a do-not-contact HCP) has probability 0, is not carried out and records nothing."""
        outcomes: list[Outcome] = []
        new_events: list[EngagementEvent] = []
        for hcp_id, action, content_id in actions:
            if hcp_id not in self._hcps:
                raise NotFoundError(f"HCP {hcp_id} is not in the demo territory")
            if content_id is not None and content_id not in self._content:
                raise NotFoundError(f"content {content_id} is not in the demo territory")
            p = self.truth.response_probability(
                hcp_id, action, day, content_id=content_id, history=self._by_hcp[hcp_id]
            )
            responded = p > 0.0 and uniform_draw(self.seed, hcp_id, action, day, content_id) < p
            outcomes.append(Outcome(hcp_id, action, content_id, day, p, responded))
            if p > 0.0:
                new_events.extend(self._events_for(hcp_id, action, content_id, day, responded, len(outcomes)))
        for e in new_events:
            self.events.append(e)
            self._by_hcp[e.hcp_id].append(e)
        return outcomes

    def _id(self) -> EventId:
        eid = EventId(f"E{self._next_id:07d}")
        self._next_id += 1
        return eid

    def _events_for(
        self, hcp_id: HcpId, action: ActionType, content_id: ContentId | None, day: date, responded: bool, k: int
    ) -> list[EngagementEvent]:
        etype, channel, source = _CONTACT[action]
        truth = self.truth.params[hcp_id]
        content = self._content.get(content_id) if content_id else None
        product: ProductId | None = content.product_id if content else None
        if action in (ActionType.EMAIL, ActionType.EVENT_INVITE):
            at = datetime.combine(day, time(8, 0)) + timedelta(minutes=k % 120)
        else:
            at = datetime.combine(day, time(min(truth.preferred_hour, 17), 0))
        if content:
            topics = content.topics
        elif action is ActionType.MSL_REFERRAL:
            topics = ACTION_SPECS[ActionType.MSL_REFERRAL].default_topics
        else:
            topics = ("efficacy",)
        shown = topics if responded or action in (ActionType.EMAIL, ActionType.EVENT_INVITE) else ()
        out = [EngagementEvent(self._id(), hcp_id, etype, at, channel, product, content_id, shown, 0, source)]
        if not responded:
            return out
        if action is ActionType.EMAIL:
            opened = at + timedelta(hours=2)
            out.append(
                EngagementEvent(
                    self._id(), hcp_id, EventType.EMAIL_OPENED, opened, channel, product, content_id, topics, 0, source
                )
            )
            interest = sum(truth.topic_interest.get(t, 0.0) for t in topics) / max(len(topics), 1)
            if uniform_draw(self.seed, hcp_id, action, day, content_id, 1) < 1 / (1 + math.exp(1.0 - interest)):
                out.append(
                    EngagementEvent(
                        self._id(),
                        hcp_id,
                        EventType.EMAIL_CLICKED,
                        opened + timedelta(minutes=5),
                        channel,
                        product,
                        content_id,
                        topics,
                        0,
                        source,
                    )
                )
        elif action is ActionType.EVENT_INVITE:
            out.append(
                EngagementEvent(
                    self._id(),
                    hcp_id,
                    EventType.EVENT_ATTENDED,
                    datetime.combine(day + timedelta(days=7), time(18, 30)),
                    None,
                    product,
                    content_id,
                    topics,
                    0,
                    "events",
                )
            )
        elif action is ActionType.VISIT and product is not None:
            limit = self._products[product].sample_limit_per_visit
            if limit > 0:
                out.append(
                    EngagementEvent(
                        self._id(),
                        hcp_id,
                        EventType.SAMPLE_DROP,
                        at + timedelta(minutes=1),
                        Channel.IN_PERSON,
                        product,
                        None,
                        (),
                        min(2, limit),
                        "crm",
                    )
                )
        return out
