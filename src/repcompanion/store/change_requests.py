"""The rep's data change requests: written with their upload in one transaction, read with their outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from repcompanion.domain.enums import MutationKind, MutationStatus
from repcompanion.domain.models import DataChangeRequest
from repcompanion.domain.rows import DCR_COLUMNS, dcr_from_row, dcr_to_row
from repcompanion.store.tables import dict_rows

if TYPE_CHECKING:
    from repcompanion.store.store import Store


class ChangeRequests:
    """``data_change_requests`` joined with the upload (outbox) and the hub's decision (``dcr_results``)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, request: DataChangeRequest) -> None:
        """Record ``request`` and queue it for the hub, in one transaction."""
        row = dcr_to_row(request)
        payload = {"id": request.id, "hcp_id": request.hcp_id, "changes": request.changes, "note": request.note}
        with self._store.atomic() as store:
            store.conn.execute(
                f"INSERT INTO data_change_requests ({', '.join(DCR_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in DCR_COLUMNS)})",
                [row[c] for c in DCR_COLUMNS],
            )
            store.outbox.enqueue(MutationKind.DATA_CHANGE_REQUEST, request.id, payload, hcp_id=request.hcp_id)

    def all(self, hcp_id: str | None = None) -> list[DataChangeRequest]:
        """The requests (of ``hcp_id``), newest first, as they stand: the admin's decision once synced down,
        else rejected when the hub refused the upload (with its reason), else proposed."""
        where, params = ("WHERE d.hcp_id = ?", (hcp_id,)) if hcp_id else ("", ())
        cols = ", ".join(f"d.{c}" for c in DCR_COLUMNS)
        cur = self._store.conn.execute(
            f"SELECT {cols}, o.status AS upload_status, o.reason AS upload_reason, o.acked_at AS upload_at, "
            "x.status AS decided_status, x.reason AS decided_reason, x.decided_at AS decided_time "
            "FROM data_change_requests d LEFT JOIN outbox o ON o.entity_id = d.id AND o.kind = ? "
            f"LEFT JOIN dcr_results x ON x.id = d.id {where} "
            "ORDER BY d.created_at DESC",
            (MutationKind.DATA_CHANGE_REQUEST.value, *params),
        )
        out = []
        for r in dict_rows(cur):
            if r["decided_status"]:
                r = r | {"status": r["decided_status"], "reason": r["decided_reason"], "decided_at": r["decided_time"]}
            elif r["status"] == "proposed" and r["upload_status"] == MutationStatus.REJECTED.value:
                r = r | {"status": "rejected", "reason": r["upload_reason"], "decided_at": r["upload_at"]}
            out.append(dcr_from_row({c: r[c] for c in DCR_COLUMNS}))
        return out
