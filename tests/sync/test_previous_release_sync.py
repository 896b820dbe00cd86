"""A laptop and a hub of the previous release, both upgraded: the laptop pushes what it had queued (intakes with
';'-joined categories before its upgrade) and its replica equals the hub's territory again."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from sqlalchemy import text

from repcompanion.hub import HubSettings
from repcompanion.store import open_store
from repcompanion.sync import CredentialStore, SyncClient
from tests.keyrings import MemoryKeyring
from tests.previous_release import USER, build_hub, build_workspace, fixture
from tests.sync.conftest import Device, Hub, assert_invariants


def test_an_upgraded_laptop_pushes_its_queue_to_an_upgraded_hub_and_matches_it_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    build_hub(url).migrate()
    hub = Hub(url, HubSettings())
    store = open_store(build_workspace(tmp_path / "workspace.db"))
    transport = hub.transport()
    ring = MemoryKeyring()
    client = SyncClient(httpx.Client(transport=transport), store, CredentialStore(ring), sleep=lambda _: None)
    device = Device("upgraded", store, transport, client, ring, [])
    queued = [m for m in store.outbox.all() if m.status.value == "pending"]
    assert len(queued) == 3, "the previous release left a visit, its intake and its decision queued"

    device.login(USER)
    assert client.sync().pushed == 3
    assert_invariants(hub, device)
    with hub.db.read() as conn:
        categories = [r[0] for r in conn.execute(text("SELECT categories FROM ae_intakes ORDER BY aware_at"))]
        decided = [r[0] for r in conn.execute(text("SELECT categories FROM screening_decisions ORDER BY at"))]
    assert len(categories) == len(decided) == 2
    assert all(json.loads(c) == ["adverse_event", "skin_reaction"] for c in categories + decided)
    assert {r["id"] for r in fixture()["hub"]["ae_intakes"]} < {i.id for i in store.intakes()}
    client.http.close()
    store.close()
    hub.db.dispose()
