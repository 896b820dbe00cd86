"""Every table's row codec, derived from its record's type hints, round-trips any valid record: through its row,
through the wire's JSON, through the local store's and the hub's schema, whose column types it declares."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Float, Integer, Text, create_engine, inspect

from repcompanion.domain.codec import table_codec, tuple_parse, tuple_text
from repcompanion.domain.models import Address, Hcp
from repcompanion.domain.rows import ROW_CODECS, SYNCED_TABLES, TableCodec
from repcompanion.hub import HubDb
from repcompanion.hub.db import schema
from repcompanion.hub.db.changelog import row_json
from repcompanion.store.migrations import migrate
from tests.domain.strategies import TEXT, dcr_results, records

EXAMPLES = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def strategy(codec: TableCodec) -> st.SearchStrategy[object]:
    return dcr_results() if codec.table == "dcr_results" else records(codec.record)


@pytest.mark.parametrize("table", ROW_CODECS)
def test_a_record_survives_its_row_the_wire_and_the_local_store(table: str) -> None:
    codec = ROW_CODECS[table]
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    key = "call_report_id" if table == "screening_decisions" else "id"
    insert = f"INSERT INTO {table} ({', '.join(codec.columns)}) VALUES ({', '.join('?' * len(codec.columns))})"

    @given(strategy(codec))
    @EXAMPLES
    def check(record: object) -> None:
        row = codec.to_row(record)
        assert tuple(row) == codec.columns
        assert codec.from_row(row) == record
        assert codec.values(record) == tuple(row.values())
        assert json.loads(row_json(row)) == row, "the wire carries the row as it is"
        conn.execute(f"DELETE FROM {table}")  # a submitted call report may not be overwritten
        conn.execute(insert, codec.values(record))
        cur = conn.execute(f"SELECT {', '.join(codec.columns)} FROM {table} WHERE {key} = ?", (row[key],))
        assert codec.from_row(dict(zip(codec.columns, cur.fetchone(), strict=True))) == record

    check()
    conn.close()


def _affinity(declared: str) -> str:
    return {"TEXT": "TEXT", "INTEGER": "INTEGER", "REAL": "REAL"}[declared.split()[0].upper()]


@pytest.mark.parametrize("table", ROW_CODECS)
def test_the_local_schema_has_each_codec_column_with_its_declared_type(table: str) -> None:
    conn = sqlite3.connect(":memory:")
    migrate(conn)
    declared = {name: _affinity(kind) for _, name, kind, *_ in conn.execute(f"PRAGMA table_info({table})")}
    assert declared == dict(ROW_CODECS[table].column_types)
    conn.close()


SQLALCHEMY_TYPES = {"TEXT": Text, "INTEGER": Integer, "REAL": Float}


@pytest.mark.parametrize("table", SYNCED_TABLES)
def test_the_hub_schema_takes_its_synced_column_types_from_the_codec(table: str) -> None:
    columns = {c.name: type(c.type) for c in schema.synced[table].columns if c.name != "since_seq"}
    assert columns == {c: SQLALCHEMY_TYPES[t] for c, t in SYNCED_TABLES[table].column_types.items()}


def test_the_migrated_hub_database_has_the_codec_column_types(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    HubDb(url).migrate()
    engine = create_engine(url)
    inspector = inspect(engine)
    for table, codec in SYNCED_TABLES.items():
        found = {c["name"]: c["type"] for c in inspector.get_columns(table) if c["name"] != "since_seq"}
        assert set(found) == set(codec.columns), table
        for name, kind in codec.column_types.items():
            assert isinstance(found[name], SQLALCHEMY_TYPES[kind]), (table, name, found[name])
    engine.dispose()


@given(st.lists(TEXT, max_size=5).map(tuple))
def test_a_tuple_is_read_back_from_its_json_array_whatever_its_strings(values: tuple[str, ...]) -> None:
    assert tuple_parse(tuple_text(values)) == values


@given(st.lists(TEXT.filter(lambda t: t and ";" not in t and not t.startswith("[")), max_size=5).map(tuple))
def test_a_tuple_is_read_back_from_the_joined_text_of_protocol_1(values: tuple[str, ...]) -> None:
    assert tuple_parse(";".join(values)) == values


def test_a_flattened_nested_record_spreads_its_fields_into_columns() -> None:
    hcps = SYNCED_TABLES["hcps"]
    address_fields = [f for f in Address.__dataclass_fields__]
    assert all(hcps.column_types[f] for f in address_fields) and "address" not in hcps.columns
    assert hcps.column_types["latitude"] == "REAL" and hcps.column_types["affiliations"] == "TEXT"
    assert Hcp.__dataclass_fields__.keys() - {"address"} < set(hcps.columns)


def test_a_declaration_the_codec_cannot_store_is_refused_when_it_is_made() -> None:
    @dataclass(frozen=True)
    class Odd:
        id: str
        when: date
        shape: set[str]

    with pytest.raises(TypeError, match="unsupported column type"):
        table_codec("odd", Odd)
    with pytest.raises(TypeError, match="cannot be flattened"):
        table_codec("odd", Odd, flatten=("when",))
    with pytest.raises(TypeError, match="has no fields"):
        table_codec("hcps", Hcp, flatten=("address", "nowhere"))


def test_a_row_from_an_earlier_release_without_a_later_field_reads_as_its_default() -> None:
    from repcompanion.domain.rows import consent_from_row, content_from_row

    content = content_from_row(
        {
            "id": "C1",
            "title": "Efficacy at 52 weeks",
            "product_id": "P1",
            "topics": '["efficacy"]',
            "channel": "email",
            "mlr_code": "US-1",
            "valid_from": "2026-01-01",
            "valid_to": "2027-01-01",
            "audience_specialties": "[]",
            "subject": "s",
            "body": "b",
        }
    )
    assert (content.html_body, content.link, content.withdrawn_at, content.withdrawn_reason) == ("", "", None, "")
    consent = consent_from_row(
        {
            "id": "K1",
            "hcp_id": "H1",
            "channel": "email",
            "state": "opt_in",
            "captured_at": "2026-01-01T00:00:00+00:00",
            "source": "crm",
            "expires_at": None,
        }
    )
    assert consent.proof == ""


def test_an_intake_an_earlier_release_recorded_has_no_triggering_words() -> None:
    from repcompanion.domain.rows import intake_from_row, intake_to_row

    row = {
        "id": "I1",
        "hcp_id": "H1",
        "description": "rash",
        "aware_at": "2026-01-01T00:00:00+00:00",
        "created_at": "2026-01-01T00:00:00+00:00",
        "call_report_id": None,
        "product_id": None,
        "reporter": "",
        "patient_details": "",
        "seriousness": "unknown",
        "categories": '["adverse_event"]',
        "status": "queued",
        "forwarded_at": None,
    }
    intake = intake_from_row(row)
    assert intake.triggers == ()
    assert intake_from_row({**row, "triggers": None}).triggers == ()
    again = intake_from_row(intake_to_row(intake_from_row({**row, "triggers": '["rash", "pen jammed"]'})))
    assert again.triggers == ("rash", "pen jammed")
