"""The real hub in-process (seeded once per session), fault-injecting transports, and the sync invariants."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from repcompanion.domain import CallReport, CallReportId, CallType, HcpId, uuid7
from repcompanion.domain.rows import SYNCED_TABLES
from repcompanion.hub import HubDb, HubSettings, create_app
from repcompanion.hub.admin import seed_hub
from repcompanion.hub.sync import realign
from repcompanion.store import Store, open_store
from repcompanion.sync import CredentialStore, SyncClient
from tests.keyrings import MemoryKeyring
from tests.transport import InProcessTransport

HUB_URL = "http://hub.test"
PASSWORD = "correct-horse-battery"


Fault = Callable[[httpx.Request, Callable[[httpx.Request], httpx.Response]], httpx.Response]


def drop_before_send(request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
    raise httpx.ConnectError("injected: connection refused before sending", request=request)


def lose_reply(request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
    """The hub gets the request and commits; the reply never arrives."""
    forward(request)
    raise httpx.ReadError("injected: connection reset after the hub answered", request=request)


def reset_connection(request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
    raise httpx.RemoteProtocolError("injected: connection reset by peer", request=request)


def truncate_body(request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
    """The reply is cut in the middle (its body decoded, so the cut lands inside the JSON)."""
    reply = forward(request)
    content = reply.read()
    headers = [(k, v) for k, v in reply.headers.raw if k.lower() not in (b"content-encoding", b"content-length")]
    return httpx.Response(reply.status_code, headers=headers, stream=httpx.ByteStream(content[: len(content) // 2]))


def html_page(status: int) -> Fault:
    def fault(request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
        page = f"<html><body><h1>{status} Bad Gateway</h1><p>nginx</p></body></html>".encode()
        return httpx.Response(status, headers={"content-type": "text/html"}, stream=httpx.ByteStream(page))

    return fault


def html_after_commit(request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
    """A proxy times out after the hub committed and shows its own error page."""
    forward(request)
    return html_page(504)(request, forward)


class FaultyTransport(httpx.BaseTransport):
    """Forwards to ``inner``; a scripted fault per request (by path), else random faults at ``rate``."""

    def __init__(self, inner: httpx.BaseTransport, *, rate: float = 0.0, seed: int = 0) -> None:
        self.inner = inner
        self.script: dict[str, list[Fault | None]] = {}
        self.rate = rate
        self.rng = random.Random(seed)
        self.sent: list[str] = []
        self.random_faults: list[Fault] = [
            drop_before_send,
            lose_reply,
            reset_connection,
            truncate_body,
            html_page(502),
            html_page(503),
            html_after_commit,
        ]

    def plan(self, path: str, *faults: Fault | None) -> None:
        """The next requests to ``path`` get these faults in order (None: pass through)."""
        self.script.setdefault(path, []).extend(faults)

    def count(self, path: str) -> int:
        return sum(1 for p in self.sent if p == path)

    def _forward(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.sent.append(path)
        queue = self.script.get(path)
        fault = queue.pop(0) if queue else None
        if fault is None and self.rate and self.rng.random() < self.rate:
            fault = self.rng.choice(self.random_faults)
        if fault is None:
            return self._forward(request)
        return fault(request, self._forward)


@dataclass
class Hub:
    """One hub database with its app, and the hub's side of the invariants."""

    url: str
    settings: HubSettings
    db: HubDb = field(init=False)
    app: Any = field(init=False)

    def __post_init__(self) -> None:
        self.app = create_app(self.url, settings=self.settings, migrate=False)
        self.db = self.app.state.db

    def transport(self) -> FaultyTransport:
        return FaultyTransport(InProcessTransport(self.app))

    def view(self, territory_id: str) -> dict[str, set[tuple[Any, ...]]]:
        """Per-table row sets the hub holds for ``territory_id`` (what a complete replica must equal)."""
        member = "SELECT hcp_id FROM alignments WHERE territory_id = :t"
        where = {
            "hcps": f"id IN ({member})",
            "alignments": "territory_id = :t",
            "call_plans": f"territory_id = :t AND hcp_id IN ({member})",
            "consents": f"hcp_id IN ({member})",
            "events": f"hcp_id IN ({member})",
            "call_reports": f"hcp_id IN ({member})",
        }
        out = {}
        with self.db.read() as conn:
            for table, codec in SYNCED_TABLES.items():
                sql = f"SELECT {', '.join(codec.columns)} FROM {table} WHERE {where.get(table, '1=1')}"
                out[table] = {tuple(r) for r in conn.execute(text(sql), {"t": territory_id})}
        return out

    def mutation_rows(self, mutation_id: str) -> list[tuple[str, str]]:
        with self.db.read() as conn:
            return [
                (r[0], r[1])
                for r in conn.execute(text("SELECT status, entity_id FROM mutations WHERE id = :i"), {"i": mutation_id})
            ]

    def count(self, table: str, where: str, **params: Any) -> int:
        with self.db.read() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"), params).scalar_one())

    def hcps_of(self, territory_id: str) -> list[str]:
        with self.db.read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    text("SELECT hcp_id FROM alignments WHERE territory_id = :t ORDER BY hcp_id"), {"t": territory_id}
                )
            ]

    def realign(self, hcp_ids: list[str], source: str, target: str) -> None:
        with self.db.write() as conn:
            realign(conn, hcp_ids, source, target)

    def touch_hcps(self, hcp_ids: list[str], suffix: str) -> None:
        """A hub-side edit (an HCP's phone number changes), logged like any master-data change."""
        from repcompanion.hub.db import upsert_rows

        with self.db.write() as conn:
            rows = [
                dict(r)
                for r in conn.execute(
                    text(f"SELECT * FROM hcps WHERE id IN ({', '.join(repr(h) for h in hcp_ids)})")
                ).mappings()
            ]
            for r in rows:
                r["phone"] = f"555-{suffix}"
            upsert_rows(conn, "hcps", rows)


