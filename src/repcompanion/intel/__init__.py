"""Offline intelligence: scoring, next-best action, day planning and note safety screening.

Subpackages, each with its public API in its ``__init__``:

- ``territory``: the plain data the Workspace hands over (never a DB handle) and its event index;
- ``propensity``: features, the additive propensity model, its training, files and compiled scorer;
- ``nba``: candidate actions, compliance rules, arbitration, explanations and the ranking ``Engine``;
- ``plan``: the day planner (OR-Tools);
- ``safety``: adverse-event and restricted-wording screening of visit notes;
- ``journeys``: the follow-up rules the hub runs and the app previews.

``nba`` builds on ``propensity``, which builds on ``territory``; ``plan``, ``safety`` and ``journeys`` stand
alone. The entry points below load their subpackage on first use, so importing this package costs nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from repcompanion.intel.journeys import load_journeys
    from repcompanion.intel.nba import Engine
    from repcompanion.intel.plan import plan_day
    from repcompanion.intel.propensity import ModelBundle, default_model_path, load_model, save_model, train_propensity
    from repcompanion.intel.safety import screen_note
    from repcompanion.intel.territory import IntelInputs

_LAZY = {
    "load_journeys": "journeys",
    "Engine": "nba",
    "plan_day": "plan",
    "ModelBundle": "propensity",
    "default_model_path": "propensity",
    "load_model": "propensity",
    "save_model": "propensity",
    "train_propensity": "propensity",
    "screen_note": "safety",
    "IntelInputs": "territory",
}


def __getattr__(name: str) -> object:
    package = _LAZY.get(name)
    if package is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{package}"), name)


__all__ = [
    "Engine",
    "IntelInputs",
    "ModelBundle",
    "default_model_path",
    "load_journeys",
    "load_model",
    "plan_day",
    "save_model",
    "screen_note",
    "train_propensity",
]
