"""What the rep reads says what happened: accepted stays accepted, a visit does its suggestion, follow-ups by name."""

from __future__ import annotations

from datetime import UTC, date, datetime

from repcompanion.domain import ActionType, Channel, FeedbackKind, FollowUpJob, FollowUpStatus, HcpId
from repcompanion.workspace import Workspace, hcp_dossier, today_data, today_patch
from repcompanion.workspace.visits import VISIT_DONE_NOTE

DAY = date(2026, 11, 24)


def test_an_accepted_suggestion_shows_as_accepted_until_it_is_done(ws: Workspace) -> None:
    line = next(line for line in ws.ranking.lines() if line.action is ActionType.VISIT)
    ws.ranking.feedback(line.hcp_id, line.action, FeedbackKind.ACCEPTED)
    [row] = today_patch(ws, [line.hcp_id], ranking=True).rows
    assert row.accepted
    assert next(r for r in today_data(ws).rows if r.hcp_id == line.hcp_id).accepted
    assert hcp_dossier(ws, line.hcp_id).accepted == {ActionType.VISIT}
    ws.visits.submit(ws.visits.new(line.hcp_id).edited(topics=("efficacy",)))
    assert hcp_dossier(ws, line.hcp_id).accepted == frozenset()  # done: no longer waiting


def test_a_visit_to_an_hcp_whose_suggestion_was_a_visit_counts_as_done(ws: Workspace) -> None:
    before = ws.numbers.report().suggestions.completed
    suggested = [line.hcp_id for line in ws.ranking.lines() if line.action is ActionType.VISIT][:2]
    other = next((line.hcp_id for line in ws.ranking.lines() if line.action is ActionType.EMAIL), None)
    for hcp_id in suggested:
        ws.visits.submit(ws.visits.new(hcp_id).edited(notes="Discussed dosing."))
    done = [f for f in ws.store.feedback() if f.kind is FeedbackKind.COMPLETED]
    assert {f.hcp_id for f in done} == set(suggested) and all(f.note == VISIT_DONE_NOTE for f in done)
    assert ws.numbers.report().suggestions.completed == before + 2
    if other is not None:  # a visit to an HCP whose suggestion was an e-mail does not do it
        ws.visits.submit(ws.visits.new(other).edited(notes="Met in the corridor."))
        assert ws.numbers.report().suggestions.completed == before + 2


def test_follow_ups_name_their_content_channel_and_journey(ws: Workspace) -> None:
    hcp = ws.directory.hcps()[0]
    content = ws.directory.content()[0]
    job = FollowUpJob(
        "FU-1",
        HcpId(hcp.id),
        "efficacy-email",
        "send_email",
        FollowUpStatus.SCHEDULED,
        datetime(2026, 11, 20, tzinfo=UTC),
        content_id=content.id,
        channel=Channel.EMAIL,
    )
    ws.store.follow_ups.upsert_many([job])
    [line] = ws.followups.lines_for_hcp(hcp.id)
    assert (line.content, line.channel, line.journey) == (content.title, "Email", "Efficacy email")
    assert content.id not in (line.content, line.journey)
