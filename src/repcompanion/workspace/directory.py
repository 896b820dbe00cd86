"""The territory's HCPs and what is known about them: affiliations, consent, history, content, change requests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from repcompanion.domain import (
    CONTACT_EVENTS,
    Account,
    Affiliation,
    Channel,
    Consent,
    ConsentState,
    Content,
    DataChangeRequest,
    EngagementEvent,
    FeedbackKind,
    Hcp,
    HcpId,
    NotFoundError,
    Product,
    ValidationError,
    effective_consent,
    uuid7,
)
from repcompanion.workspace.changes import Changes, Outcome

if TYPE_CHECKING:
    from repcompanion.workspace.core import Workspace
    from repcompanion.workspace.ranking_cache import RankedLine


class EntryKind(StrEnum):
    HCP = "hcp"
    ACCOUNT = "account"


class Standing(StrEnum):
    """Where an HCP stands today: on the list, seen, snoozed, not to be contacted, or not on the list."""

    RANKED = "ranked"
    SEEN_TODAY = "seen_today"
    SNOOZED = "snoozed"
    DO_NOT_CONTACT = "do_not_contact"
    NOT_RANKED = "not_ranked"  # every action blocked today (consent, caps, dismissed) or not yet ranked
    ACCOUNT = "account"


@dataclass(frozen=True)
class DirectoryEntry:
    """One line of the territory directory: an HCP or an account, and where it stands today.

    ``detail``: the HCP's specialty or the account's kind; ``rank`` and ``action``: the HCP's place and best
    action on today's list; ``until``: the day a snooze ends; ``hcp_ids``: the HCP itself, or the HCPs
    affiliated with the account."""

    kind: EntryKind
    id: str
    name: str
    detail: str
    town: str
    npi: str
    standing: Standing
    hcp_ids: tuple[HcpId, ...]
    rank: int | None = None
    action: str = ""
    until: date | None = None


@dataclass(frozen=True)
class DirectoryListing:
    """What a directory search found, and how many HCPs and accounts the territory holds."""

    text: str
    entries: tuple[DirectoryEntry, ...]
    hcps: int
    accounts: int
    truncated: bool  # more matched than ``limit``: the rep should narrow the search


class DirectoryManager:
    """``ws.directory``: read the territory, and propose corrections to an HCP's master data."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def territory_name(self) -> str:
        """The territory's name ("" before the first sync)."""
        territory = self._ws.store.territories.all()
        return territory[0].name if territory else ""

    def hcps(self) -> list[Hcp]:
        return self._ws.store.hcps.all()

    def hcp(self, hcp_id: str) -> Hcp:
        return self._ws.store.hcps.get(hcp_id)

    def search(self, text: str) -> list[HcpId]:
        """HCPs whose name, specialty, town, institution or visit notes match every word of ``text``."""
        return self._ws.store.search_hcps(text)

    def find(self, text: str = "", *, limit: int = 500) -> DirectoryListing:
        """Every HCP and account of the territory whose name, NPI, specialty, town or institution matches every
        word of ``text`` (all of them when it is empty), whether on today's list, seen, snoozed or blocked;
        HCPs first, best ranked first, then by name."""
        store = self._ws.store
        text = text.strip()
        hcps = {h.id: h for h in store.hcps.all()}
        accounts: dict[str, Account] = {a.id: a for a in store.accounts.all()}
        if text:
            hcp_ids, account_ids = store.search_npi(text, limit + 1) if text.isdigit() else ([], [])
            hcp_ids = list(dict.fromkeys([*hcp_ids, *store.search_hcps(text, limit + 1)]))
            account_ids = list(dict.fromkeys([*account_ids, *store.search_accounts(text, limit + 1)]))
        else:
            hcp_ids, account_ids = list(hcps), list(accounts)
        truncated = len(hcp_ids) > limit or len(account_ids) > limit
        members: dict[str, list[HcpId]] = {}
        for h in hcps.values():
            for aff in h.affiliations:
                members.setdefault(aff.account_id, []).append(h.id)
        day = self._ws.today()
        ranked = {line.hcp_id: line for line in self._ws.ranking.lines(day)}
        seen = self._ws.day.seen(day)
        snoozed = self.snoozed(day)
        entries = [_hcp_entry(hcps[i], ranked.get(i), i in seen, snoozed.get(i)) for i in hcp_ids[:limit] if i in hcps]
        entries.sort(key=lambda e: (e.rank is None, e.rank or 0, e.name.lower()))
        found = [accounts[i] for i in account_ids[:limit] if i in accounts]
        entries += sorted(
            (
                DirectoryEntry(
                    EntryKind.ACCOUNT,
                    a.id,
                    a.name,
                    str(a.kind).replace("_", " ").capitalize(),
                    a.address.town,
                    a.npi or "",
                    Standing.ACCOUNT,
                    tuple(members.get(a.id, ())),
                )
                for a in found
            ),
            key=lambda e: e.name.lower(),
        )
        return DirectoryListing(text, tuple(entries), len(hcps), len(accounts), truncated)

    def snoozed(self, day: date) -> dict[HcpId, date]:
        """HCPs whose suggestions the rep snoozed past ``day``, and the day each snooze ends."""
        until: dict[HcpId, date] = {}
        for fb in self._ws.store.feedback():
            if fb.kind is FeedbackKind.SNOOZED and fb.snooze_until is not None and day < fb.snooze_until:
                until[fb.hcp_id] = fb.snooze_until
            elif fb.kind in (FeedbackKind.ACCEPTED, FeedbackKind.COMPLETED):
                until.pop(fb.hcp_id, None)
        return until

    def specialties(self) -> dict[str, str]:
        """The territory's specialties (NUCC code → name), the ones a correction may choose from."""
        return self._ws.store.specialties()

    def accounts(self) -> list[Account]:
        return self._ws.store.accounts.all()

    def affiliations(self, hcp_id: str) -> list[tuple[Account, Affiliation]]:
        result = []
        for aff in self.hcp(hcp_id).affiliations:
            account = self._ws.store.accounts.find(aff.account_id)
            if account is not None:
                result.append((account, aff))
        return result

    def consents(self, hcp_id: str) -> dict[Channel, Consent | None]:
        """The consent in force now for each channel (None: none on file)."""
        records = self._ws.store.consents_for(hcp_id)
        at = self._ws.now()
        return {channel: effective_consent(records, channel, at) for channel in Channel}

    def consent_records(self, hcp_id: str) -> list[Consent]:
        """Every consent record of the HCP, newest first (the one in force per channel: ``consents``)."""
        return sorted(self._ws.store.consents_for(hcp_id), key=lambda c: c.captured_at, reverse=True)

    def timeline(self, hcp_id: str, limit: int = 200) -> list[EngagementEvent]:
        """The HCP's engagement history, newest first."""
        return self._ws.store.events_for(hcp_id, limit)

    def call_plan_progress(self, hcp_id: str) -> tuple[int, int]:
        """(visits held in the current call-plan period, visits planned)."""
        plan = self._ws.store.call_plan_on(hcp_id, self._ws.today())
        if plan is None:
            return 0, self.hcp(hcp_id).planned_visits
        done = self._ws.store.activity.visits_between(hcp_id, plan.period_start, plan.period_end)
        return done, plan.planned_visits

    def last_contacts(self, hcp_ids: Collection[str] | None = None) -> dict[str, date]:
        """The day of each HCP's (of ``hcp_ids``, default all) latest company-initiated contact (visit, call,
        email, invitation)."""
        types = [e.value for e in CONTACT_EVENTS]
        found = self._ws.store.activity.last_contacts(types, hcp_ids)
        return {hcp_id: date.fromisoformat(last[:10]) for hcp_id, last in found.items()}

    def products(self) -> list[Product]:
        return self._ws.store.products.all()

    def content(self) -> list[Content]:
        return self._ws.store.content.all()

    def approved_content(self, hcp_id: str) -> list[Content]:
        """Content that may be used with this HCP today: MLR-approved, in date, for the HCP's specialty."""
        specialty = self.hcp(hcp_id).specialty_code
        day = self._ws.today()
        return [c for c in self._ws.store.content.all() if c.is_valid_on(day) and c.is_for_specialty(specialty)]

    def topics(self) -> list[str]:
        """Topics of the approved catalogue, most used first."""
        counts: Counter[str] = Counter()
        day = self._ws.today()
        for c in self._ws.store.content.all():
            if c.is_valid_on(day):
                counts.update(c.topics)
        return [t for t, _ in counts.most_common()]

    # -- consent captured by the rep -----------------------------------------------------------------------------

    def capture_consent(
        self,
        hcp_id: str,
        channel: Channel,
        state: ConsentState,
        *,
        given_on: date,
        how: str,
        typed_name: str,
    ) -> Outcome[Consent]:
        """Record a consent the HCP gave the rep in person, and queue it for the hub, in one transaction.

        Append-only: a new record, never an edit of an earlier one; the record in force is the latest (an
        opt-out wins a tie, ``effective_consent``), so an opt-out stops journeys and suggestions on that channel
        at once, here, and on the hub with the next push. ``how`` says how it was given ("in person, signed on
        the laptop"), kept as the record's source; ``typed_name`` is the name the HCP typed, its proof.
        """
        from repcompanion.workspace.consent import new_consent

        hcp = self._ws.store.hcps.find(hcp_id)
        if hcp is None:
            raise NotFoundError(f"There is no HCP {hcp_id} in this workspace; no consent was recorded.")
        consent = new_consent(
            hcp,
            channel,
            state,
            given_on=given_on,
            how=how,
            typed_name=typed_name,
            now=self._ws.now(),
            zone=self._ws.day.zone(),
        )
        self._ws.store.capture_consent(consent)
        self._ws.ranking.consents_added([consent])
        return Outcome(consent, Changes.of([hcp.id], directory=True, ranking=True, uploads=True, followups=True))

    # -- data change requests ---------------------------------------------------------------------------------

    def propose_change(self, hcp_id: str, changes: Mapping[str, object], note: str = "") -> Outcome[DataChangeRequest]:
        """Record a data change request for ``hcp_id`` (address, phone, email, specialty, or ``affiliation``: the
        id of the account they now mainly work at) and queue it for the hub, in one transaction; an admin decides
        it there and an accepted change comes back with a sync."""
        from repcompanion.domain.rows import hcp_to_row
        from repcompanion.workspace.dcr import validate_changes

        hcp = self._ws.store.hcps.find(hcp_id)
        if hcp is None:
            raise NotFoundError(f"There is no HCP {hcp_id} in this workspace; the change was not proposed.")
        wanted = validate_changes(changes)
        current: dict[str, object] = dict(hcp_to_row(hcp))
        current["affiliation"] = next((a.account_id for a in hcp.affiliations if a.primary), "")
        if "affiliation" in wanted and self._ws.store.accounts.find(wanted["affiliation"]) is None:
            raise ValidationError(
                f"There is no account {wanted['affiliation']} in your territory; the change was not proposed.",
                hint="Choose one of the territory's accounts, or describe the new practice in the note.",
            )
        differs = {k: v for k, v in wanted.items() if (current.get(k) or "") != v}
        if not differs:
            raise ValidationError(
                f"{hcp.first_name} {hcp.last_name} already has these values; nothing to propose.",
                hint="Change at least one field to a new value.",
            )
        request = DataChangeRequest(
            id=uuid7(), hcp_id=hcp.id, changes=differs, note=note.strip(), created_at=datetime.now(UTC)
        )
        self._ws.store.change_requests.add(request)
        return Outcome(request, Changes.of([hcp.id], directory=True, uploads=True))  # the HCP shows it pending

    def change_requests(self, hcp_id: str | None = None) -> list[DataChangeRequest]:
        """The rep's requests (for ``hcp_id``), newest first; one the hub refused on upload shows as rejected
        with its reason, one an admin decided shows the decision once synced."""
        return self._ws.store.change_requests.all(hcp_id)


def _hcp_entry(h: Hcp, line: RankedLine | None, seen: bool, snoozed: date | None) -> DirectoryEntry:
    if seen:
        standing = Standing.SEEN_TODAY
    elif line is not None:
        standing = Standing.RANKED
    elif h.do_not_contact:
        standing = Standing.DO_NOT_CONTACT
    elif snoozed is not None:
        standing = Standing.SNOOZED
    else:
        standing = Standing.NOT_RANKED
    return DirectoryEntry(
        EntryKind.HCP,
        h.id,
        h.display_name,
        h.specialty_label,
        h.address.town,
        h.npi or "",
        standing,
        (h.id,),
        rank=line.rank if line is not None else None,
        action=str(line.action) if line is not None else "",
        until=snoozed,
    )
