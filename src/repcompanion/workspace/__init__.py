"""The one facade the app and the command line use: store, intelligence and sync wired together."""

from repcompanion.workspace.core import Workspace
from repcompanion.workspace.paths import database_path, default_folder
from repcompanion.workspace.syncing import SyncStatus

__all__ = ["SyncStatus", "Workspace", "database_path", "default_folder"]
