"""Where a workspace lives: the platform's user data folder unless the rep chose another."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "RepCompanion"
DB_FILE = "workspace.db"


def default_folder() -> Path:
    """``REPCOMPANION_WORKSPACE`` if set, else e.g. ~/.local/share/RepCompanion/workspace on Linux."""
    env = os.environ.get("REPCOMPANION_WORKSPACE")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "workspace"


def database_path(folder: Path | None) -> Path:
    return (folder or default_folder()) / DB_FILE
