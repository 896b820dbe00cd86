"""The central hub: one database, the sync API (``create_app``), follow-up and adverse-event delivery, its CLI."""

from repcompanion.hub.api import create_app
from repcompanion.hub.db import HubDb
from repcompanion.hub.settings import HubSettings

__all__ = ["HubDb", "HubSettings", "create_app"]
