"""Hub settings: database location, token lifetimes, tombstone window, update hint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs


def default_db_url() -> str:
    """``sqlite:///<platform data dir>/hub.db`` (the folder is created)."""
    folder = Path(platformdirs.user_data_dir("repcompanion-hub", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'hub.db'}"


@dataclass(frozen=True)
class HubSettings:
    access_ttl_s: int = 15 * 60
    refresh_ttl_s: int = 30 * 24 * 3600
    tombstone_days: float = 30.0
    #: where reps get a newer app (shown in the 426 upgrade message)
    update_url: str = "your IT department's software portal"
    #: gzip level of replies (1 = fastest; pages are large and mostly sent on fast links)
    gzip_level: int = 1
    #: a decompressed request body larger than this is refused (gzip bombs)
    max_body_bytes: int = 64 * 1024 * 1024
    #: change-log rows one pull may scan before it answers (bounds the time of a request on a sparse territory)
    scan_window: int = 200_000
    #: raw request bodies (Content-Length or streamed) larger than this get 413 before anything reads them
    max_raw_body_bytes: int = 16 * 1024 * 1024
    #: failed logins of one user (or from one client address) before a lockout, and the lockout length
    login_max_failures: int = 5
    login_lockout_s: float = 15 * 60
    #: failed logins per client address are counted separately and allowed more (a shared office NAT)
    login_max_failures_per_ip: int = 20
    #: concurrent password checks (argon2 costs ~64 MiB and ~0.1 s each; the rest wait or get 429)
    login_concurrency: int = 4
    #: send Strict-Transport-Security (set when the hub is reached over HTTPS, e.g. behind a TLS proxy)
    https: bool = False
    #: browser origins allowed to call the API; empty = no CORS middleware at all
    cors_origins: tuple[str, ...] = ()
    #: a revoked device may still upload what its outbox holds before it is refused everywhere
    revoked_may_flush: bool = True
