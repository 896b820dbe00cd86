"""Plan my day from the workspace: allowed, valuable visits inside the hours, exported to a calendar."""

from __future__ import annotations

import json
from datetime import date, time

import icalendar
import pytest

from repcompanion.cli import main
from repcompanion.workspace import Workspace

DAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plan")
    Workspace.create_demo(folder, hcps=80, seed=5, today=date(2026, 11, 24)).close()
    return folder


def test_plan_uses_only_allowed_visits_within_hours(folder, capsys, tmp_path):
    ics = tmp_path / "day.ics"
    assert (
        main(
            [
                "plan",
                "--workspace",
                str(folder),
                "--date",
                DAY.isoformat(),
                "--hours",
                "09:00-17:00",
                "--json",
                "--ics",
                str(ics),
            ]
        )
        == 0
    )
    plan = json.loads(capsys.readouterr().out)
    assert 1 <= len(plan["visits"]) <= 10
    with Workspace.open(folder) as ws:
        ws.pin_today(DAY)
        allowed = {
            (r.hcp_id)
            for r in ws.ranking.engine(DAY).candidates(DAY).itertuples()
            if r.action in ("visit", "msl_referral") and r.blocked_reason == ""
        }
    starts = []
    for v in plan["visits"]:
        assert v["hcp_id"] in allowed
        start, end = v["start"][11:16], v["end"][11:16]
        assert start >= "09:00" and end <= "17:00"
        starts.append(v["start"])
    assert starts == sorted(starts)
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == len(plan["visits"])
    first = events[0]["DTSTART"].dt
    assert first.isoformat() == plan["visits"][0]["start"]
    assert str(first.tzinfo) == "America/New_York"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hours", "17:00-09:00"], "before they start"),
        (["--hours", "nine to five"], "HH:MM-HH:MM"),
        (["--start", "10,10"], "km from your territory"),
        (["--start", "north"], "LAT,LON"),
    ],
)
def test_bad_plan_input_gets_a_clear_message(folder, capsys, args, message):
    assert main(["plan", "--workspace", str(folder), "--date", DAY.isoformat(), *args]) == 1
    assert message in capsys.readouterr().err


def test_no_candidates_is_a_clear_message(tmp_path, capsys):
    from tests import factories as f

    with Workspace.open(tmp_path / "empty") as ws:
        f.small_territory(ws.store, n_hcps=1)
        ws.store.conn.execute("UPDATE hcps SET do_not_contact = 1")
    assert main(["plan", "--workspace", str(tmp_path / "empty"), "--date", DAY.isoformat()]) == 1
    assert "candidate" in capsys.readouterr().err.lower()


def test_replanning_keeps_the_plans_booked_visit_at_its_time(folder):
    with Workspace.open(folder) as ws:
        ws.pin_today(DAY)
        planned = ws.plans.plan(DAY, hours=(time(8, 30), time(17, 30)), time_limit_s=0.3)
        assert len(planned.visits) >= 3
        booked = planned.visits[0]
        day = ws.plans.set_locked(planned, booked.hcp_id, True)
        assert [lv.hcp_id for lv in day.locked] == [booked.hcp_id]
        again = ws.plans.replan(day, list(day.order))  # the times are recomputed from the plan itself
        kept = again.visit(booked.hcp_id)
        assert kept.locked and kept.start == booked.start, "the booking moved or was lost"
        assert again.candidates == planned.candidates and again.settings == planned.settings
        other = again.visits[2]
        both = ws.plans.set_locked(again, other.hcp_id, True)  # booking a second visit keeps the first
        assert {lv.hcp_id for lv in both.locked} == {booked.hcp_id, other.hcp_id}
        assert both.visit(booked.hcp_id).start == booked.start and both.visit(other.hcp_id).start == other.start
        released = ws.plans.set_locked(both, booked.hcp_id, False)
        assert [lv.hcp_id for lv in released.locked] == [other.hcp_id]
        assert not released.visit(booked.hcp_id).locked


def test_replacing_a_cancelled_visit_keeps_the_other_visits_and_the_booking(folder):
    with Workspace.open(folder) as ws:
        ws.pin_today(DAY)
        planned = ws.plans.plan(DAY, time_limit_s=0.3)
        booked = planned.visits[0]
        day = ws.plans.set_locked(planned, booked.hcp_id, True)
        cancelled = day.visits[1].hcp_id
        after = ws.plans.replace_cancelled(day, cancelled)
        assert cancelled not in after.order and after.visit(booked.hcp_id).locked
        assert after.visit(booked.hcp_id).start == booked.start
