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
