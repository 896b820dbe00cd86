"""replica.py: batched page application, staging and the whole-or-nothing swap that keeps local work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repcompanion.domain.errors import ValidationError
from repcompanion.domain.rows import SYNCED_TABLES, consent_to_row, content_to_row, event_to_row, hcp_to_row
from repcompanion.hub.db.changelog import row_json
from repcompanion.store import Store, open_store
from repcompanion.store.replica import (
    apply_page,
    count_mismatches,
    open_staging,
    staging_path,
    swap_in,
    verification_counts,
)
from repcompanion.store.tables import repository
from tests import factories
from tests.domain.strategies import dcr_results, records


def _hcp_change(i: int, last: str = "Okafor") -> dict:
    return {"table": "hcps", "op": "upsert", "id": f"H{i:05d}", "row": hcp_to_row(factories.hcp(i, last=last))}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 4), st.sampled_from(["upsert", "delete"]), st.sampled_from("ABC")), max_size=30),
    st.booleans(),
)
def test_a_batched_page_ends_like_the_store_applying_it_change_by_change(
    ops: list[tuple[int, str, str]], mostly_new: bool
) -> None:
    page = [
        _hcp_change(i, last) if op == "upsert" else {"table": "hcps", "op": "delete", "id": f"H{i:05d}"}
        for i, op, last in ops
    ]
    batched, reference = open_store(":memory:"), open_store(":memory:")
    for store in (batched, reference):  # rows already there: a page may update them
        apply_page(store, [_hcp_change(1, "Abara"), _hcp_change(3, "Bello")], 6)
    apply_page(batched, page, 7, mostly_new=mostly_new)
    for change in page:
        apply_page(reference, [change], 7)
    rows = "SELECT rowid, * FROM hcps ORDER BY rowid"
    assert batched.query(rows) == reference.query(rows)
    for name in ("Abara", "Bello", "A", "B", "C", "Okafor"):  # the search index follows the rows
        assert batched.search_hcps(name) == reference.search_hcps(name)
    assert batched.sync_state.get().cursor == 7


def _unkeyed_store() -> Store:
    store = open_store(":memory:")
    store.conn.execute("PRAGMA foreign_keys = OFF")  # rows of one table alone, whatever ids they refer to
    return store


@pytest.mark.parametrize("table", SYNCED_TABLES)
def test_pulled_rows_are_stored_as_the_record_path_stores_their_records(table: str) -> None:
    """The pull writes wire rows straight into the table (no records); a repository writes records through the
    codec. Both must store the same rows, for a new id and for an id already there."""
    codec = SYNCED_TABLES[table]
    records_ = dcr_results() if table == "dcr_results" else records(codec.record)
    batches = st.lists(records_, max_size=5, unique_by=lambda r: codec.to_row(r)["id"])

    @given(batches, batches, st.booleans())
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def check(first: list[object], second: list[object], mostly_new: bool) -> None:
        if table == "call_reports":  # a submitted report may not change: the store refuses either way
            ids = {codec.to_row(r)["id"] for r in first}
            second = [r for r in second if codec.to_row(r)["id"] not in ids]
        by_records, by_wire = _unkeyed_store(), _unkeyed_store()
        repo = repository(by_records.conn, table)
        for seq, batch in enumerate((first, second), start=1):
            with by_records.atomic():
                repo.upsert_many(batch)
            wire = [json.loads(row_json(codec.to_row(r))) for r in batch]  # as the hub sends them
            changes = [{"table": table, "op": "upsert", "id": row["id"], "row": row} for row in wire]
            apply_page(by_wire, changes, seq, mostly_new=mostly_new)
        rows = f"SELECT rowid, * FROM {table} ORDER BY rowid"
        assert by_wire.query(rows) == by_records.query(rows)
        assert [codec.from_row(r) for r in by_wire.query(f"SELECT * FROM {table} ORDER BY rowid")] == repo.all()

    check()


def test_a_page_says_which_tables_and_hcps_it_wrote() -> None:
    store = open_store(":memory:")
    factories.small_territory(store, 3)
    event = factories.event("H00002", i=900)
    page = [
        {"table": "events", "op": "upsert", "id": event.id, "row": event_to_row(event)},
        {"table": "consents", "op": "delete", "id": "K00000"},  # H00001's: its owner is read before it goes
        {"table": "hcps", "op": "remove", "id": "H00003"},
    ]
    result = apply_page(store, page, 11)
    assert result.tables == {"events", "consents", "hcps"} and result.hcp_ids == {"H00001", "H00002", "H00003"}
    assert not result.all_hcps
    content = factories.content(2)
    shared = apply_page(
        store, [{"table": "content", "op": "upsert", "id": content.id, "row": content_to_row(content)}], 12
    )
    assert shared.all_hcps and shared.tables == {"content"} and not shared.hcp_ids
    consent = factories.consent("H00002", i=77)
    owned = apply_page(
        store, [{"table": "consents", "op": "upsert", "id": consent.id, "row": consent_to_row(consent)}], 13
    )
    assert owned.hcp_ids == {"H00002"} and not owned.all_hcps
    assert not apply_page(store, [], 14).tables


def test_a_malformed_page_writes_nothing() -> None:
    store = open_store(":memory:")
    with pytest.raises(ValidationError):
        apply_page(store, [_hcp_change(1), {"table": "hcps", "op": "explode", "id": "x"}], 9)
    assert store.table_counts()["hcps"] == 0 and store.sync_state.get().cursor == 0


def test_swap_in_keeps_outbox_sequence_drafts_and_device_and_replaces_the_replica(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ws.db")
    factories.small_territory(store, 2)
    device = store.outbox.device_id
    report = store.submit_call_report(factories.report("H00001"))
    draft = store.save_draft(factories.report("H00002", notes="draft"))
    store.autosave("report:x", {"notes": "typing"})
    staging = open_staging(staging_path(store.path), owner="hub|rep")
    factories.small_territory(staging, 1)  # the new territory has only H00001
    apply_page(staging, [], 42)
    swap_in(store, staging)
    assert not staging_path(store.path).exists()
    assert store.outbox.device_id == device and store.sync_state.get().device_id == device
    assert [m.entity_id for m in store.outbox.pending()] == [report.id]
    assert store.call_report(report.id).submitted
    assert (
        store.hcps.find("H00002") is None and store.query("SELECT id FROM call_reports WHERE id = ?", (draft.id,)) == []
    )
    assert store.autosaved("report:x") == {"report:x": {"notes": "typing"}}
    assert store.sync_state.get().cursor == 42 and store.sync_state.get().initial_complete
    again = store.submit_call_report(factories.report("H00001", notes="after the swap"))
    assert store.outbox.pending()[-1].device_seq > store.outbox.pending()[0].device_seq  # sequence never reused
    assert again.device_id == device


def test_verification_counts_leave_out_what_the_hub_cannot_have() -> None:
    store = open_store(":memory:")
    factories.small_territory(store, 2)
    store.save_draft(factories.report("H00001"))
    store.submit_call_report(factories.report("H00001"))  # pending: not on the hub yet
    counts = verification_counts(store)
    assert counts["call_reports"] == 0 and counts["hcps"] == 2
    assert count_mismatches(counts, {**counts, "hcps": 3, "brand_new_table": 5}) == {"hcps": (2, 3)}


def test_a_staging_file_of_another_login_is_discarded(tmp_path: Path) -> None:
    path = tmp_path / "ws.db.initial"
    first = open_staging(path, owner="hub-a|rep01")
    apply_page(first, [], 10)
    first.close()
    assert open_staging(path, owner="hub-a|rep01").sync_state.get().cursor == 10
    assert open_staging(path, owner="hub-b|rep01").sync_state.get().cursor == 0


def test_a_staged_download_builds_the_event_index_once_at_the_end(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ws.db")
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL"
    expected = store.query(indexes)
    staging = open_staging(staging_path(store.path), owner="hub|rep")
    assert staging.query(indexes) == []
    factories.small_territory(staging, 2)
    swap_in(store, staging)
    assert store.query(indexes) == expected and expected
    assert store.sync_state.get_value("staging_deferred_indexes") is None


def test_the_page_state_is_written_with_its_cursor_or_not_at_all() -> None:
    store = open_store(":memory:")
    apply_page(store, [_hcp_change(1)], 5, state={"hub_epoch": "2", "territory_id": "T-1"})
    assert store.sync_state.get().cursor == 5
    assert store.sync_state.get_value("hub_epoch") == "2" and store.sync_state.get_value("territory_id") == "T-1"
    with pytest.raises(ValidationError):
        apply_page(store, [_hcp_change(2), {"table": "hcps", "op": "explode"}], 9, state={"hub_epoch": "3"})
    assert store.sync_state.get().cursor == 5 and store.sync_state.get_value("hub_epoch") == "2"
