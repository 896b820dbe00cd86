"""Streaming import of the NPPES (NPI registry) data file: individuals → HCPs, organizations → accounts."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from repcompanion.domain import (
    Account,
    AccountKind,
    Address,
    Cancelled,
    GeoPrecision,
    Hcp,
    Progress,
    Segment,
    TerritoryId,
    never_cancelled,
    no_progress,
)
from repcompanion.ingest.errors import ImportCancelledError
from repcompanion.ingest.geo import NO_ZIP, NON_US, UNKNOWN_ZIP, US_STATES, zip_centroids
from repcompanion.ingest.normalize import (
    account_id_for_npi,
    format_phone,
    hcp_id_for_npi,
    normalize_credentials,
    npi_is_valid,
    parse_us_date,
    tidy_city,
    tidy_name,
)
from repcompanion.ingest.nppes_layout import resolve_layout
from repcompanion.ingest.nucc import Taxonomy
from repcompanion.ingest.repair import LOST_NPI, Repairs, lost_digits
from repcompanion.ingest.report import ImportReport, RecordSink, RowNote, drain
from repcompanion.ingest.textfile import open_table

FORMAT = "NPPES"
CHECK_EVERY = 8192  # rows between progress reports and cancellation checks


def iter_nppes(
    path: str | os.PathLike[str],
    report: ImportReport,
    *,
    states: Iterable[str] = (),
    zip_prefixes: Iterable[str] = (),
    taxonomies: Iterable[str] = (),
    nucc: Taxonomy | None = None,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> Iterator[Hcp | Account]:
    """Yield an Hcp (entity type 1) or Account (entity type 2) per usable row, in file order.

    Counts rows, skips and filtered rows into ``report`` as it goes. Raises an IngestError
    subclass for a file that cannot be read as a whole; callers roll back then.
    """
    path = Path(path)
    table = open_table(path, what="NPPES file")
    layout = resolve_layout(table.header, path)
    report.layout = layout.version
    taxonomy = nucc if nucc is not None else Taxonomy.builtin()
    if nucc is None:
        report.warnings.append(
            f"no NUCC file given: specialty labels come from the built-in list of {len(taxonomy)} "
            "common codes; pass the NUCC taxonomy CSV for all codes"
        )
    state_set = frozenset(s.strip().upper() for s in states if s.strip())
    zip_tuple = tuple(z.strip() for z in zip_prefixes if z.strip())
    tax_tuple = tuple(t.strip().upper() for t in taxonomies if t.strip())

    ix = layout.index
    i_npi, i_type, i_org = ix["npi"], ix["entity_type"], ix["org_name"]
    i_last, i_first, i_middle, i_cred = ix["last_name"], ix["first_name"], ix["middle_name"], ix["credential"]
    i_line1, i_line2, i_city, i_state = ix["line1"], ix["line2"], ix["city"], ix["state"]
    i_postal, i_country, i_phone = ix["postal"], ix["country"], ix["phone"]
    i_deact, i_react = ix["deactivated"], ix["reactivated"]
    tax_slots = layout.taxonomy
    needed = layout.last_needed + 1
    ncols = layout.ncols

    centroids = zip_centroids()
    labels: dict[str, str] = {}
    kinds: dict[str, AccountKind] = {}
    unknown_codes: dict[str, int] = {}
    no_coords = report.no_coordinates
    skip = report.skip
    zip_centroid = GeoPrecision.ZIP_CENTROID
    no_geo = GeoPrecision.NONE
    segment_d = Segment.D

    rows_read = filtered = 0
    repairs = Repairs()
    started = time.perf_counter()
    try:
        for line_no, f in table.rows(quoted_fast_path=True, fields_needed=needed):
            rows_read += 1
            if not rows_read % CHECK_EVERY:
                if cancelled():
                    raise ImportCancelledError(f"NPPES import cancelled at line {line_no}; nothing was imported.")
                progress(table.position() / (table.size or 1), f"{rows_read:,} rows read")
            n = len(f)
            if n != ncols and n != needed:
                skip(line_no, f"has {n} columns, the header has {ncols}", f[0] if n else "", "bad_row")
                continue
            if state_set and f[i_state].strip().upper() not in state_set:
                filtered += 1
                continue
            postal = f[i_postal]
            country = f[i_country] if i_country >= 0 else ""
            if postal and not (postal.isdigit() and len(postal) in (5, 9)) and country in ("", "US"):
                postal = repairs.zip(postal)
            if zip_tuple and not postal.startswith(zip_tuple):
                filtered += 1
                continue
            codes = []
            primary = ""
            for ci, si in tax_slots:
                code = f[ci]
                if not code:
                    break
                codes.append(code)
                if not primary and si >= 0 and f[si] == "Y":
                    primary = code
            if tax_tuple and not any(c.upper().startswith(tax_tuple) for c in codes):
                filtered += 1
                continue
            npi = f[i_npi].strip()
            if not npi_is_valid(npi):
                if lost_digits(npi, 10):
                    skip(line_no, f"NPI {npi!r} {LOST_NPI}", npi, "bad_npi")
                    continue
                npi = repairs.npi(npi)
                if not npi_is_valid(npi):
                    skip(line_no, f"NPI {npi!r} is not 10 digits with a valid check digit", npi, "bad_npi")
                    continue
            if i_deact >= 0 and f[i_deact]:
                deact = parse_us_date(f[i_deact])
                react = parse_us_date(f[i_react]) if i_react >= 0 and f[i_react] else None
                if react is None or (deact is not None and react < deact):
                    when = deact.isoformat() if deact else f[i_deact]
                    skip(line_no, f"NPI deactivated on {when} (no later reactivation)", npi, "deactivated")
                    continue
            entity = f[i_type]
            if entity != "1" and entity != "2":
                entity = repairs.code(entity)
            if not primary and codes:
                primary = codes[0]
            label = labels.get(primary)
            if label is None:
                label = labels[primary] = taxonomy.label(primary)
                if primary and not label:
                    unknown_codes[primary] = line_no
            # Address: practice location, geocoded to its ZIP centroid.
            digits = postal if postal.isdigit() else "".join(c for c in postal if c.isdigit())
            zip_code = digits[:5] if len(digits) >= 5 else ""
            state = f[i_state].strip().upper()
            # A foreign country code with a US state is a data-entry slip (e.g. "UM" for Holyoke, MA).
            if country and country != "US" and state not in US_STATES:
                lat = lon = None
                precision, why = no_geo, NON_US
            else:
                point = centroids.get(zip_code) if zip_code else None
                if point is None:
                    lat = lon = None
                    precision, why = no_geo, (UNKNOWN_ZIP if zip_code else NO_ZIP)
                else:
                    lat, lon = point
                    precision, why = zip_centroid, ""
            address = Address(
                f[i_line1].strip(),
                tidy_city(f[i_city]),
                state,
                zip_code,
                f[i_line2].strip() if i_line2 >= 0 else "",
                lat,
                lon,
                precision,
            )
            if entity == "1":
                last = f[i_last]
                if not last.strip():
                    skip(line_no, "individual provider without a last name", npi, "no_name")
                    continue
                if why:
                    no_coords.append(RowNote(line_no, why, npi))
                yield Hcp(
                    hcp_id_for_npi(npi),
                    npi,
                    tidy_name(f[i_first]),
                    tidy_name(last),
                    normalize_credentials(f[i_cred]) if f[i_cred] else "",
                    primary,
                    label,
                    segment_d,
                    0,
                    address,
                    phone=_phone(f[i_phone], repairs) if i_phone >= 0 and f[i_phone] else "",
                    middle_name=tidy_name(f[i_middle]) if i_middle >= 0 and f[i_middle] else "",
                )
            elif entity == "2":
                name = f[i_org]
                if not name.strip():
                    skip(line_no, "organization without a legal business name", npi, "no_name")
                    continue
                if why:
                    no_coords.append(RowNote(line_no, why, npi))
                kind = kinds.get(primary)
                if kind is None:
                    kind = kinds[primary] = taxonomy.account_kind(primary)
                yield Account(account_id_for_npi(npi), tidy_name(name), kind, address, npi)
            else:
                skip(line_no, f"entity type {entity!r} is neither 1 (individual) nor 2 (organization)", npi, "bad_row")
    finally:
        report.rows_read += rows_read
        report.filtered += filtered
        repairs.into(report.repairs)
        report.elapsed_s += time.perf_counter() - started
        table.decoding.note_in(report, f"NPPES file {path.name}")
        if unknown_codes:
            sample = ", ".join(f"{c} (line {ln})" for c, ln in list(unknown_codes.items())[:5])
            report.warnings.append(
                f"{len(unknown_codes)} taxonomy code(s) are not in the NUCC table ({taxonomy.source}); "
                f"their specialty label is empty: {sample}"
            )


def _phone(text: str, repairs: Repairs) -> str:
    return format_phone(repairs.phone(text) if "." in text or "E" in text or "e" in text else text)


def import_nppes(
    path: str | os.PathLike[str],
    sink: RecordSink,
    *,
    territory_id: TerritoryId | str | None = None,
    states: Iterable[str] = (),
    zip_prefixes: Iterable[str] = (),
    taxonomies: Iterable[str] = (),
    nucc: Taxonomy | None = None,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> ImportReport:
    """Import an NPPES data file into ``sink``; the caller commits only if this returns.

    ``states`` (``"CT"``), ``zip_prefixes`` (``"061"``) and ``taxonomies`` (a code or a code prefix
    such as ``"207R"``, matched against all of a provider's codes) restrict what is imported;
    rows outside them count as ``filtered``. With ``territory_id`` every HCP is also aligned to it.
    """
    report = ImportReport(source=str(path), fmt=FORMAT, territory_id=territory_id)
    return drain(
        iter_nppes(
            path,
            report,
            states=states,
            zip_prefixes=zip_prefixes,
            taxonomies=taxonomies,
            nucc=nucc,
            progress=progress,
            cancelled=cancelled,
        ),
        sink,
        report,
        territory_id,
        progress,
    )


__all__ = ["import_nppes", "iter_nppes"]
