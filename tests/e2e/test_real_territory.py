"""Real providers (NPPES + FHIR) imported on a PostgreSQL hub reach the laptops over real HTTP, and stay equal to
the hub's view of each territory after a realignment, a re-import with one changed row and a compaction."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import select

from repcompanion.domain.rows import account_from_row, hcp_from_row
from repcompanion.hub import HubDb
from repcompanion.hub.cli import main as hub
from repcompanion.hub.db import schema
from repcompanion.hub.db.engine import alembic_config
from repcompanion.workspace import Workspace
from tests.e2e.conftest import LoopbackHub, serving
from tests.pg import pg_schema

PASSWORD = "Real-Territory-Passw0rd"
PHONE_COLUMN = "Provider Business Practice Location Address Telephone Number"


@pytest.fixture
def pg_url(pg_server: str | None) -> Iterator[str]:
    with pg_schema(pg_server) as url:
        yield url


def run(*args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> None:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert hub(list(args)) == 0, f"repcompanion-hub {' '.join(args)} failed"


def hub_view(db: HubDb, territory: str) -> tuple[dict, dict]:
    """The territory's HCPs and the accounts they refer to, as the hub holds them (decoded records)."""
    h, a, acc = schema.synced["hcps"], schema.synced["alignments"], schema.synced["accounts"]
    with db.read() as conn:
        rows = conn.execute(select(h).join(a, a.c.hcp_id == h.c.id).where(a.c.territory_id == territory)).mappings()
        hcps = {r["id"]: hcp_from_row(dict(r)) for r in rows}
        accounts = {r["id"]: account_from_row(dict(r)) for r in conn.execute(select(acc)).mappings()}
    return hcps, accounts


def laptop(tmp_path: Path, name: str, hub_url: str, user: str) -> Workspace:
    ws = Workspace.open(tmp_path / name)
    ws.sync.use_http(httpx.Client(timeout=60))
    ws.sync.login(hub_url, user, PASSWORD)
    return ws


def assert_replica(ws: Workspace, db: HubDb, territory: str) -> int:
    ws.sync.run()
    hcps, accounts = hub_view(db, territory)
    local = {h.id: h for h in ws.store.hcps.all()}
    assert set(local) == set(hcps), f"{len(set(hcps) - set(local))} missing, {len(set(local) - set(hcps))} extra"
    assert local == hcps  # every field of every HCP
    assert {a.id: a for a in ws.store.accounts.all()} == accounts
    return len(local)


