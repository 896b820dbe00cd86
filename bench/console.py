"""Console page times on a company-sized hub: every page, as each role opens it, on PostgreSQL with ~10 M events.

    python -m bench.console --reps 50 --hcps-per-rep 1000 [--events 10000000] [--repeat 5] [--db URL]

Seeds ``reps × hcps_per_rep`` HCPs (simulator), then bulk-loads a year of activity: ``--events`` engagement events
(COPY), and the call reports, follow-ups, delivery jobs, suggestion feedback and lists, uploads, intakes, data change
requests and devices a field force of that size produces in a year (executemany). Refreshes the derived aggregates as
the hub's refresher does, starts ``repcompanion-hub serve`` on 127.0.0.1 and times every page (HTML, as a browser
asks for it) for an admin, a manager, brand and medical user, with the default filters (last 30 days), one
territory, one product, a quarter and a whole year. Prints one JSON object: ``p95_ms`` and ``max_ms`` over every
timed request, per page times, and the load apart (``load_s``). PostgreSQL comes from scripts/pg_start.sh (stopped
at the end) unless ``--db`` names one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.hub_load import ROOT, _free_port, _start_postgres
from repcompanion.hub.admin import add_user, seed_hub, set_manager
from repcompanion.hub.console.roles import ROLE_PAGES
from repcompanion.hub.db import HubDb, derived, schema

PASSWORD = "console-bench-password"
#: one console user per role; the manager manages the first five reps
USERS = {"ada": "admin", "max": "manager", "bea": "brand", "meg": "medical"}
MANAGED = 5
#: engagement event types and their share of all events (as the simulator's year of history has them)
EVENT_MIX = {
    "email_sent": 0.46, "web_visit": 0.16, "email_opened": 0.125, "visit": 0.08, "email_clicked": 0.046,
    "event_invited": 0.04, "sample_drop": 0.03, "remote_call": 0.02, "email_bounced": 0.008, "msl_visit": 0.006,
    "event_attended": 0.005,
}  # fmt: skip
CHANNEL = {"email_sent": "email", "email_opened": "email", "email_clicked": "email", "email_bounced": "email",
           "event_invited": "email", "visit": "in_person", "sample_drop": "in_person", "msl_visit": "in_person",
           "remote_call": "remote_meeting"}  # fmt: skip
CHUNK = 500_000
DAYS = 365


def _plain_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _iso(seconds: np.ndarray, now: datetime) -> np.ndarray:
    """ISO-8601 UTC timestamps ('...T..:..:..+00:00', as the row codecs write them) ``seconds`` before ``now``."""
    base = np.datetime64(now.replace(tzinfo=None), "s")
    stamps = base - seconds.astype("timedelta64[s]")
    return np.char.add(np.datetime_as_string(stamps, unit="s"), "+00:00")


def load_events(url: str, hcps: list[str], content: dict[str, list[str]], products: list[str], n: int,
                now: datetime, rng: np.random.Generator) -> None:  # fmt: skip
    """``n`` engagement events over the last year, COPYed in chunks: e-mail events name a content item of their
    product, visits a product; a few HCPs get many more events than most (a heavy-tailed weight per HCP)."""
    types = np.array(list(EVENT_MIX))
    weights = np.array(list(EVENT_MIX.values()))
    weights /= weights.sum()
    hcp_weight = rng.pareto(3.0, len(hcps)) + 1.0
    hcp_weight /= hcp_weight.sum()
    hcp_ids = np.array(hcps)
    product_ids = np.array(products)
    email_content = {p: np.array(content[p]) for p in products}
    channel = np.array([CHANNEL.get(t, "") for t in types])
    with psycopg.connect(_plain_url(url)) as conn, conn.cursor() as cur:
        for start in range(0, n, CHUNK):
            m = min(CHUNK, n - start)
            kind = rng.choice(len(types), size=m, p=weights)
            product = rng.integers(0, len(products), size=m)
            content_id = np.full(m, "", dtype=object)
            is_email = np.char.startswith(types[kind], "email_")
            for k, p in enumerate(products):
                rows = is_email & (product == k)
                content_id[rows] = rng.choice(email_content[p], size=int(rows.sum()))
            frame = pd.DataFrame(
                {
                    "id": np.char.add("EVB", np.char.zfill(np.arange(start, start + m).astype(str), 9)),
                    "hcp_id": hcp_ids[rng.choice(len(hcps), size=m, p=hcp_weight)],
                    "type": types[kind],
                    "occurred_at": _iso(rng.integers(0, DAYS * 86400, size=m), now),
                    "channel": channel[kind],
                    "product_id": product_ids[product],
                    "content_id": content_id,
                    "topics": "[]",
                    "quantity": 0,
                    "source": "crm",
                }
            )
            buf = io.StringIO()
            frame.to_csv(buf, sep="\t", header=False, index=False)
            with cur.copy(
                "COPY events (id, hcp_id, type, occurred_at, channel, product_id, content_id, topics, quantity, "
                "source) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\t', NULL '')"
            ) as copy:
                copy.write(buf.getvalue())
        conn.commit()


def load_activity(
    db: HubDb,
    reps: list[tuple[str, str]],
    hcps_of: dict[str, list[str]],
    content: list[str],
    now: datetime,
    rng: np.random.Generator,
) -> dict[str, int]:
    """A year of what the field force and the hub's worker write besides events, per rep; returns row counts."""
    rows: dict[str, list[dict[str, Any]]] = {
        k: []
        for k in (
            "call_reports",
            "follow_ups",
            "followup_jobs",
            "suggestion_feedback",
            "suggestion_lists",
            "mutations",
            "ae_intakes",
            "data_change_requests",
            "devices",
            "device_models",
        )
    }

    def at(seconds_ago: float) -> str:
        return (now - timedelta(seconds=float(seconds_ago))).isoformat()

    statuses = ["sent", "opened", "clicked", "bounced", "suppressed", "suppressed", "cancelled", "planned"]
    reasons = {"suppressed": ["no e-mail consent", "frequency cap reached", "no approved content fits"]}
    for r, (user, territory) in enumerate(reps):
        device = f"bench-{user}"
        rows["devices"].append(
            {
                "device_id": device,
                "user_name": user,
                "name": f"{user}'s laptop",
                "first_seen": at(DAYS * 86400),
                "last_seen": at(rng.integers(0, 6 * 86400)),
                "revoked": 0,
                "approved": 1,
            }
        )
        rows["device_models"].append(
            {
                "device_id": device,
                "running": "default" if r % 3 else "propensity-bench",
                "checked_at": at(3600),
                "downloaded": "",
                "downloaded_at": None,
            }
        )
        hcps = hcps_of[territory]
        for k in range(1200):  # ~5 visits per working day
            hcp = hcps[int(rng.integers(0, len(hcps)))]
            ago = float(rng.integers(0, DAYS * 86400))
            report = f"CR-{user}-{k}"
            rows["call_reports"].append(
                {
                    "id": report,
                    "hcp_id": hcp,
                    "started_at": at(ago + 3600),
                    "call_type": "in_person",
                    "status": "submitted",
                    "attendees": "[]",
                    "products": '["P1"]',
                    "topics": '["efficacy"]',
                    "content_shown": "[]",
                    "samples": "[]",
                    "notes": "Discussed efficacy.",
                    "follow_up_requests": "[]",
                    "duration_min": 30,
                    "created_at": at(ago + 3600),
                    "submitted_at": at(ago),
                    "device_id": device,
                }
            )
            seq = k + 1
            rows["mutations"].append(
                {
                    "id": f"M-{user}-{seq}",
                    "device_id": device,
                    "device_seq": seq,
                    "user_name": user,
                    "kind": "call_report.submit",
                    "entity_id": report,
                    "status": "applied" if k % 97 else "rejected",
                    "reason": "" if k % 97 else "HCP no longer in the territory",
                    "received_at": at(ago - 60),
                }
            )
            status = statuses[k % len(statuses)]
            sent_after = float(rng.integers(600, 40 * 3600))
            fu = f"FU-{user}-{k}"
            rows["follow_ups"].append(
                {
                    "id": fu,
                    "hcp_id": hcp,
                    "journey": ("efficacy-email", "clinical-data-email")[k % 2],
                    "action": "send_email",
                    "status": status,
                    "created_at": at(ago - 30),
                    "call_report_id": report,
                    "content_id": content[k % len(content)],
                    "channel": "email",
                    "due_at": at(ago - 3600),
                    "sent_at": at(ago - sent_after) if status in ("sent", "opened", "clicked", "bounced") else None,
                    "reason": reasons.get(status, [""])[k % 3] if status == "suppressed" else "",
                }
            )
            if status != "suppressed":
                failed = k % 211 == 0
                rows["followup_jobs"].append(
                    {
                        "id": fu,
                        "hcp_id": hcp,
                        "journey": ("efficacy-email", "clinical-data-email")[k % 2],
                        "journey_version": 1,
                        "action": "send_email",
                        "content_id": content[k % len(content)],
                        "call_report_id": report,
                        "status": "failed" if failed else "sent",
                        "created_at": at(ago - 30),
                        "due_at": at(ago - 3600),
                        "next_attempt_at": at(ago - 3600),
                        "attempts": 5 if failed else 1,
                        "lease_owner": None,
                        "lease_expires_at": None,
                        "message_id": f"<{fu}@bench>",
                        "sent_at": None if failed else at(ago - sent_after),
                        "last_error": "550" if failed else "",
                        "dead_letter_reason": "550 mailbox unavailable" if failed else "",
                    }
                )
            if status in ("opened", "clicked") and k % 3 == 0:
                rows["follow_ups"].append(
                    {
                        "id": f"{fu}-msl",
                        "hcp_id": hcp,
                        "journey": "clinical-data-email",
                        "action": "suggest_msl_referral",
                        "status": "planned",
                        "created_at": at(ago - sent_after - 7200),
                        "call_report_id": report,
                        "content_id": None,
                        "channel": None,
                        "due_at": at(ago - sent_after - 7200),
                        "sent_at": None,
                        "reason": "",
                    }
                )
        for k in range(2500):  # feedback on suggestions
            kind = ("accepted", "dismissed", "snoozed", "completed", "dismissed")[k % 5]
            when = at(rng.integers(0, DAYS * 86400))
            rows["suggestion_feedback"].append(
                {
                    "id": f"FB-{user}-{k}",
                    "hcp_id": hcps[k % len(hcps)],
                    "action": ("visit", "email", "msl_referral", "remote_call")[k % 4],
                    "kind": kind,
                    "at": when,
                    "suggestion_id": None,
                    "reason": ("wrong_timing", "not_relevant", "already_done")[k % 3] if kind == "dismissed" else None,
                    "note": None,
                    "snooze_until": None,
                    "user_name": user,
                    "territory_id": territory,
                    "received_at": when,
                }
            )
        for d in range(DAYS):
            day = (now - timedelta(days=d)).date().isoformat()
            rows["suggestion_lists"].append(
                {
                    "id": f"SL-{user}-{day}",
                    "day": day,
                    "shown_at": f"{day}T07:30:00+00:00",
                    "shown": 40,
                    "top_hcp_id": hcps[d % len(hcps)],
                    "top_action": "visit",
                    "model_version": "default",
                    "rules_version": "1",
                    "user_name": user,
                    "territory_id": territory,
                    "device_id": device,
                    "received_at": f"{day}T07:31:00+00:00",
                }
            )
        for k in range(12):
            aware = float(rng.integers(0, DAYS * 86400))
            forwarded = k % 5 != 0
            rows["ae_intakes"].append(
                {
                    "id": f"AE-{user}-{k}",
                    "hcp_id": hcps[k],
                    "description": "Patient reported a rash after the dose.",
                    "aware_at": at(aware),
                    "created_at": at(aware - 600),
                    "call_report_id": None,
                    "product_id": "P1",
                    "reporter": user,
                    "patient_details": None,
                    "seriousness": "non-serious",
                    "categories": '["adverse_event"]' if k % 3 else '["product_complaint"]',
                    "status": "forwarded" if forwarded else "pending",
                    "forwarded_at": at(aware - 3600 * (k % 30)) if forwarded else None,
                    "triggers": '["rash"]',
                    "user_name": user,
                    "territory_id": territory,
                    "device_id": device,
                    "received_at": at(aware - 900),
                }
            )
        for k in range(40):
            rows["data_change_requests"].append(
                {
                    "id": f"DCR-{user}-{k}",
                    "hcp_id": hcps[k],
                    "changes": '{"phone": "617-555-0100"}',
                    "note": "new number",
                    "status": "open" if k % 8 == 0 else "accepted",
                    "user_name": user,
                    "territory_id": territory,
                    "received_at": at(rng.integers(0, DAYS * 86400)),
                }
            )
    with db.write() as conn:
        for name, batch in rows.items():
            table = schema.metadata.tables[name]
            for start in range(0, len(batch), 20_000):
                conn.execute(table.insert(), batch[start : start + 20_000])
    return {name: len(batch) for name, batch in rows.items()}


