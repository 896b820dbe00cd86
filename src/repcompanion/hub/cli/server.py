"""``repcompanion-hub init`` and ``serve``: create or upgrade the database, run the API under uvicorn."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from typing import Any

from fastapi import FastAPI

from repcompanion.hub.cli.args import Command, config_from_args, db_from_args, open_db
from repcompanion.hub.db import redacted
from repcompanion.hub.settings import HubSettings, env_name
from repcompanion.hub.sync import compact


def add_init(sub: Any, command: Command) -> None:
    command("init", "Create or upgrade the hub database.").set_defaults(func=cmd_init)


def add_serve(sub: Any, command: Command) -> None:
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


def cmd_init(args: argparse.Namespace) -> int:
    db = open_db(args, "create")
    print(f"Hub database ready at {redacted(db.url)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from repcompanion.hub.api import create_app

    settings = HubSettings(
        **{
            **config_from_args(args).settings().__dict__,
            "tombstone_days": args.tombstone_days,
            "access_ttl_s": args.access_ttl,
            "https": args.https,
            "cors_origins": tuple(args.cors_origin),
        }
    )
    db = db_from_args(args)
    with db.write() as conn:
        compact(conn, settings.tombstone_days)
    db.dispose()
    print(f"RepCompanion hub on http://{args.host}:{args.port} (database {redacted(db.url)})", flush=True)
    if args.workers > 1:
        serve_workers(db.url, settings, args.host, args.port, args.workers, args.log_level)
        return 0
    app = create_app(db.url, settings=settings, migrate=False)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0


#: how ``serve_workers`` hands the database and the settings to each API process
DB_ENV = env_name("database", "url")
SETTINGS_ENV = "REPCOMPANION_HUB_API_SETTINGS"


def serve_workers(db_url: str, settings: HubSettings, host: str, port: int, workers: int, log_level: str) -> None:
    """The API in ``workers`` processes (uvicorn's supervisor; it stops them on SIGTERM)."""
    import uvicorn

    os.environ[DB_ENV] = db_url
    os.environ[SETTINGS_ENV] = json.dumps(dataclasses.asdict(settings))
    uvicorn.run(
        "repcompanion.hub.cli.server:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
    )


def worker_app() -> FastAPI:
    """The app of one API process of ``serve_workers`` (configured through the environment)."""
    from repcompanion.hub.api import create_app

    fields = json.loads(os.environ[SETTINGS_ENV])
    fields["cors_origins"] = tuple(fields.get("cors_origins", ()))
    return create_app(os.environ[DB_ENV], settings=HubSettings(**fields), migrate=False)
