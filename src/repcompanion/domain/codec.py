"""Row codecs derived from the records' type hints: declare a table once, get its columns, types and converters.

A record's fields become columns by their type hints: text for ``str``, ids, enums (their value), dates and
datetimes (ISO 8601, a naive datetime taken as UTC); integers for ``int`` and ``bool``; reals for ``float``;
tuples, dicts and tuples of nested records as JSON text (a nested record as an object of its fields). A nested
record named in ``flatten`` spreads its fields into columns of their own instead.

``to_row``, ``to_values`` and ``from_row`` are generated as Python source once per table (as ``dataclasses``
generates ``__init__``): no reflection per row, and as fast as hand-written code. ``TableCodec.source`` shows
what was generated.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import linecache
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Literal

Row = dict[str, Any]
ColumnType = Literal["TEXT", "INTEGER", "REAL"]


def dt_text(value: datetime | None) -> str | None:
    """ISO 8601 with an offset; a naive datetime is taken to be UTC."""
    if value is None:
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


def dt_parse(value: str | None) -> datetime | None:
    return None if value is None or value == "" else datetime.fromisoformat(value)


def d_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def d_parse(value: str | None) -> date | None:
    return None if value is None or value == "" else date.fromisoformat(value)


def tuple_text(values: tuple[str, ...] | list[str]) -> str:
    """A tuple of strings as a JSON array (the one encoding of tuples in rows, on the wire and in the stores)."""
    if isinstance(values, tuple):
        return _tuple_json(values)
    return json.dumps(list(values))  # a list: not hashable, so not cached


@lru_cache(maxsize=4096)
def _tuple_json(values: tuple[str, ...]) -> str:
    # topics and categories repeat across millions of events: each distinct tuple is encoded once
    return json.dumps(list(values))


@lru_cache(maxsize=4096)
def tuple_parse(text: str | None) -> tuple[str, ...]:
    """The strings of a JSON array; also reads the ';'-joined text of sync protocol 1 (a tolerant reader)."""
    if not text:
        return ()
    if text[0] == "[":
        try:
            values = json.loads(text)
        except ValueError:
            values = None
        if isinstance(values, list) and all(isinstance(v, str) for v in values):
            return tuple(values)
    return tuple(text.split(";"))


def joined_text(text: str | None) -> str:
    """A tuple column's text in the ';'-joined form of sync protocol 1 (either form in)."""
    return ";".join(tuple_parse(text))


#: (encode, decode an optional value, decode a required value) of the date and time types
_TIMES: dict[type, tuple[Callable[[Any], Any], Callable[[Any], Any], Callable[[Any], Any]]] = {
    datetime: (dt_text, dt_parse, datetime.fromisoformat),
    date: (d_text, d_parse, date.fromisoformat),
}


def _dict_text(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True)


def _dict_parse(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}


@dataclass(frozen=True)
class _Kind:
    """How one scalar column is stored: its SQL type and source templates (``{v}``: the value's expression)."""

    sql: ColumnType
    encode: str = "{v}"
    decode: str = "{v}"


@dataclass
class _Namespace:
    """Objects the generated source refers to, each under a unique name."""

    names: dict[str, Any] = field(default_factory=dict)

    def ref(self, obj: Any, hint: str) -> str:
        for name, known in self.names.items():
            if known is obj:
                return name
        name = f"_{hint}{len(self.names)}"
        self.names[name] = obj
        return name


