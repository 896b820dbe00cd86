"""The web console: managers, brand, medical/PV and admins see the loop's figures and act on them, audited."""

from repcompanion.hub.console.roles import ACTIONS, PAGES, ROLE_ACTIONS, ROLE_PAGES, Viewer
from repcompanion.hub.console.web import PATH, ConsoleContext, build_page, mount, start_refresher

__all__ = [
    "ACTIONS",
    "PAGES",
    "PATH",
    "ROLE_ACTIONS",
    "ROLE_PAGES",
    "ConsoleContext",
    "Viewer",
    "build_page",
    "mount",
    "start_refresher",
]
