"""Reading outcomes back out of engagement history: which contact was an action and did it succeed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from repcompanion.domain import ACTION_EVENT, ActionType, ContentId, EngagementEvent, EventId, EventType, HcpId

#: The contact event each action leaves in the history.
CONTACT_OF_ACTION: dict[EventType, ActionType] = {event: action for action, event in ACTION_EVENT.items()}
EVENT_ATTENDANCE_LAG = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ObservedAction:
    """One past contact as a training example: the action taken and whether it succeeded."""

    event_id: EventId
    hcp_id: HcpId
    action: ActionType
    content_id: ContentId | None
    day: date
    responded: bool


def observed_actions(events: Iterable[EngagementEvent]) -> list[ObservedAction]:
    """Every contact in ``events`` with its outcome, read by the conventions in docs/simulator.md:
    visits, remote calls and MSL visits succeeded when topics were recorded; an email when it was
    opened the same day; an invitation when the event was attended a week later."""
    events = list(events)
    opened = {(e.hcp_id, e.content_id, e.occurred_at.date()) for e in events if e.type is EventType.EMAIL_OPENED}
    attended = {
        (e.hcp_id, e.content_id, e.occurred_at.date() - EVENT_ATTENDANCE_LAG)
        for e in events
        if e.type is EventType.EVENT_ATTENDED
    }
    out: list[ObservedAction] = []
    for e in events:
        action = CONTACT_OF_ACTION.get(e.type)
        if action is None:
            continue
        day = e.occurred_at.date()
        if action is ActionType.EMAIL:
            responded = (e.hcp_id, e.content_id, day) in opened
        elif action is ActionType.EVENT_INVITE:
            responded = (e.hcp_id, e.content_id, day) in attended
        else:
            responded = bool(e.topics)
        out.append(ObservedAction(e.id, e.hcp_id, action, e.content_id, day, responded))
    return out
