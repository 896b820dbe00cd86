"""A workspace written by the previous release: schema 7 turns its ';'-joined tuples into JSON arrays, in the
tables and in the changes still queued for the hub, and touches nothing else."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from repcompanion.store import LATEST_VERSION, migrate, open_store, schema_version
from tests.previous_release import JOINED, build_workspace, fixture, split

KEYS = {"screening_decisions": "call_report_id", "outbox": "device_seq", "sync_state": "key"}


def rows(conn: sqlite3.Connection, table: str) -> dict[Any, dict[str, Any]]:
    cur = conn.execute(f"SELECT * FROM {table}")
    names = [d[0] for d in cur.description]
    key = KEYS.get(table, "id")
    return {r[names.index(key)]: dict(zip(names, r, strict=True)) for r in cur}


def test_the_upgrade_stores_every_tuple_as_the_json_array_the_previous_release_meant(tmp_path: Path) -> None:
    store = open_store(build_workspace(tmp_path / "workspace.db"))
    assert schema_version(store.conn) == LATEST_VERSION >= 7
    for table, old_rows in fixture()["workspace"].items():
        stored = rows(store.conn, table)
        for old in old_rows:
            new = stored[old[KEYS.get(table, "id")]]
            columns = JOINED.get(table, ())
            assert {c: json.loads(new[c]) for c in columns} == {c: split(old[c]) for c in columns}
            if table != "outbox":
                assert {k: new[k] for k in old if k not in columns} == {
                    k: v for k, v in old.items() if k not in columns
                }, f"{table}: only the tuple columns change"
                assert all(new[k] in ("", None) for k in set(new) - set(old)), f"{table}: later columns start empty"
    store.close()


def test_queued_intakes_and_decisions_carry_json_arrays_and_nothing_else_changes(tmp_path: Path) -> None:
    store = open_store(build_workspace(tmp_path / "workspace.db"))
    queued = {m.id: m for m in store.outbox.all()}
    kinds = {"ae_intake.submit": "ae_intakes", "screening.decision": "screening_decisions"}
    for old in fixture()["workspace"]["outbox"]:
        payload, new = json.loads(old["payload"]), queued[old["id"]]
        if old["kind"] in kinds:
            payload["categories"] = json.dumps(split(payload["categories"]))
        assert new.payload == payload and new.status.value == old["status"]
    pending = [m for m in queued.values() if m.kind.value in kinds and m.status.value == "pending"]
    assert len(pending) == 2, "the fixture queued an intake and its decision"
    intakes = {i.id: i for i in store.intakes()}
    assert all(intakes[i].categories == ("adverse_event", "skin_reaction") for i in intakes)
    assert ("efficacy", "dosing") in {c.topics for c in store.content.all()}
    assert () in {c.audience_specialties for c in store.content.all()} and () in {e.topics for e in store.events.all()}
    store.close()


#: tuples the ';'-joined form could carry: no member empty or holding ';' (text as SQLite stores it)
JOINABLE = st.lists(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=";"), min_size=1), max_size=4
).map(tuple)


@given(JOINABLE)
@settings(max_examples=60, deadline=None)
def test_schema_7_reads_any_joined_text_as_the_tuple_the_previous_release_split(topics: tuple[str, ...]) -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn, target=6)
    conn.execute(
        "INSERT INTO events (id, hcp_id, type, occurred_at, topics) VALUES ('E1', 'H1', 'visit', '2026-01-01', ?)",
        (";".join(topics),),
    )
    migrate(conn)
    assert tuple(json.loads(conn.execute("SELECT topics FROM events").fetchone()[0])) == topics
    conn.close()
