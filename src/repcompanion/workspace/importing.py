"""Importing and exporting real provider data: NPPES and FHIR files, and a demo built on real providers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from repcompanion.domain import Cancelled, Progress, never_cancelled, no_progress
from repcompanion.workspace.changes import Changes, Outcome

if TYPE_CHECKING:
    from repcompanion.ingest import ImportReport
    from repcompanion.workspace.core import Workspace


class ImportManager:
    """``ws.importing``: provider files in and out of this workspace (each import is one transaction)."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def import_file(
        self,
        fmt: str,
        path: Path,
        *,
        territory_id: str | None = None,
        nucc_path: Path | None = None,
        states: Iterable[str] = (),
        zip_prefixes: Iterable[str] = (),
        taxonomies: Iterable[str] = (),
        progress: Progress = no_progress,
        cancelled: Cancelled = never_cancelled,
    ) -> Outcome[ImportReport]:
        """Import an NPPES CSV (``fmt`` "nppes", filtered by state, ZIP prefix and taxonomy) or a FHIR R4 file
        ("fhir") in one transaction; the import report accounts for every row."""
        from repcompanion.workspace.provider_data import import_file

        report = import_file(
            self._ws.store,
            fmt,
            path,
            territory_id=territory_id,
            nucc_path=nucc_path,
            states=states,
            zip_prefixes=zip_prefixes,
            taxonomies=taxonomies,
            progress=progress,
            cancelled=cancelled,
        )
        self._ws.ranking.invalidate()
        return Outcome(report, Changes.everything())

    def export_fhir(self, out: Path, *, nucc_path: Path | None = None) -> int:
        """Write this territory's HCPs and institutions as a FHIR R4 Bundle; returns the entry count."""
        from repcompanion.workspace.provider_data import export_territory_fhir

        return export_territory_fhir(self._ws.store, out, nucc_path=nucc_path)

    def demo_from_nppes(
        self,
        nppes_path: Path,
        *,
        states: tuple[str, ...] = (),
        seed: int = 7,
        nucc_path: Path | None = None,
        progress: Progress = no_progress,
    ) -> Outcome[ImportReport]:
        """Fill this workspace with real NPPES providers and a simulated history (labelled as simulated)."""
        from repcompanion.workspace.provider_data import demo_from_nppes

        report = demo_from_nppes(
            self._ws.store,
            nppes_path,
            states=states,
            seed=seed,
            nucc_path=nucc_path,
            today=self._ws.today(),
            progress=progress,
        )
        self._ws.ranking.invalidate()
        return Outcome(report, Changes.everything())

    def export_tables(self, out: Path, *, fmt: str = "csv", include_notes: bool = False) -> dict[str, int]:
        """Every table of this workspace as one CSV or JSON file each in ``out``, for support; visit notes and
        other free text are left out unless ``include_notes``. Returns the rows written per table."""
        from repcompanion.store.export import export_tables

        store = self._ws.store
        with store.atomic():  # one consistent snapshot of every table
            return export_tables(store.conn, out, fmt=fmt, include_notes=include_notes)
