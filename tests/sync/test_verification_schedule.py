"""Routine syncs skip the per-table count check; it still runs on full downloads and every few hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from repcompanion.sync.client import VERIFIED_KEY, VERIFY_EVERY
from tests.sync.conftest import hub, hub_template, make_device, make_hub  # noqa: F401  (fixtures)


def test_counts_are_compared_on_the_first_sync_then_only_when_due(hub, make_device) -> None:  # noqa: F811
    laptop = make_device(hub)
    laptop.login()
    first = laptop.client.sync()
    assert first.full and first.verified is True
    routine = laptop.client.sync()
    assert routine.verified is None  # not asked for: the hub sent no counts
    stale = datetime.now(UTC) - VERIFY_EVERY - timedelta(minutes=1)
    laptop.store.sync_state.set_value(VERIFIED_KEY, stale.isoformat())
    due = laptop.client.sync()
    assert due.verified is True
    assert datetime.fromisoformat(laptop.store.sync_state.get_value(VERIFIED_KEY)) > stale
