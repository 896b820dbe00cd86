"""The previous release's laptops (sync protocol 1) keep syncing with a protocol-2 hub: they receive content and
event topics ';'-joined as they decode them, and what they push with ';'-joined categories is read right."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, text

from repcompanion.domain.enums import MutationKind
from repcompanion.domain.rows import SYNCED_TABLES
from repcompanion.hub.db import schema
from tests.hub.conftest import Hub
from tests.previous_release import JOINED, split


def hub_rows(hub: Hub, table: str) -> dict[str, dict[str, Any]]:
    with hub.db.read() as conn:
        return {r["id"]: dict(r) for r in conn.execute(select(schema.synced[table])).mappings()}


def test_a_protocol_1_laptop_gets_joined_topics_that_decode_with_its_own_rules_to_the_hubs_records(hub: Hub) -> None:
    old, new = hub.rep(device_id="old", protocol=1), hub.rep(device_id="new")
    old_changes, _ = old.pull_all()
    new_changes, _ = new.pull_all()
    assert len(old_changes) == len(new_changes) > 100
    checked = 0
    for before, now in zip(old_changes, new_changes, strict=True):
        table, row = now["table"], now["row"]
        if table not in JOINED or row is None:
            assert before == now
            continue
        record = SYNCED_TABLES[table].from_row(hub_rows(hub, table)[now["id"]])
        for column in JOINED[table]:
            assert not before["row"][column].startswith("["), "protocol 1 has no JSON arrays"
            assert tuple(split(before["row"][column])) == getattr(record, column)
            assert json.loads(row[column]) == list(getattr(record, column))
            checked += 1
    assert checked > 20


def test_a_protocol_1_laptop_pushes_joined_categories_and_pulls_its_visit_back_joined(hub: Hub) -> None:
    rep = hub.rep(device_id="old", protocol=1)
    _, page = rep.pull_all()
    hcp = hub.hcps_of(rep.territory_id)[0]
    report = rep.report(hcp)
    report["payload"]["topics"] = json.dumps(["efficacy", "safety"])  # call reports were JSON in protocol 1 too
    intake = {
        "id": "AE-OLD",
        "hcp_id": hcp,
        "description": "rash after the first dose",
        "aware_at": "2026-11-20T10:00:00+00:00",
        "created_at": "2026-11-20T10:05:00+00:00",
        "call_report_id": report["entity_id"],
        "product_id": "P1",
        "reporter": "",
        "patient_details": "",
        "seriousness": "non_serious",
        "categories": "adverse_event;skin_reaction",
        "status": "queued",
        "forwarded_at": None,
    }
    decision = {
        "call_report_id": report["entity_id"],
        "decision": "report",
        "categories": "adverse_event;skin_reaction",
        "at": "2026-11-20T10:06:00+00:00",
        "reason": "rash",
        "intake_id": "AE-OLD",
    }
    results = rep.push(
        [
            report,
            rep.mutation(MutationKind.AE_INTAKE.value, "AE-OLD", intake),
            rep.mutation(MutationKind.SCREENING_DECISION.value, report["entity_id"], decision),
        ]
    )
    assert [r["status"] for r in results] == ["applied"] * 3, results
    with hub.db.read() as conn:
        stored = conn.execute(text("SELECT categories FROM ae_intakes WHERE id = 'AE-OLD'")).scalar_one()
        decided = conn.execute(text("SELECT categories FROM screening_decisions")).scalar_one()
    assert json.loads(stored) == json.loads(decided) == ["adverse_event", "skin_reaction"]

    changes, _ = rep.pull_all(page["next_cursor"])
    visit = next(c for c in changes if c["table"] == "events" and c["id"] == f"EV-{report['entity_id']}")
    assert visit["row"]["topics"] == "efficacy;safety"
    current, _ = hub.rep(device_id="new").pull_all(page["next_cursor"])
    assert next(c for c in current if c["id"] == visit["id"])["row"]["topics"] == '["efficacy", "safety"]'
