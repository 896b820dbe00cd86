"""The screener's resources/ and models/ folders, found through ``repcompanion.resources`` (the one locator)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from repcompanion import resources
from repcompanion.domain import SafetyError
from repcompanion.resources import MODELS_ENV, RESOURCES_ENV


def _as_safety_error(find: Callable[[], Path]) -> Path:
    try:
        return find()
    except resources.MissingResourceError as exc:
        raise SafetyError(exc.message, hint=exc.hint) from exc


def resources_dir() -> Path:
    """The resources folder (env REPCOMPANION_RESOURCES wins)."""
    return _as_safety_error(resources.resources_root)


def models_dir() -> Path:
    """The models folder (env REPCOMPANION_MODELS wins)."""
    return _as_safety_error(resources.models_root)


def resource_path(*parts: str) -> Path:
    """A file under resources/, e.g. ``resource_path("safety", "lexicon.toml")``."""
    return _as_safety_error(lambda: resources.resource_path(*parts))


def model_path(name: str) -> Path:
    """A file under models/, e.g. ``model_path("safety_screener.skops")``."""
    return _as_safety_error(lambda: resources.model_path(name))


__all__ = ["MODELS_ENV", "RESOURCES_ENV", "model_path", "models_dir", "resource_path", "resources_dir"]
