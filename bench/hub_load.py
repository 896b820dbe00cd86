"""Load on the hub: simulated reps each pushing a call report and delta-syncing every few seconds.

    python -m bench.hub_load --reps 200 --interval 2 --seconds 30 [--closed-loop] [--db URL]

Starts ``repcompanion-hub serve`` on 127.0.0.1 (a subprocess) over a freshly seeded hub — PostgreSQL from
scripts/pg_start.sh when it works, else SQLite — and drives it from one asyncio process. Open loop: every rep
syncs on a fixed schedule (latency counts from the scheduled time, so queueing is not hidden). With
``--closed-loop`` a second phase runs every rep back to back and reports the syncs per second sustained.
Prints one JSON object. Loopback only; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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

from repcompanion.domain.enums import CallType, MutationKind
from repcompanion.domain.ids import CallReportId, HcpId, uuid7
from repcompanion.domain.models import CallReport
from repcompanion.domain.rows import call_report_to_row
from repcompanion.hub.admin import seed_hub
from repcompanion.hub.db import HubDb
from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-test-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_postgres(folder: str) -> str | None:
    try:
        proc = subprocess.run(
            ["bash", str(ROOT / "scripts" / "pg_start.sh"), folder], capture_output=True, text=True, timeout=900
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip().splitlines()[-1] if proc.returncode == 0 and proc.stdout.strip() else None


class RepClient:
    def __init__(self, client: httpx.AsyncClient, user: str) -> None:
        self.client = client
        self.user = user
        self.device_id = f"load-{user}"
        self.seq = 0
        self.cursor = 0
        self.hcps: list[str] = []
        self.headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}

    async def login(self) -> None:
        r = await self.client.post(
            "/v1/auth/login",
            headers=self.headers,
            json={"username": self.user, "password": PASSWORD, "device_id": self.device_id},
        )
        r.raise_for_status()
        self.headers = self.headers | {"Authorization": f"Bearer {r.json()['access_token']}"}

    async def pull(self, *, verify: bool = True) -> int:
        """Pull to the head (1 if a page failed, else 0); routine deltas skip the count check, as the app
        does between its 6-hourly checks."""
        params: dict[str, object] = {"limit": 5000} if verify else {"limit": 5000, "verify": "false"}
        while True:
            r = await self.client.get("/v1/pull", params={**params, "cursor": self.cursor}, headers=self.headers)
            if r.status_code != 200:
                return 1
            page = r.json()
            for c in page["changes"]:
                if c["table"] == "hcps" and c["op"] == "upsert":
                    self.hcps.append(c["id"])
            self.cursor = page["next_cursor"]
            if not page["has_more"]:
                return 0

    async def sync(self) -> int:
        """Push one submitted report, then pull the delta; returns the number of errors."""
        self.seq += 1
        now = datetime.now(UTC)
        report = CallReport(
            CallReportId(uuid7()),
            HcpId(random.choice(self.hcps)),
            now,
            CallType.IN_PERSON,
            topics=("efficacy",),
            notes="Load test visit.",
        ).submit(now)
        mutation = {
            "id": uuid7(),
            "device_id": self.device_id,
            "device_seq": self.seq,
            "kind": MutationKind.CALL_REPORT_SUBMIT.value,
            "entity_id": report.id,
            "payload": call_report_to_row(report),
            "created_at": now.isoformat(),
        }
        r = await self.client.post(
            "/v1/push", headers=self.headers, json={"device_id": self.device_id, "mutations": [mutation]}
        )
        failed = r.status_code != 200 or r.json()["results"][0]["status"] != "applied"
        return int(failed) + await self.pull(verify=False)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _open_loop(reps: list[RepClient], interval: float, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter() + 0.5

    async def run(rep: RepClient, phase: float) -> None:
        nonlocal errors
        k = 0
        while True:
            due = start + phase + k * interval
            if due > start + seconds:
                return
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                errors += await rep.sync()
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - due)
            k += 1

    await asyncio.gather(*(run(r, i * interval / len(reps)) for i, r in enumerate(reps)))
    elapsed = time.perf_counter() - start
    return {
        "offered_per_s": round(len(reps) / interval, 1),
        "syncs_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "errors": errors,
        "syncs": len(latencies),
    }


async def _closed_loop(reps: list[RepClient], seconds: float) -> dict[str, Any]:
    done = 0
    errors = 0
    stop = time.perf_counter() + seconds

    async def run(rep: RepClient) -> None:
        nonlocal done, errors
        while time.perf_counter() < stop:
            try:
                errors += await rep.sync()
            except httpx.HTTPError:
                errors += 1
            done += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(run(r) for r in reps))
    return {"closed_loop_syncs_per_s": round(done / (time.perf_counter() - t0), 1), "closed_loop_errors": errors}


async def _drive(base_url: str, users: list[str], args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=len(users), max_keepalive_connections=len(users))
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        reps = [RepClient(client, u) for u in users]
        gate = asyncio.Semaphore(8)

        async def prepare(rep: RepClient) -> None:
            async with gate:
                await rep.login()
                await rep.pull()

        await asyncio.gather(*(prepare(r) for r in reps))
        result = await _open_loop(reps, args.interval, args.seconds)
        if args.closed_loop:
            result |= await _closed_loop(reps, args.seconds)
        return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--hcps-per-rep", type=int, default=20)
    p.add_argument("--interval", type=float, default=2.0, help="seconds between one rep's syncs")
    p.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    p.add_argument("--closed-loop", action="store_true", help="also measure the most syncs/s the hub sustains")
    p.add_argument("--db", help="hub database URL (default: PostgreSQL via scripts/pg_start.sh, else SQLite)")
    p.add_argument("--workers", type=int, default=1, help="hub server processes (PostgreSQL only)")
    args = p.parse_args(argv)

    work = tempfile.mkdtemp(prefix="repcompanion-hubload-")
    pg_folder = f"/tmp/repcompanion-pg-load-{os.getpid()}"
    started_pg = False
    url = args.db
    if url is None:
        url = _start_postgres(pg_folder)
        started_pg = url is not None
        url = url or f"sqlite:///{work}/hub.db"
    server: subprocess.Popen[bytes] | None = None
    try:
        db = HubDb(url)
        db.migrate()
        seeded = seed_hub(db, reps=args.reps, hcps_per_rep=args.hcps_per_rep, years=0.25, password=PASSWORD)
        db.dispose()
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "repcompanion.hub.cli",
                "serve",
                "--db",
                url,
                "--port",
                str(port),
                "--workers",
                str(args.workers if url.startswith("postgresql") else 1),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the hub did not start: {server.stderr.read().decode() if server.stderr else ''}")
            time.sleep(0.2)
        result = asyncio.run(_drive(base, [r.user for r in seeded], args))
        result = {
            **result,
            "reps": args.reps,
            "db": "postgresql" if url.startswith("postgresql") else "sqlite",
            "workers": args.workers if url.startswith("postgresql") else 1,
        }
        print(json.dumps(result))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        if started_pg:
            subprocess.run(["bash", str(ROOT / "scripts" / "pg_stop.sh"), pg_folder], capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
