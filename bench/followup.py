"""Follow-up throughput: push call reports with journey evaluation, then deliver the emails over SMTP.

    python -m bench.followup --reports 10000 [--hcps 300] [--batch 100] [--max-emails 3000]

A fresh SQLite hub in a temporary folder is seeded with a simulated territory; ``--reports`` submitted call
reports on the efficacy topic are pushed through the hub's push path (``hub.push.push``: one transaction per
batch, each report applied with its journeys evaluated and follow-ups written in the same transaction) —
``reports_per_s``. The bench journey has no frequency cap, so every HCP with email consent gets a job per
report. A worker then delivers up to ``--max-emails`` of them to a local aiosmtpd server on 127.0.0.1 —
``emails_per_s`` (render, SMTP, mark sent with its synced rows). Prints one JSON object. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from repcompanion.domain.enums import CallType, MutationKind
from repcompanion.domain.ids import CallReportId, HcpId, uuid7
from repcompanion.domain.models import CallReport
from repcompanion.domain.rows import call_report_to_row
from repcompanion.hub.admin import seed_hub
from repcompanion.hub.auth import Caller
from repcompanion.hub.db import HubDb
from repcompanion.hub.delivery import DeliveryReport
from repcompanion.hub.followups import JOURNEYS, MailSettings, Worker
from repcompanion.hub.sync import push
from repcompanion.protocol.models import MutationIn, PushRequest

JOURNEY = """format = 1

[[journey]]
id = "bench-efficacy"
version = 1
trigger = { on = "call_report", topics = ["efficacy"] }
action = { do = "send_email", topic = "efficacy", within = "24h" }
"""


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"the aiosmtpd server on port {port} did not start")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mutations(hcps: list[str], n: int, device: str) -> list[MutationIn]:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    out = []
    for k in range(n):
        report = CallReport(
            CallReportId(uuid7()), HcpId(hcps[k % len(hcps)]), start, CallType.IN_PERSON, topics=("efficacy",)
        ).submit(start + timedelta(minutes=30))
        out.append(
            MutationIn(
                id=uuid7(),
                device_id=device,
                device_seq=k + 1,
                kind=MutationKind.CALL_REPORT_SUBMIT.value,
                entity_id=report.id,
                payload=call_report_to_row(report),
                created_at=start.isoformat(),
            )
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=10000)
    ap.add_argument("--hcps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--max-emails", type=int, default=3000)
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-followup-"))
    try:
        (folder / "journeys").mkdir()
        (folder / "journeys" / "bench.toml").write_text(JOURNEY, encoding="utf-8")
        JOURNEYS.use(folder / "journeys")
        db = HubDb(f"sqlite:///{folder / 'hub.db'}")
        db.migrate()
        [rep] = seed_hub(db, reps=1, hcps_per_rep=args.hcps, seed=5, years=0.1, password="bench")
        with db.read() as conn:
            hcps = [r[0] for r in conn.exec_driver_sql("SELECT hcp_id FROM alignments ORDER BY hcp_id")]
        caller = Caller(rep.user, rep.territory_id, "bench-device")
        mutations = _mutations(hcps, args.reports, caller.device_id)

        t0 = time.perf_counter()
        applied = 0
        for i in range(0, len(mutations), args.batch):
            reply = push(db, caller, PushRequest(device_id=caller.device_id, mutations=mutations[i : i + args.batch]))
            applied += sum(1 for r in reply.results if r.status == "applied")
        push_s = time.perf_counter() - t0
        with db.read() as conn:
            jobs = conn.exec_driver_sql("SELECT count(*) FROM followup_jobs").scalar_one()
            planned = conn.exec_driver_sql("SELECT count(*) FROM follow_ups").scalar_one()

        port = _port()
        # the SMTP server runs in its own process, as a real one would (not competing for this one's GIL)
        server = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(port)
            worker = Worker(db, MailSettings(host="127.0.0.1", port=port))
            report = DeliveryReport()
            t1 = time.perf_counter()
            while len(report.sent) < args.max_emails:
                batch = worker.deliver(min(worker.settings.batch, args.max_emails - len(report.sent)))
                if not batch.claimed:
                    break
                report.add(batch)
            worker.sender.close()
            mail_s = time.perf_counter() - t1
        finally:
            server.terminate()
            server.wait(timeout=10)
        db.dispose()
        print(
            json.dumps(
                {
                    "reports_per_s": round(applied / push_s, 1),
                    "emails_per_s": round(len(report.sent) / mail_s, 1) if report.sent else 0.0,
                    "reports": applied,
                    "follow_ups_planned": planned,
                    "email_jobs": jobs,
                    "emails_sent": len(report.sent),
                    "push_seconds": round(push_s, 2),
                    "delivery_seconds": round(mail_s, 2),
                    "hcps": len(hcps),
                    "db": "sqlite",
                }
            )
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
