"""Pull: territory scoping, paging without gaps, counts on the last page, empty deltas."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hub.conftest import Hub, Replica


def test_a_rep_never_sees_another_territorys_hcps_or_their_rows(hub: Hub) -> None:
    rep1, rep2 = hub.rep("rep01"), hub.rep("rep02", "device-b")
    mine, theirs = set(hub.hcps_of("T-001")), set(hub.hcps_of("T-002"))
    assert mine and theirs and not mine & theirs
    for rep, own, other in ((rep1, mine, theirs), (rep2, theirs, mine)):
        changes, _ = rep.pull_all()
        hcp_rows = {
            c["row"]["hcp_id"] if c["table"] != "hcps" else c["id"]
            for c in changes
            if c["table"] in ("hcps", "alignments", "consents", "events", "call_plans", "call_reports")
        }
        assert hcp_rows <= own
        assert not hcp_rows & other
        assert {c["row"]["territory_id"] for c in changes if c["table"] in ("alignments", "call_plans")} <= {
            rep.territory_id
        }


def test_a_full_pull_ends_with_counts_that_match_the_replica(hub: Hub) -> None:
    rep = hub.rep()
    changes, last = rep.pull_all()
    replica = Replica()
    replica.apply(changes)
    assert last["counts"] == replica.counts()
    assert last["counts"]["hcps"] == 6
    assert last["counts"]["territories"] == 2 and last["counts"]["products"] >= 1


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(min_value=1, max_value=400))
def test_paging_serves_every_change_once_in_order_whatever_the_page_size(hub: Hub, limit: int) -> None:
    rep = hub.rep()
    whole, _ = rep.pull_all(limit=20000)
    cursor, seen, pages = 0, [], []
    while True:
        page = rep.pull(cursor, limit)
        pages.append(page)
        assert len(page["changes"]) <= limit
        assert page["next_cursor"] >= cursor
        assert all(c["seq"] > cursor for c in page["changes"])
        if page["changes"]:
            assert page["next_cursor"] >= page["changes"][-1]["seq"]
        seen += page["changes"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == whole
    assert [c["seq"] for c in seen] == sorted({c["seq"] for c in seen})
    assert all(p["counts"] is None for p in pages[:-1]) and pages[-1]["counts"] is not None


def test_a_delta_pull_at_the_head_is_empty_and_keeps_the_cursor(hub: Hub) -> None:
    rep = hub.rep()
    _, last = rep.pull_all()
    again = rep.pull(last["next_cursor"])
    assert again["changes"] == [] and not again["has_more"] and again["next_cursor"] == last["next_cursor"]
    assert again["counts"] == last["counts"]


def test_a_cursor_past_anything_the_other_territory_wrote_moves_to_the_log_head(hub: Hub) -> None:
    rep1, rep2 = hub.rep("rep01"), hub.rep("rep02", "device-b")
    _, last = rep1.pull_all()
    rep2.push([rep2.report(hub.hcps_of("T-002")[0])])
    page = rep1.pull(last["next_cursor"])
    assert page["changes"] == []
    assert page["next_cursor"] > last["next_cursor"]  # the log head: the client does not rescan
