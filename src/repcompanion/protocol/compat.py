"""Sync protocol 1 on a hub that speaks 2: changes sent in the form the previous release's laptops decode.

Protocol 1 carried some tuple columns as ';'-joined text (``repcompanion.domain.rows.PROTOCOL_1_JOINED``)
where protocol 2 has JSON arrays. A change is the hub's ready-made JSON text; only those columns' values are
rewritten in place, each distinct value translated once.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from repcompanion.domain.rows import PROTOCOL_1_JOINED, joined_text

#: ``"column":"value"`` of the joined columns, per table (a JSON string literal, escapes included)
_VALUES = {
    table: re.compile('"(' + "|".join(columns) + ')":("(?:[^"\\\\]|\\\\.)*")')
    for table, columns in PROTOCOL_1_JOINED.items()
}
_TABLE = '"table":"'


def change_for_protocol_1(change: str) -> str:
    """One change's JSON text (``{"seq":…,"table":…,"op":…,"id":…,"row":{…}}``) as protocol 1 has it."""
    start = change.find(_TABLE) + len(_TABLE)
    pattern = _VALUES.get(change[start : change.find('"', start)])
    if pattern is None:
        return change
    return pattern.sub(_joined_value, change)


def _joined_value(match: re.Match[str]) -> str:
    return f'"{match.group(1)}":{_joined_literal(match.group(2))}'


@lru_cache(maxsize=4096)
def _joined_literal(literal: str) -> str:
    return json.dumps(joined_text(json.loads(literal)), ensure_ascii=False)


__all__ = ["change_for_protocol_1"]
