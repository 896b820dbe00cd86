"""Sync benchmark: a first sync of a big territory from `repcompanion-hub serve` on loopback, then a delta.

    python -m bench.sync --hcps 5000 --events 1000000 [--seed 7] [--keep DIR]

Seeds a hub (SQLite in a temp folder, through `repcompanion-hub seed`: the simulator and the hub's seed
function, in a child process so its memory is not counted), serves it on 127.0.0.1, and prints one JSON
object: initial_s, rows, rows_per_s, raw_load_s (the same rows with plain executemany into the same local
schema), ratio (= initial_s / raw_load_s), delta_s (100 changed rows down and 10 reports up), peak_rss_mb
(of this client process), plus the pages and the hub's share of the initial sync's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from repcompanion.domain import CallReport, CallReportId, CallType, HcpId, uuid7
from repcompanion.domain.rows import SYNCED_TABLES
from repcompanion.store import open_store
from repcompanion.sync import CredentialStore, SyncClient
from repcompanion.sync.http_client import default_http_client

PASSWORD = "bench-password-123"
EVENTS_PER_HCP_YEAR = 98.0  # what the simulator draws on average (measured on small territories)
HUB = [sys.executable, "-m", "repcompanion.hub.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(db_url: str, hcps: int, events: int, seed_: int) -> None:
    years = min(10.0, max(0.05, events / (hcps * EVENTS_PER_HCP_YEAR)))
    subprocess.run([*HUB, "init", "--db", db_url], check=True, capture_output=True)
    args = ["seed", "--db", db_url, "--reps", "1", "--hcps-per-rep", str(hcps), "--seed", str(seed_)]
    subprocess.run(
        [*HUB, *args, "--years", f"{years:.3f}", "--password-stdin"],
        input=PASSWORD.encode(),
        check=True,
        capture_output=True,
    )


def serve(db_url: str, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [*HUB, "serve", "--db", db_url, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
        if proc.poll() is not None:
            raise RuntimeError(f"the hub did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
    proc.kill()
    raise RuntimeError("the hub did not answer within 60 s")


def raw_load(source: Path, target: Path) -> float:
    """The same rows, read beforehand, written with plain executemany into a fresh workspace schema."""
    src = open_store(source)
    rows = {t: src.conn.execute(f"SELECT {', '.join(c.columns)} FROM {t}").fetchall() for t, c in SYNCED_TABLES.items()}
    src.close()
    dst = open_store(target)
    started = time.perf_counter()
    with dst.atomic():
        for table, codec in SYNCED_TABLES.items():
            cols = codec.columns
            dst.conn.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows[table]
            )
    elapsed = time.perf_counter() - started
    dst.close()
    return elapsed


def change_hcps(db_url: str, n: int) -> None:
    """100 master-data edits on the hub (phone numbers), through the hub's own change-logged writer."""
    from sqlalchemy import text

    from repcompanion.hub import HubDb
    from repcompanion.hub.db import upsert_rows

    db = HubDb(db_url)
    with db.write() as conn:
        rows = [dict(r) for r in conn.execute(text(f"SELECT * FROM hcps ORDER BY id LIMIT {n}")).mappings()]
        for r in rows:
            r["phone"] = "555-0100"
        upsert_rows(conn, "hcps", rows)
    db.dispose()


class _Timed(httpx.BaseTransport):
    """Measures how long the client waits for the hub (request sent until the body has arrived)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.waited = 0.0
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = self.inner.handle_request(request)
        body = b"".join(response.iter_raw())  # still compressed: the client decodes it as usual
        self.waited += time.perf_counter() - started
        self.requests += 1
        return httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(body))

    def close(self) -> None:
        self.inner.close()


def run(hcps: int, events: int, seed_: int, keep: Path | None, page_limit: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    hub_file = (keep / f"hub-{hcps}-{events}-{seed_}.db") if keep else folder / "hub.db"
    db_url = f"sqlite:///{hub_file}"
    seed_s = 0.0
    if not hub_file.exists():
        started = time.perf_counter()
        seed(db_url, hcps, events, seed_)
        seed_s = time.perf_counter() - started
    port = _free_port()
    hub = serve(db_url, port)
    try:
        workspace = folder / "workspace.db"
        store = open_store(workspace)
        timed = _Timed()
        http = httpx.Client(transport=timed, timeout=default_http_client().timeout)
        client = SyncClient(http, store, CredentialStore(), page_limit=page_limit)
        client.login(f"http://127.0.0.1:{port}", "rep01", PASSWORD)
        timed.waited, timed.requests = 0.0, 0
        started = time.perf_counter()
        first = client.sync()
        initial_s = time.perf_counter() - started
        hub_wait_s, pages = timed.waited, timed.requests
        rows = sum(store.table_counts().values())

        change_hcps(db_url, 100)
        ids = [r["id"] for r in store.query("SELECT id FROM hcps ORDER BY id LIMIT 10")]
        for hcp_id in ids:
            report = CallReport(
                CallReportId(uuid7()), HcpId(hcp_id), datetime.now(UTC), CallType.IN_PERSON, notes="bench visit"
            )
            store.submit_call_report(report)
        started = time.perf_counter()
        delta = client.sync()
        delta_s = time.perf_counter() - started
        store.close()
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the baseline's own load
        raw_load_s = raw_load(workspace, folder / "raw.db")
        http.close()
    finally:
        hub.terminate()
        hub.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "initial_s": round(initial_s, 3),
        "rows": rows,
        "rows_per_s": round(rows / initial_s),
        "raw_load_s": round(raw_load_s, 3),
        "ratio": round(initial_s / raw_load_s, 2),
        "delta_s": round(delta_s, 3),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "pages": pages,
        "hub_wait_s": round(hub_wait_s, 3),
        "verified": first.verified,
        "delta_pulled": delta.pulled,
        "delta_pushed": delta.pushed,
        "seed_s": round(seed_s, 1),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hcps", type=int, default=5000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--page-limit", type=int, default=5000)
    parser.add_argument("--keep", type=Path, help="keep the seeded hub database in DIR and reuse it next time")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(args.hcps, args.events, args.seed, args.keep, args.page_limit)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
