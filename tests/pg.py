"""A real PostgreSQL server for the tests (started once per session by scripts/pg_start.sh), a schema per test."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]


def start_server() -> Iterator[str | None]:
    """Yield the URL of a PostgreSQL server (``$REPCOMPANION_PG_URL``, else one started here), or None with the
    reason in ``start_server.reason``; stops the server it started."""
    url = os.environ.get("REPCOMPANION_PG_URL")
    if url:
        yield url
        return
    folder = f"/tmp/repcompanion-pg-test-{os.getpid()}"
    try:
        proc = subprocess.run(
            ["bash", str(ROOT / "scripts" / "pg_start.sh"), folder], capture_output=True, text=True, timeout=900
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        start_server.reason = f"scripts/pg_start.sh could not run: {exc}"  # type: ignore[attr-defined]
        yield None
        return
    if proc.returncode != 0:
        start_server.reason = f"PostgreSQL could not be installed or started: {proc.stderr.strip()[-500:]}"  # type: ignore[attr-defined]
        yield None
        return
    yield proc.stdout.strip().splitlines()[-1]
    subprocess.run(["bash", str(ROOT / "scripts" / "pg_stop.sh"), folder], capture_output=True, timeout=120)


@contextmanager
def pg_schema(server: str | None) -> Iterator[str]:
    """A database URL on a fresh schema of ``server`` (much faster than a database per test); skips without one."""
    if server is None:
        pytest.skip(getattr(start_server, "reason", "PostgreSQL is not available"))
    base = make_url(server)
    schema = f"hub_{uuid.uuid4().hex[:12]}"
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
