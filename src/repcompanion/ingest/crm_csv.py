"""Import of a CRM export (CSV) through a TOML column-mapping file, for companies moving CRMs."""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repcompanion.domain import (
    Account,
    AccountId,
    AccountKind,
    Address,
    Cancelled,
    Channel,
    GeoPrecision,
    Hcp,
    HcpId,
    Progress,
    Segment,
    TerritoryId,
    never_cancelled,
    no_progress,
)
from repcompanion.ingest.errors import ImportCancelledError, MappingFileError, MissingColumnsError
from repcompanion.ingest.geo import locate_zip
from repcompanion.ingest.normalize import (
    NPI_ID_PREFIX,
    format_phone,
    normalize_credentials,
    npi_is_valid,
    tidy_city,
    tidy_name,
    zip5,
)
from repcompanion.ingest.nucc import Taxonomy
from repcompanion.ingest.repair import LOST_NPI, Repairs, lost_digits
from repcompanion.ingest.report import ImportReport, RecordSink, RowNote, drain
from repcompanion.ingest.textfile import open_table

FORMAT = "CSV"
CHECK_EVERY = 4096
HCP_FIELDS = {
    "crm_id", "npi", "first_name", "middle_name", "last_name", "credentials", "specialty_code",
    "specialty_label", "line1", "line2", "city", "state", "zip", "latitude", "longitude", "phone",
    "email", "segment", "decile", "preferred_channel", "do_not_contact", "target", "planned_visits",
    "active",
}  # fmt: skip
ACCOUNT_FIELDS = {
    "crm_id", "npi", "account_name", "account_kind", "parent_id", "line1", "line2", "city", "state",
    "zip", "latitude", "longitude",
}  # fmt: skip
_TRUE = {"1", "y", "yes", "true", "t", "x"}
_FALSE = {"0", "n", "no", "false", "f", ""}


@dataclass(slots=True)
class Mapping:
    """A parsed mapping file: which CSV column feeds which record field, and value translations."""

    record: str
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    delimiter: str = ","
    id_prefix: str = "CRM-"


