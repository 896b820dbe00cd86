"""docs/production.md on a real PostgreSQL: the owner role migrates, the service's role may only read and write rows,
and a hub backed up with pg_dump and restored with pg_restore serves a sync as before."""

from __future__ import annotations

import glob
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from repcompanion.hub import HubDb, create_app
from repcompanion.hub.admin import seed_hub
from repcompanion.hub.cli import main
from repcompanion.simulate import generate_territory
from tests.hub.conftest import PASSWORD, Rep


def _tool(name: str) -> str:
    """The PostgreSQL client tool of the server's version (Debian keeps one per version)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    path = found[-1] if found else shutil.which(name)
    if not path:
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture
def cluster(pg_server: str | None) -> Iterator[dict[str, str]]:
    """Two databases and the guide's two roles on the test server (dropped afterwards)."""
    if pg_server is None:
        pytest.skip("PostgreSQL is not available")
    base = make_url(pg_server)
    tag = uuid.uuid4().hex[:8]
    names = {"owner": f"rc_owner_{tag}", "app": f"rc_app_{tag}", "src": f"rc_src_{tag}", "dst": f"rc_dst_{tag}"}
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"CREATE ROLE {names['owner']} LOGIN")
        c.execute(f"CREATE ROLE {names['app']} LOGIN")
        c.execute(f"CREATE DATABASE {names['src']} OWNER {names['owner']}")
    urls = {
        "admin": admin,
        **{
            f"libpq_{d}": base.set(drivername="postgresql", database=names[d]).render_as_string(False)
            for d in ("src", "dst")
        },
        **{
            f"{who}_{d}": base.set(username=names[who], database=names[d]).render_as_string(False)
            for who in ("owner", "app")
            for d in ("src", "dst")
        },
    }
    try:
        yield {**names, **urls}
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            for db in ("src", "dst"):
                c.execute(f"DROP DATABASE IF EXISTS {names[db]} WITH (FORCE)")
            for role in ("app", "owner"):
                c.execute(f"DROP ROLE IF EXISTS {names[role]}")


#: the privileges docs/production.md grants (run by the database owner, before `repcompanion-hub init`)
GRANTS = """
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app};
"""


def _sync(url: str) -> tuple[dict[str, int], str]:
    """A rep logs in, pulls the whole territory and pushes a visit, through the hub on ``url``."""
    app = create_app(url, migrate=False)
    try:
        with TestClient(app) as client:
            rep = Rep(client, "rep01", f"laptop-{uuid.uuid4().hex[:6]}", PASSWORD)
            changes, last = rep.pull_all()
            hcp = next(c["id"] for c in changes if c["table"] == "hcps")
            [result] = rep.push([rep.report(hcp)])
            return last["counts"], result["status"]
    finally:
        app.state.db.dispose()


@pytest.mark.postgres
def test_a_hub_restored_from_pg_dump_serves_a_sync_under_its_least_privileged_role(
    cluster: dict[str, str], tmp_path: Path
) -> None:
    with psycopg.connect(cluster["owner_src"].replace("+psycopg", ""), autocommit=True) as c:
        c.execute(GRANTS.format(owner=cluster["owner"], app=cluster["app"]))
    assert main(["init", "--db", cluster["owner_src"]]) == 0  # migrations run as the owner
    db = HubDb(cluster["owner_src"])
    seed_hub(db, reps=2, hcps_per_rep=6, password=PASSWORD, demo=generate_territory(hcps=12, seed=11, years=0.25))
    db.dispose()

    counts, status = _sync(cluster["app_src"])  # the service's role reads and writes rows...
    assert status == "applied" and counts["hcps"] == 6
    with psycopg.connect(cluster["app_src"].replace("+psycopg", ""), autocommit=True) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("CREATE TABLE sneaky (id int)")  # ...and nothing else
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("DROP TABLE changes")

    dump = tmp_path / "hub.dump"
    subprocess.run([_tool("pg_dump"), "--format=custom", f"--file={dump}", cluster["libpq_src"]], check=True)
    with psycopg.connect(cluster["admin"], autocommit=True) as c:
        c.execute(f"CREATE DATABASE {cluster['dst']} OWNER {cluster['owner']}")
    restored = subprocess.run(
        [_tool("pg_restore"), "--exit-on-error", f"--dbname={cluster['libpq_dst']}", str(dump)],
        capture_output=True,
        text=True,
    )
    assert restored.returncode == 0, restored.stderr

    assert main(["status", "--db", cluster["app_dst"]]) == 0  # current schema: the read-only check passes
    counts_after, status_after = _sync(cluster["app_dst"])
    assert status_after == "applied"
    assert counts_after["hcps"] == counts["hcps"] and counts_after["call_reports"] == counts["call_reports"] + 1
