"""The one facade the app and the command line use: store, intelligence and sync wired together."""

from repcompanion.workspace.core import SyncStatus, Workspace
from repcompanion.workspace.paths import database_path, default_folder, log_folder

__all__ = ["SyncStatus", "Workspace", "database_path", "default_folder", "log_folder"]
