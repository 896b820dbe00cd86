"""Real provider data into the hub (NPPES, FHIR, CRM CSV) and a territory out as FHIR, one transaction each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, select

from repcompanion.domain import Account, Alignment, Hcp, TerritoryId
from repcompanion.domain.models import Territory
from repcompanion.domain.rows import (
    account_from_row,
    account_to_row,
    hcp_from_row,
    hcp_to_row,
    territory_to_row,
)
from repcompanion.hub.db import HubDb, head, schema, upsert_rows
from repcompanion.hub.errors import UnknownTerritoryError
from repcompanion.hub.sync.territories import hcp_in_territory, join_territory, territory_exists
from repcompanion.ingest import (
    ImportReport,
    ReplacedValue,
    Written,
    export_fhir,
    import_csv,
    import_fhir,
    import_nppes,
    load_nucc,
    merge_account,
    merge_hcp,
    written,
)
from repcompanion.ingest.changes import ALLOWED_FIELDS


class HubSink:
    """An ingest RecordSink writing through the change log, so every imported row reaches the reps' laptops.

    A record equal to what the hub holds writes nothing. A field set by an accepted data change request keeps
    the request's value while the source still sends the value it had then (``schema.dcr_overrides``); once
    the source's value changes, the source wins and the request's value is listed in ``replaced``.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.start = head(conn)  # writers are serialised: every change above this one is this import's
        self.created: set[str] = set()
        self.replaced: list[ReplacedValue] = []
        self.kept = 0
        o = schema.dcr_overrides
        self.overrides: dict[str, list[Any]] = {}
        for r in conn.execute(select(o)).all():
            self.overrides.setdefault(r.hcp_id, []).append(r)

    def _existing(self, table: str, record_id: str) -> dict[str, Any] | None:
        t = schema.synced[table]
        row = self.conn.execute(select(t).where(t.c.id == record_id)).mappings().first()
        return dict(row) if row is not None else None

    def upsert_hcp(self, hcp: Hcp) -> Written:
        old = self._existing("hcps", hcp.id)
        if old is None:
            self.created.add(hcp.id)
            upsert_rows(self.conn, "hcps", [hcp_to_row(hcp)])
            return Written.CREATED
        stored = hcp_from_row(old)
        row = hcp_to_row(merge_hcp(stored, hcp))
        if hcp.id in self.overrides:
            self._apply_overrides(hcp.id, row)
        outcome = written(stored, hcp_from_row(row))
        if outcome is Written.UPDATED:
            upsert_rows(self.conn, "hcps", [row])
        return outcome

    def _apply_overrides(self, hcp_id: str, row: dict[str, Any]) -> None:
        o = schema.dcr_overrides
        for ov in self.overrides[hcp_id]:
            request_value, source_then = json.loads(ov.value), json.loads(ov.source_value)
            source_now = row.get(ov.field)
            if _same(source_now, source_then) or _same(source_now, request_value):
                row[ov.field] = request_value
                self.kept += ov.field in ALLOWED_FIELDS
                continue
            if ov.field in ALLOWED_FIELDS:  # derived fields (coordinates, a specialty's label) follow silently
                self.replaced.append(
                    ReplacedValue(hcp_id, ov.field, _text(request_value), _text(source_now), ov.dcr_id)
                )
            self.conn.execute(delete(o).where(o.c.hcp_id == hcp_id, o.c.field == ov.field))
        self.overrides[hcp_id] = [ov for ov in self.overrides[hcp_id] if _same(row.get(ov.field), json.loads(ov.value))]

    def upsert_account(self, account: Account) -> Written:
        old = self._existing("accounts", account.id)
        stored = account_from_row(old) if old is not None else None
        new = account if stored is None else merge_account(stored, account)
        outcome = written(stored, new)
        if outcome is not Written.UNCHANGED:
            upsert_rows(self.conn, "accounts", [account_to_row(new)])
        return outcome

    def align_hcp(self, alignment: Alignment) -> None:
        if hcp_in_territory(self.conn, alignment.hcp_id, alignment.territory_id):
            return
        new_since = self.start if alignment.hcp_id in self.created else None
        join_territory(self.conn, alignment.hcp_id, alignment.territory_id, new_since=new_since)

    def note_in(self, report: ImportReport) -> ImportReport:
        report.replaced.extend(self.replaced)
        report.kept += self.kept
        return report


def _same(a: Any, b: Any) -> bool:
    return (a if a is not None else "") == (b if b is not None else "")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _ensure_territory(conn: Connection, territory_id: str | None, *, create: bool) -> None:
    if territory_id is None or territory_exists(conn, territory_id):
        return
    if not create:
        raise UnknownTerritoryError(
            f"There is no territory {territory_id} on this hub.",
            hint="Check `repcompanion-hub status`, or add --create-territory to make it.",
        )
    upsert_rows(conn, "territories", [territory_to_row(Territory(TerritoryId(territory_id), territory_id))])


def import_into_hub(
    db: HubDb,
    fmt: str,
    path: Path,
    *,
    territory_id: str | None = None,
    create_territory: bool = False,
    mapping: Path | None = None,
    nucc: Path | None = None,
    **filters: Any,
) -> ImportReport:
    """Import a file in one hub transaction: an error anywhere leaves the hub exactly as it was."""
    taxonomy = load_nucc(nucc) if nucc else None
    with db.write() as conn:
        _ensure_territory(conn, territory_id, create=create_territory)
        sink = HubSink(conn)
        if fmt == "nppes":
            return sink.note_in(import_nppes(path, sink, territory_id=territory_id, nucc=taxonomy, **filters))
        if fmt == "fhir":
            return sink.note_in(import_fhir(path, sink, territory_id=territory_id, nucc=taxonomy))
        if mapping is None:
            raise ValueError("a CSV import needs its mapping file")
        return sink.note_in(import_csv(path, mapping, sink, territory_id=territory_id, nucc=taxonomy))


def export_territory(db: HubDb, territory_id: str, out: Path, *, nucc: Path | None = None) -> int:
    """Write a territory's HCPs and their institutions as a validated FHIR R4 Bundle; returns the entry count."""
    h, a = schema.synced["hcps"], schema.synced["alignments"]
    with db.read() as conn:
        if not territory_exists(conn, territory_id):
            raise UnknownTerritoryError(f"There is no territory {territory_id} on this hub.")
        hcps = [
            hcp_from_row(dict(r))
            for r in conn.execute(
                select(h).join(a, a.c.hcp_id == h.c.id).where(a.c.territory_id == territory_id).order_by(h.c.id)
            ).mappings()
        ]
        wanted = {aff.account_id for x in hcps for aff in x.affiliations}
        acc = schema.synced["accounts"]
        accounts = (
            [
                account_from_row(dict(r))
                for r in conn.execute(select(acc).where(acc.c.id.in_(sorted(wanted)))).mappings()
            ]
            if wanted
            else []
        )
    bundle = export_fhir(hcps, accounts, nucc=load_nucc(nucc) if nucc else None)
    out.write_text(json.dumps(bundle, indent=1), encoding="utf-8")
    return len(bundle.get("entry", []))
