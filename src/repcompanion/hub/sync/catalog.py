"""The company's master data into the hub (products, approved content, consent, e-mail addresses) and content
withdrawal, each in one transaction through the change log, so the laptops receive it on their next sync."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from repcompanion.domain import Content, HcpId, Product
from repcompanion.domain.errors import HubError
from repcompanion.domain.rows import (
    consent_from_row,
    consent_to_row,
    content_from_row,
    content_to_row,
    hcp_from_row,
    product_from_row,
    product_to_row,
)
from repcompanion.hub.db import HubDb, schema, upsert_rows
from repcompanion.hub.followups import stop_follow_ups
from repcompanion.hub.sync.imports import HubSink
from repcompanion.ingest import ImportReport, Written, written
from repcompanion.ingest.catalog import (
    ConsentRow,
    EmailAddress,
    HcpRef,
    MasterFile,
    bad_rows,
    load_catalog_mapping,
    read_master_file,
)


class ContentNotFoundError(HubError):
    hint = "List the catalogue with `repcompanion-hub content list`."


def import_master(db: HubDb, kind: str, path: Path, *, mapping: Path | None = None) -> ImportReport:
    """Import a products, content, consents or emails file: every row, or nothing (MasterDataError)."""
    parsed = read_master_file(path, kind, load_catalog_mapping(mapping, kind) if mapping else None)
    with db.write() as conn:
        counts = _WRITERS[kind](conn, parsed, path)
    report = parsed.report
    report.created, report.updated, report.unchanged = (counts[w] for w in Written)
    return report


def _write_products(conn: Connection, parsed: MasterFile, path: Path) -> dict[Written, int]:
    t = schema.synced["products"]
    stored = {r["id"]: product_from_row(dict(r)) for r in conn.execute(select(t)).mappings()}
    counts = dict.fromkeys(Written, 0)
    changed = []
    for _, product in parsed.rows:
        outcome = written(stored.get(product.id), product)
        counts[outcome] += 1
        if outcome is not Written.UNCHANGED:
            changed.append(product_to_row(product))
    upsert_rows(conn, "products", changed)
    return counts


def _write_content(conn: Connection, parsed: MasterFile, path: Path) -> dict[Written, int]:
    t, p = schema.synced["content"], schema.synced["products"]
    products = {r[0] for r in conn.execute(select(p.c.id))}
    missing = [
        f"line {line}: content {item.id} is about product {item.product_id}, which the hub does not know "
        "(load it with `repcompanion-hub import products` first)"
        for line, item in parsed.rows
        if item.product_id not in products
    ]
    if missing:
        raise bad_rows("content", path, missing)
    stored = {r["id"]: content_from_row(dict(r)) for r in conn.execute(select(t)).mappings()}
    counts = dict.fromkeys(Written, 0)
    changed: list[Content] = []
    for _, item in parsed.rows:
        old = stored.get(item.id)
        if old is not None and old.withdrawn_at is not None:  # a withdrawal stands; new approvals get a new id
            item = replace(item, withdrawn_at=old.withdrawn_at, withdrawn_reason=old.withdrawn_reason)
        outcome = written(old, item)
        counts[outcome] += 1
        if outcome is not Written.UNCHANGED:
            changed.append(item)
    upsert_rows(conn, "content", [content_to_row(c) for c in changed])
    if changed:
        stop_follow_ups(conn, {str(c.id) for c in changed})
    return counts


def _resolve(conn: Connection, refs: list[tuple[int, HcpRef]], path: Path, kind: str) -> dict[HcpRef, str]:
    """The hub's HCP id of every reference; MasterDataError naming each one the hub does not know."""
    h = schema.synced["hcps"]
    npis = sorted({r.npi for _, r in refs if r.npi})
    ids = sorted({r.hcp_id for _, r in refs if r.hcp_id})
    by_npi = {npi: hid for hid, npi in conn.execute(select(h.c.id, h.c.npi).where(h.c.npi.in_(npis)))} if npis else {}
    known = {r[0] for r in conn.execute(select(h.c.id).where(h.c.id.in_(ids)))} if ids else set()
    found: dict[HcpRef, str] = {}
    problems = []
    for line, ref in refs:
        hcp_id = by_npi.get(ref.npi) if ref.npi else (ref.hcp_id if ref.hcp_id in known else None)
        if hcp_id is None:
            problems.append(f"line {line}: {ref} is not an HCP on this hub (import the providers first)")
        else:
            found[ref] = hcp_id
    if problems:
        raise bad_rows(kind, path, problems)
    return found


