"""What an import did (ImportReport), where its records go (RecordSink) and a dict-backed sink."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from typing import Any, Protocol

from repcompanion.domain import (
    Account,
    AccountId,
    Alignment,
    Hcp,
    HcpId,
    Progress,
    Segment,
    TerritoryId,
    no_progress,
)

#: How many skipped rows ``summary_text`` lists one by one (the report keeps all of them).
SUMMARY_ROWS = 10


@dataclass(slots=True)
class SkippedRow:
    """A row that was not imported: its physical line (1 = header) or resource index, and why."""

    line: int
    reason: str
    key: str = ""  # the NPI, or the FHIR resource "Type/id", or the CRM id
    code: str = ""  # machine-readable kind: bad_npi, deactivated, no_name, bad_row, unsupported, ...


@dataclass(slots=True)
class RowNote:
    """A row that was imported with a caveat (e.g. no coordinates), and why."""

    line: int
    reason: str
    key: str = ""


class Written(Enum):
    """What a sink did with one record."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the record already held exactly these values: nothing was written


@dataclass(slots=True)
class ReplacedValue:
    """A value set by an accepted data change request that the source's own, changed value replaced."""

    key: str  # the HCP id
    field: str
    request_value: str  # what the accepted request had set
    source_value: str  # the source's new value, now stored
    dcr_id: str = ""


