"""Who sees what in the console: the pages and actions of each role, and the territories a viewer may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, or_, select

from repcompanion.hub.db import schema

#: every page, in menu order, with its title
PAGES: dict[str, str] = {
    "funnel": "Closed-loop funnel",
    "content": "Content performance",
    "suggestions": "Suggestions",
    "field": "Field",
    "model": "Model",
    "safety": "Safety",
    "operations": "Operations",
}
#: the pages of each role (a rep has no console: laptops are their tool)
ROLE_PAGES: dict[str, tuple[str, ...]] = {
    "admin": tuple(PAGES),
    "manager": ("funnel", "content", "suggestions", "field", "operations"),
    "brand": ("funnel", "content", "suggestions", "model"),
    "medical": ("funnel", "content", "model", "safety"),
}
#: every action, with what it does in words the audit log and the buttons use
ACTIONS: dict[str, str] = {
    "dcr.accept": "Accept the data change request",
    "dcr.reject": "Reject the data change request",
    "content.withdraw": "Withdraw the content item",
    "journey.pause": "Pause the journey",
    "journey.resume": "Resume the journey",
    "followup.retry": "Retry the dead-lettered e-mail",
    "device.revoke": "Revoke the device",
    "intake.acknowledge": "Acknowledge the intake",
    "intake.reforward": "Forward the intake again",
    "aggregates.refresh": "Refresh the aggregates now",
}
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(ACTIONS) - {"intake.acknowledge"},
    "manager": frozenset({"dcr.accept", "dcr.reject"}),
    "brand": frozenset({"content.withdraw", "journey.pause", "journey.resume", "followup.retry"}),
    "medical": frozenset({"intake.acknowledge", "intake.reforward"}),
}
#: only pharmacovigilance reads the rep's verbatim note of an adverse event
VERBATIM_ROLES = frozenset({"medical"})


@dataclass(frozen=True)
class Viewer:
    """The signed-in console user: role, and the territories they may see (None: every territory)."""

    user: str
    role: str
    territories: tuple[str, ...] | None
    csrf: str = ""

    @property
    def pages(self) -> tuple[str, ...]:
        return ROLE_PAGES.get(self.role, ())

    def may_see(self, page: str) -> bool:
        return page in self.pages

    def may(self, action: str) -> bool:
        return action in ROLE_ACTIONS.get(self.role, frozenset())

    @property
    def reads_verbatim(self) -> bool:
        return self.role in VERBATIM_ROLES

    def sees_territory(self, territory_id: str) -> bool:
        return self.territories is None or territory_id in self.territories


def territories_of(conn: Connection, user: str, role: str, own: str) -> tuple[str, ...] | None:
    """A manager sees their own territory and those of the reps they manage; every other role sees all."""
    if role != "manager":
        return None
    u = schema.users
    managed = conn.execute(
        select(u.c.territory_id).where(or_(u.c.manager == user, u.c.name == user), u.c.territory_id != "")
    )
    return tuple(sorted({r[0] for r in managed} | ({own} if own else set())))


__all__ = ["ACTIONS", "PAGES", "ROLE_ACTIONS", "ROLE_PAGES", "VERBATIM_ROLES", "Viewer", "territories_of"]
