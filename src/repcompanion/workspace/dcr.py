"""Data change requests from the rep: propose a correction to an HCP's address, phone, email or specialty.

The request is written locally and queued for the hub in one transaction; an admin accepts or rejects it on
the hub, and an accepted change comes back as the HCP's updated row on a later sync.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from repcompanion.domain import DataChangeRequest, MutationKind, MutationStatus, NotFoundError, ValidationError, uuid7
from repcompanion.domain.rows import DCR_COLUMNS, dcr_from_row, dcr_to_row, hcp_to_row
from repcompanion.ingest.geo import US_STATES
from repcompanion.ingest.normalize import format_phone, zip5

#: HCP fields a rep may propose to change (the hub's repcompanion.hub.dcr.ALLOWED_FIELDS is the same list).
ALLOWED_FIELDS = (
    "line1",
    "line2",
    "city",
    "state",
    "zip",
    "phone",
    "email",
    "specialty_code",
    "specialty_label",
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_NUCC_CODE = re.compile(r"[0-9]{3}[0-9A-Z]{6}X")


def validate_changes(changes: Mapping[str, Any]) -> dict[str, str]:
    """``changes`` checked and normalised (ZIP to 5 digits, state upper-case, phone formatted), or a
    ValidationError naming every field or value that cannot be proposed."""
    if not changes:
        raise ValidationError("Say what should change: at least one field with its new value.")
    refused = sorted(set(changes) - set(ALLOWED_FIELDS))
    if refused:
        raise ValidationError(
            f"A change request cannot change {', '.join(refused)}; you can propose changes to "
            f"{', '.join(ALLOWED_FIELDS)}.",
            hint="Other details come from the company's master data; ask your manager to correct them.",
        )
    out: dict[str, str] = {}
    problems: list[str] = []
    for name, raw in changes.items():
        value = "" if raw is None else str(raw).strip()
        if name == "zip":
            value = zip5(value)
            if not value:
                problems.append(f"the ZIP code {raw!r} is not a US ZIP code")
        elif name == "state":
            value = value.upper()
            if value not in US_STATES:
                problems.append(f"the state {raw!r} is not a two-letter US state code")
        elif name == "email" and value and not _EMAIL.fullmatch(value):
            problems.append(f"{raw!r} is not an email address")
        elif name == "phone" and value:
            value = format_phone(value)
            if sum(c.isdigit() for c in value) < 10:
                problems.append(f"the phone number {raw!r} has fewer than 10 digits")
        elif name == "specialty_code":
            value = value.upper()
            if not _NUCC_CODE.fullmatch(value):
                problems.append(f"{raw!r} is not a NUCC taxonomy code (like 207RC0000X)")
        elif name in ("line1", "city") and not value:
            problems.append(f"{name.replace('line1', 'the street line')} cannot be empty")
        out[name] = value
    if problems:
        raise ValidationError(f"The change cannot be proposed: {'; '.join(problems)}.", hint="Correct it and retry.")
    return out


def propose_change(ws: Any, hcp_id: str, changes: Mapping[str, Any], note: str = "") -> DataChangeRequest:
    """Record a data change request for ``hcp_id`` and queue it for the hub, all in one transaction."""
    hcp = ws.store.hcps.find(hcp_id)
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
    row = dcr_to_row(request)
    payload = {"id": request.id, "hcp_id": request.hcp_id, "changes": request.changes, "note": request.note}
    with ws.store.atomic() as store:
        store.conn.execute(
            f"INSERT INTO data_change_requests ({', '.join(DCR_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in DCR_COLUMNS)})",
            [row[c] for c in DCR_COLUMNS],
        )
        store.outbox.enqueue(MutationKind.DATA_CHANGE_REQUEST, request.id, payload, hcp_id=request.hcp_id)
    return request


def change_requests(ws: Any, hcp_id: str | None = None) -> list[DataChangeRequest]:
    """The rep's requests, newest first; one the hub refused on upload shows as rejected with its reason."""
    where, params = ("WHERE d.hcp_id = ?", (hcp_id,)) if hcp_id else ("", ())
    cols = ", ".join(f"d.{c}" for c in DCR_COLUMNS)
    rows = ws.store.query(
        f"SELECT {cols}, o.status AS upload_status, o.reason AS upload_reason, o.acked_at AS upload_at, "
        "x.status AS decided_status, x.reason AS decided_reason, x.decided_at AS decided_time "
        f"FROM data_change_requests d LEFT JOIN outbox o ON o.entity_id = d.id AND o.kind = ? "
        f"LEFT JOIN dcr_results x ON x.id = d.id {where} "
        "ORDER BY d.created_at DESC",
        (MutationKind.DATA_CHANGE_REQUEST.value, *params),
    )
    out = []
    for r in rows:
        if r["decided_status"]:  # the admin's decision, synced down from the hub
            r = r | {"status": r["decided_status"], "reason": r["decided_reason"], "decided_at": r["decided_time"]}
        elif r["status"] == "proposed" and r["upload_status"] == MutationStatus.REJECTED.value:
            r = r | {"status": "rejected", "reason": r["upload_reason"], "decided_at": r["upload_at"]}
        out.append(dcr_from_row({c: r[c] for c in DCR_COLUMNS}))
    return out


__all__ = ["ALLOWED_FIELDS", "change_requests", "propose_change", "validate_changes"]
