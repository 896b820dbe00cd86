"""The orphan-report queue: call reports that arrived for an HCP no longer in the rep's territory (after a
realignment or a move). The push answered "kept and sent to your manager"; here the manager (or an admin) lists
them — per manager, the reports of the reps they manage — and reassigns each (it is filed under the HCP's current
territory: the reps there receive it on their next sync, and it counts in the HCP's history) or closes it with a
reason. Nothing is ever deleted: a decided report keeps who decided what, and when."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from repcompanion.domain.errors import HubError
from repcompanion.domain.models import visit_event
from repcompanion.domain.rows import call_report_from_row, call_report_to_row, event_to_row
from repcompanion.hub.db import HubDb, now_text, schema, upsert_rows

STATUSES = ("open", "reassigned", "closed")


class OrphanReportError(HubError):
    hint = "List the queue with `repcompanion-hub orphans list`."


@dataclass(frozen=True)
class OrphanReport:
    id: str
    hcp_id: str
    hcp_name: str
    user_name: str
    manager: str
    territory_id: str
    hcp_territories: tuple[str, ...]
    reason: str
    received_at: str
    visit_at: str
    topics: tuple[str, ...]
    status: str
    decided_at: str
    decided_by: str
    decision_note: str
    reassigned_to: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "hcp_territories": list(self.hcp_territories), "topics": list(self.topics)}


def _territories(conn: Connection, hcp_id: str) -> tuple[str, ...]:
    a = schema.synced["alignments"]
    return tuple(
        r[0] for r in conn.execute(select(a.c.territory_id).where(a.c.hcp_id == hcp_id).order_by(a.c.territory_id))
    )


def _view(conn: Connection, row: dict[str, Any], managers: dict[str, str]) -> OrphanReport:
    h = schema.synced["hcps"]
    hcp = conn.execute(select(h.c.first_name, h.c.last_name).where(h.c.id == row["hcp_id"])).first()
    report = json.loads(row["row"])
    topics = report.get("topics") or []
    if isinstance(topics, str):
        topics = json.loads(topics) if topics.startswith("[") else [t for t in topics.split(";") if t]
    return OrphanReport(
        id=row["id"],
        hcp_id=row["hcp_id"],
        hcp_name=" ".join(p for p in (hcp or ("", "")) if p) or "(not on the hub)",
        user_name=row["user_name"],
        manager=managers.get(row["user_name"], ""),
        territory_id=row["territory_id"],
        hcp_territories=_territories(conn, row["hcp_id"]),
        reason=row["reason"],
        received_at=row["received_at"],
        visit_at=str(report.get("started_at") or ""),
        topics=tuple(str(t) for t in topics),
        status=row["status"],
        decided_at=row["decided_at"] or "",
        decided_by=row["decided_by"] or "",
        decision_note=row["decision_note"] or "",
        reassigned_to=row["reassigned_to"] or "",
    )


def list_orphans(db: HubDb, *, status: str | None = "open", manager: str | None = None) -> list[OrphanReport]:
    """The queue, oldest first (``status`` None: every report); ``manager``: only the reps that manager manages."""
    o, u = schema.orphan_reports, schema.users
    with db.read() as conn:
        managers = {r[0]: r[1] or "" for r in conn.execute(select(u.c.name, u.c.manager))}
        query = select(o).order_by(o.c.received_at, o.c.id)
        if status:
            query = query.where(o.c.status == status)
        rows = [dict(r) for r in conn.execute(query).mappings()]
        views = [_view(conn, r, managers) for r in rows]
    return [v for v in views if manager is None or v.manager == manager]


def _open(conn: Connection, report_id: str) -> dict[str, Any]:
    o = schema.orphan_reports
    found = conn.execute(select(o).where(o.c.id == report_id)).mappings().first()
    if found is None:
        raise OrphanReportError(f"There is no orphan report {report_id}.")
    if found["status"] != "open":
        raise OrphanReportError(
            f"Orphan report {report_id} was already {found['status']} by {found['decided_by']} on "
            f"{str(found['decided_at'])[:10]}; nothing was changed."
        )
    return dict(found)


def reassign_orphan(db: HubDb, report_id: str, *, by: str, territory_id: str | None = None, note: str = "") -> str:
    """File the report under the HCP's current territory (the one given, which the HCP must be aligned to, or its
    only one): stored as a call report with its visit event, so that territory's reps receive it. Returns it."""
    with db.write() as conn:
        row = _open(conn, report_id)
        where = _territories(conn, row["hcp_id"])
        if not where:
            raise OrphanReportError(
                f"HCP {row['hcp_id']} of report {report_id} is in no territory now; there is nobody to give it to.",
                hint="Align the HCP to a territory first, or close the report with a reason.",
            )
        if territory_id is None:
            if len(where) > 1:
                raise OrphanReportError(
                    f"HCP {row['hcp_id']} is in territories {', '.join(where)}; say which with --territory.",
                )
            territory_id = where[0]
        elif territory_id not in where:
            raise OrphanReportError(
                f"HCP {row['hcp_id']} is not in territory {territory_id} (it is in {', '.join(where)}).",
            )
        report = call_report_from_row(json.loads(row["row"]))
        c = schema.synced["call_reports"]
        if conn.execute(select(c.c.id).where(c.c.id == report.id)).first() is None:
            upsert_rows(conn, "call_reports", [call_report_to_row(report)], fresh=True)
            upsert_rows(conn, "events", [event_to_row(visit_event(report))])
        o = schema.orphan_reports
        conn.execute(
            o.update()
            .where(o.c.id == report_id)
            .values(status="reassigned", decided_at=now_text(), decided_by=by, decision_note=note,
                    reassigned_to=territory_id)
        )  # fmt: skip
    return territory_id


def close_orphan(db: HubDb, report_id: str, *, by: str, reason: str) -> None:
    """Close a report without filing it (it stays in the queue's history with the reason)."""
    if not reason.strip():
        raise OrphanReportError("Closing a report needs a reason.", hint="Give --reason TEXT.")
    with db.write() as conn:
        _open(conn, report_id)
        o = schema.orphan_reports
        conn.execute(
            o.update()
            .where(o.c.id == report_id)
            .values(status="closed", decided_at=now_text(), decided_by=by, decision_note=reason)
        )


__all__ = ["STATUSES", "OrphanReport", "OrphanReportError", "close_orphan", "list_orphans", "reassign_orphan"]
