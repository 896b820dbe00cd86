"""Journey rules: declarative, versioned TOML files mapping what happened to a compliant follow-up.

Pure and domain-only: the hub evaluates journeys when a call report is pushed or engagement comes in,
and the Workspace evaluates the same files to preview a visit's follow-ups. See docs/journeys.md.
"""

from repcompanion.intel.journeys.evaluate import (
    SKIP_PREFIX,
    HcpContext,
    PlannedFollowUp,
    TriggerEvent,
    evaluate,
    skipped_journeys,
)
from repcompanion.intel.journeys.files import (
    CONTENT_ACTIONS,
    Journey,
    JourneyError,
    default_journey_dir,
    load_journeys,
)

__all__ = [
    "CONTENT_ACTIONS",
    "SKIP_PREFIX",
    "HcpContext",
    "Journey",
    "JourneyError",
    "PlannedFollowUp",
    "TriggerEvent",
    "default_journey_dir",
    "evaluate",
    "load_journeys",
    "skipped_journeys",
]
