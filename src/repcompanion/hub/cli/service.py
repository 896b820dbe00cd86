"""``repcompanion-hub run``: the hub as one service — the sync API, the follow-up e-mail worker and adverse-event
forwarding to pharmacovigilance in one process, configured by the TOML file and the environment, stopped
gracefully by SIGTERM or Ctrl+C (the API finishes its requests, each loop finishes the message it is sending).

Also the configuration's mail settings for ``worker`` and ``safety forward``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from repcompanion.hub.cli.args import Command, config_from_args, open_db
from repcompanion.hub.db import HubDb, redacted
from repcompanion.hub.delivery import DeliveryReport
from repcompanion.hub.settings import ConfigError, HubConfig, HubSettings

log = logging.getLogger("repcompanion.hub.service")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def add_run(sub: Any, command: Command) -> None:
    r = command(
        "run",
        "Run the hub as one service: the sync API, the follow-up e-mail worker and adverse-event forwarding "
        "(configured by --config FILE and REPCOMPANION_HUB_* variables; SIGTERM stops it gracefully).",
    )
    r.add_argument("--host", help="address to listen on (default: [server] host, else 127.0.0.1)")
    r.add_argument("--port", type=int, help="port (default: [server] port, else 8765)")
    r.add_argument("--workers", type=int, help="API processes (PostgreSQL; default: [server] workers, else 1)")
    r.add_argument("--public-url", help="the address mail recipients reach the hub at (unsubscribe links)")
    r.add_argument("--log-level", help="debug, info (default), warning or error")
    r.set_defaults(func=cmd_run)


# -- the configuration's mail settings --------------------------------------------------------------------------


def public_url(config: HubConfig, host: str, port: int) -> str:
    return (config.server.public_url or f"http://{host}:{port}").rstrip("/")


def mail_settings(config: HubConfig, base_url: str) -> Any:
    """The follow-up worker's SMTP and message settings from the configuration."""
    from repcompanion.hub.followups import MailSettings

    s = config.smtp
    return MailSettings(
        host=s.host,
        port=s.port,
        sender=s.sender,
        unsubscribe_base=f"{base_url}/unsubscribe",
        timeout_s=s.timeout,
        security=s.security,
        username=s.username,
        password=s.password,
        ca_file=s.ca_file,
        sendgrid=bool(config.webhooks.sendgrid_public_key),
    )


def pv_mailbox(config: HubConfig) -> Any:
    """Where adverse-event intakes go; ConfigError when no pharmacovigilance mailbox is configured."""
    from repcompanion.hub.safety import PvMailbox

    if not config.safety.pv_mailbox:
        raise ConfigError(
            "No pharmacovigilance mailbox is configured, so adverse events reported by reps would not be forwarded; "
            "the hub was not started.",
            hint="Set [safety] pv_mailbox in the configuration file (or REPCOMPANION_HUB_SAFETY_PV_MAILBOX).",
        )
    s = config.smtp
    return PvMailbox(
        host=s.host,
        port=s.port,
        to=config.safety.pv_mailbox,
        quality_to=config.safety.quality_mailbox,
        sender=config.safety.sender,
        timeout_s=s.timeout,
        starttls=s.security == "starttls",
        tls=s.security == "tls",
        username=s.username or None,
        password=s.password or None,
        ca_file=s.ca_file,
    )


def check_journeys(config: HubConfig, db: HubDb) -> str:
    """Use the configured journeys and load them once now, so a missing or broken file stops the start, named."""
    from pathlib import Path

    from repcompanion.hub.followups import JOURNEYS
    from repcompanion.resources import MissingResourceError

    JOURNEYS.use(Path(config.followups.journeys).expanduser() if config.followups.journeys else None)
    path = JOURNEYS.path()
    if not path.exists():
        raise MissingResourceError(
            f"The journey folder {path} does not exist; follow-ups would never be planned.",
            hint="Set [followups] journeys to a journey file or folder, or unset it for the shipped journeys.",
        )
    with db.read() as conn:
        journeys, _ = JOURNEYS.load(conn)
    return f"{len(journeys)} journeys from {path}"


