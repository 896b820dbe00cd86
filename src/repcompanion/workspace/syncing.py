"""Syncing the workspace with its hub: its own connection for the network thread, login, sync, and the status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from repcompanion.domain import Cancelled, Mutation, Progress, never_cancelled, no_progress
from repcompanion.store import Store
from repcompanion.workspace.changes import ALL, Changes

if TYPE_CHECKING:
    import httpx

    from repcompanion.sync import CredentialStore, LoginResult, Rejection, SyncClient, SyncReport
    from repcompanion.workspace.core import Workspace

#: Tables whose rows are an HCP's master data, consent or territory membership.
_DIRECTORY_TABLES = frozenset({"hcps", "alignments", "consents", "accounts", "content", "products", "territories"})
#: Tables the ranking reads (a change to any re-ranks).
_RANKING_TABLES = frozenset(
    {"hcps", "alignments", "consents", "content", "products", "call_plans", "events", "follow_ups", "territories"}
)


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows."""

    online: bool | None
    server_url: str
    user: str
    last_sync_at: datetime | None
    pending: int
    rejected: list[Mutation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SyncResult:
    """What a sync did: the rep's summary line, the counts, what the hub refused, notices, and what changed."""

    summary: str
    pulled: int
    pushed: int
    removed: int
    full: bool
    rejected: tuple[Rejection, ...]
    notices: tuple[str, ...]
    changes: Changes


def sync_changes(report: SyncReport, *, model_installed: bool = False) -> Changes:
    """What a sync changed, from what its pulled pages (and purges) wrote: a whole territory swapped in is
    everything; otherwise the HCPs and the kinds of records the written tables hold."""
    if report.full or report.reset:
        return Changes.everything()
    tables = report.tables
    hcps = ALL if report.all_hcps or model_installed else frozenset(report.hcp_ids)
    removed = "hcps" in tables and bool(report.removed)
    return Changes(
        hcps=hcps if (tables or model_installed) else frozenset(),
        directory=bool(tables & _DIRECTORY_TABLES),
        timeline="events" in tables,
        ranking=bool(tables & _RANKING_TABLES) or model_installed,
        visits=removed,
        followups="follow_ups" in tables,
        numbers=bool(tables & {"hcps", "call_plans", "events"}),
        plan="hcps" in tables,
        uploads=bool(report.pushed or report.rejected),
    )


class SyncManager:
    """``ws.sync``: log in, sync (push the outbox, pull the territory), and say how syncing stands."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._client: SyncClient | None = None
        self._credentials: CredentialStore | None = None
        self._conn: Store | None = None

    def store(self) -> Store:
        """The workspace's second connection, for the sync and other network work.

        The app's database thread owns ``ws.store``; its network thread owns this one, so a sync's open
        transaction is never seen half-done by (or mixed into) what the rep is doing meanwhile. SQLite
        (WAL, ``BEGIN IMMEDIATE``) serialises their writes.
        """
        if self._conn is None:
            from repcompanion.store import open_store

            self._conn = open_store(self._ws.store.path, key=self._ws.key)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def client(self) -> SyncClient:
        """The sync client on :meth:`store`'s connection (created with the system keyring on first use)."""
        if self._client is None:
            from repcompanion.sync import CredentialStore, SyncClient
            from repcompanion.sync.http_client import default_http_client

            credentials = self._credentials or CredentialStore()
            self._client = SyncClient(default_http_client(), self.store(), credentials, key=self._ws.key)
            self._credentials = self._client.credentials
        return self._client

    def use_http(self, http: httpx.Client, credentials: CredentialStore | None = None) -> None:
        """Sync through this httpx.Client (tests hand in an ASGI or fault-injecting transport)."""
        from repcompanion.sync import CredentialStore, SyncClient

        self._credentials = credentials or self._credentials or CredentialStore()
        self._client = SyncClient(http, self.store(), self._credentials, key=self._ws.key)

    def login(self, server_url: str, user: str, password: str) -> LoginResult:
        """Log in to the hub; tokens go to the OS keyring (or memory for this run when there is none)."""
        return self.client().login(server_url, user, password)

    def forget_login(self) -> None:
        """Forget the saved tokens (the outbox and the replica stay)."""
        self.client().logout()

    def run(
        self, progress: Progress = no_progress, cancelled: Cancelled = never_cancelled, *, warm: bool = True
    ) -> SyncResult:
        """Push the outbox (safety intakes first), then pull the territory, then fetch a newer signed model.

        Runs on :meth:`store`'s connection. ``warm`` ranks today afterwards on the calling thread (the
        command line); the app passes False and ranks on its database thread when it refreshes the list.
        A laptop the administrator revoked is wiped (DeviceRevoked says what happened).
        """
        from repcompanion.sync import SyncReport
        from repcompanion.sync.errors import DeviceRevoked, SyncCancelled
        from repcompanion.workspace.model_update import QUIET_MODEL_STATUSES
        from repcompanion.workspace.revocation import wipe_workspace

        client = self.client()
        try:
            report = client.sync(progress=progress, cancelled=cancelled)
        except DeviceRevoked as exc:
            message = wipe_workspace(self._ws, exc.reason, exc.revoked_at, flushed=exc.flushed, unsent=exc.unsent)
            wiped = DeviceRevoked(
                message,
                hint="Ask your administrator to set this laptop up again.",
                revoked_at=exc.revoked_at,
                reason=exc.reason,
            )
            wiped.flushed, wiped.unsent = exc.flushed, exc.unsent
            raise wiped from exc
        except SyncCancelled as exc:
            if isinstance(exc.report, SyncReport) and sync_changes(exc.report).ranking:
                self._ws.ranking.invalidate()  # the pages applied before the cancel are kept
            raise
        update = self._ws.models.check_for_update(client)
        changes = sync_changes(report, model_installed=update.installed)
        if changes.directory:  # the territory (and so its time zone) may be another
            self._ws.day.refresh(client.store)
        if changes.ranking:
            self._ws.ranking.invalidate()
        if update.status not in QUIET_MODEL_STATUSES:
            report.notices.append(update.message())
        if warm and changes.ranking:
            self._ws.ranking.warm()
        return SyncResult(
            summary=report.summary(),
            pulled=report.pulled,
            pushed=report.pushed,
            removed=report.removed,
            full=report.full,
            rejected=tuple(report.rejected),
            notices=tuple(report.notices),
            changes=changes,
        )

    def reachable(self, timeout_s: float = 2.0) -> bool:
        """A cheap health check of the hub this workspace syncs with (False when offline or not set up)."""
        import httpx

        url = self.store().sync_state.get().server_url
        if not url:
            return False
        try:
            return self.client().http.get(f"{url}/v1/health", timeout=timeout_s).status_code == 200
        except (httpx.HTTPError, OSError):
            return False

    def status(self, online: bool | None = None) -> SyncStatus:
        store = self._ws.store
        state = store.sync_state.get()
        problems = [state.last_error] if state.last_error else []
        return SyncStatus(
            online=online,
            server_url=state.server_url,
            user=state.user,
            last_sync_at=state.last_sync_at,
            pending=store.outbox.pending_count(),
            rejected=store.outbox.rejected(),
            problems=problems,
        )
