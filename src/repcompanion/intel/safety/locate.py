"""Find the resources/ and models/ folders in a source checkout, an installed package or a frozen build."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from repcompanion.domain import SafetyError

RESOURCES_ENV = "REPCOMPANION_RESOURCES"
MODELS_ENV = "REPCOMPANION_MODELS"


def _candidates(folder: str) -> list[Path]:
    here = Path(__file__).resolve()
    found: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / folder)
    if getattr(sys, "frozen", False):
        found.append(Path(sys.executable).resolve().parent / folder)
    # src/repcompanion/intel/safety/locate.py -> the checkout root is four levels up.
    found.append(here.parents[4] / folder)
    # An installed package may carry data beside it (site-packages/repcompanion/<folder>).
    found.append(here.parents[2] / folder)
    found.append(Path(sys.prefix) / "share" / "repcompanion" / folder)
    return found


def _locate(folder: str, env: str) -> Path:
    override = os.environ.get(env)
    if override:
        path = Path(override).expanduser()
        if not path.is_dir():
            raise SafetyError(
                f"{env} points to {path}, which is not a folder.",
                hint=f"Set {env} to the folder that holds RepCompanion's {folder}, or unset it.",
            )
        return path
    candidates = _candidates(folder)
    for path in candidates:
        if path.is_dir():
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise SafetyError(
        f"RepCompanion's {folder} folder was not found (looked in {tried}).",
        hint=f"Reinstall RepCompanion, or set {env} to the folder that holds its {folder}.",
    )


def resources_dir() -> Path:
    """The resources/ folder (env REPCOMPANION_RESOURCES wins)."""
    return _locate("resources", RESOURCES_ENV)


def models_dir() -> Path:
    """The models/ folder (env REPCOMPANION_MODELS wins)."""
    return _locate("models", MODELS_ENV)


def resource_path(*parts: str) -> Path:
    """A file under resources/, e.g. ``resource_path("safety", "lexicon.toml")``."""
    return resources_dir().joinpath(*parts)


def model_path(name: str) -> Path:
    """A file under models/, e.g. ``model_path("safety_screener.skops")``."""
    return models_dir() / name
