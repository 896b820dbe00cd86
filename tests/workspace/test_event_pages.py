"""The engine reads the workspace's events a page at a time, with the UTC day worked out by SQLite."""

from __future__ import annotations

from datetime import UTC, date

import numpy as np

from repcompanion.intel.territory import EventIndex, day_number
from repcompanion.workspace import Workspace, priorities

DAY = date(2026, 11, 24)


def test_paged_events_match_the_stored_events_day_for_day(tmp_path, monkeypatch):
    monkeypatch.setattr(priorities, "EVENT_PAGE_ROWS", 997)  # many pages, the last one partial
    Workspace.create_demo(tmp_path, hcps=40, seed=2, today=DAY).close()
    with Workspace.open(tmp_path) as ws:
        stored = ws.store.events.all()
        pages = list(priorities.event_chunks(ws.store))
        assert len(pages) > 2 and sum(len(p) for p in pages) == len(stored)
        by_id_day = sorted(
            (str(e.hcp_id), day_number(e.occurred_at.astimezone(UTC).date()), str(e.type)) for e in stored
        )
        read = sorted((h, int(d), t) for p in pages for h, d, t in zip(p["hcp_id"], p["day"], p["type"], strict=True))
        assert read == by_id_day
        hcps = [h.id for h in ws.store.hcps.all()]
        paged, whole = EventIndex(hcps, priorities.event_chunks(ws.store)), EventIndex(hcps, stored)
        for name in ("hcp", "type", "day", "topics"):
            np.testing.assert_array_equal(getattr(paged.rows_for(None), name), getattr(whole.rows_for(None), name))
