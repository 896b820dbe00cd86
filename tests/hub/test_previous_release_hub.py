"""A hub written by the previous release: revision 0009 turns its ';'-joined tuples into JSON arrays, in the
tables and in the change log, and its laptops (sync protocol 1) are still served what they were served before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import text

from repcompanion.domain.rows import tuple_parse
from repcompanion.hub import HubDb, HubSettings, create_app
from repcompanion.hub.db.changelog import row_json
from repcompanion.hub.db.engine import MIGRATIONS
from tests.hub.conftest import Rep
from tests.previous_release import JOINED, PASSWORD, USER, build_hub, fixture, split

#: the key of each table's rows (screening decisions are keyed by their call report)
KEYS = {"screening_decisions": "call_report_id"}
LOGGED = ("content", "events")


@pytest.fixture
def old_hub(db_url: str) -> Iterator[HubDb]:
    db = build_hub(db_url)
    yield db
    db.dispose()


def rows(db: HubDb, table: str) -> dict[Any, dict[str, Any]]:
    key = "seq" if table == "changes" else KEYS.get(table, "id")
    with db.read() as conn:
        return {r[key]: dict(r) for r in conn.execute(text(f"SELECT * FROM {table}")).mappings()}


def test_the_upgrade_stores_every_tuple_as_the_json_array_the_previous_release_meant(old_hub: HubDb) -> None:
    old_hub.migrate()
    for table, columns in JOINED.items():
        stored = rows(old_hub, table)
        for old in fixture()["hub"][table]:
            new = stored[old[KEYS.get(table, "id")]]
            assert {c: json.loads(new[c]) for c in columns} == {c: split(old[c]) for c in columns}
            assert {k: new[k] for k in old if k not in columns} == {k: v for k, v in old.items() if k not in columns}, (
                f"{table}: only the tuple columns change"
            )
            assert all(new[k] in ("", None) for k in set(new) - set(old)), f"{table}: later columns start empty"


def test_the_upgrade_rewrites_only_the_tuples_of_logged_rows_keeping_their_text_otherwise(old_hub: HubDb) -> None:
    old_hub.migrate()
    logged = rows(old_hub, "changes")
    rewritten = 0
    for old in fixture()["hub"]["changes"]:
        new = logged[old["seq"]]
        if old["tbl"] not in LOGGED or old["row"] is None:
            assert new == old
            continue
        before, after = json.loads(old["row"]), json.loads(new["row"])
        expected = {**before, **{c: json.dumps(split(before[c])) for c in JOINED[old["tbl"]]}}
        assert after == expected and list(after) == list(before)
        assert new["row"] == row_json(after), "written as the hub writes rows"
        rewritten += 1
    assert rewritten == len([c for c in fixture()["hub"]["changes"] if c["tbl"] in LOGGED and c["row"]]) > 5


def test_downgrading_to_0008_gives_back_the_previous_release_rows(old_hub: HubDb) -> None:
    old_hub.migrate()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", old_hub.url.replace("%", "%%"))
    with old_hub.write() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    for table in (*JOINED, "changes"):
        key = "seq" if table == "changes" else KEYS.get(table, "id")
        assert rows(old_hub, table) == {r[key]: r for r in fixture()["hub"][table]}, table


def test_a_previous_release_laptop_pulls_from_the_upgraded_hub_exactly_what_the_previous_hub_served(
    old_hub: HubDb,
) -> None:
    app = create_app(old_hub.url, settings=HubSettings())  # upgrades the database
    with TestClient(app) as client:
        changes, _ = Rep(client, USER, "old-laptop", PASSWORD, protocol=1).pull_all()
        assert changes == fixture()["pull"]
        current, _ = Rep(client, USER, "new-laptop", PASSWORD).pull_all()
    app.state.db.dispose()
    assert [(c["seq"], c["table"], c["id"]) for c in current] == [(c["seq"], c["table"], c["id"]) for c in changes]
    for new, old in zip(current, changes, strict=True):
        for column in JOINED.get(new["table"], ()) if new["row"] else ():
            assert json.loads(new["row"][column]) == split(old["row"][column])
            new["row"][column] = old["row"][column]
        assert new == old, "protocol 2 differs from protocol 1 only in its tuples"


#: tuples the ';'-joined form could carry, with characters JSON and SQL escape or encode specially
AWKWARD = [
    ("efficacy",),
    ("ü-Dosierung", "安全性"),
    ('say "hi"', "back\\slash"),
    ("[not json]",),
    ('["looks", "like json"]',),
    ("tab\there", "line\nbreak", "sep\u2028arator"),
    ("emoji 💊",),
    ("%", "_", "'quote'"),
]


def test_the_upgrade_turns_awkward_joined_values_into_their_json_arrays(old_hub: HubDb) -> None:
    base = fixture()["hub"]["events"][0]
    base_change = next(c for c in fixture()["hub"]["changes"] if c["tbl"] == "events")
    with old_hub.write() as conn:
        top = int(conn.execute(text("SELECT max(seq) FROM changes")).scalar_one())
        for i, topics in enumerate(AWKWARD):
            row = {**base, "id": f"EV-AWK-{i}", "topics": ";".join(topics)}
            conn.execute(text("INSERT INTO events (" + ", ".join(row) + ") VALUES (:" + ", :".join(row) + ")"), row)
            change = {**base_change, "seq": top + 1 + i, "row_id": row["id"], "row": row_json(row)}
            columns = ", ".join(change)
            conn.execute(text(f"INSERT INTO changes ({columns}) VALUES (:" + ", :".join(change) + ")"), change)
    old_hub.migrate()
    events, logged = rows(old_hub, "events"), rows(old_hub, "changes")
    for i, topics in enumerate(AWKWARD):
        assert tuple_parse(events[f"EV-AWK-{i}"]["topics"]) == topics
        assert json.loads(events[f"EV-AWK-{i}"]["topics"]) == list(topics)
        assert json.loads(json.loads(logged[top + 1 + i]["row"])["topics"]) == list(topics)
