"""The sync engine: push the outbox, then pull the territory page by page, resumable and never half-applied.

Order of one ``sync()``:

1. push the outbox in batches (safety first); each batch's results are marked in one local transaction;
   rejected changes stay in the outbox with their reason and never block the ones after them;
2. purge HCPs that left the territory once nothing pending refers to them;
3. pull after the cursor until ``has_more`` is false; each page and its cursor in one local transaction,
   the next page already requested while this one is written;
4. a first sync, a ``reset`` from the hub (cursor older than its tombstone window) or a scheduled full
   resync downloads the whole territory into a staging database and swaps it in only when whole
   (``repcompanion.store.replica``); the rep keeps working on the old replica meanwhile.

Cursors are the hub's commit-ordered sequence numbers: the laptop's clock is never used to decide what to
download (it only stamps the rep's own records, as the rep's local time).
"""

from __future__ import annotations

import contextlib
import logging
import platform
import sqlite3
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from repcompanion.domain.enums import MutationStatus
from repcompanion.domain.errors import ValidationError
from repcompanion.domain.models import Mutation
from repcompanion.domain.ports import Cancelled, Progress, never_cancelled, no_progress
from repcompanion.protocol import DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_PUSH_BATCH, PullPage
from repcompanion.store import Store
from repcompanion.store.replica import (
    RESYNC_KEY,
    apply_page,
    count_mismatches,
    discard_staging,
    open_staging,
    staging_path,
    swap_in,
    verification_counts,
)
from repcompanion.sync.auth import Session, TokenAuth
from repcompanion.sync.credentials import CredentialStore, Tokens
from repcompanion.sync.errors import DeviceRevoked, HubProtocolError, LoginRequired, SyncCancelled, SyncError
from repcompanion.sync.hub_api import HubApi
from repcompanion.sync.report import LoginResult, Rejection, SyncReport

log = logging.getLogger(__name__)

PUSH_SHARE = 0.1  # of the progress bar, when there is something to upload
#: sync-state key: the hub's compaction epoch of the page that gave the stored cursor
EPOCH_KEY = "hub_epoch"


def normalize_server_url(url: str) -> str:
    url = url.strip().rstrip("/")
    return url if "://" in url else f"https://{url}"


@dataclass
class _Pass:
    """The end of one pull pass."""

    reset: bool = False
    counts: dict[str, int] | None = None


class _PullProgress:
    def __init__(self, progress: Progress, start: float, what: str) -> None:
        self.progress, self.start, self.what = progress, start, what
        self.estimate: int | None = None
        self.received = 0
        self.pages = 0

    def page(self, page: PullPage, n: int) -> None:
        if self.estimate is None and page.total_estimate:
            self.estimate = page.total_estimate
        self.received += n
        self.pages += 1
        if self.estimate:
            done = min(1.0, self.received / max(self.estimate, 1))
            text = f"{self.what}: {self.received:,} of about {max(self.estimate, self.received):,} changes"
        else:
            done = self.pages / (self.pages + 2)  # no estimate from the hub: creep towards the end
            text = f"{self.what}: {self.received:,} changes"
        if not page.has_more:
            done = 1.0
        self.progress(self.start + (1.0 - self.start) * done * 0.99, text)


#: How often a routine sync also compares per-table counts with the hub (a full download always does).
VERIFY_EVERY = timedelta(hours=6)
VERIFIED_KEY = "last_verified_at"


