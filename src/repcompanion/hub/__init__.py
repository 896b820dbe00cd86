"""The central hub: territory store, change log, auth and the sync API (``create_app``), plus its CLI."""

from repcompanion.hub.app import create_app
from repcompanion.hub.db import HubDb
from repcompanion.hub.settings import HubSettings

__all__ = ["HubDb", "HubSettings", "create_app"]
