"""Synthetic demo territory and the ground-truth response model behind its history.

``generate_territory(hcps, seed, state, years, today)`` builds a deterministic territory on real ZIP-code
centroids of one US state: accounts, HCPs with NUCC specialties and valid NPIs, products, MLR-approved
content, per-channel consent, a call plan, and years of engagement history. The history is produced by a
historical rep policy acting on HCPs whose responses are drawn from the ground truth:

    logit = intercept[action] + receptivity[hcp, channel(action)]
          + topic_weight[action] · mean interest[hcp, topics of the content]
          − fatigue_sensitivity[hcp] · (contacts in the last 7 days + 0.25 · contacts in the last 30 days)
          + boost_weight[action] · exp(−days since the HCP last opened/clicked/visited web content
                                       on a relevant topic / 14)
          + 0.3 · exp(−days since the HCP's last open/click/web visit / 30)
          + weekday_weight[action] · [day is the HCP's preferred weekday]
    P(response) = sigmoid(logit), and 0 without consent for the action's channel or for do-not-contact.

See docs/simulator.md for the parameters, what each action's response means and how it appears in the
history. ``GroundTruth.response_probability`` exposes the truth; ``TerritorySimulator`` steps the world;
``observed_actions`` reads past contacts and their outcomes back out of any history (training labels).
"""

from repcompanion.simulate.catalog import is_invitation
from repcompanion.simulate.labels import CONTACT_OF_ACTION, ObservedAction, observed_actions
from repcompanion.simulate.people import npi_is_valid
from repcompanion.simulate.simulator import Outcome, TerritorySimulator
from repcompanion.simulate.territory import DemoTerritory, generate_territory
from repcompanion.simulate.truth import (
    ACTION_SPECS,
    RECEPTIVITY_KEYS,
    GroundTruth,
    HcpTruth,
    hcp_value,
)
from repcompanion.simulate.vocab import TOPICS

__all__ = [
    "ACTION_SPECS",
    "CONTACT_OF_ACTION",
    "RECEPTIVITY_KEYS",
    "TOPICS",
    "DemoTerritory",
    "GroundTruth",
    "HcpTruth",
    "ObservedAction",
    "Outcome",
    "TerritorySimulator",
    "generate_territory",
    "hcp_value",
    "is_invitation",
    "npi_is_valid",
    "observed_actions",
]
