"""What an operation changed, so that each view refreshes only that (the model is Anki's ``OpChanges``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import Enum
from typing import Generic, TypeVar

T = TypeVar("T")


class AllHcps(Enum):
    """Every HCP: the change is not one HCP's (a new model, the content catalogue, a whole new territory)."""

    ALL = "all"


ALL = AllHcps.ALL


@dataclass(frozen=True)
class Changes:
    """What a mutating workspace operation changed; empty (false) when it changed nothing a view shows.

    ``hcps`` says whose records changed; the flags say which kinds, so a view showing one HCP reloads when
    ``touches(its HCP)`` and one of the kinds it shows changed, and the Today list patches only those rows.
    """

    hcps: frozenset[str] | AllHcps = frozenset()
    directory: bool = False  # HCP master data, consents, affiliations, the content catalogue, the territory
    timeline: bool = False  # engagement events (timeline, last contact, call-plan progress)
    ranking: bool = False  # the day's priorities: suggestions, ranks, reasons, blocked actions
    visits: bool = False  # call reports and drafts (past notes, open follow-ups, drafts, visits logged today)
    followups: bool = False  # digital follow-ups from journeys
    numbers: bool = False  # My numbers
    plan: bool = False  # what a day plan is built from (start point, HCP locations)
    uploads: bool = False  # the outbox: changes waiting for the hub, refused uploads

    @classmethod
    def everything(cls) -> Changes:
        """Everything may have changed (a whole territory downloaded or imported)."""
        return cls(ALL, **{f.name: True for f in fields(cls) if f.name != "hcps"})

    @classmethod
    def of(cls, hcp_ids: Iterable[str], **kinds: bool) -> Changes:
        """The ``kinds`` of changes, to the records of ``hcp_ids``."""
        return cls(frozenset(hcp_ids), **kinds)

    @property
    def all_hcps(self) -> bool:
        return self.hcps is ALL

    def touches(self, hcp_id: str) -> bool:
        """``hcp_id``'s records changed."""
        return self.hcps is ALL or hcp_id in self.hcps

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def __or__(self, other: Changes) -> Changes:
        if self.hcps is ALL or other.hcps is ALL:
            hcps: frozenset[str] | AllHcps = ALL
        else:
            hcps = self.hcps | other.hcps
        flags = {f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self) if f.name != "hcps"}
        return Changes(hcps, **flags)


NOTHING = Changes()


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What an operation made (``value``: the saved report, the recorded feedback, …) and what it changed."""

    value: T
    changes: Changes


def changes_of(result: object) -> Changes | None:
    """The changes an operation's result reports: a ``Changes``, or any result with a ``changes`` field."""
    if isinstance(result, Changes):
        return result
    found = getattr(result, "changes", None)
    return found if isinstance(found, Changes) else None
