"""Importers and exporters of real provider data: NPPES, NUCC, FHIR R4 directory bundles, CRM CSV.

Importers stream domain records into a RecordSink that the caller wraps in one transaction, and
return an ImportReport that accounts for every row. See docs/ingest.md.
"""

from repcompanion.ingest.crm_csv import import_csv, load_mapping
from repcompanion.ingest.errors import (
    DelimiterError,
    ImportCancelledError,
    InvalidFhirError,
    MappingFileError,
    MasterDataError,
    MissingColumnsError,
    NotCsvError,
    TruncatedFileError,
)
from repcompanion.ingest.fhir_export import export_fhir
from repcompanion.ingest.fhir_import import import_fhir
from repcompanion.ingest.normalize import (
    account_id_for_npi,
    hcp_id_for_npi,
    normalize_credentials,
    npi_is_valid,
)
from repcompanion.ingest.nppes import import_nppes, iter_nppes
from repcompanion.ingest.nucc import Taxonomy, TaxonomyEntry, load_nucc
from repcompanion.ingest.report import (
    ImportReport,
    InMemorySink,
    RecordSink,
    ReplacedValue,
    RowNote,
    SkippedRow,
    Written,
    merge_account,
    merge_hcp,
    written,
)

__all__ = [
    "DelimiterError",
    "ImportCancelledError",
    "ImportReport",
    "InMemorySink",
    "InvalidFhirError",
    "MappingFileError",
    "MasterDataError",
    "MissingColumnsError",
    "NotCsvError",
    "RecordSink",
    "ReplacedValue",
    "RowNote",
    "SkippedRow",
    "Taxonomy",
    "TaxonomyEntry",
    "TruncatedFileError",
    "Written",
    "account_id_for_npi",
    "export_fhir",
    "hcp_id_for_npi",
    "import_csv",
    "import_fhir",
    "import_nppes",
    "iter_nppes",
    "load_mapping",
    "load_nucc",
    "merge_account",
    "merge_hcp",
    "normalize_credentials",
    "npi_is_valid",
    "written",
]
