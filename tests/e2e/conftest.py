"""Real parts on loopback: the hub under uvicorn, an aiosmtpd SMTP server, and signed engagement posts."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller

from repcompanion.hub import HubDb, create_app
from repcompanion.hub.admin import seed_hub
from repcompanion.hub.api.routes.engagement import SIGNATURE_HEADER, sign
from repcompanion.hub.followups import JOURNEYS, engagement_secret
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from repcompanion.simulate import generate_territory

PASSWORD = "correct-horse-battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """aiosmtpd handler that keeps every accepted message."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@dataclass
class LoopbackHub:
    url: str
    db_url: str
    db: HubDb
    server: uvicorn.Server
    thread: threading.Thread
    secret: str = ""
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))

    def post_engagement(self, payload: dict[str, Any], *, signature: str | None = None) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Content-Type": "application/json"}
        if signature != "":
            headers[SIGNATURE_HEADER] = signature or sign(body, self.secret)
        return self.http.post(f"{self.url}/v1/engagement", content=body, headers=headers)

    def event(self, follow_up_id: str, kind: str = "opened", event_id: str = "ev-1", **kw: Any) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "type": kind,
            "follow_up_id": follow_up_id,
            "occurred_at": kw.get("occurred_at", datetime.now(UTC).isoformat()),
            "timestamp": kw.get("timestamp", int(time.time())),
        }


@contextmanager
def serving(db_url: str) -> Iterator[LoopbackHub]:
    """The hub app on ``db_url`` (already migrated) under uvicorn on a free loopback port."""
    db = HubDb(db_url)
    app = create_app(db_url, migrate=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    hub = LoopbackHub(f"http://127.0.0.1:{port}", db_url, db, server, thread)
    hub.secret = engagement_secret(db)
    try:
        yield hub
    finally:
        hub.http.close()
        server.should_exit = True
        thread.join(timeout=10)
        app.state.db.dispose()
        db.dispose()


@pytest.fixture
def loopback_hub(tmp_path: Path) -> Iterator[LoopbackHub]:
    JOURNEYS.use(None)
    db_url = f"sqlite:///{tmp_path / 'hub.db'}"
    db = HubDb(db_url)
    db.migrate()
    seed_hub(db, reps=1, hcps_per_rep=12, password=PASSWORD, demo=generate_territory(hcps=12, seed=11, years=0.25))
    db.dispose()
    with serving(db_url) as hub:
        yield hub
