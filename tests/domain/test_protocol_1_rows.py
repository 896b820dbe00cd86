"""What a hub serves a laptop on sync protocol 1: content and event tuples ';'-joined, every other byte as stored."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from repcompanion.domain import Content, ContentId, EngagementEvent, EventId, EventType, HcpId, ProductId
from repcompanion.domain.enums import Channel
from repcompanion.domain.rows import PROTOCOL_1_JOINED, SYNCED_TABLES
from repcompanion.hub.db.changelog import row_json
from repcompanion.protocol.compat import change_for_protocol_1
from tests.domain.strategies import TEXT, records

#: a tuple protocol 1 can carry: no member empty or holding ';'
JOINABLE = st.lists(TEXT.filter(lambda t: t and ";" not in t), max_size=4).map(tuple)


def change(table: str, row: dict[str, object]) -> str:
    """A change as the hub's pull assembles it around the stored row JSON."""
    return f'{{"seq":7,"table":"{table}","op":"upsert","id":{json.dumps(row["id"])},"row":{row_json(row)}}}'


def joinable(record: object, table: str) -> object:
    return st.fixed_dictionaries({c: JOINABLE for c in PROTOCOL_1_JOINED[table]}).map(
        lambda tuples: dataclasses.replace(record, **tuples)  # type: ignore[type-var]
    )


TRAP = '","topics":"[]","x":"'  # a text holding what a tuple column looks like in the row JSON
CONTENT = Content(
    ContentId(TRAP), TRAP, ProductId("P1"), ("a", "b"), Channel.EMAIL, "", date(2026, 1, 1), date(2027, 1, 1)
)
EVENT = EngagementEvent(EventId("E1"), HcpId(TRAP), EventType.VISIT, datetime(2026, 1, 1, tzinfo=UTC), source=TRAP)


@given(records(Content).flatmap(lambda r: joinable(r, "content")) | records(EngagementEvent).flatmap(
    lambda r: joinable(r, "events")
))  # fmt: skip
@example(CONTENT)
@example(EVENT)
@settings(max_examples=150, deadline=None)
def test_protocol_1_gets_joined_tuples_that_the_previous_release_splits_back(record: Content | EngagementEvent) -> None:
    table = "content" if isinstance(record, Content) else "events"
    row = SYNCED_TABLES[table].to_row(record)
    served = json.loads(change_for_protocol_1(change(table, row)))
    for column in PROTOCOL_1_JOINED[table]:
        joined = served["row"][column]
        assert (tuple(joined.split(";")) if joined else ()) == getattr(record, column)
    assert {k: v for k, v in served["row"].items() if k not in PROTOCOL_1_JOINED[table]} == {
        k: v for k, v in row.items() if k not in PROTOCOL_1_JOINED[table]
    }
    assert list(served["row"]) == list(row)


@given(st.sampled_from([t for t in SYNCED_TABLES if t not in PROTOCOL_1_JOINED]).flatmap(
    lambda t: records(SYNCED_TABLES[t].record).map(lambda r: (t, r))
))  # fmt: skip
@settings(max_examples=60, deadline=None)
def test_protocol_1_gets_every_other_table_byte_for_byte(table_and_record: tuple[str, object]) -> None:
    table, record = table_and_record
    text = change(table, SYNCED_TABLES[table].to_row(record))
    assert change_for_protocol_1(text) == text
