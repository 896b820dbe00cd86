"""Screen notes line by line for the CLI: `repcompanion screen --input FILE [--json]`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from repcompanion.intel.safety import get_screener

_BATCH = 64


def screen_lines(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """One result per input line (one note per line): ``{flag, categories, spans, score}``.

    Lines are screened in small batches so a large file streams with one model call per batch.
    Span offsets are character offsets into the line without its line ending.
    """
    screener = get_screener()
    iterator = iter(lines)
    while batch := [line.rstrip("\r\n") for line in islice(iterator, _BATCH)]:
        for result in screener.screen_many(batch):
            yield result.to_json()
