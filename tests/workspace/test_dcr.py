"""A rep proposes a correction to an HCP: validated, written locally and queued for the hub in one transaction."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repcompanion.domain import MutationKind, MutationStatus, NotFoundError, ValidationError
from repcompanion.workspace import Workspace
from repcompanion.workspace.dcr import ALLOWED_FIELDS, validate_changes
from tests.sync.conftest import hub, hub_template, make_device, make_hub  # noqa: F401  (fixtures)
from tests.workspace.conftest import open_copy


@pytest.fixture(scope="module")
def folder(demo_template):
    return demo_template(12)


@pytest.fixture
def ws(folder, tmp_path):
    yield from open_copy(folder, tmp_path)


def local_requests(ws) -> int:
    return ws.store.query("SELECT count(*) AS n FROM data_change_requests")[0]["n"]


def dcr_mutations(ws) -> list:
    return [m for m in ws.store.outbox.all() if m.kind is MutationKind.DATA_CHANGE_REQUEST]


def test_a_proposal_is_stored_locally_and_queued_with_the_payload_the_hub_expects(ws) -> None:
    hcp = ws.directory.hcps()[0]
    assert hcp.address.state != "RI" and hcp.address.zip != "02903"
    wanted = {"zip": "02903-1234", "state": "ri", "phone": "(401) 555 0100"}
    request = ws.directory.propose_change(hcp.id, wanted, "  moved ").value
    assert request.changes == {"zip": "02903", "state": "RI", "phone": "401-555-0100"}
    assert request.status == "proposed" and request.note == "moved"
    [m] = dcr_mutations(ws)
    assert m.entity_id == request.id and m.status is MutationStatus.PENDING
    assert m.payload == {"id": request.id, "hcp_id": hcp.id, "changes": request.changes, "note": "moved"}
    assert ws.store.outbox.pending_for_hcp(hcp.id) >= 1  # the HCP is not purged while the request is pending
    assert ws.directory.change_requests(hcp.id) == [request]
    assert ws.directory.hcp(hcp.id).address.zip == hcp.address.zip  # the HCP itself changes only when the hub accepts


def test_a_disallowed_field_is_refused_by_name_and_nothing_is_written(ws) -> None:
    hcp = ws.directory.hcps()[0]
    with pytest.raises(ValidationError, match="cannot change last_name, npi") as caught:
        ws.directory.propose_change(hcp.id, {"npi": "1234567893", "last_name": "Smith", "city": "Boston"})
    assert "line1, line2, city, state, zip, phone, email, specialty_code" in caught.value.message
    assert caught.value.hint
    assert local_requests(ws) == 0 and dcr_mutations(ws) == []


def test_bad_values_unknown_hcps_and_no_op_changes_are_refused(ws) -> None:
    hcp = ws.directory.hcps()[0]
    with pytest.raises(ValidationError, match=r"not a US ZIP code.*not an email address"):
        ws.directory.propose_change(hcp.id, {"zip": "12", "email": "nobody"})
    with pytest.raises(NotFoundError, match="no HCP H-NOPE"):
        ws.directory.propose_change("H-NOPE", {"city": "Boston"})
    with pytest.raises(ValidationError, match="already has these values"):
        ws.directory.propose_change(hcp.id, {"city": hcp.address.city, "zip": hcp.address.zip})
    with pytest.raises(ValidationError, match="at least one field"):
        ws.directory.propose_change(hcp.id, {})
    assert local_requests(ws) == 0 and dcr_mutations(ws) == []


def test_the_row_and_the_outbox_entry_are_written_together_or_not_at_all(ws, monkeypatch) -> None:
    hcp = ws.directory.hcps()[1]

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ws.store.outbox, "enqueue", broken)
    with pytest.raises(OSError):
        ws.directory.propose_change(hcp.id, {"city": "Worcester"})
    assert local_requests(ws) == 0
    monkeypatch.undo()
    ws.directory.propose_change(hcp.id, {"city": "Worcester"})
    assert local_requests(ws) == 1 and len(dcr_mutations(ws)) == 1


def test_a_request_the_hub_refused_on_upload_shows_as_rejected_with_its_reason(ws) -> None:
    hcp = ws.directory.hcps()[2]
    request = ws.directory.propose_change(hcp.id, {"email": "dr@clinic.example"}).value
    [m] = dcr_mutations(ws)
    ws.store.outbox.mark([(m.id, MutationStatus.REJECTED, "HCP is not in your territory")])
    [seen] = ws.directory.change_requests()
    assert seen.id == request.id and seen.status == "rejected" and seen.reason == "HCP is not in your territory"


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*ALLOWED_FIELDS, "npi", "segment", "first_name", "do_not_contact", "id"]),
        st.sampled_from(["Boston", "02139", "MA", "617-555-0100", "a@b.org", "207RC0000X", ""]),
        min_size=1,
    )
)
def test_validation_never_lets_a_field_outside_the_allowed_list_through(changes) -> None:
    disallowed = sorted(set(changes) - set(ALLOWED_FIELDS))
    try:
        out = validate_changes(changes)
    except ValidationError as exc:
        if disallowed:
            assert f"cannot change {', '.join(disallowed)};" in exc.message
        return
    assert not disallowed and set(out) == set(changes)


def test_an_accepted_request_comes_back_to_the_laptop_as_the_hcps_new_row(hub, make_device, tmp_path) -> None:  # noqa: F811
    from repcompanion.hub.admin import accept_dcr, list_dcrs

    laptop = make_device(hub)
    laptop.login()
    laptop.client.sync()
    rep_ws = Workspace(laptop.store, tmp_path)
    hcp = rep_ws.directory.hcp(hub.hcps_of("T-001")[0])
    new_zip = "02903" if hcp.address.zip != "02903" else "02139"
    request = rep_ws.directory.propose_change(hcp.id, {"line1": "10 Federal Plaza", "zip": new_zip}, "moved").value
    laptop.client.sync()
    assert laptop.store.outbox.pending_count() == 0
    [on_hub] = list_dcrs(hub.db, "open")
    assert on_hub.id == request.id and on_hub.changes == {"line1": "10 Federal Plaza", "zip": new_zip}

    accept_dcr(hub.db, request.id, decided_by="admin")
    laptop.client.sync()
    moved = rep_ws.directory.hcp(hcp.id)
    assert moved.address.line1 == "10 Federal Plaza" and moved.address.zip == new_zip
    assert moved.address.latitude != hcp.address.latitude and moved.address.geo_precision.value == "zip_centroid"
    assert (moved.first_name, moved.npi, moved.segment) == (hcp.first_name, hcp.npi, hcp.segment)
    [shown] = rep_ws.directory.change_requests(hcp.id)
    assert shown.status == "accepted" and shown.decided_at is not None


def test_a_rejection_reaches_the_laptop_with_the_admins_reason(hub, make_device, tmp_path) -> None:  # noqa: F811
    from repcompanion.hub.admin import reject_dcr

    laptop = make_device(hub)
    laptop.login()
    laptop.client.sync()
    rep_ws = Workspace(laptop.store, tmp_path)
    hcp = rep_ws.directory.hcp(hub.hcps_of("T-001")[1])
    request = rep_ws.directory.propose_change(hcp.id, {"phone": "617-555-0199"}, "new number").value
    laptop.client.sync()
    reject_dcr(hub.db, request.id, decided_by="admin", reason="The practice confirmed the old number")
    laptop.client.sync()
    [shown] = rep_ws.directory.change_requests(hcp.id)
    assert shown.status == "rejected" and shown.reason == "The practice confirmed the old number"
    assert rep_ws.directory.hcp(hcp.id).phone == hcp.phone


def test_an_affiliation_change_names_an_account_of_the_territory(ws) -> None:
    hcp = next(h for h in ws.directory.hcps() if h.affiliations)
    primary = next(a.account_id for a in hcp.affiliations if a.primary)
    other = next(a.id for a in ws.directory.accounts() if a.id != primary)
    request = ws.directory.propose_change(hcp.id, {"affiliation": f" {other} "}).value
    assert request.changes == {"affiliation": other}
    with pytest.raises(ValidationError, match="no account A-NOPE"):
        ws.directory.propose_change(hcp.id, {"affiliation": "A-NOPE"})
    with pytest.raises(ValidationError, match="already has these values"):
        ws.directory.propose_change(hcp.id, {"affiliation": primary})
    with pytest.raises(ValidationError, match="not an account id"):
        ws.directory.propose_change(hcp.id, {"affiliation": "North Clinic"})


def test_an_accepted_affiliation_change_makes_the_account_primary_on_the_laptop(hub, make_device, tmp_path) -> None:  # noqa: F811
    from repcompanion.hub.admin import accept_dcr, list_dcrs

    laptop = make_device(hub)
    laptop.login()
    laptop.client.sync()
    rep_ws = Workspace(laptop.store, tmp_path)
    hcp = next(rep_ws.directory.hcp(h) for h in hub.hcps_of("T-001") if rep_ws.directory.hcp(h).affiliations)
    before = {a.account_id for a in hcp.affiliations}
    target = next(a.id for a in rep_ws.directory.accounts() if a.id not in before)
    request = rep_ws.directory.propose_change(hcp.id, {"affiliation": target}, "moved to the new clinic").value
    laptop.client.sync()
    [on_hub] = list_dcrs(hub.db, "open")
    assert on_hub.changes == {"affiliation": target}
    decided = accept_dcr(hub.db, request.id, decided_by="admin")
    assert set(decided.applied) == {"affiliations"} and set(decided.previous) == {"affiliations"}
    laptop.client.sync()
    moved = rep_ws.directory.hcp(hcp.id)
    assert [a.account_id for a in moved.affiliations if a.primary] == [target]
    assert {a.account_id for a in moved.affiliations} == before | {target}  # the others stay, not primary
    [shown] = rep_ws.directory.change_requests(hcp.id)
    assert shown.status == "accepted"


def test_an_affiliation_to_an_account_the_hub_does_not_know_is_not_applied(hub, make_device, tmp_path) -> None:  # noqa: F811
    from repcompanion.hub.admin import accept_dcr
    from repcompanion.hub.admin.dcr import DcrNotAllowedError

    laptop = make_device(hub)
    laptop.login()
    laptop.client.sync()
    rep_ws = Workspace(laptop.store, tmp_path)
    hcp = rep_ws.directory.hcp(hub.hcps_of("T-001")[0])
    account = rep_ws.directory.accounts()[0]
    request = rep_ws.directory.propose_change(hcp.id, {"affiliation": account.id}).value
    laptop.client.sync()
    with hub.db.write() as conn:
        from sqlalchemy import text

        conn.execute(
            text("UPDATE data_change_requests SET changes = :c WHERE id = :i"),
            {"c": '{"affiliation": "A-GONE"}', "i": request.id},
        )
    with pytest.raises(DcrNotAllowedError, match="no account A-GONE"):
        accept_dcr(hub.db, request.id, decided_by="admin")
    assert rep_ws.directory.hcp(hcp.id).affiliations == hcp.affiliations


def test_the_command_line_proposes_and_lists_corrections(folder, tmp_path, capsys) -> None:
    import json

    from repcompanion.cli import main

    shutil.copytree(folder, tmp_path / "cli")
    with Workspace.open(tmp_path / "cli") as w:
        hcp = w.directory.hcps()[4]
    where = ["--workspace", str(tmp_path / "cli")]
    assert main(["dcr", "propose", *where, "--hcp", hcp.id, "--set", "phone=(617) 555 0142", "--note", "new desk"]) == 0
    assert "phone=617-555-0142" in capsys.readouterr().out
    assert main(["dcr", "propose", *where, "--hcp", hcp.id, "--set", "npi=1234567893"]) == 1
    assert "cannot change npi" in capsys.readouterr().err
    assert main(["dcr", "propose", *where, "--hcp", hcp.id, "--set", "phone"]) == 1
    assert "FIELD=VALUE" in capsys.readouterr().err
    assert main(["dcr", "list", *where, "--json"]) == 0
    [shown] = json.loads(capsys.readouterr().out)
    assert shown["hcp_id"] == hcp.id and shown["status"] == "proposed" and shown["note"] == "new desk"
    assert main(["dcr", "list", *where]) == 0
    assert "waiting for a decision" in capsys.readouterr().out