@dataclass(slots=True)
class ImportReport:
    """Counts and reasons for one import; ``accounted()`` proves no row went missing."""

    source: str
    fmt: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # rows whose record already held exactly the file's values (nothing written)
    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    filtered: int = 0  # rows left out by the user's filters (state, ZIP prefix, taxonomy)
    merged: int = 0  # rows folded into another record (a FHIR PractitionerRole into its Practitioner)
    no_coordinates: list[RowNote] = field(default_factory=list)
    layout: str = ""
    encoding: str = "utf-8"
    territory_id: str | None = None
    hcps: int = 0
    accounts: int = 0
    elapsed_s: float = 0.0
    repairs: dict[str, int] = field(default_factory=dict)  # kind of value repaired -> how many
    replaced: list[ReplacedValue] = field(default_factory=list)
    kept: int = 0  # values set by accepted data change requests kept because the source did not change them

    def accounted(self) -> bool:
        """True when every row read was created, updated, skipped, filtered out or merged."""
        total = self.created + self.updated + self.unchanged + len(self.skipped) + self.filtered + self.merged
        return self.rows_read == total

    def skip(self, line: int, reason: str, key: str = "", code: str = "") -> None:
        self.skipped.append(SkippedRow(line, reason, key, code))

    def skipped_by_code(self) -> dict[str, int]:
        return dict(Counter(s.code or "other" for s in self.skipped))

    def deactivated_keys(self) -> list[str]:
        """NPIs the file reports as deactivated: a store should mark matching HCPs inactive."""
        return [s.key for s in self.skipped if s.code == "deactivated"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["accounted"] = self.accounted()
        data["skipped_by_code"] = self.skipped_by_code()
        return data

    def summary_text(self) -> str:
        head = f"{self.fmt} import of {self.source}"
        extras = [x for x in (f"layout {self.layout}" if self.layout else "", self.encoding) if x]
        lines = [f"{head} ({', '.join(extras)})"]
        lines.append(
            f"  rows read {self.rows_read}: created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, skipped {len(self.skipped)}, filtered out {self.filtered}"
            + (f", merged {self.merged}" if self.merged else "")
        )
        if self.hcps or self.accounts:
            lines.append(f"  records written: {self.hcps} HCPs, {self.accounts} accounts")
        if self.territory_id:
            lines.append(f"  HCPs aligned to territory {self.territory_id}")
        if self.skipped:
            kinds = ", ".join(f"{n} {code}" for code, n in sorted(self.skipped_by_code().items()))
            lines.append(f"  skipped by reason: {kinds}")
            for s in self.skipped[:SUMMARY_ROWS]:
                key = f" {s.key}" if s.key else ""
                lines.append(f"    line {s.line}{key}: {s.reason}")
            if len(self.skipped) > SUMMARY_ROWS:
                lines.append(f"    ... and {len(self.skipped) - SUMMARY_ROWS} more (see the full report)")
        if self.repairs:
            fixed = ", ".join(f"{n} {kind}" for kind, n in sorted(self.repairs.items()))
            lines.append(f"  values repaired (the file went through a spreadsheet or a script): {fixed}")
        if self.kept:
            lines.append(f"  kept {self.kept} value(s) set by accepted data change requests (unchanged in the source)")
        if self.replaced:
            lines.append(f"  the source changed {len(self.replaced)} value(s) set by accepted data change requests:")
            for r in self.replaced[:SUMMARY_ROWS]:
                via = f" by {r.dcr_id}" if r.dcr_id else ""
                new, old = r.source_value, r.request_value
                lines.append(f"    {r.key} {r.field}: source {new!r} replaced {old!r} (set{via})")
            if len(self.replaced) > SUMMARY_ROWS:
                lines.append(f"    ... and {len(self.replaced) - SUMMARY_ROWS} more (see the full report)")
        if self.no_coordinates:
            reasons = Counter(n.reason for n in self.no_coordinates)
            why = "; ".join(f"{n} {r}" for r, n in reasons.most_common())
            lines.append(f"  imported without coordinates: {len(self.no_coordinates)} ({why})")
        lines.extend(f"  warning: {w}" for w in self.warnings)
        if not self.accounted():
            lines.append("  ERROR: the counts do not add up to the rows read")
        return "\n".join(lines)


class RecordSink(Protocol):
    """Where an importer's records go. The caller opens one transaction around the whole import
    and commits only if the importer returned (an IngestError means: roll back)."""

    def upsert_hcp(self, hcp: Hcp) -> Written:
        """Insert or update by ``hcp.id`` (merging with what is stored, see ``merge_hcp``)."""
        ...

    def upsert_account(self, account: Account) -> Written:
        """Insert or update by ``account.id`` (merging with what is stored, see ``merge_account``)."""
        ...

    def align_hcp(self, alignment: Alignment) -> None:
        """Put an HCP in a territory (called only when the import names a territory)."""
        ...


def _unknown_commercial(hcp: Hcp) -> bool:
    return hcp.segment is Segment.D and hcp.decile == 0


def written(old: object | None, new: object) -> Written:
    """CREATED when there was no record, UNCHANGED when the merged record equals the stored one."""
    if old is None:
        return Written.CREATED
    return Written.UNCHANGED if old == new else Written.UPDATED


def merge_hcp(existing: Hcp, incoming: Hcp) -> Hcp:
    """The record a sink should store when ``incoming`` updates ``existing``.

    Master data (names, credentials, specialty, address, NPI, active) comes from the import unless
    the import left it blank; what a public registry does not know is kept: segment and decile when
    the import left them unknown (D / 0), CRM flags, blank contact details; affiliations are united.
    """
    keep_commercial = _unknown_commercial(incoming)
    affiliations = tuple({a.account_id: a for a in (*existing.affiliations, *incoming.affiliations)}.values())
    return replace(
        incoming,
        segment=existing.segment if keep_commercial else incoming.segment,
        decile=existing.decile if keep_commercial else incoming.decile,
        preferred_channel=existing.preferred_channel if keep_commercial else incoming.preferred_channel,
        do_not_contact=existing.do_not_contact or incoming.do_not_contact,
        target=existing.target if keep_commercial else incoming.target,
        planned_visits=existing.planned_visits if keep_commercial else incoming.planned_visits,
        npi=incoming.npi or existing.npi,
        credentials=incoming.credentials or existing.credentials,
        specialty_code=incoming.specialty_code if incoming.specialty_label else existing.specialty_code,
        specialty_label=incoming.specialty_label or existing.specialty_label,
        phone=incoming.phone or existing.phone,
        email=incoming.email or existing.email,
        middle_name=incoming.middle_name or existing.middle_name,
        affiliations=affiliations,
        address=incoming.address if incoming.address.line1 or incoming.address.zip else existing.address,
    )


def merge_account(existing: Account, incoming: Account) -> Account:
    """Update an account from an import, keeping its known parent and NPI when the import has none."""
    return replace(
        incoming,
        parent_id=incoming.parent_id or existing.parent_id,
        npi=incoming.npi or existing.npi,
        address=incoming.address if incoming.address.line1 or incoming.address.zip else existing.address,
    )


class InMemorySink:
    """A dict-backed RecordSink for tests and dry runs, with an all-or-nothing ``transaction()``."""

    def __init__(self) -> None:
        self.hcps: dict[HcpId, Hcp] = {}
        self.accounts: dict[AccountId, Account] = {}
        self.alignments: set[Alignment] = set()

    def upsert_hcp(self, hcp: Hcp) -> Written:
        old = self.hcps.get(hcp.id)
        new = hcp if old is None else merge_hcp(old, hcp)
        self.hcps[hcp.id] = new
        return written(old, new)

    def upsert_account(self, account: Account) -> Written:
        old = self.accounts.get(account.id)
        new = account if old is None else merge_account(old, account)
        self.accounts[account.id] = new
        return written(old, new)

    def align_hcp(self, alignment: Alignment) -> None:
        self.alignments.add(alignment)

    @contextmanager
    def transaction(self) -> Iterator[InMemorySink]:
        """Apply the writes made inside the block only if it finishes without an exception."""
        saved = (dict(self.hcps), dict(self.accounts), set(self.alignments))
        try:
            yield self
        except BaseException:
            self.hcps, self.accounts, self.alignments = saved
            raise


def drain(
    records: Iterable[Hcp | Account],
    sink: RecordSink,
    report: ImportReport,
    territory_id: TerritoryId | str | None,
    progress: Progress = no_progress,
) -> ImportReport:
    """Write records to the sink, counting created and updated (the sink decides which)."""
    hcps = accounts = 0
    outcomes: Counter[Written] = Counter()
    upsert_hcp, upsert_account = sink.upsert_hcp, sink.upsert_account
    territory = TerritoryId(territory_id) if territory_id else None
    for record in records:
        if type(record) is Hcp:
            hcps += 1
            outcomes[upsert_hcp(record)] += 1
            if territory is not None:
                sink.align_hcp(Alignment(territory, record.id))
        else:
            accounts += 1
            outcomes[upsert_account(record)] += 1  # type: ignore[arg-type]
    created, updated = outcomes[Written.CREATED], outcomes[Written.UPDATED]
    report.created += created
    report.updated += updated
    report.unchanged += outcomes[Written.UNCHANGED]
    report.hcps += hcps
    report.accounts += accounts
    progress(
        1.0,
        f"{report.fmt} import finished: {created} created, {updated} updated, {outcomes[Written.UNCHANGED]} unchanged",
    )
    return report


__all__ = [
    "ImportReport",
    "InMemorySink",
    "RecordSink",
    "ReplacedValue",
    "RowNote",
    "SkippedRow",
    "Written",
    "drain",
    "merge_account",
    "merge_hcp",
    "written",
]
