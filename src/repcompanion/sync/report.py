"""What a sync or a login did, for the rep's summary line and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rejection:
    """A change the hub refused: kept in the outbox (status rejected) and shown to the rep with the reason."""

    mutation_id: str
    kind: str
    entity_id: str
    reason: str


@dataclass
class SyncReport:
    pulled: int = 0  # changes downloaded and applied
    pushed: int = 0  # local changes the hub answered (applied + duplicates + rejected)
    applied: int = 0
    duplicates: int = 0  # the hub already had them (a reply lost earlier): nothing was applied twice
    rejected: list[Rejection] = field(default_factory=list)  # refused in this sync, with the hub's reasons
    removed: int = 0  # HCPs that left the territory and were purged here
    seconds: float = 0.0
    reset: bool = False  # the hub said our cursor was too old: the territory was downloaded again
    full: bool = False  # a whole territory was downloaded and swapped in (first sync, reset or resync)
    verified: bool | None = None  # per-table counts matched the hub (None: the hub sent no counts)
    notices: list[str] = field(default_factory=list)  # things to tell the rep (e.g. no system keyring)
    tables: set[str] = field(default_factory=set)  # local tables the pulled pages (and purges) wrote to
    hcp_ids: set[str] = field(default_factory=set)  # HCPs whose rows they wrote, deleted or purged
    all_hcps: bool = False  # they changed rows every HCP depends on (or the whole territory was swapped in)

    def summary(self) -> str:
        parts = [
            f"pulled {self.pulled:,}",
            f"pushed {self.pushed:,}",
            f"rejected {len(self.rejected):,}",
        ]
        if self.duplicates:
            parts.append(f"{self.duplicates:,} already on the hub")
        if self.removed:
            parts.append(f"{self.removed:,} HCPs left the territory")
        text = "Sync done: " + ", ".join(parts) + f" in {self.seconds:.1f} s"
        if self.full:
            text += " (whole territory downloaded)"
        return text + "."


@dataclass(frozen=True)
class LoginResult:
    server_url: str
    user: str
    territory_id: str
    notice: str | None = None  # e.g. the no-keyring notice, shown once


__all__ = ["LoginResult", "Rejection", "SyncReport"]
