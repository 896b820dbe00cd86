"""The Workspace: one rep's encrypted local territory, opened and closed here, with a manager per area."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from repcompanion.domain import Progress, WorkspaceKeyError, no_progress
from repcompanion.store import Store
from repcompanion.workspace.day import DayManager
from repcompanion.workspace.directory import DirectoryManager
from repcompanion.workspace.followups import FollowUpManager
from repcompanion.workspace.importing import ImportManager
from repcompanion.workspace.models import ModelManager
from repcompanion.workspace.numbers import NumbersManager
from repcompanion.workspace.paths import database_path, default_folder
from repcompanion.workspace.plans import PlanManager
from repcompanion.workspace.ranking import RankingManager
from repcompanion.workspace.syncing import SyncManager
from repcompanion.workspace.visits import VisitManager

log = logging.getLogger(__name__)
#: Pins the working day for demos and benchmarks (``YYYY-MM-DD``); unset, it is the calendar day.
TODAY_ENV = "REPCOMPANION_TODAY"


@dataclass(frozen=True)
class WorkspaceSummary:
    """What a workspace holds: its folder, territory, demo label, rows per synced table, history, uploads."""

    workspace: str
    territory: str
    demo: str
    counts: dict[str, int]
    history_from: str
    history_to: str
    pending_uploads: int

    def as_dict(self) -> dict[str, str | int]:
        """Flat, in the order the command line prints it (the table counts between demo and history)."""
        return {
            "workspace": self.workspace,
            "territory": self.territory,
            "demo": self.demo,
            **self.counts,
            "history_from": self.history_from,
            "history_to": self.history_to,
            "pending_uploads": self.pending_uploads,
        }


class Workspace:
    """One rep's local territory: the store, and the managers that read and change it.

    ``day`` (the rep's working day: time zone, working days, places), ``directory`` (HCPs, consent, accounts,
    change requests), ``ranking`` (priorities, suggestions, feedback), ``visits`` (call reports, note safety,
    drafts), ``plans`` (the day's route), ``followups`` (journeys), ``numbers`` (My numbers), ``sync`` (login,
    sync, status), ``importing`` (provider files) and ``models`` (the suggestion model).
    Operations that change something return what changed (``Changes``).
    """

    def __init__(self, store: Store, folder: Path, *, key: bytes | None = None) -> None:
        self.store = store
        self.folder = folder
        self.key = key  # the database key, for the sync's second connection and a first sync's staging copy
        self._today_override: date | None = None
        self._clock: datetime | None = None
        self.day = DayManager(self)
        self.directory = DirectoryManager(self)
        self.ranking = RankingManager(self)
        self.visits = VisitManager(self)
        self.plans = PlanManager(self)
        self.followups = FollowUpManager(self)
        self.numbers = NumbersManager(self)
        self.sync = SyncManager(self)
        self.importing = ImportManager(self)
        self.models = ModelManager(self)

    # -- opening and closing ----------------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path | None = None, *, passphrase: str | None = None) -> Workspace:
        """Open (creating if needed) the encrypted workspace in ``folder`` (default: the platform data folder).

        The database is SQLCipher-encrypted with a random key kept in the OS keyring; with no keyring the
        key comes from the rep's passphrase (PassphraseRequiredError asks for it). A plain workspace from an
        earlier version is encrypted in place first, every row verified.
        """
        from repcompanion.workspace.logs import register_store_names
        from repcompanion.workspace.security import unlock_workspace

        folder = Path(folder) if folder else default_folder()
        store, key = unlock_workspace(folder, passphrase=passphrase)
        register_store_names(store)
        return cls(store, folder, key=key)

    @classmethod
    def exists(cls, folder: Path | None = None) -> bool:
        return database_path(Path(folder) if folder else None).exists()

    @classmethod
    def erase(cls, folder: Path) -> None:
        """Delete the workspace in ``folder``: its database files and its key (the folder stays)."""
        from repcompanion.workspace.revocation import workspace_files
        from repcompanion.workspace.security import forget_workspace_key

        forget_workspace_key(folder)
        for path in workspace_files(folder):
            path.unlink(missing_ok=True)

    @classmethod
    def open_or_create_demo(
        cls, folder: Path | None = None, *, demo: bool = False, passphrase: str | None = None
    ) -> Workspace:
        """Open the workspace, building the demo first when ``demo`` and there is none.

        A workspace that needs a passphrase raises ``WorkspaceKeyError`` with ``creating`` set (True: a new
        workspace, so a passphrase must be chosen rather than entered).
        """
        from repcompanion.workspace.security import read_header

        try:
            if demo and not cls.exists(folder):
                return cls.create_demo(folder, passphrase=passphrase)
            return cls.open(folder, passphrase=passphrase)
        except WorkspaceKeyError as exc:
            exc.creating = read_header(Path(folder) if folder else default_folder()) is None  # type: ignore[attr-defined]
            raise

    @classmethod
    def create_demo(
        cls,
        folder: Path | None = None,
        *,
        hcps: int = 300,
        seed: int = 7,
        state: str = "MA",
        today: date | None = None,
        progress: Progress = no_progress,
        passphrase: str | None = None,
    ) -> Workspace:
        """Generate a simulated territory and write it through the store into ``folder``."""
        from repcompanion.simulate import generate_territory

        progress(0.0, f"Generating a demo territory of {hcps} HCPs")
        demo = generate_territory(hcps=hcps, seed=seed, state=state, today=today or date.today())
        progress(0.6, "Writing it to the workspace")
        ws = cls.open(folder, passphrase=passphrase)
        ws.store.load_territory(
            territories=[demo.territory],
            accounts=demo.accounts,
            products=demo.products,
            content=demo.content,
            hcps=demo.hcps,
            alignments=demo.alignments,
            consents=demo.consents,
            call_plans=demo.call_plans,
            events=demo.events,
        )
        with ws.store.atomic():
            ws.store.sync_state.update(territory_id=demo.territory.id)
            ws.store.sync_state.set_value("demo", f"simulated: {hcps} HCPs, seed {seed}, state {state}")
            ws.store.sync_state.set_value("demo_today", demo.today.isoformat())
        progress(0.8, "Ranking today's priorities")
        ws.ranking.warm()
        progress(1.0, "Demo workspace ready")
        return ws

    def close(self) -> None:
        self.sync.close()
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the working day ----------------------------------------------------------------------------------------

    def today(self) -> date:
        """The working day: today on the rep's clock, or a pinned day (tests, demos; ``REPCOMPANION_TODAY``)."""
        if self._today_override is not None:
            return self._today_override
        pinned = os.environ.get(TODAY_ENV) if self._clock is None else None
        if pinned:
            try:
                return date.fromisoformat(pinned)
            except ValueError:
                log.warning("%s=%r is not a YYYY-MM-DD date; using today", TODAY_ENV, pinned)
        return self.clock().astimezone(self.day.zone()).date()

    def pin_today(self, day: date | None) -> None:
        self._today_override = day

    def pin_clock(self, at: datetime | None) -> None:
        """Make ``at`` (timezone-aware) the time now, and so its day on the rep's clock today (None: the real clock)."""
        self._clock = at
        self._today_override = None

    def clock(self) -> datetime:
        """The time now (UTC): the real clock, or the one pinned with ``pin_clock``."""
        return self._clock if self._clock is not None else datetime.now(UTC)

    def now(self) -> datetime:
        """Now (UTC) on the working day: the clock, or on a pinned other day, noon of it on the rep's clock."""
        d, now = self.today(), self.clock()
        zone = self.day.zone()
        if now.astimezone(zone).date() == d:
            return now.astimezone(UTC)
        return datetime.combine(d, time(12, 0), tzinfo=zone).astimezone(UTC)

    # -- what it holds --------------------------------------------------------------------------------------------

    def summary(self) -> WorkspaceSummary:
        first, last = self.store.activity.span()
        return WorkspaceSummary(
            workspace=str(self.folder),
            territory=self.directory.territory_name(),
            demo=self.store.sync_state.get_value("demo") or "",
            counts=self.store.table_counts(),
            history_from=first[:10],
            history_to=last[:10],
            pending_uploads=self.store.outbox.pending_count(),
        )
