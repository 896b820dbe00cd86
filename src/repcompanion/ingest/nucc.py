"""The NUCC provider taxonomy: code → grouping, classification, specialization and a display label."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from repcompanion.domain import AccountKind
from repcompanion.ingest.errors import MissingColumnsError
from repcompanion.ingest.nucc_builtin import BUILTIN_TAXONOMY
from repcompanion.ingest.textfile import open_table

NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"


@dataclass(frozen=True, slots=True)
class TaxonomyEntry:
    code: str
    grouping: str
    classification: str
    specialization: str
    label: str


class Taxonomy:
    """A lookup of NUCC codes; unknown codes have no entry and an empty label."""

    def __init__(self, entries: Iterable[TaxonomyEntry], source: str = "built-in") -> None:
        self._entries = {e.code: e for e in entries}
        self.source = source

    @classmethod
    def builtin(cls) -> Taxonomy:
        """The most common codes only (physicians, nursing, pharmacy, hospitals, clinics)."""
        return cls((_entry(*row) for row in BUILTIN_TAXONOMY), source="built-in")

    def label(self, code: str) -> str:
        entry = self._entries.get(code)
        return entry.label if entry else ""

    def __contains__(self, code: object) -> bool:
        return code in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def account_kind(self, code: str) -> AccountKind:
        """The kind of institution an organization's primary taxonomy code describes."""
        entry = self._entries.get(code)
        text = f"{entry.grouping} {entry.classification}".lower() if entry else ""
        if "hospital" in text or code.startswith("28"):
            return AccountKind.HOSPITAL
        if "pharmacy" in text or code.startswith("3336"):
            return AccountKind.PHARMACY
        if text.startswith("group") or code.startswith("193"):
            return AccountKind.GROUP_PRACTICE
        if "clinic" in text or "ambulatory" in text or code.startswith("261Q"):
            return AccountKind.CLINIC
        return AccountKind.OTHER


def _entry(code: str, grouping: str, classification: str, specialization: str, display: str) -> TaxonomyEntry:
    label = display.strip() or (f"{classification}: {specialization}" if specialization else classification).strip()
    return TaxonomyEntry(code.strip(), grouping.strip(), classification.strip(), specialization.strip(), label)


def load_nucc(path: str | os.PathLike[str]) -> Taxonomy:
    """Read the NUCC taxonomy CSV (columns Code, Grouping, Classification, Specialization and,
    in files since 2019, Display Name). Older files without Display Name get a label made from
    classification and specialization."""
    table = open_table(path, what="NUCC taxonomy file")
    index = {h.strip().lower(): i for i, h in enumerate(table.header)}
    missing = [c for c in ("code", "classification") if c not in index]
    if missing:
        raise MissingColumnsError(
            f"NUCC taxonomy file {Path(path).name}, line 1: missing column(s) "
            f"{', '.join(m.title() for m in missing)}; found {', '.join(table.header[:8]) or 'nothing'}."
        )

    def col(row: list[str], name: str) -> str:
        i = index.get(name)
        return row[i] if i is not None and i < len(row) else ""

    entries = [
        _entry(
            col(row, "code"),
            col(row, "grouping"),
            col(row, "classification"),
            col(row, "specialization"),
            col(row, "display name"),
        )
        for _, row in table.rows()
        if col(row, "code").strip()
    ]
    return Taxonomy(entries, source=str(path))


__all__ = ["NUCC_SYSTEM", "Taxonomy", "TaxonomyEntry", "load_nucc"]
