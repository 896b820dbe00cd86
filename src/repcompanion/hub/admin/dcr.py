"""Data change requests on the hub: an admin lists, accepts (the HCP row changes through the change log) or rejects.

An accepted request updates the HCP master row with ``db.upsert_rows`` in the same transaction that
records the decision, so every rep aligned to the HCP receives the corrected row on the next pull. A ZIP
change re-geocodes the HCP to the new ZIP's centroid; an affiliation change makes the named account the HCP's
primary one (the others stay, not primary). Only address, phone, email, specialty and affiliation may change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from repcompanion.domain.enums import GeoPrecision
from repcompanion.domain.errors import HubError
from repcompanion.domain.rows import hcp_from_row, hcp_to_row
from repcompanion.hub.db import HubDb, schema, upsert_rows
from repcompanion.hub.db.schema import dcr_decisions
from repcompanion.hub.errors import UnknownHcpError
from repcompanion.ingest.changes import ALLOWED_FIELDS, check_changes, with_primary_affiliation
from repcompanion.ingest.geo import locate_zip
from repcompanion.ingest.nucc import Taxonomy

STATUSES = ("open", "accepted", "rejected")


class DcrError(HubError):
    """A data change request cannot be decided as asked."""

    hint = "List the requests with `repcompanion-hub dcr list`."


class DcrNotFoundError(DcrError):
    pass


class DcrAlreadyDecidedError(DcrError):
    hint = "Only open requests can be accepted or rejected; see `repcompanion-hub dcr list --status open`."


class DcrNotAllowedError(DcrError):
    """The request asks for fields or values that cannot be applied; nothing was changed."""


@dataclass(frozen=True)
class DcrView:
    id: str
    hcp_id: str
    hcp_name: str
    changes: dict[str, Any]
    note: str
    status: str
    user_name: str
    territory_id: str
    received_at: str
    decided_at: str | None = None
    decided_by: str | None = None
    reason: str = ""
    applied: dict[str, Any] = field(default_factory=dict)
    previous: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def normalise_changes(changes: dict[str, Any]) -> dict[str, str]:
    """The request's changes checked and in the hub's formats; DcrNotAllowedError says what is wrong."""
    if not isinstance(changes, dict) or not changes:
        raise DcrNotAllowedError("The request changes nothing.", hint="Reject it with a reason for the rep.")
    checked = check_changes(changes)
    if checked.refused:
        raise DcrNotAllowedError(
            f"A data change request may not change {', '.join(checked.refused)}; only {', '.join(ALLOWED_FIELDS)} "
            "can be changed. Nothing was changed.",
            hint="Reject it with `repcompanion-hub dcr reject ID --reason ...`; other master data comes from the "
            "imports (NPPES, FHIR, CRM).",
        )
    if checked.problems:
        raise DcrNotAllowedError(
            f"The request cannot be applied: {'; '.join(checked.problems)}. Nothing was changed.",
            hint="Reject it with a reason, and the rep can send a corrected request.",
        )
    return checked.values


def _view(r: Any, decision: Any) -> DcrView:
    name = f"{r.first_name or ''} {r.last_name or ''}".strip() or "(unknown HCP)"
    return DcrView(
        id=r.id,
        hcp_id=r.hcp_id,
        hcp_name=name,
        changes=json.loads(r.changes or "{}"),
        note=r.note or "",
        status=r.status,
        user_name=r.user_name,
        territory_id=r.territory_id,
        received_at=r.received_at,
        decided_at=decision.decided_at if decision else None,
        decided_by=decision.decided_by if decision else None,
        reason=decision.reason if decision else "",
        applied=json.loads(decision.applied) if decision and decision.applied else {},
        previous=json.loads(decision.previous) if decision and decision.previous else {},
    )


def _select() -> Any:
    d, h = schema.data_change_requests, schema.synced["hcps"]
    return select(d, h.c.first_name, h.c.last_name).select_from(d.outerjoin(h, h.c.id == d.c.hcp_id))


def _decisions(conn: Connection, ids: list[str]) -> dict[str, Any]:
    if not ids:
        return {}
    rows = conn.execute(select(dcr_decisions).where(dcr_decisions.c.dcr_id.in_(ids)))
    return {r.dcr_id: r for r in rows}


def list_dcrs(db: HubDb, status: str | None = None) -> list[DcrView]:
    """Requests, oldest first; ``status``: open, accepted or rejected."""
    if status is not None and status not in STATUSES:
        raise DcrError(f"There is no status {status!r}; use one of {', '.join(STATUSES)}.")
    d = schema.data_change_requests
    query = _select().order_by(d.c.received_at, d.c.id)
    if status is not None:
        query = query.where(d.c.status == status)
    with db.read() as conn:
        rows = conn.execute(query).all()
        decisions = _decisions(conn, [r.id for r in rows])
    return [_view(r, decisions.get(r.id)) for r in rows]


def _open_request(conn: Connection, dcr_id: str) -> Any:
    d = schema.data_change_requests
    found = conn.execute(_select().where(d.c.id == dcr_id)).first()
    if found is None:
        raise DcrNotFoundError(f"There is no data change request {dcr_id} on this hub.")
    if found.status != "open":
        raise DcrAlreadyDecidedError(f"Data change request {dcr_id} was already {found.status}; nothing was changed.")
    return found


def _decide(conn: Connection, dcr_id: str, status: str, by: str, reason: str, applied: Any, previous: Any) -> None:
    at = datetime.now(UTC).isoformat()
    conn.execute(
        dcr_decisions.insert().values(
            dcr_id=dcr_id,
            status=status,
            decided_at=at,
            decided_by=by,
            reason=reason,
            applied=json.dumps(applied, sort_keys=True) if applied is not None else None,
            previous=json.dumps(previous, sort_keys=True) if previous is not None else None,
        )
    )
    d = schema.data_change_requests
    conn.execute(d.update().where(d.c.id == dcr_id).values(status=status))
    hcp_id = conn.execute(select(d.c.hcp_id).where(d.c.id == dcr_id)).scalar_one()
    result = {"id": dcr_id, "hcp_id": hcp_id, "status": status, "decided_at": at, "reason": reason}
    upsert_rows(conn, "dcr_results", [{**result, "changes": json.dumps(applied or {}, sort_keys=True)}])


def _reviewed(conn: Connection, dcr_id: str) -> DcrView:
    d = schema.data_change_requests
    row = conn.execute(_select().where(d.c.id == dcr_id)).one()
    return _view(row, _decisions(conn, [dcr_id]).get(dcr_id))


def accept_dcr(db: HubDb, dcr_id: str, *, decided_by: str, note: str = "") -> DcrView:
    """Apply the request to the HCP master row (through the change log, so it flows down) and record it."""
    with db.write() as conn:
        request = _open_request(conn, dcr_id)
        changes = normalise_changes(json.loads(request.changes or "{}"))
        h = schema.synced["hcps"]
        current = conn.execute(select(h).where(h.c.id == request.hcp_id)).mappings().first()
        if current is None:
            raise UnknownHcpError(f"HCP {request.hcp_id} of request {dcr_id} is no longer on this hub.")
        row = dict(current)
        applied: dict[str, Any] = dict(changes)
        if "affiliation" in applied:
            applied["affiliations"] = _affiliations(conn, row, applied.pop("affiliation"))
        if "specialty_code" in changes and "specialty_label" not in changes:
            label = Taxonomy.builtin().label(changes["specialty_code"])
            if label:
                applied["specialty_label"] = label
        if "zip" in changes and changes["zip"] != (row.get("zip") or ""):
            lat, lon, precision, _ = locate_zip(changes["zip"])
            applied.update(latitude=lat, longitude=lon, geo_precision=GeoPrecision(precision).value)
        previous = {k: row.get(k) for k in applied}
        row.update(applied)
        if row != dict(current):  # a request for the values the HCP already has changes nothing on the laptops
            upsert_rows(conn, "hcps", [row])
        _remember_override(conn, dcr_id, request.hcp_id, applied, previous)
        _decide(conn, dcr_id, "accepted", decided_by, note.strip(), applied, previous)
        return _reviewed(conn, dcr_id)


def _affiliations(conn: Connection, row: dict[str, Any], account_id: str) -> Any:
    """The HCP row's affiliations with ``account_id`` made the primary one (in the row's own encoding)."""
    a = schema.synced["accounts"]
    if conn.execute(select(a.c.id).where(a.c.id == account_id)).first() is None:
        raise DcrNotAllowedError(
            f"There is no account {account_id} on this hub; the affiliation cannot be changed. Nothing was changed.",
            hint="Reject it with a reason, or import the account first and accept it then.",
        )
    hcp = hcp_from_row(row)
    return hcp_to_row(replace(hcp, affiliations=with_primary_affiliation(hcp.affiliations, account_id)))["affiliations"]


def _remember_override(
    conn: Connection, dcr_id: str, hcp_id: str, applied: dict[str, Any], previous: dict[str, Any]
) -> None:
    """Record the request's values and the source's values they replace, so a re-import of an unchanged source
    keeps them (sync.imports.HubSink). A field already overridden keeps the source value of the first request."""
    o = schema.dcr_overrides
    for name, value in applied.items():
        where = (o.c.hcp_id == hcp_id, o.c.field == name)
        source_value = conn.execute(select(o.c.source_value).where(*where)).scalar()
        conn.execute(delete(o).where(*where))
        conn.execute(
            o.insert().values(
                hcp_id=hcp_id,
                field=name,
                value=json.dumps(value),
                source_value=source_value if source_value is not None else json.dumps(previous.get(name)),
                dcr_id=dcr_id,
            )
        )


def reject_dcr(db: HubDb, dcr_id: str, *, reason: str, decided_by: str) -> DcrView:
    """Close the request without touching the HCP; the reason is kept for the rep and for audit."""
    if not reason.strip():
        raise DcrError("Say why the request is rejected (--reason); the rep will read it.")
    with db.write() as conn:
        _open_request(conn, dcr_id)
        _decide(conn, dcr_id, "rejected", decided_by, reason.strip(), None, None)
        return _reviewed(conn, dcr_id)


__all__ = [
    "ALLOWED_FIELDS",
    "DcrAlreadyDecidedError",
    "DcrError",
    "DcrNotAllowedError",
    "DcrNotFoundError",
    "DcrView",
    "accept_dcr",
    "list_dcrs",
    "normalise_changes",
    "reject_dcr",
]
