"""Hub fixtures: a seeded hub on SQLite and on a real PostgreSQL (started by scripts/pg_start.sh), reps over HTTP."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from repcompanion.domain.enums import CallType, MutationKind
from repcompanion.domain.ids import CallReportId, HcpId, uuid7
from repcompanion.domain.models import CallReport
from repcompanion.domain.rows import HCP_DEPENDENT_TABLES, SYNCED_TABLES, call_report_to_row
from repcompanion.hub import HubDb, HubSettings, create_app
from repcompanion.hub.admin import seed_hub
from repcompanion.hub.auth import sessions
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from repcompanion.simulate import DemoTerritory, generate_territory
from tests.pg import pg_schema

PASSWORD = "correct horse"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
        return
    with pg_schema(request.getfixturevalue("pg_server")) as url:
        yield url


class Rep:
    """One rep's device talking to the hub over HTTP."""

    def __init__(
        self,
        client: httpx.Client | TestClient,
        user: str,
        device_id: str,
        password: str = PASSWORD,
        *,
        protocol: int = PROTOCOL_VERSION,
    ) -> None:
        self.client = client
        self.user = user
        self.device_id = device_id
        self.device_seq = 0
        self.protocol = protocol
        reply = client.post(
            "/v1/auth/login",
            json={"username": user, "password": password, "device_id": device_id},
            headers={PROTOCOL_HEADER: str(protocol)},
        )
        assert reply.status_code == 200, reply.text
        self.tokens = reply.json()
        self.territory_id: str = self.tokens["territory_id"]

    @property
    def headers(self) -> dict[str, str]:
        return {PROTOCOL_HEADER: str(self.protocol), "Authorization": f"Bearer {self.tokens['access_token']}"}

    def pull(self, cursor: int = 0, limit: int = 5000) -> dict[str, Any]:
        reply = self.client.get("/v1/pull", params={"cursor": cursor, "limit": limit}, headers=self.headers)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def pull_all(self, cursor: int = 0, limit: int = 5000) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        while True:
            page = self.pull(cursor, limit)
            changes += page["changes"]
            assert page["next_cursor"] >= cursor
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return changes, page

    def push(self, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        reply = self.client.post(
            "/v1/push", json={"device_id": self.device_id, "mutations": mutations}, headers=self.headers
        )
        assert reply.status_code == 200, reply.text
        return reply.json()["results"]

    def mutation(self, kind: str, entity_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.device_seq += 1
        return {
            "id": uuid7(),
            "device_id": self.device_id,
            "device_seq": self.device_seq,
            "kind": kind,
            "entity_id": entity_id,
            "payload": payload,
            "created_at": datetime.now(UTC).isoformat(),
        }

    def report(self, hcp_id: str, notes: str = "Discussed efficacy.") -> dict[str, Any]:
        started = datetime(2026, 11, 20, 10, tzinfo=UTC)
        report = CallReport(
            CallReportId(uuid7()),
            HcpId(hcp_id),
            started,
            CallType.IN_PERSON,
            topics=("efficacy",),
            notes=notes,
            products=("P1",),
            device_id=self.device_id,  # type: ignore[arg-type]
        ).submit(started + timedelta(minutes=30))
        return self.mutation(MutationKind.CALL_REPORT_SUBMIT.value, report.id, call_report_to_row(report))


class Replica:
    """What a client holds after applying pages: rows per table, with the store's remove semantics."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in SYNCED_TABLES}

    def apply(self, changes: list[dict[str, Any]]) -> None:
        for c in changes:
            if c["op"] == "remove":
                for t in HCP_DEPENDENT_TABLES:
                    self.tables[t] = {k: r for k, r in self.tables[t].items() if r["hcp_id"] != c["id"]}
                self.tables["hcps"].pop(c["id"], None)
            elif c["op"] == "upsert":
                self.tables[c["table"]][c["id"]] = c["row"]
            else:
                self.tables[c["table"]].pop(c["id"], None)

    def counts(self) -> dict[str, int]:
        return {t: len(rows) for t, rows in self.tables.items()}


@functools.cache
def _demo() -> DemoTerritory:
    return generate_territory(hcps=12, seed=11, years=0.25)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id with tiny costs in tests (the hub's real profile takes ~0.1 s per hash by design)."""
    saved = sessions._hasher
    sessions._hasher = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    yield
    sessions._hasher = saved


class Hub:
    def __init__(self, url: str, settings: HubSettings | None = None) -> None:
        self.url = url
        self.db = HubDb(url)
        self.db.migrate()
        self.reps = seed_hub(self.db, reps=2, hcps_per_rep=6, password=PASSWORD, demo=_demo())
        self.app = create_app(url, settings=settings, migrate=False)
        self.client = TestClient(self.app, raise_server_exceptions=False)

    def rep(self, user: str = "rep01", device_id: str = "device-a", *, protocol: int = PROTOCOL_VERSION) -> Rep:
        return Rep(self.client, user, device_id, protocol=protocol)

    def hcps_of(self, territory_id: str) -> list[str]:
        with self.db.read() as conn:
            return [
                r[0]
                for r in conn.exec_driver_sql(
                    f"SELECT hcp_id FROM alignments WHERE territory_id = '{territory_id}' ORDER BY hcp_id"
                )
            ]

    def close(self) -> None:
        self.client.close()
        self.app.state.db.dispose()
        self.db.dispose()


@pytest.fixture
def hub(db_url: str) -> Iterator[Hub]:
    h = Hub(db_url)
    yield h
    h.close()