@pytest.fixture(scope="session")
def hub_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hub-template")
    url = f"sqlite:///{folder / 'hub.db'}"
    db = HubDb(url)
    db.migrate()
    seed_hub(db, reps=2, hcps_per_rep=8, seed=11, years=0.25, password=PASSWORD)
    db.dispose()
    return folder / "hub.db"


@pytest.fixture
def make_hub(hub_template: Path, tmp_path: Path) -> Iterator[Callable[..., Hub]]:
    hubs: list[Hub] = []

    def make(**settings: Any) -> Hub:
        path = tmp_path / f"hub{len(hubs)}.db"
        shutil.copyfile(hub_template, path)
        hub = Hub(f"sqlite:///{path}", HubSettings(**settings))
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.db.dispose()


@pytest.fixture
def hub(make_hub: Callable[..., Hub]) -> Hub:
    return make_hub()


@dataclass
class Device:
    """One laptop: a workspace, its transport (with faults) and its sync client."""

    name: str
    store: Store
    transport: FaultyTransport
    client: SyncClient
    keyring: MemoryKeyring
    sleeps: list[float]

    def login(self, user: str = "rep01") -> None:
        self.client.login(HUB_URL, user, PASSWORD)

    def submit_report(self, hcp_id: str, notes: str = "Discussed efficacy data.", **kw: Any) -> CallReport:
        report = CallReport(
            CallReportId(uuid7()),
            HcpId(hcp_id),
            kw.pop("started_at", datetime(2026, 11, 20, 9, 0, tzinfo=UTC)),
            CallType.IN_PERSON,
            topics=("efficacy",),
            notes=notes,
            **kw,
        )
        return self.store.submit_call_report(report)


@pytest.fixture
def make_device(tmp_path: Path) -> Iterator[Callable[..., Device]]:
    devices: list[Device] = []

    def make(hub: Hub, name: str = "laptop", **client_kw: Any) -> Device:
        store = open_store(tmp_path / f"{name}.db")
        transport = hub.transport()
        sleeps: list[float] = []
        ring = MemoryKeyring()
        client = SyncClient(
            httpx.Client(transport=transport),
            store,
            CredentialStore(ring),
            sleep=sleeps.append,
            **({"page_limit": 50} | client_kw),
        )
        device = Device(name, store, transport, client, ring, sleeps)
        devices.append(device)
        return device

    yield make
    for d in devices:
        d.client.http.close()
        d.store.close()


def local_view(store: Store) -> dict[str, set[tuple[Any, ...]]]:
    """The replica's rows per synced table, leaving out what only this laptop has (drafts, refused reports)."""
    out = {}
    for table, codec in SYNCED_TABLES.items():
        where = "1"
        if table == "call_reports":
            refused = "SELECT entity_id FROM outbox WHERE status IN ('pending', 'rejected')"
            where = f"status = 'submitted' AND id NOT IN ({refused})"
        sql = f"SELECT {', '.join(codec.columns)} FROM {table} WHERE {where}"
        out[table] = {tuple(r) for r in store.conn.execute(sql)}
    return out


def assert_invariants(hub: Hub, *devices: Device, territory_id: str = "T-001") -> None:
    """Every acknowledged mutation exists exactly once on the hub; every replica equals the hub's view."""
    expected = hub.view(territory_id)
    for device in devices:
        outbox = device.store.outbox
        assert outbox.pending_count() == 0, f"{device.name}: changes still pending after quiesce"
        for m in outbox.all():
            rows = hub.mutation_rows(m.id)
            if m.status.value in ("applied", "duplicate"):
                assert rows == [("applied", m.entity_id)], f"{device.name}: {m.kind} {m.id} on the hub as {rows}"
                if m.kind.value == "call_report.submit":
                    assert hub.count("call_reports", "id = :i", i=m.entity_id) == 1
            elif m.status.value == "rejected":
                assert m.reason, "a rejection always carries its reason"
                assert all(status == "rejected" for status, _ in rows)
        got = local_view(device.store)
        for table in SYNCED_TABLES:
            missing, extra = expected[table] - got[table], got[table] - expected[table]
            assert not missing and not extra, (
                f"{device.name}: {table} differs from the hub: {len(missing)} missing, {len(extra)} extra "
                f"(e.g. {next(iter(missing or extra))})"
            )
        assert device.store.sync_state.get().cursor > 0


def quiesce(*devices: Device) -> None:
    """Stop injecting faults and sync every device until nothing moves."""
    for _ in range(2):
        for d in devices:
            d.transport.rate = 0.0
            d.transport.script.clear()
            d.client.sync()
