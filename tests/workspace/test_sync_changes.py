"""A sync says what it changed, derived from the pages it applied: everything at first, then only what moved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from repcompanion.domain import MutationKind
from repcompanion.sync import CredentialStore
from repcompanion.workspace import Workspace
from tests.keyrings import MemoryKeyring
from tests.sync.conftest import HUB_URL, PASSWORD, Hub, hub, hub_template, make_hub  # noqa: F401  (fixtures)


@pytest.fixture
def ws(hub: Hub, tmp_path: Path) -> Iterator[Workspace]:  # noqa: F811
    workspace = Workspace.open(tmp_path / "ws")
    workspace.sync.use_http(httpx.Client(transport=hub.transport()), CredentialStore(MemoryKeyring()))
    workspace.sync.login(HUB_URL, "rep01", PASSWORD)
    yield workspace
    workspace.close()


def test_the_first_sync_changes_everything_and_the_next_one_nothing(ws: Workspace) -> None:
    first = ws.sync.run()
    assert first.full and first.changes.all_hcps and first.changes.ranking and first.changes.visits
    assert ws.ranking.has_engine  # ranked afresh after the download (warm)
    again = ws.sync.run()
    assert again.pulled == 0 and not again.changes
    assert ws.ranking.has_engine, "a sync that changed nothing keeps the ranking in memory"


def test_a_hub_edit_to_one_hcp_changes_only_that_hcp(ws: Workspace, hub: Hub) -> None:  # noqa: F811
    ws.sync.run()
    edited = hub.hcps_of("T-001")[2]
    hub.touch_hcps([edited], "0142")
    result = ws.sync.run(warm=False)
    assert result.changes.hcps == frozenset({edited})
    assert result.changes.directory and result.changes.ranking and not result.changes.visits
    assert not ws.ranking.has_engine  # the ranking is rebuilt on next use
    assert ws.directory.hcp(edited).phone == "555-0142"


def test_an_uploaded_visit_changes_the_outbox_and_its_hcp_only(ws: Workspace, hub: Hub) -> None:  # noqa: F811
    ws.sync.run()
    hcp = hub.hcps_of("T-001")[0]
    ws.visits.submit(ws.visits.new(hcp).edited(topics=("efficacy",), notes="Discussed the efficacy data."))
    done = [m for m in ws.store.outbox.all() if m.kind is MutationKind.SUGGESTION_FEEDBACK]  # a visit suggested
    assert all(m.payload["hcp_id"] == hcp for m in done)
    result = ws.sync.run(warm=False)
    assert result.pushed == 1 + len(done) and result.changes.uploads
    assert not result.changes.all_hcps and set(result.changes.hcps) <= {hcp}
