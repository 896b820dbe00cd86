"""The store's named queries answer what the workspace asks, the same as reading every row and filtering."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repcompanion.domain import DataChangeRequest, EventType, HcpId, MutationKind, MutationStatus, ReportStatus
from repcompanion.store import Store, open_store
from tests import factories as f

CONTACTS = [EventType.VISIT.value, EventType.EMAIL_SENT.value]
HCPS = ["H00001", "H00002", "H00003"]


@pytest.fixture
def store() -> Iterator[Store]:
    s = open_store(":memory:")
    f.small_territory(s)
    yield s
    s.close()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(HCPS), st.integers(0, 300), st.sampled_from(list(EventType))),
        max_size=25,
    ),
    st.sets(st.sampled_from([*HCPS, "H-none"])),
)
def test_last_contacts_are_the_newest_contact_event_of_each_hcp(
    events: list[tuple[str, int, EventType]], wanted: set[str]
) -> None:
    store = open_store(":memory:")
    f.small_territory(store)
    store.events.upsert_many([f.event(h, i=100 + i, days_ago=d, kind=k) for i, (h, d, k) in enumerate(events)])
    expected: dict[str, str] = {}
    for e in store.events.all():
        if e.type.value in CONTACTS:
            at = e.occurred_at.isoformat()
            expected[e.hcp_id] = max(expected.get(e.hcp_id, ""), at)
    assert store.activity.last_contacts(CONTACTS) == expected
    assert store.activity.last_contacts(CONTACTS, wanted) == {h: at for h, at in expected.items() if h in wanted}


def test_one_hcps_records_come_newest_first_and_limited(store: Store) -> None:
    store.events.upsert_many([f.event("H00002", i=50 + d, days_ago=d) for d in range(5)])
    latest = store.events_for("H00002", 3)
    assert [e.occurred_at for e in latest] == sorted((e.occurred_at for e in latest), reverse=True)
    assert len(latest) == 3 and latest[0].id == "E0000050"
    assert [c.hcp_id for c in store.consents_for("H00002")] == ["H00002"]
    assert store.call_plan_on("H00002", date(2026, 11, 24)) == f.call_plan("H00002")
    assert store.call_plan_on("H00002", date(2027, 3, 1)) is None
    assert store.activity.visits_between("H00002", date(2026, 10, 1), date(2026, 12, 31)) == 6
    assert sorted(store.hcp_names()) == [("Ada", "Lindqvist"), ("Ada", "Moreau"), ("Ada", "Okafor")]


def test_submitted_visits_are_counted_on_the_day_they_were_held(store: Store) -> None:
    report = store.submit_call_report(f.report("H00001"))
    store.save_draft(f.report("H00002", notes="draft"))
    assert store.activity.submitted_visits_on(report.started_at.date()) == 1
    assert store.call_report_ids(ReportStatus.SUBMITTED) == {report.id}


def test_a_change_request_is_queued_with_it_and_shows_the_hubs_refusal(store: Store) -> None:
    request = DataChangeRequest(
        id="D1", hcp_id=HcpId("H00001"), changes={"city": "Boston"}, note="moved", created_at=datetime.now(UTC)
    )
    store.change_requests.add(request)
    assert store.change_requests.all("H00001") == [request] and store.change_requests.all("H00002") == []
    [queued] = [m for m in store.outbox.pending() if m.kind is MutationKind.DATA_CHANGE_REQUEST]
    store.outbox.mark([(queued.id, MutationStatus.REJECTED, "HCP not in your territory")])
    [shown] = store.change_requests.all()
    assert shown.status == "rejected" and shown.reason == "HCP not in your territory"


def test_the_ranking_cache_keeps_one_ranking_and_compiled_models_only_the_newest(store: Store) -> None:
    assert store.ranking_cache.latest() is None and not store.ranking_cache.has("k1")
    store.ranking_cache.replace("k1", "2026-11-23", b"first")
    store.ranking_cache.replace("k2", "2026-11-24", b"second")
    assert store.ranking_cache.latest() == ("2026-11-24", "k2") and store.ranking_cache.payload("k2") == b"second"
    assert store.ranking_cache.payload("k1") is None
    stamp = store.ranking_cache.inputs_stamp()
    store.events.upsert_many([f.event("H00001", i=999)])
    assert store.ranking_cache.inputs_stamp() != stamp
    for i in range(4):
        store.compiled_models.keep(f"sha{i}", f"model {i}".encode(), newest=2)
    assert store.compiled_models.get("sha3") == b"model 3" and store.compiled_models.get("sha0") is None
