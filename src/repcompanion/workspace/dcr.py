"""Data change requests from the rep: propose a correction to an HCP's address, phone, email or specialty.

The request is written locally and queued for the hub in one transaction; an admin accepts or rejects it on
the hub, and an accepted change comes back as the HCP's updated row on a later sync.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from repcompanion.domain import DataChangeRequest, MutationKind, MutationStatus, NotFoundError, ValidationError, uuid7
from repcompanion.domain.rows import DCR_COLUMNS, dcr_from_row, dcr_to_row, hcp_to_row
from repcompanion.ingest.changes import ALLOWED_FIELDS, check_changes


def validate_changes(changes: Mapping[str, Any]) -> dict[str, str]:
    """``changes`` checked and normalised (ZIP to 5 digits, state upper-case, phone formatted), or a
    ValidationError naming every field or value that cannot be proposed."""
    if not changes:
        raise ValidationError("Say what should change: at least one field with its new value.")
    checked = check_changes(changes)
    if checked.refused:
        raise ValidationError(
            f"A change request cannot change {', '.join(checked.refused)}; you can propose changes to "
            f"{', '.join(ALLOWED_FIELDS)}.",
            hint="Other details come from the company's master data; ask your manager to correct them.",
        )
    if checked.problems:
        raise ValidationError(
            f"The change cannot be proposed: {'; '.join(checked.problems)}.", hint="Correct it and retry."
        )
    return checked.values


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
