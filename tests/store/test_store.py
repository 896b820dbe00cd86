"""The local store: round trips, transactions, search, immutability and the replica."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repcompanion.domain import (
    ImmutableRecordError,
    MutationKind,
    MutationStatus,
    NotFoundError,
    ReportStatus,
)
from repcompanion.domain.rows import event_to_row, hcp_to_row
from repcompanion.store import Store, open_store
from repcompanion.store.replica import apply_page
from tests import factories as f


@pytest.fixture
def store(tmp_path) -> Store:
    s = open_store(tmp_path / "workspace.db")
    yield s
    s.close()


def test_pragmas_are_wal_full_and_foreign_keys(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_territory_round_trips_through_the_store(store):
    f.small_territory(store)
    assert store.hcps.get("H00001") == f.hcp(1, last="Okafor")
    assert store.content.get("C001") == f.content()
    assert store.consents.where("hcp_id = ?", ["H00001"]) == [f.consent("H00001", i=0)]
    assert store.table_counts()["hcps"] == 3
    assert store.integrity_problems() == []


@settings(max_examples=40, deadline=None)
@given(
    first=st.text(min_size=1, max_size=30),
    last=st.text(min_size=1, max_size=30),
    decile=st.integers(0, 10),
    lat=st.floats(-90, 90) | st.none(),
    dnc=st.booleans(),
)
def test_any_hcp_round_trips_exactly(tmp_path_factory, first, last, decile, lat, dnc):
    from dataclasses import replace

    s = open_store(":memory:")
    h = replace(
        f.hcp(),
        first_name=first,
        last_name=last,
        decile=decile,
        do_not_contact=dnc,
        address=replace(f.address(), latitude=lat),
    )
    with s.atomic():
        s.hcps.upsert_many([h])
    assert s.hcps.get(h.id) == h
    s.close()


def test_upsert_updates_in_place_and_keeps_children(store):
    f.small_territory(store)
    from dataclasses import replace

    with store.atomic():
        store.hcps.upsert_many([replace(f.hcp(1), last_name="Okafor-Reyes")])
    assert store.hcps.get("H00001").last_name == "Okafor-Reyes"
    assert store.events.count("hcp_id = ?", ["H00001"]) == 1  # not cascade-deleted by the update
    assert store.search_hcps("Reyes") == ["H00001"]


def test_failed_batch_writes_nothing(store):
    f.small_territory(store)
    before = store.table_counts()
    with pytest.raises(sqlite3.IntegrityError), store.atomic():
        store.events.upsert_many([f.event("H00001", i=900)])
        store.events.upsert_many([f.event("H99999", i=901)])  # unknown HCP: foreign key fails
    assert store.table_counts() == before


def test_search_finds_names_towns_institutions_and_notes(store):
    f.small_territory(store)
    store.submit_call_report(f.report("H00002", notes="Asked about the tachycardia registry"))
    assert set(store.search_hcps("lind")) == {"H00002"}
    assert set(store.search_hcps("worcester")) == {"H00001", "H00002", "H00003"}
    assert set(store.search_hcps("Saint Vincent")) == {"H00001", "H00002", "H00003"}
    assert store.search_hcps("tachycardia") == ["H00002"]
    assert store.search_hcps('"; DROP TABLE hcps; --') == []


def test_submitted_report_is_immutable_and_queued_once(store):
    f.small_territory(store)
    draft = store.save_draft(f.report())
    submitted = store.submit_call_report(draft)
    assert submitted.status is ReportStatus.SUBMITTED
    with pytest.raises(ImmutableRecordError):
        store.submit_call_report(submitted)
    with pytest.raises(ImmutableRecordError):
        store.save_draft(draft)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        store.conn.execute("UPDATE call_reports SET notes = 'changed' WHERE id = ?", (draft.id,))
    pending = store.outbox.pending()
    assert [m.kind for m in pending] == [MutationKind.CALL_REPORT_SUBMIT]
    assert pending[0].payload["notes"] == "Discussed efficacy data."


def test_report_for_unknown_hcp_is_refused(store):
    with pytest.raises(NotFoundError):
        store.save_draft(f.report("H404"))


def test_outbox_orders_safety_first_and_records_results(store):
    from repcompanion.store import PRIORITY_SAFETY

    f.small_territory(store)
    with store.atomic():
        a = store.outbox.enqueue(MutationKind.SUGGESTION_FEEDBACK, "fb1", {"x": 1})
        b = store.outbox.enqueue(MutationKind.AE_INTAKE, "ae1", {"y": 2}, priority=PRIORITY_SAFETY)
    assert [m.id for m in store.outbox.pending()] == [b.id, a.id]
    assert a.device_seq < b.device_seq
    with store.atomic():
        store.outbox.mark([(a.id, MutationStatus.REJECTED, "unknown HCP"), (b.id, MutationStatus.APPLIED, "")])
    assert store.outbox.pending_count() == 0
    assert [(m.id, m.reason) for m in store.outbox.rejected()] == [(a.id, "unknown HCP")]


def test_apply_page_moves_the_cursor_with_the_page(store):
    f.small_territory(store)
    row = hcp_to_row(f.hcp(7, last="Nakamura"))
    apply_page(store, [{"table": "hcps", "op": "upsert", "id": "H00007", "row": row}], next_cursor=41)
    assert store.hcps.get("H00007").last_name == "Nakamura"
    assert store.sync_state.get().cursor == 41


def test_failed_page_keeps_the_old_cursor(store):
    f.small_territory(store)
    store.sync_state.set_cursor(10)
    bad = {"table": "events", "op": "upsert", "id": "E9", "row": event_to_row(f.event("H_not_here", i=9))}
    with pytest.raises(sqlite3.IntegrityError):
        apply_page(store, [{"table": "hcps", "op": "upsert", "id": "H00008", "row": hcp_to_row(f.hcp(8))}, bad], 20)
    assert store.sync_state.get().cursor == 10
    assert store.hcps.find("H00008") is None


def test_remove_waits_for_pending_uploads(store):
    f.small_territory(store)
    store.submit_call_report(f.report("H00001"))
    apply_page(store, [{"table": "hcps", "op": "remove", "id": "H00001"}], next_cursor=5)
    assert store.hcps.find("H00001") is not None
    assert store.pending_removals() == ["H00001"]
    pending = store.outbox.pending()
    with store.atomic():
        store.outbox.mark([(m.id, MutationStatus.APPLIED, "") for m in pending])
    assert store.purge_pending_removals() == ["H00001"]
    assert store.hcps.find("H00001") is None
    assert store.events.count("hcp_id = 'H00001'") == 0


def test_autosave_survives_reopen(tmp_path):
    s = open_store(tmp_path / "w.db")
    s.autosave("visit:new", {"notes": "half a thought"}, hcp_id="H00001")
    s.close()
    s = open_store(tmp_path / "w.db")
    assert s.autosaved() == {"visit:new": {"notes": "half a thought"}}
    s.close()


def test_bulk_load_into_an_empty_table_merges_duplicate_ids(store):
    f.small_territory(store)
    from dataclasses import replace

    with store.atomic():
        store.territories.delete("T-001")
        store.territories.upsert_many([f.territory(), replace(f.territory(), name="Worcester South")])
    assert store.territories.get("T-001").name == "Worcester South"