# -- the service ----------------------------------------------------------------------------------------------


def _loop(name: str, body: Callable[[], None], stop: threading.Event) -> threading.Thread:
    """``body`` on a thread that survives an unexpected error (logged, then started again after 5 s)."""

    def guarded() -> None:
        while not stop.is_set():
            try:
                body()
                return
            except Exception:
                log.exception("%s failed; starting it again in 5 s", name)
                stop.wait(5.0)

    thread = threading.Thread(target=guarded, name=name, daemon=True)
    thread.start()
    return thread


def _report_forwarding(result: DeliveryReport) -> None:
    for key, error in result.failed:
        if key == "(database)":
            log.error("adverse-event forwarding: the database is unreachable (%s); retrying", error)


def start_delivery(db: HubDb, config: HubConfig, base_url: str, stop: threading.Event) -> list[threading.Thread]:
    """The follow-up worker and adverse-event forwarding, each on its own thread, until ``stop`` is set."""
    from repcompanion.hub.followups import Worker, WorkerSettings
    from repcompanion.hub.safety import forward_forever

    mailbox = pv_mailbox(config)
    f = config.followups
    settings = WorkerSettings(lease_s=f.lease, max_attempts=f.max_attempts, poll_s=f.poll)
    worker = Worker(db, mail_settings(config, base_url), settings)

    def forward() -> None:
        forward_forever(
            db, mailbox, interval_s=config.safety.interval, report=_report_forwarding, should_stop=stop.is_set
        )

    return [
        _loop("follow-up worker", lambda: worker.run_forever(stop.is_set), stop),
        _loop("AE forwarding", forward, stop),
    ]


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    from repcompanion.hub.api import create_app
    from repcompanion.hub.sync import compact

    config = config_from_args(args)
    host = args.host or config.server.host
    port = args.port or config.server.port
    workers = args.workers or config.server.workers
    level = (args.log_level or config.server.log_level).lower()
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)
    base_url = (args.public_url or public_url(config, host, port)).rstrip("/")
    settings = HubSettings(**{**config.settings().__dict__, "public_url": base_url})
    pv_mailbox(config)  # refuse to start without a PV mailbox before anything else happens
    db = open_db(args, "write")
    journeys = check_journeys(config, db)
    with db.write() as conn:
        compact(conn, settings.tombstone_days)
    stop = threading.Event()
    threads = start_delivery(db, config, base_url, stop)
    smtp = config.smtp
    print(
        f"RepCompanion hub on http://{host}:{port} (public address {base_url}, database {redacted(db.url)}); "
        f"follow-up e-mail and adverse-event reports to {config.safety.pv_mailbox} via {smtp.host}:{smtp.port} "
        f"({smtp.security}); {journeys}. SIGTERM or Ctrl+C stops it.",
        flush=True,
    )
    # uvicorn stops on SIGTERM, then raises it again once its own handler is gone: ours then only stops the
    # delivery loops (below), instead of the process dying mid-send; before uvicorn listens, it stops uvicorn too
    server: uvicorn.Server | None = None

    def on_sigterm(_sig: int, _frame: object) -> None:
        stop.set()
        if server is not None:
            server.should_exit = True

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        if workers > 1:
            from repcompanion.hub.cli.server import serve_workers

            serve_workers(db.url, settings, host, port, workers, level)
        else:
            app = create_app(db.url, settings=settings, migrate=False)
            server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=level, access_log=False))
            if not stop.is_set():
                server.run()
    finally:
        stop.set()
        deadline = time.monotonic() + smtp.timeout + 5
        for t in threads:
            t.join(timeout=max(0.1, deadline - time.monotonic()))
        alive = [t.name for t in threads if t.is_alive()]
        if alive:
            log.warning("stopped while %s was still sending; it is sent again on the next start", ", ".join(alive))
        db.dispose()
        log.info("the hub has stopped")
    return 0


__all__ = ["add_run", "check_journeys", "cmd_run", "mail_settings", "public_url", "pv_mailbox", "start_delivery"]
