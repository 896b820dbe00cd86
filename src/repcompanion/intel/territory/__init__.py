"""The territory's data as the intelligence layer receives it (plain records, never a DB handle) and its event index."""

from repcompanion.intel.territory.events import EventIndex, day_number
from repcompanion.intel.territory.inputs import EVENT_COLUMNS, EventChunks, FollowUp, IntelInputs, events_frame

__all__ = [
    "EVENT_COLUMNS",
    "EventChunks",
    "EventIndex",
    "FollowUp",
    "IntelInputs",
    "day_number",
    "events_frame",
]
