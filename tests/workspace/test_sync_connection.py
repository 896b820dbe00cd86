"""The sync works on its own connection: the rep's thread never sees a sync's half-written transaction."""

from __future__ import annotations

import threading
from datetime import date

from repcompanion.workspace import Workspace

DAY = date(2026, 11, 24)


def _count(store) -> int:
    return store.conn.execute("SELECT count(*) FROM events").fetchone()[0]


def test_the_sync_connection_is_separate_and_isolated(tmp_path):
    Workspace.create_demo(tmp_path, hcps=10, seed=2, today=DAY).close()
    with Workspace.open(tmp_path) as ws:
        sync = ws.sync.store()
        assert sync is ws.sync.store() and sync.conn is not ws.store.conn
        before = _count(ws.store)
        inside, release, done = threading.Event(), threading.Event(), threading.Event()

        def writer() -> None:  # what a sync's page apply does on the network thread
            with sync.atomic():
                sync.conn.execute(
                    "INSERT INTO events (id, hcp_id, type, occurred_at, topics) "
                    "SELECT 'copy-' || id, hcp_id, type, occurred_at, topics FROM events LIMIT 5"
                )
                inside.set()
                release.wait(10)
            done.set()

        thread = threading.Thread(target=writer)
        thread.start()
        assert inside.wait(10)
        assert _count(ws.store) == before  # the open transaction is invisible to the rep's connection
        release.set()
        assert done.wait(10)
        thread.join()
        assert _count(ws.store) == before + 5  # and its commit is visible at once
    with Workspace.open(tmp_path) as ws:
        assert _count(ws.store) == before + 5
