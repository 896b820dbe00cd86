"""Data change requests on the hub: accept changes the HCP for reps' next pull, reject keeps it, bad ones refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from repcompanion.domain.enums import MutationKind
from repcompanion.hub.admin import dcr
from repcompanion.hub.cli import main
from repcompanion.hub.db import schema
from tests.hub.conftest import Hub, Rep


def propose(rep: Rep, hcp: str, dcr_id: str, changes: dict[str, Any], note: str = "") -> None:
    payload = {"id": dcr_id, "hcp_id": hcp, "changes": changes, "note": note}
    [result] = rep.push([rep.mutation(MutationKind.DATA_CHANGE_REQUEST.value, dcr_id, payload)])
    assert result["status"] == "applied", result


def hcp_row(hub: Hub, hcp_id: str) -> dict[str, Any]:
    h = schema.synced["hcps"]
    with hub.db.read() as conn:
        return dict(conn.execute(select(h).where(h.c.id == hcp_id)).mappings().one())


def log_entries_for(hub: Hub, hcp_id: str) -> int:
    c = schema.changes
    with hub.db.read() as conn:
        return int(conn.execute(select(func.count()).where(c.c.tbl == "hcps", c.c.row_id == hcp_id)).scalar_one())


def test_accepting_a_request_changes_the_hcp_and_the_reps_next_pull_carries_the_new_row(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    rep = hub.rep()
    other = hub.rep("rep02", "device-b")
    _, page = rep.pull_all()
    _, other_page = other.pull_all()
    hcp = hub.hcps_of("T-001")[0]
    before = hcp_row(hub, hcp)
    changes = {"line1": "1 Main Street", "city": "Cambridge", "state": "ma", "zip": "02139-4307"}
    propose(rep, hcp, "DCR-ACCEPT", changes | {"phone": "(617) 555 0100"}, note="moved last month")

    assert main(["dcr", "list", "--status", "open", "--db", hub.url]) == 0
    out = capsys.readouterr().out
    assert "DCR-ACCEPT" in out and "OPEN" in out and "moved last month" in out and "from rep01" in out

    assert main(["dcr", "accept", "DCR-ACCEPT", "--note", "checked with NPPES", "--by", "ann", "--db", hub.url]) == 0
    assert "Accepted DCR-ACCEPT" in capsys.readouterr().out
    after = hcp_row(hub, hcp)
    assert (after["line1"], after["city"], after["state"], after["zip"]) == (
        "1 Main Street",
        "Cambridge",
        "MA",
        "02139",
    )
    assert after["phone"] == "617-555-0100"
    assert after["latitude"] == pytest.approx(42.36, abs=0.05) and after["longitude"] == pytest.approx(-71.10, abs=0.05)
    assert after["geo_precision"] == "zip_centroid"
    assert {k: v for k, v in after.items() if k not in changes and k not in ("phone", "latitude", "longitude")} == {
        k: v for k, v in before.items() if k not in changes and k not in ("phone", "latitude", "longitude")
    }

    changes_down, _ = rep.pull_all(page["next_cursor"])
    [update] = [c for c in changes_down if c["table"] == "hcps" and c["id"] == hcp]
    assert update["op"] == "upsert" and update["row"]["zip"] == "02139" and update["row"]["line1"] == "1 Main Street"
    assert update["row"]["phone"] == "617-555-0100"
    other_down, _ = other.pull_all(other_page["next_cursor"])
    assert all(c["id"] != hcp for c in other_down)  # not aligned to rep02's territory

    [view] = dcr.list_dcrs(hub.db, "accepted")
    assert view.decided_by == "ann" and view.reason == "checked with NPPES"
    assert view.previous["zip"] == before["zip"] and view.applied["zip"] == "02139"

    assert main(["dcr", "accept", "DCR-ACCEPT", "--db", hub.url]) == 2
    assert "already accepted" in capsys.readouterr().err


def test_rejecting_keeps_the_hcp_and_records_the_reason(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    rep = hub.rep()
    hcp = hub.hcps_of("T-001")[1]
    before, logged = hcp_row(hub, hcp), log_entries_for(hub, hcp)
    propose(rep, hcp, "DCR-REJECT", {"email": "dr@clinic.example"})
    with pytest.raises(dcr.DcrError, match="Say why"):
        dcr.reject_dcr(hub.db, "DCR-REJECT", reason="  ", decided_by="ann")
    reason = "the HCP asked us to keep the practice address"
    assert main(["dcr", "reject", "DCR-REJECT", "--reason", reason, "--by", "ann", "--db", hub.url]) == 0
    assert "The HCP was not changed" in capsys.readouterr().out
    assert hcp_row(hub, hcp) == before and log_entries_for(hub, hcp) == logged
    assert main(["dcr", "list", "--status", "rejected", "--json", "--db", hub.url]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["id"] == "DCR-REJECT" and row["status"] == "rejected" and row["reason"] == reason
    assert row["decided_by"] == "ann" and row["decided_at"]
    assert dcr.list_dcrs(hub.db, "open") == []
    with pytest.raises(dcr.DcrAlreadyDecidedError):
        dcr.accept_dcr(hub.db, "DCR-REJECT", decided_by="bob")


def test_a_request_for_a_disallowed_field_is_refused_with_a_clear_message_and_changes_nothing(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    rep = hub.rep()
    hcp = hub.hcps_of("T-001")[2]
    before, logged = hcp_row(hub, hcp), log_entries_for(hub, hcp)
    payload = {"id": "DCR-NPI", "hcp_id": hcp, "changes": {"npi": "1234567893", "city": "Boston"}, "note": ""}
    [result] = rep.push([rep.mutation(MutationKind.DATA_CHANGE_REQUEST.value, "DCR-NPI", payload)])
    assert result["status"] == "rejected" and "npi" in result["reason"]  # refused at the door, before any admin
    assert hcp_row(hub, hcp) == before and log_entries_for(hub, hcp) == logged
    assert [v.id for v in dcr.list_dcrs(hub.db, "open")] == []
    assert main(["dcr", "accept", "DCR-NPI", "--db", hub.url]) == 2
    assert "no data change request DCR-NPI" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"zip": "12"}, "not a US ZIP code"),
        ({"state": "Massachusetts"}, "not a US state code"),
        ({"email": "not-an-address"}, "not an email address"),
        ({"phone": "555-01"}, "fewer than 10 digits"),
        ({"specialty_code": "cardiology"}, "not a NUCC taxonomy code"),
        ({"line1": "  "}, "line1 cannot be empty"),
        ({}, "changes nothing"),
    ],
)
def test_values_that_cannot_be_applied_are_named(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(dcr.DcrNotAllowedError, match=message):
        dcr.normalise_changes(changes)


def test_a_new_specialty_code_brings_its_nucc_label_and_an_unchanged_zip_keeps_the_location(hub: Hub) -> None:
    rep = hub.rep()
    hcp = hub.hcps_of("T-001")[3]
    before = hcp_row(hub, hcp)
    propose(rep, hcp, "DCR-SPEC", {"specialty_code": "207rc0000x", "zip": before["zip"]})
    view = dcr.accept_dcr(hub.db, "DCR-SPEC", decided_by="ann")
    after = hcp_row(hub, hcp)
    assert after["specialty_code"] == "207RC0000X" and after["specialty_label"] == "Cardiovascular Disease Physician"
    assert (after["latitude"], after["longitude"]) == (before["latitude"], before["longitude"])
    assert "latitude" not in view.applied
