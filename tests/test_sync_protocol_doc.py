"""docs/sync-protocol.md lists every synced and pushed table with exactly the columns the codecs write."""

from __future__ import annotations

import re
from pathlib import Path

from repcompanion.domain.rows import ROW_CODECS, SYNCED_TABLES
from repcompanion.protocol import OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION

DOC = Path(__file__).resolve().parents[1] / "docs" / "sync-protocol.md"
PUSHED = ("suggestion_feedback", "ae_intakes", "screening_decisions")


def documented() -> dict[str, list[tuple[str, str]]]:
    tables = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"\| `(\w+)` \| [\w ]+ \| (.+) \|", line)
        if m:
            tables[m.group(1)] = re.findall(r"`(\w+)` (text|integer|real)", m.group(2))
    return tables


def test_the_protocol_document_lists_every_table_with_the_codecs_columns() -> None:
    doc = documented()
    for name in (*SYNCED_TABLES, *PUSHED):
        codec = ROW_CODECS[name] if name in ROW_CODECS else SYNCED_TABLES[name]
        expected = [(c, t.lower()) for c, t in codec.column_types.items()]
        assert doc.get(name) == expected, f"docs/sync-protocol.md: the row of {name} is out of date"


def test_the_protocol_document_names_the_versions_the_hub_serves() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"X-RepCompanion-Protocol: {PROTOCOL_VERSION}" in text
    assert f"serves protocols {OLDEST_PROTOCOL_VERSION} and {PROTOCOL_VERSION}" in text