def _write_consents(conn: Connection, parsed: MasterFile, path: Path) -> dict[Written, int]:
    rows: list[tuple[int, ConsentRow]] = parsed.rows
    hcp_ids = _resolve(conn, [(line, r.hcp) for line, r in rows], path, "consents")
    t = schema.synced["consents"]
    ids = [str(r.consent.id) for _, r in rows]
    stored = {r["id"]: consent_from_row(dict(r)) for r in conn.execute(select(t).where(t.c.id.in_(ids))).mappings()}
    counts = dict.fromkeys(Written, 0)
    new, clashes = [], []
    for line, r in rows:
        consent = replace(r.consent, hcp_id=HcpId(hcp_ids[r.hcp]))
        old = stored.get(str(consent.id))
        if old is None:
            new.append(consent_to_row(consent))
            counts[Written.CREATED] += 1
        elif old == consent:
            counts[Written.UNCHANGED] += 1
        else:
            clashes.append(
                f"line {line}: consent {consent.id} was already loaded with other values; consent records are "
                "append-only (a change is a new record with its own date)"
            )
    if clashes:
        raise bad_rows("consents", path, clashes)
    upsert_rows(conn, "consents", new, fresh=True)
    return counts


def _write_emails(conn: Connection, parsed: MasterFile, path: Path) -> dict[Written, int]:
    rows: list[tuple[int, EmailAddress]] = parsed.rows
    hcp_ids = _resolve(conn, [(line, r.hcp) for line, r in rows], path, "emails")
    h = schema.synced["hcps"]
    stored = {
        r["id"]: hcp_from_row(dict(r))
        for r in conn.execute(select(h).where(h.c.id.in_(sorted(set(hcp_ids.values()))))).mappings()
    }
    sink = HubSink(conn)
    counts = dict.fromkeys(Written, 0)
    for _, r in rows:
        hcp = stored[hcp_ids[r.hcp]]
        counts[sink.upsert_hcp(replace(hcp, email=r.email))] += 1
    sink.note_in(parsed.report)
    return counts


_WRITERS: dict[str, Any] = {
    "products": _write_products,
    "content": _write_content,
    "consents": _write_consents,
    "emails": _write_emails,
}


def content_catalog(db: HubDb) -> tuple[list[Content], dict[str, Product]]:
    """Every content item (newest approval first) and the products they are about."""
    c, p = schema.synced["content"], schema.synced["products"]
    with db.read() as conn:
        items = [content_from_row(dict(r)) for r in conn.execute(select(c)).mappings()]
        products = {r["id"]: product_from_row(dict(r)) for r in conn.execute(select(p)).mappings()}
    items.sort(key=lambda x: (x.valid_from, str(x.id)), reverse=True)
    return items, products


def withdraw_content(db: HubDb, content_id: str, reason: str, *, now: datetime | None = None) -> int:
    """Withdraw an approved item: never shown or sent again; every pending follow-up that uses it is stopped, and
    the laptops get both on their next sync. Returns how many follow-ups were stopped."""
    if not reason.strip():
        raise HubError("Say why the content is withdrawn (--reason); reps and auditors read it.")
    now = now or datetime.now(UTC)
    t = schema.synced["content"]
    with db.write() as conn:
        row = conn.execute(select(t).where(t.c.id == content_id)).mappings().first()
        if row is None:
            raise ContentNotFoundError(f"There is no content {content_id} on this hub; nothing was withdrawn.")
        item = content_from_row(dict(row))
        if item.withdrawn_at is None:
            item = replace(item, withdrawn_at=now, withdrawn_reason=reason.strip())
            upsert_rows(conn, "content", [content_to_row(item)])
        return stop_follow_ups(conn, {content_id}, now=now)


__all__ = ["ContentNotFoundError", "content_catalog", "import_master", "withdraw_content"]
