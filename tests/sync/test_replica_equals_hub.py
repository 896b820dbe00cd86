"""Hypothesis state machine: imports, realigns, DCR decisions, re-imports, compactions and pulls in any order; a
laptop replica that has pulled to the head always equals the hub's view of its territory."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import select

from repcompanion.domain import Territory, TerritoryId
from repcompanion.domain.rows import SYNCED_TABLES, territory_to_row
from repcompanion.hub import HubDb, HubSettings
from repcompanion.hub.admin import dcr
from repcompanion.hub.db import schema, upsert_rows
from repcompanion.hub.sync import compact, hcp_in_territory, import_into_hub, pull_page, realign, territory_counts
from repcompanion.ingest.normalize import npi_with_check_digit
from repcompanion.store import Store, open_store
from repcompanion.store.replica import apply_page

TERRITORIES = ("T1", "T2")
NPIS = [npi_with_check_digit(f"12000000{i}") for i in range(6)]
CITIES = ("Hartford", "New Haven", "Stamford")
PHONES = ("860-555-0100", "860-555-0111", "203-555-0122")


def practitioner(npi: str, variant: int) -> dict[str, Any]:
    return {
        "resource": {
            "resourceType": "Practitioner",
            "id": f"p{npi}",
            "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": npi}],
            "name": [{"family": f"Doe{npi[-3:]}", "given": ["Sam"], "suffix": ["MD"]}],
            "telecom": [{"system": "phone", "value": PHONES[variant]}],
            "address": [{"line": ["1 Main St"], "city": CITIES[variant], "state": "CT", "postalCode": "06105"}],
        }
    }


class Laptop:
    """A real client store that pulls pages of one territory, starting over when the hub answers ``reset``."""

    def __init__(self, folder: Path, territory: str) -> None:
        self.folder, self.territory, self.generation = folder, territory, 0
        self.store = self._fresh()
        self.cursor, self.epoch = 0, None

    def _fresh(self) -> Store:
        self.generation += 1
        return open_store(self.folder / f"{self.territory}-{self.generation}.db")

    def pull_to_head(self, db: HubDb) -> None:
        for _ in range(1000):
            page = json.loads(pull_page(db, HubSettings(), self.territory, self.cursor, 7, epoch=self.epoch))
            if page["reset"]:
                self.store.close()
                self.store, self.cursor, self.epoch = self._fresh(), 0, page["epoch"]
                continue
            apply_page(self.store, page["changes"], page["next_cursor"])
            self.cursor, self.epoch = page["next_cursor"], page["epoch"]
            if not page["has_more"]:
                return
        raise AssertionError("the pull never reached the head")

    def rows(self, table: str) -> dict[str, dict[str, Any]]:
        cols = SYNCED_TABLES[table].columns
        cur = self.store.conn.execute(f"SELECT {', '.join(cols)} FROM {table}")
        return {r[0]: dict(zip(cols, r, strict=True)) for r in cur}


def hub_rows(db: HubDb, territory: str, table: str) -> dict[str, dict[str, Any]]:
    t, a = schema.synced[table], schema.synced["alignments"]
    cols = [t.c[c] for c in SYNCED_TABLES[table].columns]
    query = select(*cols)
    if table == "hcps":
        query = query.join(a, a.c.hcp_id == t.c.id).where(a.c.territory_id == territory)
    elif table == "alignments":
        query = query.where(t.c.territory_id == territory)
    with db.read() as conn:
        return {r["id"]: dict(r) for r in conn.execute(query).mappings()}


class ImportMachine(RuleBasedStateMachine):
    template: Path  # a migrated hub database with the two territories and nothing else, copied for each run

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="import-machine-"))
        shutil.copyfile(self.template, self.folder / "hub.db")
        self.db = HubDb(f"sqlite:///{self.folder / 'hub.db'}")
        self.laptops = {t: Laptop(self.folder, t) for t in TERRITORIES}
        self.files = 0
        self.dcrs = 0

    def _aligned(self, npi: str, territory: str) -> bool:
        with self.db.read() as conn:
            return hcp_in_territory(conn, f"NPI-{npi}", territory)

    @rule(
        territory=st.sampled_from((*TERRITORIES, None)),
        picks=st.lists(st.tuples(st.sampled_from(NPIS), st.integers(0, 2)), min_size=1, max_size=4),
    )
    def import_file(self, territory: str | None, picks: list[tuple[str, int]]) -> None:
        self.files += 1
        path = self.folder / f"import{self.files}.json"
        bundle = {"resourceType": "Bundle", "type": "collection", "entry": [practitioner(n, v) for n, v in picks]}
        path.write_text(json.dumps(bundle), encoding="utf-8")
        report = import_into_hub(self.db, "fhir", path, territory_id=territory, create_territory=True)
        assert report.accounted()

    @rule(npi=st.sampled_from(NPIS), source=st.sampled_from(TERRITORIES), to=st.sampled_from(TERRITORIES))
    def realign(self, npi: str, source: str, to: str) -> None:
        if not self._aligned(npi, source):
            return
        with self.db.write() as conn:
            realign(conn, [f"NPI-{npi}"], source, to)

    @rule(npi=st.sampled_from(NPIS), phone=st.sampled_from(("860-555-0199", "860-555-0188")), accept=st.booleans())
    def decide_a_change_request(self, npi: str, phone: str, accept: bool) -> None:
        with self.db.read() as conn:
            h = schema.synced["hcps"]
            if conn.execute(select(h.c.id).where(h.c.id == f"NPI-{npi}")).first() is None:
                return
        self.dcrs += 1
        dcr_id = f"DCR-{self.dcrs}"
        with self.db.write() as conn:
            conn.execute(
                schema.data_change_requests.insert().values(
                    id=dcr_id,
                    hcp_id=f"NPI-{npi}",
                    changes=json.dumps({"phone": phone, "city": "Bristol"}),
                    user_name="rep",
                    territory_id="T1",
                    received_at=datetime.now(UTC).isoformat(),
                )
            )
        if accept:
            dcr.accept_dcr(self.db, dcr_id, decided_by="admin")
        else:
            dcr.reject_dcr(self.db, dcr_id, reason="not confirmed", decided_by="admin")

    @rule()
    def compact(self) -> None:
        with self.db.write() as conn:
            compact(conn, tombstone_days=-1)  # every tombstone is older than the window

    @precondition(lambda self: self.files > 0)
    @rule(territory=st.sampled_from(TERRITORIES))
    def pull(self, territory: str) -> None:
        laptop = self.laptops[territory]
        laptop.pull_to_head(self.db)
        for table in ("hcps", "alignments", "accounts", "territories"):
            expected = hub_rows(self.db, territory, table)
            assert laptop.rows(table) == expected, f"{table} of {territory} differs from the hub"
        local = {t: len(laptop.rows(t)) for t in SYNCED_TABLES}
        with self.db.read() as conn:
            assert local == territory_counts(conn, territory)

    @invariant()
    def unchanged_reimports_write_nothing(self) -> None:
        """Checked cheaply on every step: the log never holds an upsert identical to the row's previous one."""
        c = schema.changes
        with self.db.read() as conn:
            rows = conn.execute(
                select(c.c.tbl, c.c.row_id, c.c.territory_id, c.c.row).where(c.c.op == "upsert").order_by(c.c.seq)
            ).all()
        last: dict[tuple[str, str, str | None], str] = {}
        for tbl, row_id, territory, row in rows:
            if tbl in ("hcps", "accounts") and territory is None:
                assert last.get((tbl, row_id, territory)) != row, f"{tbl} {row_id} logged twice unchanged"
                last[(tbl, row_id, territory)] = row

    def teardown(self) -> None:
        for laptop in self.laptops.values():
            laptop.store.close()
        self.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.mark.slow
def test_laptop_replicas_equal_the_hubs_view_whatever_the_order_of_imports_realigns_decisions_and_compactions(
    tmp_path: Path,
) -> None:
    template = HubDb(f"sqlite:///{tmp_path / 'template.db'}")
    template.migrate()
    with template.write() as conn:
        upsert_rows(conn, "territories", [territory_to_row(Territory(TerritoryId(t), t)) for t in TERRITORIES])
    template.dispose()
    ImportMachine.template = tmp_path / "template.db"
    run_state_machine_as_test(
        ImportMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        ),
    )
