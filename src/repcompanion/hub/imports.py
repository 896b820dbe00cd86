"""Real provider data into the hub (NPPES, FHIR, CRM CSV) and a territory out as FHIR, one transaction each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from repcompanion.domain import Account, Alignment, Hcp, TerritoryId
from repcompanion.domain.models import Territory
from repcompanion.domain.rows import (
    account_from_row,
    account_to_row,
    alignment_to_row,
    hcp_from_row,
    hcp_to_row,
    territory_to_row,
)
from repcompanion.hub import schema
from repcompanion.hub.changelog import hcp_in_territory, head, reemit_hcp, territory_exists, upsert_rows
from repcompanion.hub.db import HubDb
from repcompanion.hub.errors import UnknownTerritoryError
from repcompanion.ingest import (
    ImportReport,
    export_fhir,
    import_csv,
    import_fhir,
    import_nppes,
    load_nucc,
    merge_account,
    merge_hcp,
)


class HubSink:
    """An ingest RecordSink writing through the change log, so every imported row reaches the reps' laptops."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _existing(self, table: str, record_id: str) -> dict[str, Any] | None:
        t = schema.synced[table]
        row = self.conn.execute(select(t).where(t.c.id == record_id)).mappings().first()
        return dict(row) if row is not None else None

    def upsert_hcp(self, hcp: Hcp) -> bool:
        old = self._existing("hcps", hcp.id)
        merged = hcp if old is None else merge_hcp(hcp_from_row(old), hcp)
        upsert_rows(self.conn, "hcps", [hcp_to_row(merged)])
        return old is None

    def upsert_account(self, account: Account) -> bool:
        old = self._existing("accounts", account.id)
        merged = account if old is None else merge_account(account_from_row(old), account)
        upsert_rows(self.conn, "accounts", [account_to_row(merged)])
        return old is None

    def align_hcp(self, alignment: Alignment) -> None:
        if hcp_in_territory(self.conn, alignment.hcp_id, alignment.territory_id):
            return
        rows_before = self.conn.execute(
            select(schema.synced["alignments"].c.id).where(schema.synced["alignments"].c.hcp_id == alignment.hcp_id)
        ).first()
        a = schema.synced["alignments"]
        row = alignment_to_row(alignment)
        self.conn.execute(a.insert().values(**row, since_seq=head(self.conn)))
        upsert_rows(self.conn, "alignments", [row])
        if rows_before is not None:  # already in another territory: send its history to the new one
            reemit_hcp(self.conn, alignment.hcp_id, alignment.territory_id)


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
            return import_nppes(path, sink, territory_id=territory_id, nucc=taxonomy, **filters)
        if fmt == "fhir":
            return import_fhir(path, sink, territory_id=territory_id, nucc=taxonomy)
        if mapping is None:
            raise ValueError("a CSV import needs its mapping file")
        return import_csv(path, mapping, sink, territory_id=territory_id, nucc=taxonomy)


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