def test_imported_providers_reach_the_laptops_through_realign_reimport_and_compaction(
    shared_data: Path, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    nppes = shared_data / "nppes" / "davinci_sample-nppes-practitioner_20181204-data.csv"
    nucc = shared_data / "nppes" / "davinci_nucc_provider_taxonomy.csv"
    db_arg = ("--db", pg_url)
    run("init", *db_arg)
    run(
        "import",
        "nppes",
        str(nppes),
        "--state",
        "RI",
        "--territory",
        "T-RI",
        "--create-territory",
        "--nucc",
        str(nucc),
        *db_arg,
    )
    run("import", "fhir", str(shared_data / "fhir" / "us_core"), "--territory", "T-RI", *db_arg)
    run("import", "fhir", str(shared_data / "fhir" / "plannet"), "--territory", "T-DC", "--create-territory", *db_arg)
    run(
        "user",
        "add",
        "rep-ri",
        "--territory",
        "T-RI",
        "--password-stdin",
        *db_arg,
        stdin=PASSWORD,
        monkeypatch=monkeypatch,
    )
    run(
        "user",
        "add",
        "rep-dc",
        "--territory",
        "T-DC",
        "--password-stdin",
        *db_arg,
        stdin=PASSWORD,
        monkeypatch=monkeypatch,
    )
    capsys.readouterr()

    db = HubDb(pg_url)
    hub_url: LoopbackHub
    with serving(pg_url) as hub_url:
        ri = laptop(tmp_path, "ri", hub_url.url, "rep-ri")
        dc = laptop(tmp_path, "dc", hub_url.url, "rep-dc")
        assert assert_replica(ri, db, "T-RI") == 218 + 2  # 218 RI practitioners in NPPES, 2 US Core practitioners
        assert assert_replica(dc, db, "T-DC") >= 1
        sample = next(h for h in ri.store.hcps.all() if h.npi == "1245233261")
        assert (sample.last_name, sample.address.state) == ("Goldstein", "RI") and sample.specialty_label

        moving = sorted(h.id for h in ri.store.hcps.all())[:5]
        run("realign", *[f"--hcp={m}" for m in moving], "--from", "T-RI", "--to", "T-DC", *db_arg)
        assert assert_replica(ri, db, "T-RI") == 215
        assert_replica(dc, db, "T-DC")
        assert set(moving) <= {h.id for h in dc.store.hcps.all()}

        changed = tmp_path / "nppes-changed.csv"
        npi = _change_one_phone(nppes, changed, moving, "4015550123")
        capsys.readouterr()
        run("import", "nppes", str(changed), "--state", "RI", "--nucc", str(nucc), *db_arg)
        out = capsys.readouterr().out
        assert "created 0, updated 1, unchanged 217" in out, out
        assert_replica(ri, db, "T-RI")
        assert next(h for h in ri.store.hcps.all() if h.npi == npi).phone == "401-555-0123"

        run("compact", "--tombstone-days", "0", *db_arg)
        assert_replica(ri, db, "T-RI")
        assert_replica(dc, db, "T-DC")
        fresh = laptop(tmp_path, "fresh", hub_url.url, "rep-ri")
        assert assert_replica(fresh, db, "T-RI") == 215
        for ws in (ri, dc, fresh):
            ws.close()
    db.dispose()


def _change_one_phone(src: Path, out: Path, avoid: list[str], phone: str) -> str:
    """Copy the NPPES file with one RI practitioner's practice phone changed; returns that NPI."""
    shutil.copyfile(src, out)
    with src.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    col, state, kind = (
        header.index(PHONE_COLUMN),
        header.index("Provider Business Practice Location Address State Name"),
        1,
    )
    for row in rows[1:]:
        if row[state] == "RI" and row[kind] == "1" and f"NPI-{row[0]}" not in avoid and row[col] != phone:
            row[col] = phone
            with out.open("w", newline="", encoding="utf-8") as f:
                csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)
            return row[0]
    raise AssertionError("no RI practitioner to change")


def test_a_hub_an_earlier_release_stranded_is_repaired_by_the_upgrade(shared_data: Path, tmp_path: Path) -> None:
    """A hub imported by the previous release (alignments logged, HCPs never served) syncs after `init`."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    run("init", "--db", url)
    run(
        "import", "fhir", str(shared_data / "fhir" / "us_core"), "--territory", "T-A", "--create-territory", "--db", url
    )
    command.downgrade(alembic_config(url), "0008")  # the schema of the previous release, but for 0008's table
    db = HubDb(url)
    with db.write() as conn:  # what 0.1's importer left behind: the alignment's since_seq at the log head
        conn.exec_driver_sql("UPDATE alignments SET since_seq = (SELECT MAX(seq) FROM changes)")
        conn.exec_driver_sql("DELETE FROM alembic_version")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0003'), ('0004'), ('0005'), ('0006'), ('0007')")
        conn.exec_driver_sql("DROP TABLE dcr_overrides")
    from repcompanion.hub.settings import HubSettings
    from repcompanion.hub.sync import pull_page

    def served() -> set[str]:
        page = json.loads(pull_page(db, HubSettings(), "T-A", 0, 1000))
        return {c["id"] for c in page["changes"] if c["table"] == "hcps"}

    assert served() == set()
    run("init", "--db", url)
    hcps, _ = hub_view(db, "T-A")
    assert served() == set(hcps) and len(hcps) == 2
    db.dispose()
