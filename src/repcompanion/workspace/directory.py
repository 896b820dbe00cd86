"""The territory's HCPs and what is known about them: affiliations, consent, history, content, change requests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from repcompanion.domain import (
    CONTACT_EVENTS,
    Account,
    Affiliation,
    Channel,
    Consent,
    Content,
    DataChangeRequest,
    EngagementEvent,
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

    # -- data change requests ---------------------------------------------------------------------------------

    def propose_change(self, hcp_id: str, changes: Mapping[str, object], note: str = "") -> Outcome[DataChangeRequest]:
        """Record a data change request for ``hcp_id`` (address, phone, email or specialty) and queue it for the
        hub, in one transaction; an admin decides it there and an accepted change comes back with a sync."""
        from repcompanion.domain.rows import hcp_to_row
        from repcompanion.workspace.dcr import validate_changes

        hcp = self._ws.store.hcps.find(hcp_id)
        if hcp is None:
            raise NotFoundError(f"There is no HCP {hcp_id} in this workspace; the change was not proposed.")
        wanted = validate_changes(changes)
        current = hcp_to_row(hcp)
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
        return Outcome(request, Changes.of([hcp.id], uploads=True))

    def change_requests(self, hcp_id: str | None = None) -> list[DataChangeRequest]:
        """The rep's requests (for ``hcp_id``), newest first; one the hub refused on upload shows as rejected
        with its reason, one an admin decided shows the decision once synced."""
        return self._ws.store.change_requests.all(hcp_id)
