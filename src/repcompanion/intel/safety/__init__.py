"""Offline screening of visit notes for possible adverse events, complaints and restricted wording.

``screen_note(text)`` flags reportable content (recall first) with categories, character spans,
evidence and a score; ``check_restricted(text)`` finds promotional wording a rep may not use.
"""

from typing import TYPE_CHECKING, Any

from repcompanion.intel.safety.categories import CATEGORIES
from repcompanion.intel.safety.locate import model_path, models_dir, resource_path, resources_dir
from repcompanion.intel.safety.restricted import (
    RESTRICTED_CATEGORIES,
    RestrictedHit,
    RestrictedList,
    check_restricted,
    load_restricted,
)
from repcompanion.intel.safety.result import ScreenResult, Span

#: Loaded on first use: the screener's model pulls in scikit-learn and skops (~110 MB), which code that only
#: needs the resource folders (model updates, restricted words) should not pay for.
_SCREENER_NAMES = frozenset({"Screener", "get_screener", "screen_note"})
if TYPE_CHECKING:
    from repcompanion.intel.safety.screener import Screener, get_screener, screen_note


def __getattr__(name: str) -> Any:
    if name in _SCREENER_NAMES:
        from repcompanion.intel.safety import screener

        return getattr(screener, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CATEGORIES",
    "RESTRICTED_CATEGORIES",
    "RestrictedHit",
    "RestrictedList",
    "ScreenResult",
    "Screener",
    "Span",
    "check_restricted",
    "get_screener",
    "load_restricted",
    "model_path",
    "models_dir",
    "resource_path",
    "resources_dir",
    "screen_note",
]
