"""The working day: the calendar day, or one pinned for demos and benchmarks."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from repcompanion.workspace import Workspace

DAY = date(2026, 11, 24)


def test_the_working_day_can_be_pinned_from_the_environment(tmp_path, monkeypatch):
    Workspace.create_demo(tmp_path, hcps=5, seed=2, today=DAY).close()
    with Workspace.open(tmp_path) as ws:
        monkeypatch.setenv("REPCOMPANION_TODAY", "2026-12-01")
        assert ws.today() == date(2026, 12, 1)
        monkeypatch.setenv("REPCOMPANION_TODAY", "next tuesday")
        # not a date: the calendar day on the rep's clock (the territory's time zone), with a warning in the log
        assert ws.today() == datetime.now(ZoneInfo(ws.day.time_zone())).date()
        ws.pin_today(DAY)
        assert ws.today() == DAY
