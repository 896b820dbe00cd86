"""An adverse event reported from a visit still in draft reaches the hub at the next sync, before the visit does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
from sqlalchemy import select

from repcompanion.domain import MutationKind, MutationStatus, ReportStatus, ScreeningDecisionKind
from repcompanion.hub.db import schema
from repcompanion.workspace import Workspace
from tests.e2e.conftest import PASSWORD, LoopbackHub

HCP = "H00001"
NOTE = "Seizure after first dose of Nefrovia; the patient was taken to hospital the same night."


def _hub_rows(hub: LoopbackHub, table: object, column: object, value: str) -> list[dict]:
    with hub.db.read() as conn:
        return [dict(r) for r in conn.execute(select(table).where(column == value)).mappings()]


def test_an_intake_reported_for_a_draft_visit_is_pushed_and_the_hub_holds_it(
    tmp_path: Path, loopback_hub: LoopbackHub
) -> None:
    ws = Workspace.open(tmp_path / "rep")
    try:
        ws.sync.use_http(httpx.Client(timeout=30))
        ws.sync.login(loopback_hub.url, "rep01", PASSWORD)
        ws.sync.run()
        report = replace(ws.visits.new(HCP), notes=NOTE)
        intake = replace(ws.visits.draft_intake(report), patient_details="adult, male")

        # The rep pressed Report; the visit dialog is then closed.
        reported = ws.visits.report_intake(report, intake).intake

        assert ws.visits.get(report.id).status is ReportStatus.DRAFT
        [queued] = [m for m in ws.store.outbox.pending() if m.kind is MutationKind.AE_INTAKE]
        assert queued.entity_id == reported.id and ws.store.outbox.pending()[0] == queued
        sync = ws.sync.run()
        assert not sync.rejected and ws.store.outbox.pending_count() == 0
        assert {m.kind: m.status for m in ws.store.outbox.all()}[MutationKind.AE_INTAKE] is MutationStatus.APPLIED
        calls = schema.synced["call_reports"]
        [held] = _hub_rows(loopback_hub, schema.ae_intakes, schema.ae_intakes.c.id, reported.id)
        assert held["call_report_id"] == report.id and held["hcp_id"] == HCP
        assert held["description"] == reported.description and "Seizure" in held["description"]
        assert held["patient_details"] == "adult, male" and held["user_name"] == "rep01"
        assert _hub_rows(loopback_hub, calls, calls.c.id, report.id) == []  # the draft stays on the laptop
        decisions = schema.screening_decisions
        [decision] = _hub_rows(loopback_hub, decisions, decisions.c.call_report_id, report.id)
        assert decision["decision"] == ScreeningDecisionKind.REPORT.value and decision["intake_id"] == reported.id

        ws.visits.submit(ws.visits.get(report.id))  # the visit arrives later
        assert not ws.sync.run().rejected
        [submitted] = _hub_rows(loopback_hub, calls, calls.c.id, report.id)
        assert submitted["status"] == ReportStatus.SUBMITTED.value
        assert len(_hub_rows(loopback_hub, schema.ae_intakes, schema.ae_intakes.c.call_report_id, report.id)) == 1
    finally:
        ws.close()
