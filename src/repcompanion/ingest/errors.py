"""Errors an import file can cause; each names the line or resource and says what to do.

IngestError (repcompanion.domain)        nothing was imported
 ├── NotCsvError                         binary, image, archive or empty file
 ├── DelimiterError                      the header is split by another separator
 ├── MissingColumnsError                 required columns are absent from the header
 ├── TruncatedFileError                  the file ends in the middle of a row
 ├── InvalidFhirError                    a FHIR resource fails validation or is not JSON
 ├── MappingFileError                    the CSV column-mapping file cannot be used
 ├── MasterDataError                     rows of a products, content, consent or e-mail file are wrong
 └── ImportCancelledError                the user cancelled; the caller rolls back
"""

from __future__ import annotations

from repcompanion.domain import IngestError


class NotCsvError(IngestError):
    hint = "Choose the comma-separated text file itself (for NPPES, the npidata_pfile_*.csv from the ZIP)."


class DelimiterError(IngestError):
    hint = "Save or export the file as comma-separated values (CSV), or set `delimiter` in the mapping file."


class MissingColumnsError(IngestError):
    hint = "Check that this is the right kind of file and that its first line is the header row."


class TruncatedFileError(IngestError):
    hint = "The file is incomplete (an interrupted download or copy). Download or copy it again."


class InvalidFhirError(IngestError):
    hint = "Fix or remove the named resource and import again; nothing was imported."


class MappingFileError(IngestError):
    hint = "Fix the mapping file (see docs/ingest.md, 'Mapping file') and import again."


class MasterDataError(IngestError):
    """Rows of a master-data file are wrong; ``problems`` lists each one with its line."""

    hint = "Correct the rows named above (or the mapping file) and import the whole file again."

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems: list[str] = []


class ImportCancelledError(IngestError):
    hint = "The import was cancelled; nothing was imported."


__all__ = [
    "DelimiterError",
    "ImportCancelledError",
    "InvalidFhirError",
    "MappingFileError",
    "MasterDataError",
    "MissingColumnsError",
    "NotCsvError",
    "TruncatedFileError",
]