def _optional(tp: Any) -> tuple[Any, bool]:
    """``(T, True)`` for ``T | None``, else ``(tp, False)``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
        raise TypeError(f"unsupported union {tp!r}: only T | None")
    return tp, False


def _base(tp: Any) -> Any:
    while isinstance(tp, typing.NewType):
        tp = tp.__supertype__
    return tp


def _is_record(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _kind(tp: Any, default: Any, ns: _Namespace) -> _Kind:
    """The column kind of a field typed ``tp`` (nested records that are not flattened become JSON)."""
    inner, optional = _optional(tp)
    inner = _base(inner)
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        e = ns.ref(inner, inner.__name__)
        if optional:
            return _Kind("TEXT", "(None if {v} is None else {v}.value)", f"({e}({{v}}) if {{v}} else None)")
        if default is dataclasses.MISSING:
            return _Kind("TEXT", "{v}.value", f"{e}({{v}})")
        return _Kind("TEXT", "{v}.value", f"({e}({{v}}) if {{v}} else {ns.ref(default, 'default')})")
    if inner is bool:
        return _Kind("INTEGER", "int({v})", "bool({v})")
    if inner is int:
        return _Kind("INTEGER", "{v}", "{v}" if optional else "int({v} or 0)")
    if inner is float:
        return _Kind("REAL", "{v}", "{v}" if optional else "float({v} or 0.0)")
    if inner is str:
        return _Kind("TEXT", "{v}", "{v}" if optional else "({v} or '')")
    if inner in _TIMES:
        text, parse, required_parse = _TIMES[inner]
        if optional:
            return _Kind("TEXT", f"{ns.ref(text, 'text')}({{v}})", f"{ns.ref(parse, 'parse')}({{v}})")
        encode = "{v}.isoformat()" if inner is date else f"{ns.ref(text, 'text')}({{v}})"
        return _Kind("TEXT", encode, f"{ns.ref(required_parse, 'parse')}({{v}})")
    if optional:
        raise TypeError(f"unsupported optional column type {tp!r}")
    origin, args = typing.get_origin(inner), typing.get_args(inner)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _base(args[0])
        if item is str:
            return _Kind("TEXT", f"{ns.ref(tuple_text, 'text')}({{v}})", f"{ns.ref(tuple_parse, 'parse')}({{v}})")
        if _is_record(item):
            to_json, from_json = _json_records(item)
            return _Kind("TEXT", f"{ns.ref(to_json, 'text')}({{v}})", f"{ns.ref(from_json, 'parse')}({{v}})")
    if origin is dict:
        return _Kind("TEXT", f"{ns.ref(_dict_text, 'text')}({{v}})", f"{ns.ref(_dict_parse, 'parse')}({{v}})")
    raise TypeError(f"unsupported column type {tp!r}")


def _enum_value(v: enum.Enum | None) -> Any:
    return None if v is None else v.value


def _same(v: Any) -> Any:
    return v


def _json_records(record: type) -> tuple[Callable[[Any], str], Callable[[str | None], tuple[Any, ...]]]:
    """Encode and decode a tuple of nested records as a JSON array of objects (their fields in order)."""
    hints = typing.get_type_hints(record)
    plan = []
    for f in dataclasses.fields(record):
        inner = _base(_optional(hints[f.name])[0])
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            plan.append((f.name, _default(f), _enum_value, inner))
        elif inner in (str, int, float, bool):
            plan.append((f.name, _default(f), _same, inner))
        else:
            raise TypeError(f"unsupported field {record.__name__}.{f.name} in a nested record: {hints[f.name]!r}")

    def encode(values: tuple[Any, ...]) -> str:
        return json.dumps([{name: to_json(getattr(x, name)) for name, _, to_json, _ in plan} for x in values])

    def decode(text: str | None) -> tuple[Any, ...]:
        out = []
        for item in json.loads(text) if text else ():
            kwargs = {}
            for name, default, _, cast in plan:
                if name in item:
                    kwargs[name] = None if item[name] is None else cast(item[name])
                elif default is dataclasses.MISSING:
                    raise KeyError(name)
            out.append(record(**kwargs))
        return tuple(out)

    return encode, decode


@dataclass(frozen=True)
class TableCodec:
    """How one table's rows map to one kind of record: columns, their SQL types, and the converters."""

    table: str
    record: type
    columns: tuple[str, ...]
    column_types: Mapping[str, ColumnType]
    to_row: Callable[[Any], Row]
    from_row: Callable[[Row], Any]
    to_values: Callable[[Any], tuple[Any, ...]]
    source: str = field(repr=False, default="")

    def values(self, record: Any) -> tuple[Any, ...]:
        """The record's row as a tuple in column order."""
        return self.to_values(record)


