"""Push: each mutation applied once, in order; duplicates and rejections never block the queue."""

from __future__ import annotations

from sqlalchemy import func, select

from repcompanion.domain.enums import MutationKind
from repcompanion.hub.db import schema
from tests.hub.conftest import Hub


def _count(hub: Hub, table, where=None) -> int:  # type: ignore[no-untyped-def]
    with hub.db.read() as conn:
        q = select(func.count()).select_from(table)
        return int(conn.execute(q.where(where) if where is not None else q).scalar_one())


def test_a_poison_mutation_is_rejected_with_its_reason_and_the_rest_still_apply(hub: Hub) -> None:
    rep = hub.rep()
    hcp = hub.hcps_of("T-001")[0]
    good1 = rep.report(hcp)
    poison = rep.mutation(MutationKind.CALL_REPORT_SUBMIT.value, "x", {"id": "x", "notes": "no hcp"})
    unknown = rep.mutation("teleport.now", "y", {})
    good2 = rep.report(hcp, notes="Second visit.")
    results = rep.push([good1, poison, unknown, good2])
    assert [r["id"] for r in results] == [good1["id"], poison["id"], unknown["id"], good2["id"]]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "applied"]
    assert "hcp_id" in results[1]["reason"] and "payload is invalid" in results[1]["reason"]
    assert "unknown kind" in results[2]["reason"]
    assert _count(hub, schema.synced["call_reports"]) == 2


def test_a_resent_batch_is_all_duplicates_and_nothing_is_stored_twice(hub: Hub) -> None:
    rep = hub.rep()
    batch = [rep.report(h) for h in hub.hcps_of("T-001")[:3]]
    first = rep.push(batch)
    again = rep.push(batch)
    assert [r["status"] for r in first] == ["applied"] * 3
    assert [r["status"] for r in again] == ["duplicate"] * 3
    assert _count(hub, schema.synced["call_reports"]) == 3
    assert _count(hub, schema.mutations) == 3


def test_a_report_is_synced_to_the_reps_other_device_with_its_visit_event(hub: Hub) -> None:
    laptop, tablet = hub.rep(device_id="laptop"), hub.rep(device_id="tablet")
    _, last = tablet.pull_all()
    m = laptop.report(hub.hcps_of("T-001")[1])
    assert laptop.push([m])[0]["status"] == "applied"
    changes, _ = tablet.pull_all(last["next_cursor"])
    tables = {c["table"]: c for c in changes}
    assert tables["call_reports"]["row"] == m["payload"]
    assert tables["events"]["row"]["type"] == "visit" and tables["events"]["row"]["hcp_id"] == m["payload"]["hcp_id"]


def test_a_report_for_an_hcp_outside_the_territory_is_rejected_but_kept_for_the_manager(hub: Hub) -> None:
    rep = hub.rep()
    foreign = hub.hcps_of("T-002")[0]
    result = rep.push([rep.report(foreign)])[0]
    assert result["status"] == "rejected"
    assert "no longer in your territory" in result["reason"] and "kept and sent to your manager" in result["reason"]
    assert _count(hub, schema.orphan_reports) == 1
    assert _count(hub, schema.synced["call_reports"]) == 0


def test_a_submitted_report_cannot_be_changed_by_a_later_push(hub: Hub) -> None:
    rep = hub.rep()
    m = rep.report(hub.hcps_of("T-001")[0])
    rep.push([m])
    edited = rep.mutation(m["kind"], m["entity_id"], m["payload"] | {"notes": "rewritten"})
    same = rep.mutation(m["kind"], m["entity_id"], m["payload"])
    results = rep.push([edited, same])
    assert results[0]["status"] == "rejected" and "immutable" in results[0]["reason"]
    assert results[1]["status"] == "duplicate"


def test_a_reused_device_sequence_under_another_id_is_rejected_not_silently_dropped(hub: Hub) -> None:
    rep = hub.rep()
    m = rep.report(hub.hcps_of("T-001")[0])
    rep.push([m])
    clash = rep.report(hub.hcps_of("T-001")[1]) | {"device_seq": m["device_seq"]}
    result = rep.push([clash])[0]
    assert result["status"] == "rejected" and "already used" in result["reason"]


def test_intakes_feedback_decisions_consents_and_change_requests_are_stored(hub: Hub) -> None:
    rep = hub.rep()
    hcp = hub.hcps_of("T-001")[0]
    report = rep.report(hcp)
    intake = {
        "id": "AE-1",
        "hcp_id": hcp,
        "description": "rash after dose",
        "aware_at": "2026-11-20T10:00:00+00:00",
        "created_at": "2026-11-20T10:05:00+00:00",
        "call_report_id": report["entity_id"],
        "product_id": "P1",
        "reporter": "Dr X",
        "patient_details": "",
        "seriousness": "unknown",
        "categories": "side_effect",
        "status": "queued",
        "forwarded_at": None,
    }
    decision = {
        "call_report_id": report["entity_id"],
        "decision": "report",
        "categories": "side_effect",
        "at": "2026-11-20T10:06:00+00:00",
        "reason": "",
        "intake_id": "AE-1",
    }
    feedback = {
        "id": "FB-1",
        "hcp_id": hcp,
        "action": "email",
        "kind": "dismissed",
        "at": "2026-11-20T11:00:00+00:00",
        "suggestion_id": None,
        "reason": "wrong_timing",
        "note": "",
        "snooze_until": None,
    }
    consent = {
        "id": "CN-NEW",
        "hcp_id": hcp,
        "channel": "email",
        "state": "opt_out",
        "captured_at": "2026-11-20T10:10:00+00:00",
        "source": "rep",
        "expires_at": None,
    }
    dcr = {"hcp_id": hcp, "changes": {"phone": "508-555-0100"}, "note": "new number"}
    results = rep.push(
        [
            rep.mutation(MutationKind.AE_INTAKE.value, "AE-1", intake),
            report,
            rep.mutation(MutationKind.SCREENING_DECISION.value, report["entity_id"], decision),
            rep.mutation(MutationKind.SUGGESTION_FEEDBACK.value, "FB-1", feedback),
            rep.mutation(MutationKind.CONSENT_CAPTURE.value, "CN-NEW", consent),
            rep.mutation(MutationKind.DATA_CHANGE_REQUEST.value, hcp, dcr),
            rep.mutation(MutationKind.DATA_CHANGE_REQUEST.value, hcp, {"changes": {"segment": "A"}}),
        ]
    )
    assert [r["status"] for r in results] == ["applied"] * 6 + ["rejected"], results
    for table in (
        schema.ae_intakes,
        schema.screening_decisions,
        schema.suggestion_feedback,
        schema.data_change_requests,
    ):
        assert _count(hub, table) == 1
    assert _count(hub, schema.synced["consents"], schema.synced["consents"].c.id == "CN-NEW") == 1
