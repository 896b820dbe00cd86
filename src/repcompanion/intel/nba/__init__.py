"""Next-best action: candidate actions per HCP, compliance rules, arbitration and exact explanations.

``Engine(inputs, bundle).rank(day)`` returns one explained suggestion per HCP, best first; ``rerank``
recomputes only the HCPs a logged visit, event, consent or feedback touched. ``sources`` turns the
records a workspace keeps into the engine's inputs.
"""

from repcompanion.intel.nba.arbitration import pick_with_capacity
from repcompanion.intel.nba.engine import Engine
from repcompanion.intel.nba.rules import RULES_VERSION, Cap, RuleConfig
from repcompanion.intel.nba.sources import (
    SUGGESTION_ACTIONS,
    journey_suggestions,
    naive_consents,
    naive_events,
    naive_feedback,
    promised_follow_ups,
)

__all__ = [
    "RULES_VERSION",
    "SUGGESTION_ACTIONS",
    "Cap",
    "Engine",
    "RuleConfig",
    "journey_suggestions",
    "naive_consents",
    "naive_events",
    "naive_feedback",
    "pick_with_capacity",
    "promised_follow_ups",
]