def table_codec(
    table: str,
    record: type,
    *,
    flatten: tuple[str, ...] = (),
    derived: Mapping[str, Callable[[Any], Any]] | None = None,
    rebuilt: Mapping[str, Callable[[Row], Any]] | None = None,
) -> TableCodec:
    """The codec of ``table``, whose rows hold ``record``s: every field a column, in field order.

    ``flatten``: nested-record fields whose own fields are columns (named after them). ``derived``: columns
    computed from the record, written first and ignored when reading (e.g. a composite id). ``rebuilt``: fields
    not stored, computed from the row when reading.
    """
    derived, rebuilt = dict(derived or {}), dict(rebuilt or {})
    ns = _Namespace()
    hints = typing.get_type_hints(record)
    columns: list[str] = []
    types_: dict[str, ColumnType] = {}
    encoded: list[str] = []
    prelude: list[str] = []
    for name, fn in derived.items():
        columns.append(name)
        types_[name] = "TEXT"
        encoded.append(f"{ns.ref(fn, 'derived')}(x)")

    def add(column: str, kind: _Kind, expr: str, default: Any = dataclasses.MISSING) -> str:
        if column in types_:
            raise TypeError(f"{table}: two columns named {column!r}")
        columns.append(column)
        types_[column] = kind.sql
        encoded.append(kind.encode.format(v=expr))
        decoded = kind.decode.format(v=f"r[{column!r}]")
        if default is dataclasses.MISSING:
            return decoded
        # a field added in a later release: rows from older peers do not carry it
        return f"({decoded} if {column!r} in r else {ns.ref(default, 'default')})"

    arguments: list[str] = []
    for f in dataclasses.fields(record):
        if f.name in rebuilt:
            arguments.append(f"{f.name}={ns.ref(rebuilt[f.name], 'rebuilt')}(r)")
        elif f.name in flatten:
            nested = hints[f.name]
            if not _is_record(nested):
                raise TypeError(f"{table}: {record.__name__}.{f.name} is not a record and cannot be flattened")
            local = f"_{f.name}"
            prelude.append(f"    {local} = x.{f.name}")
            nested_hints = typing.get_type_hints(nested)
            inner = []
            for g in dataclasses.fields(nested):
                default = _default(g)
                inner.append(
                    f"{g.name}={add(g.name, _kind(nested_hints[g.name], default, ns), f'{local}.{g.name}', default)}"
                )
            arguments.append(f"{f.name}={ns.ref(nested, nested.__name__)}({', '.join(inner)})")
        else:
            default = _default(f)
            arguments.append(f"{f.name}={add(f.name, _kind(hints[f.name], default, ns), f'x.{f.name}', default)}")
    unknown = (set(flatten) | set(rebuilt)) - {f.name for f in dataclasses.fields(record)}
    if unknown:
        raise TypeError(f"{table}: {record.__name__} has no fields {sorted(unknown)}")
    cls = ns.ref(record, record.__name__)
    items = "".join(f"\n        {c!r}: {e}," for c, e in zip(columns, encoded, strict=True))
    values = "".join(f"\n        {e}," for e in encoded)
    kwargs = "".join(f"\n        {a}," for a in arguments)
    source = "".join(
        [
            "def to_row(x):\n",
            *(f"{line}\n" for line in prelude),
            f"    return {{{items}\n    }}\n",
            "def to_values(x):\n",
            *(f"{line}\n" for line in prelude),
            f"    return ({values}\n    )\n",
            "def from_row(r):\n",
            f"    return {cls}({kwargs}\n    )\n",
        ]
    )
    scope = dict(ns.names)
    filename = f"<codec {table}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)  # for tracebacks
    exec(compile(source, filename, "exec"), scope)
    for name in ("to_row", "to_values", "from_row"):
        scope[name].__qualname__ = f"{table}.{name}"
    return TableCodec(
        table, record, tuple(columns), types_, scope["to_row"], scope["from_row"], scope["to_values"], source
    )


__all__ = [
    "ColumnType",
    "Row",
    "TableCodec",
    "d_parse",
    "d_text",
    "dt_parse",
    "dt_text",
    "joined_text",
    "table_codec",
    "tuple_parse",
    "tuple_text",
]
