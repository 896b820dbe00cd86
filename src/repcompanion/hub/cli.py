"""``repcompanion-hub``: init, serve, seed, user add, realign, compact, status (thin over the hub modules)."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Sequence

from fastapi import FastAPI
from sqlalchemy import func, select

from repcompanion.domain.errors import RepCompanionError
from repcompanion.hub import audit, schema
from repcompanion.hub.auth import add_user
from repcompanion.hub.changelog import compact, head, realign
from repcompanion.hub.db import HubDb, redacted
from repcompanion.hub.settings import HubSettings, default_db_url

__all__ = ["build_parser", "db_from_args", "main", "password_from_args"]


def _db(args: argparse.Namespace) -> HubDb:
    db = HubDb(args.db or default_db_url())
    db.migrate()
    return db


def _password(args: argparse.Namespace) -> str | None:
    if getattr(args, "password_stdin", False):
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise RepCompanionError("No password arrived on standard input.", hint="Pipe one line: echo PW | ...")
        return value
    return None


db_from_args = _db
password_from_args = _password


def cmd_init(args: argparse.Namespace) -> int:
    db = _db(args)
    print(f"Hub database ready at {redacted(db.url)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from repcompanion.hub.app import create_app

    settings = HubSettings(
        tombstone_days=args.tombstone_days,
        access_ttl_s=args.access_ttl,
        https=args.https,
        cors_origins=tuple(args.cors_origin),
    )
    db = _db(args)
    with db.write() as conn:
        compact(conn, settings.tombstone_days)
    db.dispose()
    print(f"RepCompanion hub on http://{args.host}:{args.port} (database {redacted(db.url)})", flush=True)
    if args.workers > 1:
        os.environ["REPCOMPANION_HUB_DB"] = db.url
        os.environ["REPCOMPANION_HUB_SETTINGS"] = json.dumps(dataclasses.asdict(settings))
        uvicorn.run(
            "repcompanion.hub.cli:worker_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            access_log=False,
        )
        return 0
    app = create_app(db.url, settings=settings, migrate=False)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0


def worker_app() -> FastAPI:
    """The app of one ``serve --workers N`` process (configured through the environment by ``serve``)."""
    from repcompanion.hub.app import create_app

    settings = HubSettings(**json.loads(os.environ["REPCOMPANION_HUB_SETTINGS"]))
    return create_app(os.environ["REPCOMPANION_HUB_DB"], settings=settings, migrate=False)


def cmd_seed(args: argparse.Namespace) -> int:
    from repcompanion.hub.seed import seed_hub

    db = _db(args)
    password = _password(args)
    reps = seed_hub(
        db, reps=args.reps, hcps_per_rep=args.hcps_per_rep, seed=args.seed, years=args.years, password=password
    )
    audit.record_args(db, "seed", args)
    print(f"Seeded {len(reps)} territories into {redacted(db.url)}:")
    for r in reps:
        shown = "(the password you gave)" if password else r.password
        print(f"  {r.user}  territory {r.territory_id}  {r.hcps} HCPs  password {shown}")
    if not password:
        print("These passwords are shown once; hand them to the reps.")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    db = _db(args)
    password = _password(args)
    if password is None:
        password = getpass.getpass(f"Password for {args.name}: ")
        if password != getpass.getpass("Again: "):
            print("The passwords differ; no user was added.", file=sys.stderr)
            return 1
    add_user(db, args.name, password, args.territory)
    audit.record_args(db, "user add", args)
    print(f"User {args.name} added to territory {args.territory}.")
    return 0


def cmd_realign(args: argparse.Namespace) -> int:
    db = _db(args)
    with db.write() as conn:
        written = realign(conn, args.hcp, args.source, args.target)
    audit.record_args(db, "realign", args)
    print(
        f"Moved {written['removed']} HCP(s) from {args.source} to {args.target}: {written['reemitted']} rows re-sent "
        f"to {args.target}'s reps; {args.source}'s reps will drop them on their next sync."
    )
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    db = _db(args)
    with db.write() as conn:
        result = compact(conn, args.tombstone_days)
    audit.record_args(db, "compact", args)
    print(json.dumps(result))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    db = _db(args)
    with db.read() as conn:
        counts = {
            name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for name, t in {
                **schema.synced,
                "users": schema.users,
                "devices": schema.devices,
                "mutations": schema.mutations,
                "orphan_reports": schema.orphan_reports,
                "ae_intakes": schema.ae_intakes,
            }.items()
        }
        per_territory = dict(
            conn.execute(
                select(schema.synced["alignments"].c.territory_id, func.count())
                .group_by(schema.synced["alignments"].c.territory_id)
                .order_by(schema.synced["alignments"].c.territory_id)
            ).all()
        )
        status = {
            "database": redacted(db.url),
            "log_head": head(conn),
            "log_floor": int(db.setting(conn, "log_floor", "0")),
            "counts": counts,
            "hcps_per_territory": per_territory,
        }
    print(json.dumps(status, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="repcompanion-hub", description="The RepCompanion hub: territory store and sync API."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help_, description=help_)
        c.add_argument(
            "--db",
            help="database URL: sqlite:///path/hub.db (default: hub.db in the data folder) or "
            "postgresql+psycopg://user@host/db",
        )
        return c

    command("init", "Create or upgrade the hub database.").set_defaults(func=cmd_init)

    s = command("serve", "Run the sync API (uvicorn).")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    s.add_argument("--tombstone-days", type=float, default=30.0, help="keep deletes this many days (default 30)")
    s.add_argument("--access-ttl", type=int, default=15 * 60, help="access token lifetime in seconds (default 900)")
    s.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    s.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL; default 1)")
    s.add_argument("--https", action="store_true", help="reached over HTTPS: send Strict-Transport-Security")
    s.add_argument(
        "--cors-origin", action="append", default=[], help="browser origin allowed (repeat); none by default"
    )
    s.set_defaults(func=cmd_serve)

    s = command("seed", "Fill an empty hub with simulated territories and one rep user each.")
    s.add_argument("--reps", type=int, required=True, help="number of territories / rep users")
    s.add_argument("--hcps-per-rep", type=int, required=True, help="HCPs per territory")
    s.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    s.add_argument("--years", type=float, default=1.0, help="years of engagement history (default 1)")
    s.add_argument("--password-stdin", action="store_true", help="read one password for every rep from stdin")
    s.set_defaults(func=cmd_seed)

    u = sub.add_parser("user", help="Manage rep users.", description="Manage rep users.")
    usub = u.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    ua = usub.add_parser("add", help="Add a rep user to a territory.", description="Add a rep user to a territory.")
    ua.add_argument("name", help="user name")
    ua.add_argument("--territory", required=True, help="territory id, e.g. T-001")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin instead of a prompt")
    ua.add_argument("--db", help="database URL (see init --help)")
    ua.set_defaults(func=cmd_user_add)

    r = command("realign", "Move HCPs from one territory to another (reps see it on their next sync).")
    r.add_argument("--hcp", action="append", required=True, help="HCP id (repeat for several)")
    r.add_argument("--from", dest="source", required=True, help="territory the HCPs leave")
    r.add_argument("--to", dest="target", required=True, help="territory the HCPs join")
    r.set_defaults(func=cmd_realign)

    c = command("compact", "Drop tombstones older than the window; older client cursors get a reset.")
    c.add_argument("--tombstone-days", type=float, default=30.0, help="window in days (default 30)")
    c.set_defaults(func=cmd_compact)

    command("status", "Row counts per table, HCPs per territory and the change-log head.").set_defaults(func=cmd_status)

    from repcompanion.hub import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"{commands.__name__}.{info.name}").register(sub, command)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except RepCompanionError as exc:
        print(f"repcompanion-hub: {exc.user_message()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