def seed(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The whole hub: HCPs, users, a year of activity, the aggregates; returns the load's timings and counts."""
    rng = np.random.default_rng(args.seed)
    now = datetime.now(UTC)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    db = HubDb(url)
    db.migrate()
    seed_hub(db, reps=args.reps, hcps_per_rep=args.hcps_per_rep, years=0.05, password=PASSWORD)
    for name, role in USERS.items():
        add_user(db, name, PASSWORD, None, role=role)
    for k in range(1, MANAGED + 1):
        set_manager(db, f"rep{k:02d}", "max")
    timings["seed_s"] = time.perf_counter() - t
    a, h, c, u = schema.synced["alignments"], schema.synced["hcps"], schema.synced["content"], schema.users
    with db.read() as conn:
        hcps = [r[0] for r in conn.execute(select(h.c.id).order_by(h.c.id))]
        hcps_of: dict[str, list[str]] = {}
        for territory, hcp in conn.execute(select(a.c.territory_id, a.c.hcp_id).order_by(a.c.hcp_id)):
            hcps_of.setdefault(territory, []).append(hcp)
        content: dict[str, list[str]] = {}
        for cid, product in conn.execute(select(c.c.id, c.c.product_id).where(c.c.channel == "email")):
            content.setdefault(product, []).append(cid)
        reps = [(r[0], r[1]) for r in conn.execute(select(u.c.name, u.c.territory_id).where(u.c.role == "rep"))]
        simulated = conn.execute(select(func.count()).select_from(schema.synced["events"])).scalar_one()
    t = time.perf_counter()
    load_events(url, hcps, content, sorted(content), args.events, now, rng)
    timings["events_s"] = time.perf_counter() - t
    t = time.perf_counter()
    counts = load_activity(db, reps, hcps_of, [x for v in content.values() for x in v], now, rng)
    timings["activity_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    timings["analyze_s"] = time.perf_counter() - t
    t = time.perf_counter()
    derived.refresh(db)
    timings["aggregates_refresh_s"] = time.perf_counter() - t
    with db.read() as conn:
        sizes = {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                 for name, (table, _) in derived.DERIVED.items()}  # fmt: skip
        events = conn.execute(select(func.count()).select_from(schema.synced["events"])).scalar_one()
    db.dispose()
    return {"timings": timings, "events": events, "simulated_events": simulated, "rows": counts, "aggregates": sizes}


def loaded_already(url: str) -> dict[str, Any] | None:
    """What a hub given with --db already holds (a run again on a loaded hub times the pages only), or None."""
    db = HubDb(url)
    try:
        with db.read() as conn:
            if not conn.execute(
                select(func.count()).select_from(schema.users).where(schema.users.c.name == "ada")
            ).scalar():
                return None
            events = conn.execute(select(func.count()).select_from(schema.synced["events"])).scalar_one()
            sizes = {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                     for name, (table, _) in derived.DERIVED.items()}  # fmt: skip
    except Exception:  # an empty database: no tables yet
        return None
    finally:
        db.dispose()
    return {"timings": {}, "events": events, "rows": {}, "aggregates": sizes}


def login(base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/console/login")
    marker = 'name="csrf" value="'
    start = form.text.index(marker) + len(marker)
    csrf = form.text[start : form.text.index('"', start)]
    reply = client.post("/console/login", data={"username": user, "password": PASSWORD, "csrf": csrf})
    if reply.status_code != 303:
        raise SystemExit(f"{user} could not sign in: {reply.status_code} {reply.text[:300]}")
    return client


def variants(today: str) -> dict[str, dict[str, str]]:
    end = datetime.fromisoformat(today).date()
    return {
        "30 days": {},
        "territory": {"territory": "T-003"},
        "product": {"product": "P1"},
        "quarter": {"start": (end - timedelta(days=89)).isoformat(), "end": today},
        "year": {"start": (end - timedelta(days=364)).isoformat(), "end": today},
    }


def time_pages(base: str, repeat: int, clock: Callable[[], float] = time.perf_counter) -> dict[str, Any]:
    """Every page each role may open, under each filter variant, ``repeat`` times after one warm-up."""
    today = datetime.now(UTC).date().isoformat()
    samples: dict[str, list[float]] = {}
    all_ms: list[float] = []
    for user, role in USERS.items():
        client = login(base, user)
        for page in ROLE_PAGES[role]:
            for name, params in variants(today).items():
                if role == "manager" and name == "territory":
                    params = {"territory": "T-001"}
                client.get(f"/console/{page}", params=params)
                for _ in range(repeat):
                    t = clock()
                    reply = client.get(f"/console/{page}", params=params)
                    ms = (clock() - t) * 1000
                    if reply.status_code != 200:
                        raise SystemExit(f"{user} {page} {params}: {reply.status_code} {reply.text[:300]}")
                    samples.setdefault(page, []).append(ms)
                    samples.setdefault(f"{page} ({name})", []).append(ms)
                    all_ms.append(ms)
        client.close()
    pages = {
        key: {"median_ms": round(statistics.median(v), 1), "p95_ms": round(_p95(v), 1), "max_ms": round(max(v), 1)}
        for key, v in samples.items()
    }
    by_filter = {
        name: {"p95_ms": round(_p95(v), 1), "max_ms": round(max(v), 1)}
        for name in variants(today)
        if (v := [ms for key, values in samples.items() if key.endswith(f"({name})") for ms in values])
    }
    return {"p95_ms": round(_p95(all_ms), 1), "max_ms": round(max(all_ms), 1), "requests": len(all_ms),
            "by_filter": by_filter, "pages": pages}  # fmt: skip


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "repcompanion.hub.cli", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit(f"the hub did not start: {server.stderr.read().decode() if server.stderr else ''}")
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=50)
    p.add_argument("--hcps-per-rep", type=int, default=1000)
    p.add_argument("--events", type=int, default=10_000_000, help="engagement events over the last year")
    p.add_argument("--repeat", type=int, default=5, help="timed requests per page and filter (after a warm-up)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--db", help="an empty PostgreSQL database URL (default: one started by scripts/pg_start.sh)")
    args = p.parse_args(argv)
    folder = f"/tmp/repcompanion-pg-console-{os.getpid()}"
    work = tempfile.mkdtemp(prefix="repcompanion-console-bench-")
    url = args.db or _start_postgres(folder)
    if not url or not url.startswith("postgresql"):
        raise SystemExit("bench.console needs PostgreSQL: scripts/pg_start.sh could not start one; pass --db URL.")
    server = None
    try:
        t = time.perf_counter()
        loaded = loaded_already(url) if args.db else None
        loaded = loaded or seed(url, args)
        load_s = time.perf_counter() - t
        server, base = serve(url)
        timed = time_pages(base, args.repeat)
        result = {
            "p95_ms": timed["p95_ms"],
            "max_ms": timed["max_ms"],
            "targets": {"p95_ms": 300, "max_ms": 1000},
            "by_filter": timed["by_filter"],
            "pages": timed["pages"],
            "requests": timed["requests"],
            "load_s": round(load_s, 1),
            "load": {k: round(v, 1) for k, v in loaded["timings"].items()},
            "events": loaded["events"],
            "hcps": args.reps * args.hcps_per_rep,
            "reps": args.reps,
            "rows": loaded["rows"],
            "aggregate_rows": loaded["aggregates"],
            "db": "postgresql",
        }
        print(json.dumps(result))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.db:
            subprocess.run(["bash", str(ROOT / "scripts" / "pg_stop.sh"), folder], capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
