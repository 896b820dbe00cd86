"""The hub's HTTP API: the app factory, every route, and one middleware module."""

from repcompanion.hub.api.app import create_app

__all__ = ["create_app"]
