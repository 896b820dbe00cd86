"""Hypothesis strategies for every stored record, built from the records' type hints like the codecs are."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from repcompanion.domain.errors import ValidationError
from repcompanion.domain.models import DataChangeRequest

#: text as the apps write it: any character but NUL (the hub's database refuses it) and lone surrogates
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
INT64 = st.integers(-(2**63), 2**63 - 1)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))])
DATETIMES = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=ZONES)

#: fields whose records check their values (Hcp.decile, SampleDrop)
FIELDS: dict[tuple[str, str], st.SearchStrategy[Any]] = {
    ("Hcp", "decile"): st.integers(0, 10),
    ("SampleDrop", "quantity"): st.integers(1, 2**31),
    ("SampleDrop", "lot"): TEXT.filter(str.strip),
}


def of_type(tp: Any) -> st.SearchStrategy[Any]:
    """Values of a record field's type: aware datetimes, finite floats, 64-bit integers, nested records."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return st.none() | of_type(inner[0])
    while isinstance(tp, typing.NewType):
        tp = tp.__supertype__
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if dataclasses.is_dataclass(tp):
        return records(tp)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: TEXT,
        bool: st.booleans(),
        int: INT64,
        float: st.floats(allow_nan=False, allow_infinity=False),
        datetime: DATETIMES,
        date: st.dates(),
    }
    if tp in simple:
        return simple[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        return st.lists(of_type(args[0]), max_size=4).map(tuple)
    if origin is dict:
        return st.dictionaries(of_type(args[0]), of_type(args[1]), max_size=4)
    raise TypeError(f"no strategy for {tp!r}")


def records(record: type) -> st.SearchStrategy[Any]:
    """Valid records of ``record`` (the ones its own checks refuse are left out)."""
    hints = typing.get_type_hints(record)
    fields = {
        f.name: FIELDS[key] if (key := (record.__name__, f.name)) in FIELDS else of_type(hints[f.name])
        for f in dataclasses.fields(record)
    }
    return st.fixed_dictionaries(fields).map(lambda kw: _build(record, kw)).filter(lambda r: r is not None)


def _build(record: type, kwargs: dict[str, Any]) -> Any:
    try:
        return record(**kwargs)
    except ValidationError:
        return None


def dcr_results() -> st.SearchStrategy[DataChangeRequest]:
    """Requests as the laptop knows them from a decision: no note, created when decided."""
    return records(DataChangeRequest).map(
        lambda d: dataclasses.replace(d, note="", created_at=d.decided_at or datetime.min)
    )