class SyncClient:
    """Syncs one workspace with its hub. Handed its ``httpx.Client`` (tests pass an ASGI or faulty transport)."""

    def __init__(
        self,
        http: httpx.Client,
        store: Store,
        credentials: CredentialStore,
        *,
        page_limit: int = DEFAULT_PAGE_LIMIT,
        max_retries: int = 5,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        device_name: str = "",
        key: bytes | None = None,
    ) -> None:
        self.http = http
        self.store = store
        self.credentials = credentials
        self.page_limit = max(1, min(page_limit, MAX_PAGE_LIMIT))
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.device_name = device_name or platform.node()
        self.key = key  # the workspace's encryption key, for the staging database of a first sync
        self.requests = 0  # requests sent by the last login() or sync(), for tests and diagnostics
        self._memory_staging: Path | None = None

    # -- login --------------------------------------------------------------------------------------------

    def login(self, server_url: str, user: str, password: str) -> LoginResult:
        """Log in and keep the tokens (keyring, or memory for this run); nothing local changes on failure."""
        server_url = normalize_server_url(server_url)
        if not user or not password:
            raise LoginRequired("A user name and a password are needed to log in.", hint="Enter both and try again.")
        api = self._api(server_url)
        device_id = self.store.sync_state.device_id()
        try:
            reply = api.login(user, password, device_id, self.device_name)
        finally:
            self.requests = api.requests
        notice = self.credentials.save(
            server_url, user, Tokens(reply.access_token, reply.refresh_token, user, reply.territory_id)
        )
        state = self.store.sync_state
        with self.store.atomic():
            before = state.get()
            moved = (before.server_url, before.user) != (server_url, user) or (
                before.territory_id is not None and before.territory_id != reply.territory_id
            )
            if before.initial_complete and moved:
                state.set_value(RESYNC_KEY, "1")  # another hub, rep or territory: download it whole
            state.update(server_url=server_url, user=user, territory_id=reply.territory_id)
        return LoginResult(server_url, user, reply.territory_id, notice)

    def logout(self) -> None:
        """Forget this workspace's tokens (the outbox and the replica stay)."""
        state = self.store.sync_state.get()
        if state.server_url:
            self.credentials.forget(state.server_url, state.user)

    # -- sync ---------------------------------------------------------------------------------------------

    def sync(self, progress: Progress = no_progress, cancelled: Cancelled = never_cancelled) -> SyncReport:
        """Push, then pull; see the module docstring. Raises a ``SyncError`` subclass; the outbox is kept."""
        started = time.monotonic()
        state = self.store.sync_state.get()
        if not state.server_url or not state.user:
            raise LoginRequired(
                "This workspace is not connected to a hub yet.",
                hint="Log in with `repcompanion login --server URL --user NAME`, then sync.",
            )
        session = Session(state.server_url, state.user, state.device_id, self.credentials)
        api = self._api(state.server_url, session)
        report = SyncReport()
        try:
            if session.tokens() is None:
                raise session.no_login("There is no saved login")
            try:
                self._push(api, report, progress, cancelled)
                self._pull(api, report, progress, cancelled)
            except DeviceRevoked as revoked:
                self._flush_revoked(api, report, revoked, progress)
                raise
        except SyncError as exc:
            report.seconds = time.monotonic() - started
            self.store.sync_state.update(last_error=exc.message)
            if isinstance(exc, SyncCancelled):
                exc.report = report
            raise
        finally:
            self.requests = api.requests
            if session.notice:
                report.notices.append(session.notice)
        report.seconds = time.monotonic() - started
        self.store.sync_state.update(last_error="", last_sync_at=datetime.now(UTC))
        progress(1.0, report.summary())
        return report

    def _api(self, server_url: str, session: Session | None = None) -> HubApi:
        return HubApi(
            self.http,
            server_url,
            max_retries=self.max_retries,
            backoff=self.backoff,
            sleep=self.sleep,
            auth=TokenAuth(session) if session else None,
            on_unauthorized=partial(_forget_and_relogin, session) if session else None,
        )

    # -- push ---------------------------------------------------------------------------------------------

    def _push(self, api: HubApi, report: SyncReport, progress: Progress, cancelled: Cancelled) -> None:
        outbox = self.store.outbox
        total = outbox.pending_count()
        done = 0
        while total:
            batch = outbox.pending(limit=MAX_PUSH_BATCH)
            if not batch:
                break
            if cancelled():
                raise SyncCancelled(f"Sync cancelled after sending {done} of {total} changes.")
            progress(PUSH_SHARE * done / max(total, done + len(batch)), f"Sending changes: {done:,} of {total:,}")
            reply = api.push(outbox.device_id, batch)
            sent: dict[str, Mutation] = {str(m.id): m for m in batch}
            marks = [(r.id, MutationStatus(r.status), r.reason) for r in reply.results if r.id in sent]
            if not marks:
                raise HubProtocolError(
                    f"The hub at {api.server_url} answered an upload of {len(batch)} changes without a result for any."
                )
            with self.store.atomic():
                outbox.mark(marks)
            for mid, status, reason in marks:
                report.pushed += 1
                if status is MutationStatus.APPLIED:
                    report.applied += 1
                elif status is MutationStatus.DUPLICATE:
                    report.duplicates += 1
                else:
                    m = sent[mid]
                    report.rejected.append(Rejection(mid, m.kind.value, m.entity_id, reason))
                    log.warning("the hub rejected %s %s: %s", m.kind.value, m.entity_id, reason)
            done += len(marks)
        purged = self.store.purge_pending_removals()
        report.removed += len(purged)
        if purged:
            report.tables.add("hcps")
            report.hcp_ids.update(purged)

    def _flush_revoked(self, api: HubApi, report: SyncReport, revoked: DeviceRevoked, progress: Progress) -> None:
        """This laptop was revoked: upload what the outbox still holds if the hub lets us, then say what is left."""
        if self.store.outbox.pending_count():
            try:
                self._push(api, report, progress, never_cancelled)
            except SyncError as exc:  # refused (no flush allowed) or unreachable: what is left stays unsent
                log.warning("could not upload the outbox of a revoked laptop: %s", exc.message)
        revoked.unsent = self.store.outbox.pending_count()
        revoked.flushed = revoked.unsent == 0

    # -- pull ---------------------------------------------------------------------------------------------

    def _pull(self, api: HubApi, report: SyncReport, progress: Progress, cancelled: Cancelled) -> None:
        state = self.store.sync_state
        start = PUSH_SHARE if report.pushed else 0.0
        full = not state.get().initial_complete or state.get_value(RESYNC_KEY) == "1"
        if not full:
            verify = self._verification_due()
            meter = _PullProgress(progress, start, "Downloading")
            end = self._pull_pass(api, self.store, report, meter, cancelled, verify=verify)
            if end.reset:
                log.warning("the hub reset our cursor (older than its tombstone window): downloading again")
                report.reset = full = True
            elif end.counts is not None:
                self._verify(report, verification_counts(self.store), end.counts, schedule=True)
        if full:
            self._pull_full(api, report, _PullProgress(progress, start, "Downloading the territory"), cancelled)

    def _pull_full(self, api: HubApi, report: SyncReport, meter: _PullProgress, cancelled: Cancelled) -> None:
        path = self._staging_path()
        state = self.store.sync_state.get()
        owner = f"{state.server_url}|{state.user}"
        for _ in range(2):
            staging = open_staging(path, owner=owner, key=self.key)
            try:
                end = self._pull_pass(api, staging, report, meter, cancelled, staged=True)
                if end.reset:
                    staging.close()
                    discard_staging(path)
                    continue
                if end.counts is not None:
                    self._verify(report, verification_counts(staging), end.counts, schedule=False)
                territory = staging.sync_state.get_value("territory_id")
                swap_in(self.store, staging)
            except BaseException:
                staging.close()
                raise
            if territory:
                self.store.sync_state.update(territory_id=territory)
            report.full = report.all_hcps = True
            return
        raise HubProtocolError(
            f"The hub at {api.server_url} answered a download from the beginning with 'reset' (its change log "
            "does not reach back far enough).",
            hint="Tell your hub administrator; nothing on this laptop was changed or lost.",
        )

    def _pull_pass(
        self,
        api: HubApi,
        target: Store,
        report: SyncReport,
        meter: _PullProgress,
        cancelled: Cancelled,
        *,
        verify: bool = True,
        staged: bool = False,
    ) -> _Pass:
        limit = self.page_limit
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="repcompanion-pull") as pool:
            cursor = target.sync_state.get().cursor
            stored = target.sync_state.get_value(EPOCH_KEY)
            if cancelled():
                raise SyncCancelled("Sync cancelled before the download started.")
            page, changes = api.pull(
                cursor,
                limit,
                epoch=int(stored) if stored and stored.isdigit() else None,
                estimate=True,
                verify=verify,
            )
            while True:
                if page.reset:
                    return _Pass(reset=True)
                if page.next_cursor < cursor:
                    log.warning("the hub's cursor went back (%d -> %d): downloading again", cursor, page.next_cursor)
                    return _Pass(reset=True)
                ahead: Future[tuple[PullPage, list[dict[str, Any]]]] | None = None
                if page.has_more and not cancelled():
                    ahead = pool.submit(api.pull, page.next_cursor, limit, epoch=page.epoch, verify=verify)
                try:
                    # The page, its cursor, epoch and territory: one commit, never half. (Not an outer atomic() around
                    # apply_page: its transaction would become a savepoint, which journals every page it writes.)
                    state = {"territory_id": page.territory_id} if page.territory_id is not None else {}
                    if page.epoch is not None:
                        state[EPOCH_KEY] = str(page.epoch)
                    # A staged download is almost all new rows: inserting them is cheaper than upserting them.
                    result = apply_page(target, changes, page.next_cursor, state=state, mostly_new=staged)
                except (ValidationError, sqlite3.IntegrityError, KeyError, TypeError, AttributeError) as exc:
                    _drain(ahead)
                    raise HubProtocolError(
                        f"The hub at {api.server_url} sent a page this app cannot apply ({exc}); nothing of it was "
                        "written."
                    ) from exc
                except BaseException:
                    _drain(ahead)
                    raise
                report.pulled += len(changes)
                report.removed += result.purged
                report.tables |= result.tables
                report.hcp_ids |= result.hcp_ids
                report.all_hcps = report.all_hcps or result.all_hcps
                cursor = page.next_cursor
                meter.page(page, len(changes))
                if not page.has_more:
                    return _Pass(counts=dict(page.counts) if page.counts is not None else None)
                if ahead is None or cancelled():
                    _drain(ahead)
                    raise SyncCancelled(
                        f"Sync cancelled after {report.pulled:,} downloaded changes; they are kept and the next sync "
                        "continues from there."
                    )
                page, changes = ahead.result()

    def _verification_due(self) -> bool:
        """Compare per-table counts with the hub at most every VERIFY_EVERY (counting costs both sides)."""
        last = self.store.sync_state.get_value(VERIFIED_KEY)
        if not last:
            return True
        try:
            return datetime.now(UTC) - datetime.fromisoformat(last) >= VERIFY_EVERY
        except ValueError:
            return True

    def _verify(self, report: SyncReport, local: dict[str, int], hub: dict[str, int], *, schedule: bool) -> None:
        mismatches = count_mismatches(local, hub)
        report.verified = not mismatches
        if not mismatches:
            self.store.sync_state.set_value(VERIFIED_KEY, datetime.now(UTC).isoformat())
            return
        text = ", ".join(f"{t}: {here} here, {there} on the hub" for t, (here, there) in sorted(mismatches.items()))
        if schedule:
            log.warning("territory counts differ from the hub's (%s): a full download is scheduled", text)
            self.store.sync_state.set_value(RESYNC_KEY, "1")
            report.notices.append(
                "Your territory differs from the hub's; the next sync downloads it again (your work is kept)."
            )
        else:
            log.warning("territory counts differ from the hub's right after a full download (%s)", text)
            report.notices.append(f"The downloaded territory does not match the hub's counts ({text}).")

    def _staging_path(self) -> Path:
        if str(self.store.path) != ":memory:":
            return staging_path(self.store.path)
        if self._memory_staging is None:
            self._memory_staging = Path(tempfile.mkdtemp(prefix="repcompanion-sync-")) / "workspace.initial"
        return self._memory_staging


def _drain(ahead: Future[Any] | None) -> None:
    """Wait for a request already in flight and drop its answer (it is asked again next time)."""
    if ahead is not None:
        with contextlib.suppress(Exception):  # its failure does not matter any more
            ahead.result()


def _forget_and_relogin(session: Session) -> SyncError:
    session.credentials.forget(session.server_url, session.user)
    return session.no_login("The hub no longer accepts your login")


__all__ = ["PUSH_SHARE", "SyncClient", "normalize_server_url"]
