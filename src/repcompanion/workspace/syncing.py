"""The workspace's side of syncing: its own connection for the network thread, login, sync, and the status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from repcompanion.domain import Mutation, Progress, never_cancelled, no_progress
from repcompanion.store import Store


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


class SyncMixin:
    """Sync for :class:`~repcompanion.workspace.Workspace` (which supplies these attributes)."""

    store: Store
    folder: Path
    _key: bytes | None
    _client: Any
    _credentials: Any
    _priorities: Any
    _sync_conn: Store | None

    warm_ranking: Callable[[], None]

    def sync_store(self) -> Store:
        """The workspace's second connection, for the sync and other network work.

        The app's database thread owns ``store``; its network thread owns this one, so a sync's open
        transaction is never seen half-done by (or mixed into) what the rep is doing meanwhile. SQLite
        (WAL, ``BEGIN IMMEDIATE``) serialises their writes.
        """
        if self._sync_conn is None:
            from repcompanion.store import open_store

            self._sync_conn = open_store(self.store.path, key=self._key)
        return self._sync_conn

    # -- sync ---------------------------------------------------------------------------------------------

    def _sync_client(self) -> Any:
        from repcompanion.sync import CredentialStore, SyncClient
        from repcompanion.sync.http_client import default_http_client

        if self._client is None:
            self._client = SyncClient(
                default_http_client(), self.sync_store(), self._credentials or CredentialStore(), key=self._key
            )
            self._credentials = self._client.credentials
        return self._client

    def use_http(self, http: Any, credentials: Any | None = None) -> None:
        """Sync through this httpx.Client (tests hand in an ASGI or fault-injecting transport)."""
        from repcompanion.sync import CredentialStore, SyncClient

        self._credentials = credentials or self._credentials or CredentialStore()
        self._client = SyncClient(http, self.sync_store(), self._credentials, key=self._key)

    def login(self, server_url: str, user: str, password: str) -> Any:
        """Log in to the hub; tokens go to the OS keyring (or memory for this run when there is none)."""
        return self._sync_client().login(server_url, user, password)

    def sync(self, progress: Progress = no_progress, cancelled: Any = None, *, warm: bool = True) -> Any:
        """Push the outbox (safety intakes first), then pull the territory; returns a SyncReport.

        Runs on :meth:`sync_store`'s connection. ``warm`` ranks today afterwards on the calling thread (the
        command line); the app passes False and ranks on its database thread when it reloads the list.
        """
        from repcompanion.sync.errors import DeviceRevoked
        from repcompanion.workspace.revocation import wipe_workspace

        client = self._sync_client()
        try:
            report = client.sync(progress=progress, cancelled=cancelled or never_cancelled)
        except DeviceRevoked as exc:
            message = wipe_workspace(self, exc.reason, exc.revoked_at, flushed=exc.flushed, unsent=exc.unsent)
            wiped = DeviceRevoked(
                message,
                hint="Ask your administrator to set this laptop up again.",
                revoked_at=exc.revoked_at,
                reason=exc.reason,
            )
            wiped.flushed, wiped.unsent = exc.flushed, exc.unsent
            raise wiped from exc
        self._after_data_change()
        from repcompanion.workspace.model_update import QUIET_MODEL_STATUSES, check_model

        update = check_model(self, client)
        if update.status not in QUIET_MODEL_STATUSES:
            report.notices.append(update.message())
        if warm:
            self.warm_ranking()
        return report

    def hub_reachable(self, timeout_s: float = 2.0) -> bool:
        """A cheap health check of the hub this workspace syncs with (False when offline or not set up)."""
        import httpx

        url = self.sync_store().sync_state.get().server_url
        if not url:
            return False
        try:
            http = self._sync_client().http
            return http.get(f"{url}/v1/health", timeout=timeout_s).status_code == 200
        except (httpx.HTTPError, OSError):
            return False

    def _after_data_change(self) -> None:
        """The territory changed underneath (a sync): rebuild the ranking on next use."""
        if self._priorities is not None:
            self._priorities.invalidate()

    # -- sync status --------------------------------------------------------------------------------------

    def sync_status(self, online: bool | None = None) -> SyncStatus:
        state = self.store.sync_state.get()
        problems = [state.last_error] if state.last_error else []
        return SyncStatus(
            online=online,
            server_url=state.server_url,
            user=state.user,
            last_sync_at=state.last_sync_at,
            pending=self.store.outbox.pending_count(),
            rejected=self.store.outbox.rejected(),
            problems=problems,
        )
