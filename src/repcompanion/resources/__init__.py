"""Where RepCompanion finds what it ships: journeys, safety lexicons, style sheets, icons, templates and models.

Everything lives in this package as package data (``repcompanion/resources/...`` in the wheel and in a frozen
build) and is located through :func:`importlib.resources.files` — never relative to a source checkout. Two
environment variables point elsewhere: ``$REPCOMPANION_RESOURCES`` (a folder laid out like this package:
``journeys/``, ``safety/``, ``ui/``...) and ``$REPCOMPANION_MODELS`` (a folder of ``.skops`` models). A file
that is not there is a :class:`MissingResourceError` that names it, never a silent empty list.

This module imports nothing of RepCompanion but the domain's errors, so every layer may use it.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from repcompanion.domain.errors import NotFoundError

RESOURCES_ENV = "REPCOMPANION_RESOURCES"
MODELS_ENV = "REPCOMPANION_MODELS"
MODELS_FOLDER = "models"


class MissingResourceError(NotFoundError):
    """A file or folder RepCompanion ships is not where it should be (a damaged install or a wrong override)."""


def _override(env: str, what: str) -> Path | None:
    value = os.environ.get(env)
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise MissingResourceError(
            f"{env} points to {path}, which is not a folder.",
            hint=f"Set {env} to the folder that holds RepCompanion's {what}, or unset it.",
        )
    return path


def package_root() -> Path:
    """The folder of this package as installed (``site-packages/repcompanion/resources`` or a frozen bundle's)."""
    root = resources.files(__name__)
    if not isinstance(root, Path):  # a zip import: every caller needs real files
        raise MissingResourceError(
            f"RepCompanion's resources are inside an archive ({root}); they must be installed as files.",
            hint="Install RepCompanion with pip (a wheel), not as a zipped application.",
        )
    return root


def resources_root() -> Path:
    """The resources folder: ``$REPCOMPANION_RESOURCES``, else this package."""
    return _override(RESOURCES_ENV, "resources") or package_root()


def models_root() -> Path:
    """The folder of the models shipped with the app: ``$REPCOMPANION_MODELS``, else ``resources/models``."""
    return _override(MODELS_ENV, "models") or package_root() / MODELS_FOLDER


def _must_exist(path: Path, what: str, env: str) -> Path:
    if not path.exists():
        raise MissingResourceError(
            f"RepCompanion's {what} {path} is missing.",
            hint=f"Reinstall RepCompanion (it ships in the package), or set {env} to a folder that has it.",
        )
    return path


def resource_path(*parts: str) -> Path:
    """A shipped file or folder, e.g. ``resource_path("safety", "lexicon.toml")``; MissingResourceError if absent."""
    return _must_exist(resources_root().joinpath(*parts), f"resource {'/'.join(parts)}", RESOURCES_ENV)


def optional_resource(*parts: str) -> Path:
    """Where a resource a company may add goes (e.g. ``keys/``); it may not exist."""
    return resources_root().joinpath(*parts)


def model_path(name: str) -> Path:
    """A shipped model file, e.g. ``model_path("propensity.skops")``; MissingResourceError if absent."""
    return _must_exist(models_root() / name, f"model {name}", MODELS_ENV)


def read_text(*parts: str) -> str:
    """The text (UTF-8) of a shipped file."""
    return resource_path(*parts).read_text(encoding="utf-8")


__all__ = [
    "MODELS_ENV",
    "RESOURCES_ENV",
    "MissingResourceError",
    "model_path",
    "models_root",
    "optional_resource",
    "package_root",
    "read_text",
    "resource_path",
    "resources_root",
]