def load_mapping(path: str | os.PathLike[str]) -> Mapping:
    """Read and check a TOML mapping file; raise MappingFileError naming the problem and line."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise MappingFileError(f"mapping file {path} does not exist.") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingFileError(f"mapping file {path.name} is not valid TOML: {exc}.") from exc
    record = str(data.get("record", "hcp"))
    if record not in ("hcp", "account"):
        raise MappingFileError(f'mapping file {path.name}: record = {record!r}; use "hcp" or "account".')
    allowed = HCP_FIELDS if record == "hcp" else ACCOUNT_FIELDS
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise MappingFileError(f'mapping file {path.name}: no [columns] table (field = "CSV column").')
    unknown = sorted(set(columns) - allowed)
    if unknown:
        raise MappingFileError(
            f"mapping file {path.name}, [columns]: unknown field(s) {', '.join(unknown)}; "
            f"a {record} mapping may use {', '.join(sorted(allowed))}."
        )
    if not all(isinstance(v, str) and v for v in columns.values()):
        raise MappingFileError(f"mapping file {path.name}, [columns]: every value must be a column name in quotes.")
    name_field = "last_name" if record == "hcp" else "account_name"
    needed = [f for f in (name_field,) if f not in columns]
    if needed or not ({"npi", "crm_id"} & set(columns)):
        missing = needed + ([] if {"npi", "crm_id"} & set(columns) else ["npi or crm_id"])
        raise MappingFileError(f"mapping file {path.name}, [columns]: {' and '.join(missing)} must be mapped.")
    values = data.get("values", {})
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise MappingFileError(f"mapping file {path.name}: [values.FIELD] tables map CSV values to ours.")
    for target, table in values.items():
        if target == "segment" and not set(map(str, table.values())) <= {s.value for s in Segment}:
            raise MappingFileError(f"mapping file {path.name}, [values.segment]: values must be A, B, C or D.")
    delimiter = str(data.get("delimiter", ","))
    if delimiter in ("\\t", "tab"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise MappingFileError(f"mapping file {path.name}: delimiter must be one character, got {delimiter!r}.")
    return Mapping(
        record,
        {k: str(v) for k, v in columns.items()},
        {k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
        dict(data.get("defaults", {})),
        delimiter,
        str(data.get("id_prefix", "CRM-")),
    )


class _RowError(ValueError):
    """A value in one row cannot be used; the row is skipped with this message."""


def _flag(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise _RowError(f"{name} {value!r} is not yes/no")


def iter_csv(
    path: str | os.PathLike[str],
    mapping: Mapping,
    report: ImportReport,
    *,
    nucc: Taxonomy | None = None,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> Iterator[Hcp | Account]:
    """Yield one record per usable row; per-row problems become skipped rows with their line."""
    path = Path(path)
    table = open_table(path, what="CSV file", delimiter=mapping.delimiter)
    index = {h.strip().lower(): i for i, h in enumerate(table.header)}
    missing = [c for c in mapping.columns.values() if c.strip().lower() not in index]
    if missing:
        raise MissingColumnsError(
            f"CSV file {path.name}, line 1: column(s) named in the mapping are missing: "
            f"{', '.join(repr(m) for m in missing)}; the header has {', '.join(table.header[:12])}."
        )
    cols = {f: index[c.strip().lower()] for f, c in mapping.columns.items()}
    nucc = nucc or Taxonomy.builtin()
    report.layout = f"mapped {mapping.record}"
    rows_read = 0
    npi_dropped: list[int] = []
    repairs = Repairs()

    def get(row: list[str], name: str) -> str:
        i = cols.get(name)
        raw = row[i].strip() if i is not None and i < len(row) else ""
        table_ = mapping.values.get(name)
        if table_ is not None and raw in table_:
            return table_[raw]
        if not raw and name in mapping.defaults:
            return str(mapping.defaults[name])
        return raw

    try:
        for line_no, row in table.rows():
            rows_read += 1
            if not rows_read % CHECK_EVERY:
                if cancelled():
                    raise ImportCancelledError(f"CSV import cancelled at line {line_no}; nothing was imported.")
                progress(table.position() / (table.size or 1), f"{rows_read:,} rows read")
            if len(row) != len(table.header):
                report.skip(line_no, f"has {len(row)} columns, the header has {len(table.header)}", "", "bad_row")
                continue
            npi_raw, crm_id = get(row, "npi"), get(row, "crm_id")
            key = npi_raw or crm_id
            if npi_raw and not npi_is_valid(npi_raw):
                if lost_digits(npi_raw, 10):
                    report.skip(line_no, f"NPI {npi_raw!r} {LOST_NPI}", key, "bad_npi")
                    continue
                npi_raw = repairs.npi(npi_raw)
            npi = npi_raw if npi_is_valid(npi_raw) else None
            if npi_raw and npi is None:
                if not crm_id:
                    report.skip(
                        line_no, f"NPI {npi_raw!r} fails the check digit and there is no CRM id", key, "bad_npi"
                    )
                    continue
                npi_dropped.append(line_no)
            if npi is None and not crm_id:
                report.skip(line_no, "neither an NPI nor a CRM id", key, "no_key")
                continue
            record_id = NPI_ID_PREFIX + npi if npi else mapping.id_prefix + crm_id
            try:
                address = _address(get, row, line_no, key, report, repairs)
                if mapping.record == "hcp":
                    record: Hcp | Account = _hcp(get, row, record_id, npi, address, nucc, repairs)
                else:
                    record = _account(get, row, record_id, npi, address, mapping)
            except _RowError as exc:
                report.skip(line_no, str(exc), key, "bad_value")
                continue
            yield record
    finally:
        report.rows_read += rows_read
        repairs.into(report.repairs)
        table.decoding.note_in(report, f"CSV file {path.name}")
        if npi_dropped:
            report.warnings.append(
                f"{len(npi_dropped)} row(s) had an NPI with a wrong check digit and were imported by CRM id "
                f"without it (lines {', '.join(map(str, npi_dropped[:10]))}{'...' if len(npi_dropped) > 10 else ''})"
            )


def _address(get: Any, row: list[str], line_no: int, key: str, report: ImportReport, repairs: Repairs) -> Address:
    zip_code = zip5(repairs.zip(get(row, "zip")))
    lat_text, lon_text = get(row, "latitude"), get(row, "longitude")
    lat: float | None
    lon: float | None
    if lat_text and lon_text:
        try:
            lat, lon = float(lat_text), float(lon_text)
        except ValueError as exc:
            raise _RowError(f"coordinates {lat_text!r}, {lon_text!r} are not numbers") from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _RowError(f"coordinates {lat}, {lon} are out of range")
        precision, why = GeoPrecision.ROOFTOP, ""
    else:
        lat, lon, precision, why = locate_zip(zip_code)
    if why:
        report.no_coordinates.append(RowNote(line_no, why, key))
    return Address(
        get(row, "line1"),
        tidy_city(get(row, "city")),
        get(row, "state").upper(),
        zip_code,
        get(row, "line2"),
        lat,
        lon,
        precision,
    )


def _hcp(
    get: Any, row: list[str], record_id: str, npi: str | None, address: Address, nucc: Taxonomy, repairs: Repairs
) -> Hcp:
    last = get(row, "last_name")
    if not last:
        raise _RowError("no last name")
    segment_text = get(row, "segment") or "D"
    try:
        segment = Segment(segment_text.upper())
    except ValueError as exc:
        raise _RowError(f"segment {segment_text!r} is not A-D (translate it under [values.segment])") from exc
    decile_text = repairs.number(get(row, "decile") or "0")
    try:
        decile = int(decile_text)
    except ValueError as exc:
        raise _RowError(f"decile {decile_text!r} is not a number") from exc
    if not 0 <= decile <= 10:
        raise _RowError(f"decile {decile} is not between 0 and 10")
    channel_text = get(row, "preferred_channel").lower() or Channel.IN_PERSON.value
    try:
        channel = Channel(channel_text)
    except ValueError as exc:
        allowed = ", ".join(c.value for c in Channel)
        raise _RowError(f"preferred channel {channel_text!r} is not one of {allowed}") from exc
    visits_text = repairs.number(get(row, "planned_visits") or "0")
    if not visits_text.isdigit():
        raise _RowError(f"planned visits {visits_text!r} is not a whole number")
    code = get(row, "specialty_code").upper()
    return Hcp(
        HcpId(record_id),
        npi,
        tidy_name(get(row, "first_name")),
        tidy_name(last),
        normalize_credentials(get(row, "credentials")),
        code,
        get(row, "specialty_label") or nucc.label(code),
        segment,
        decile,
        address,
        preferred_channel=channel,
        do_not_contact=_flag(get(row, "do_not_contact"), "do-not-contact"),
        target=_flag(get(row, "target") or "yes", "target"),
        planned_visits=int(visits_text),
        phone=format_phone(repairs.phone(get(row, "phone"))),
        email=get(row, "email"),
        middle_name=tidy_name(get(row, "middle_name")),
        active=_flag(get(row, "active") or "yes", "active"),
    )


def _account(get: Any, row: list[str], record_id: str, npi: str | None, address: Address, mapping: Mapping) -> Account:
    name = get(row, "account_name")
    if not name:
        raise _RowError("no account name")
    kind_text = get(row, "account_kind").lower() or AccountKind.OTHER.value
    try:
        kind = AccountKind(kind_text)
    except ValueError as exc:
        allowed = ", ".join(k.value for k in AccountKind)
        raise _RowError(f"account kind {kind_text!r} is not one of {allowed}") from exc
    parent = get(row, "parent_id")
    return Account(
        AccountId(record_id),
        tidy_name(name),
        kind,
        address,
        npi,
        AccountId(mapping.id_prefix + parent) if parent else None,
    )


def import_csv(
    path: str | os.PathLike[str],
    mapping_path: str | os.PathLike[str],
    sink: RecordSink,
    *,
    territory_id: TerritoryId | str | None = None,
    nucc: Taxonomy | None = None,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> ImportReport:
    """Import a CRM CSV export with a TOML mapping file (docs/ingest.md) into ``sink``.

    Rows with a valid NPI get the same id as NPPES and FHIR imports (``NPI-<npi>``); others use
    ``id_prefix`` + the CRM id, so re-importing the same export updates instead of duplicating.
    """
    started = time.perf_counter()
    mapping = load_mapping(mapping_path)
    report = ImportReport(source=str(path), fmt=FORMAT, territory_id=territory_id)
    drain(
        iter_csv(path, mapping, report, nucc=nucc, progress=progress, cancelled=cancelled),
        sink,
        report,
        territory_id,
        progress,
    )
    report.elapsed_s = time.perf_counter() - started
    return report


__all__ = ["Mapping", "import_csv", "iter_csv", "load_mapping"]
