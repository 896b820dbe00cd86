"""Every item model passes Qt's model tester; the Today filter keeps exactly the rows it accepts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from repcompanion.domain import (
    ActionType,
    HcpId,
    Mutation,
    MutationId,
    MutationKind,
    MutationStatus,
    Reason,
    Suggestion,
    SuggestionId,
)
from repcompanion.ui.models import (
    ContentModel,
    PrioritiesModel,
    PrioritiesProxy,
    RecordRole,
    RejectedModel,
    ReportsModel,
    SuggestionsModel,
    TimelineModel,
)
from repcompanion.workspace import TodayFilter, TodayRow, Workspace

SEGMENTS = ["A", "B", "C", "D"]
TOWNS = ["Boston, MA", "Salem, MA", "Lowell, MA"]
ACTIONS = [a.value for a in ActionType]


def suggestion(hcp: str, action: str = "visit", priority: float = 0.5, rank: int = 1) -> Suggestion:
    return Suggestion(
        SuggestionId(f"{hcp}-{action}"), HcpId(hcp), date(2026, 11, 24), ActionType(action), priority, 0.4,
        -0.4, -1.0, {"days_since_visit": 0.5, "fatigue": 0.1}, 1.0, 1.0, 1.0,
        (Reason("Not visited for 40 days", "days_since_visit", 0.5),), rank=rank,
    )  # fmt: skip


def row(
    i: int, segment: str = "A", action: str = "visit", town: str = "Boston, MA", spec: str = "Cardiology"
) -> TodayRow:
    s = suggestion(f"H{i:05d}", action, 1.0 / (i + 1), i + 1)
    return TodayRow(
        HcpId(f"H{i:05d}"), i + 1, f"Doe{i}, Jane", spec, segment, action, s.priority, s.probability,
        "Not visited for 40 days", date(2026, 10, 1) if i % 2 else None, town,
    )  # fmt: skip


def test_priorities_model_and_proxy_pass_the_model_tester(qtmodeltester: Any) -> None:
    model = PrioritiesModel()
    model.set_rows([row(i, SEGMENTS[i % 4], ACTIONS[i % 5], TOWNS[i % 3]) for i in range(25)], date(2026, 11, 24))
    qtmodeltester.check(model)
    proxy = PrioritiesProxy()
    proxy.setSourceModel(model)
    proxy.set_filter(TodayFilter(segment="B"))
    proxy.sort(PrioritiesModel.PRIORITY)
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == sum(1 for i in range(25) if SEGMENTS[i % 4] == "B")


def test_priority_column_sorts_by_number_not_text() -> None:
    model = PrioritiesModel()
    model.set_rows([row(i) for i in range(12)], date(2026, 11, 24))
    proxy = PrioritiesProxy()
    proxy.setSourceModel(model)
    proxy.sort(PrioritiesModel.PRIORITY)
    values = [proxy.index(r, 0).data(RecordRole).priority for r in range(proxy.rowCount())]
    assert values == sorted(values)


def test_sorting_keeps_a_selected_row_on_its_hcp_and_reloads_keep_the_order() -> None:
    from PySide6.QtCore import QPersistentModelIndex, Qt

    model = PrioritiesModel()
    model.set_rows([row(i) for i in range(12)], date(2026, 11, 24))
    proxy = PrioritiesProxy()
    proxy.setSourceModel(model)
    held = QPersistentModelIndex(proxy.index(3, 0))
    hcp = held.data(RecordRole).hcp_id
    proxy.sort(PrioritiesModel.HCP, Qt.SortOrder.DescendingOrder)
    assert held.isValid() and held.data(RecordRole).hcp_id == hcp
    names = [proxy.index(r, 0).data(RecordRole).name.lower() for r in range(proxy.rowCount())]
    assert names == sorted(names, reverse=True)
    model.set_rows([row(i) for i in range(12)], date(2026, 11, 24))  # a reload keeps the rep's sort
    assert [proxy.index(r, 0).data(RecordRole).name.lower() for r in range(proxy.rowCount())] == names


@settings(max_examples=40, deadline=None)
@given(
    segments=st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=30),
    segment=st.sampled_from(["", *SEGMENTS]),
    action=st.sampled_from(["", *ACTIONS]),
    town=st.sampled_from(["", *TOWNS]),
    ids=st.one_of(st.none(), st.frozensets(st.integers(0, 30).map(lambda i: f"H{i:05d}"))),
)
def test_proxy_shows_exactly_the_rows_the_filter_accepts(
    qapp: Any, segments: list[str], segment: str, action: str, town: str, ids: frozenset[str] | None
) -> None:
    rows = [row(i, s, ACTIONS[i % 5], TOWNS[i % 3]) for i, s in enumerate(segments)]
    model = PrioritiesModel()
    model.set_rows(rows, date(2026, 11, 24))
    proxy = PrioritiesProxy()
    proxy.setSourceModel(model)
    flt = TodayFilter(ids=ids, segment=segment, action=action, town=town)
    proxy.set_filter(flt)
    shown = {proxy.index(r, 0).data(RecordRole).hcp_id for r in range(proxy.rowCount())}
    assert shown == {r.hcp_id for r in rows if flt.accepts(r)}


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(0, 15),
    gone=st.sets(st.integers(0, 19)),
    new=st.sets(st.integers(15, 19)),
    moved=st.dictionaries(st.integers(0, 19), st.integers(0, 1500).map(lambda k: k / 1000 + 0.0005)),
    column=st.sampled_from([PrioritiesModel.RANK, PrioritiesModel.PRIORITY, PrioritiesModel.HCP]),
)
def test_a_patch_ends_like_a_reload_of_the_new_list_without_a_reset(
    qapp: Any, n: int, gone: set[int], new: set[int], moved: dict[int, float], column: int
) -> None:
    from dataclasses import replace

    from PySide6.QtCore import QPersistentModelIndex

    model = PrioritiesModel()
    model.sort(column)
    model.set_rows([row(i) for i in range(n)], date(2026, 11, 24))
    held = [QPersistentModelIndex(model.index(r, 0)) for r in range(model.rowCount())]
    held_ids = [h.data(RecordRole).hcp_id for h in held]
    now = {i: row(i) for i in (set(range(n)) | new) - gone}
    now = {i: replace(r, priority=moved[i] + i * 1e-7) if i in moved else r for i, r in now.items()}  # no ties
    ranked = sorted(now.values(), key=lambda r: -r.priority)
    now_rows = [replace(r, rank=k) for k, r in enumerate(ranked, start=1)]
    changed = [r for r in now_rows if int(r.hcp_id[1:]) in moved or int(r.hcp_id[1:]) in new]
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.patch(changed, {f"H{i:05d}" for i in gone}, {r.hcp_id: r.rank for r in now_rows})
    reloaded = PrioritiesModel()
    reloaded.sort(column)
    reloaded.set_rows(now_rows, date(2026, 11, 24))
    after = [model.record(r) for r in range(model.rowCount())]
    assert after == [reloaded.record(r) for r in range(reloaded.rowCount())]
    assert not resets
    for index, hcp_id in zip(held, held_ids, strict=True):  # a row the rep selected stays on its HCP
        assert not index.isValid() if hcp_id in {f"H{i:05d}" for i in gone} else index.data(RecordRole).hcp_id == hcp_id


def test_workspace_record_models_pass_the_model_tester(qtmodeltester: Any, demo_folder: Any) -> None:
    with Workspace.open(demo_folder) as ws:
        hcp = ws.directory.hcps()[0]
        timeline = ws.directory.timeline(hcp.id)
        content = ws.directory.approved_content(hcp.id)
        draft = ws.visits.new(hcp.id).edited(notes="Discussed dosing.", topics=("efficacy",))
        report = ws.visits.save_draft(draft).value
    assert timeline and content
    for model, records in (
        (TimelineModel(), timeline),
        (ContentModel(), content),
        (ReportsModel(), [report]),
        (SuggestionsModel(), [suggestion(hcp.id, a.value, 0.5 - i / 10, i + 1) for i, a in enumerate(ActionType)]),
    ):
        model.set_records(records)
        qtmodeltester.check(model)
        assert model.rowCount() == len(records)


def test_rejected_uploads_model_says_what_to_do(qtmodeltester: Any) -> None:
    m = Mutation(
        MutationId("m1"), "dev", 1, MutationKind.CALL_REPORT_SUBMIT, "r1", {}, datetime(2026, 11, 24, tzinfo=UTC),
        MutationStatus.REJECTED, "HCP H00009 is not in your territory",
    )  # fmt: skip
    model = RejectedModel()
    model.set_records([m])
    qtmodeltester.check(model)
    assert "territory" in model.index(0, 3).data()
