"""Import of FHIR R4 provider-directory data: Organization and Location → Account, Practitioner
(+ its PractitionerRoles) → Hcp."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from repcompanion.domain import (
    Account,
    AccountId,
    AccountKind,
    Address,
    Affiliation,
    Cancelled,
    GeoPrecision,
    Hcp,
    HcpId,
    Progress,
    Segment,
    TerritoryId,
    never_cancelled,
    no_progress,
)
from repcompanion.ingest.errors import ImportCancelledError
from repcompanion.ingest.fhir_io import GEOLOCATION_URL, SourcedResource, load_resources, npi_of, record_id_of
from repcompanion.ingest.geo import locate_zip
from repcompanion.ingest.normalize import (
    account_id_for_npi,
    format_phone,
    hcp_id_for_npi,
    normalize_credentials,
    tidy_city,
    tidy_name,
    zip5,
)
from repcompanion.ingest.nucc import NUCC_SYSTEM, Taxonomy
from repcompanion.ingest.repair import Repairs
from repcompanion.ingest.report import ImportReport, RecordSink, RowNote, drain

FORMAT = "FHIR"
#: Organization types that are payers or networks, not places a rep calls on.
NON_CARE_ORG_TYPES = {"pay", "ins", "ntwk", "network", "govt", "cg", "crs"}
#: Location physical types that are areas, not sites.
AREA_TYPES = {"area", "jdn", "rd", "ve"}
_HOSPITAL_CODES = {"HOSP", "GACH", "hosp"}
NEAR_DEGREES = 1.0  # |Δlat| + |Δlon| within which given coordinates agree with the ZIP centroid
DEGREE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0360"


def _coding(concepts: Any, system: str | None = None) -> tuple[str, str]:
    """(code, display) of the first coding, in ``system`` when given, of a CodeableConcept list."""
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        if not isinstance(concept, dict):
            continue
        for coding in concept.get("coding") or []:
            if system is None or str(coding.get("system", "")).rstrip("/") == system:
                return str(coding.get("code") or ""), str(coding.get("display") or concept.get("text") or "")
    return "", ""


def _display(concepts: Any) -> str:
    """The first coding's display, else the concept's text."""
    code, display = _coding(concepts)
    if display:
        return display
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        if isinstance(concept, dict) and concept.get("text"):
            return str(concept["text"])
    return code


def _texts(concepts: Any) -> str:
    out = []
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        if isinstance(concept, dict):
            out.append(str(concept.get("text") or ""))
            out += [f"{c.get('code', '')} {c.get('display', '')}" for c in concept.get("coding") or []]
    return " ".join(out).lower()


def _ref_key(reference: Any) -> str:
    """``{"reference": "https://x/fhir/Organization/1/_history/2"}`` → ``Organization/1``."""
    ref = str((reference or {}).get("reference") or "") if isinstance(reference, dict) else ""
    if ref.startswith("urn:"):
        return ref
    parts = [p for p in ref.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:])


def _geolocation(address: dict[str, Any]) -> tuple[float | None, float | None]:
    for ext in address.get("extension") or []:
        if ext.get("url") == GEOLOCATION_URL:
            values = {e.get("url"): e.get("valueDecimal") for e in ext.get("extension") or []}
            lat, lon = values.get("latitude"), values.get("longitude")
            if lat is not None and lon is not None:
                return float(lat), float(lon)
    return None, None


class _Builder:
    """Turns resources into records, noting coordinates problems in the report."""

    def __init__(self, report: ImportReport, nucc: Taxonomy) -> None:
        self.report = report
        self.nucc = nucc
        self.repairs = Repairs()

    def address(
        self, data: dict[str, Any] | None, where: int, key: str, position: tuple[Any, Any] = (None, None)
    ) -> Address:
        data = data or {}
        lines = [str(x) for x in data.get("line") or []]
        zip_code = zip5(self.repairs.zip(str(data.get("postalCode") or "")))
        lat, lon = position if position[0] is not None else _geolocation(data)
        lat, lon, precision, why = self._checked_point(lat, lon, zip_code, key)
        if not data:
            why = "no address in the resource"
        if why:
            self.report.no_coordinates.append(RowNote(where, why, key))
        return Address(
            lines[0] if lines else "",
            tidy_city(str(data.get("city") or "")),
            str(data.get("state") or "").strip().upper(),
            zip_code,
            ", ".join(lines[1:]),
            lat,
            lon,
            precision,
        )

    def _checked_point(
        self, lat: float | None, lon: float | None, zip_code: str, key: str
    ) -> tuple[float | None, float | None, GeoPrecision, str]:
        """Given coordinates if plausible (near the ZIP centroid when that is known), else the centroid."""
        c_lat, c_lon, c_precision, c_why = locate_zip(zip_code)
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return c_lat, c_lon, c_precision, c_why
        if c_lat is not None and c_lon is not None and abs(lat - c_lat) + abs(lon - c_lon) < 1e-6:
            return c_lat, c_lon, GeoPrecision.ZIP_CENTROID, ""  # our own export of a ZIP centroid
        if c_lat is None or c_lon is None or abs(lat - c_lat) + abs(lon - c_lon) < NEAR_DEGREES:
            return lat, lon, GeoPrecision.ROOFTOP, ""
        if abs(lon - c_lat) + abs(lat - c_lon) < NEAR_DEGREES:
            self.report.warnings.append(f"{key}: latitude and longitude were swapped; corrected")
            return lon, lat, GeoPrecision.ROOFTOP, ""
        self.report.warnings.append(f"{key}: coordinates are far from ZIP {zip_code}; used the ZIP centroid")
        return c_lat, c_lon, c_precision, c_why

    def bad_npi(self, res: SourcedResource, rejected: str) -> None:
        self.report.warnings.append(
            f"{res.where}: {res.ref} has NPI {rejected!r} with a wrong check digit; imported without it"
        )


def _own_id(res: SourcedResource) -> str:
    """The record id the resource carries, else one made from its reference (``FHIR-Location-3``)."""
    return record_id_of(res.data) or f"FHIR-{res.ref.replace('/', '-')}"


def _telecom(resource: dict[str, Any], system: str) -> str:
    for point in resource.get("telecom") or []:
        if point.get("system") == system and point.get("value"):
            return str(point["value"])
    return ""


def iter_fhir(
    resources: list[SourcedResource],
    report: ImportReport,
    *,
    nucc: Taxonomy | None = None,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> Iterator[Hcp | Account]:
    """Accounts first (organizations, then their locations), then HCPs with their roles merged in."""
    nucc = nucc or Taxonomy.builtin()
    build = _Builder(report, nucc)
    by_ref: dict[str, tuple[int, SourcedResource]] = {}
    for index, res in enumerate(resources, start=1):
        by_ref[res.ref] = (index, res)
    report.rows_read += len(resources)
    account_ids: dict[str, AccountId] = {}
    org_address: dict[str, dict[str, Any]] = {}
    for res in resources:
        if res.type == "Location":
            managing = _ref_key(res.data.get("managingOrganization"))
            if managing and res.data.get("address"):
                org_address.setdefault(managing, res.data["address"])

    # index -> (type text, account id or None for a payer/network, NPI, rejected NPI)
    orgs: dict[int, tuple[str, AccountId | None, str | None, str | None]] = {}
    for index, res in enumerate(resources, start=1):
        if res.type != "Organization":
            continue
        kind_text = _texts(res.data.get("type"))
        if set(kind_text.split()) & NON_CARE_ORG_TYPES:
            orgs[index] = (kind_text, None, None, None)
            continue
        npi, rejected = npi_of(res.data)
        account_ids[res.ref] = account_id_for_npi(npi) if npi else AccountId(_own_id(res))
        orgs[index] = (kind_text, account_ids[res.ref], npi, rejected)

    roles: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, res in enumerate(resources, start=1):
        if cancelled():
            raise ImportCancelledError(f"FHIR import cancelled at {res.where}; nothing was imported.")
        progress(index / (2 * len(resources)), f"{res.ref}")
        data = res.data
        if res.type == "Organization":
            kind_text, org_id, npi, rejected = orgs[index]
            if org_id is None:
                report.skip(index, "a payer or network organization, not a care-delivery account", res.ref, "not_care")
                continue
            if rejected:
                build.bad_npi(res, rejected)
            addresses = data.get("address") or []
            address = build.address(addresses[0] if addresses else org_address.get(res.ref), index, res.ref)
            yield Account(
                org_id,
                str(data.get("name") or res.ref),
                _org_kind(kind_text, nucc, data),
                address,
                npi,
                account_ids.get(_ref_key(data.get("partOf"))),
            )
        elif res.type == "PractitionerRole":
            practitioner = _ref_key(data.get("practitioner"))
            if practitioner not in by_ref:
                report.skip(
                    index,
                    f"refers to {practitioner or 'no Practitioner'}, which is not in this import",
                    res.ref,
                    "unresolved",
                )
                continue
            roles.setdefault(practitioner, []).append((index, data))
            report.merged += 1
        elif res.type not in ("Location", "Practitioner"):
            report.skip(index, f"{res.type} resources are not imported", res.ref, "unsupported")

    for index, res in enumerate(resources, start=1):
        if res.type != "Location":
            continue
        data = res.data
        physical, _ = _coding(data.get("physicalType"))
        if physical in AREA_TYPES:
            report.skip(index, f"an area (physical type {physical!r}), not a site", res.ref, "not_site")
            continue
        account_id = account_ids[res.ref] = AccountId(_own_id(res))
        position = data.get("position") or {}
        address = build.address(
            data.get("address"), index, res.ref, (position.get("latitude"), position.get("longitude"))
        )
        kind_text = _texts(data.get("type"))
        yield Account(
            account_id,
            str(data.get("name") or res.ref),
            AccountKind.HOSPITAL if set(kind_text.upper().split()) & _HOSPITAL_CODES else AccountKind.CLINIC,
            address,
            None,  # a site shares its organization's NPI; the NPI identifies the organization
            account_ids.get(_ref_key(data.get("managingOrganization"))),
        )

    for index, res in enumerate(resources, start=1):
        if res.type != "Practitioner":
            continue
        progress(0.5 + index / (2 * len(resources)), res.ref)
        hcp = _practitioner(res, index, roles.get(res.ref, []), by_ref, account_ids, build)
        if hcp is not None:
            yield hcp
    build.repairs.into(report.repairs)


def _org_kind(kind_text: str, nucc: Taxonomy, data: dict[str, Any]) -> AccountKind:
    code, _ = _coding(data.get("type"), NUCC_SYSTEM)
    if code:
        return nucc.account_kind(code)
    for word, kind in (
        ("hosp", AccountKind.HOSPITAL),
        ("pharm", AccountKind.PHARMACY),
        ("clinic", AccountKind.CLINIC),
        ("group", AccountKind.GROUP_PRACTICE),
        ("practice", AccountKind.GROUP_PRACTICE),
        ("idn", AccountKind.IDN),
    ):
        if word in kind_text:
            return kind
    return AccountKind.OTHER


def _practitioner(
    res: SourcedResource,
    index: int,
    roles: list[tuple[int, dict[str, Any]]],
    by_ref: dict[str, tuple[int, SourcedResource]],
    account_ids: dict[str, AccountId],
    build: _Builder,
) -> Hcp | None:
    data = res.data
    report = build.report
    names = data.get("name") or []
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    family = str(name.get("family") or "")
    given = [str(g) for g in name.get("given") or []]
    if not family and name.get("text"):
        *given, family = str(name["text"]).split() or [""]
    if not family:
        report.skip(index, "Practitioner without a family name", res.ref, "no_name")
        return None
    npi, rejected = npi_of(data)
    if rejected:
        build.bad_npi(res, rejected)
    hcp_id = hcp_id_for_npi(npi) if npi else HcpId(_own_id(res))

    specialty_code = specialty_label = ""
    affiliations: list[Affiliation] = []
    role_address: dict[str, Any] | None = None
    role_position: tuple[Any, Any] = (None, None)
    for number, (_, role) in enumerate(roles):
        code, display = _coding(role.get("specialty"), NUCC_SYSTEM)
        if not code:
            code, display = _coding(role.get("code"), NUCC_SYSTEM)
        if code and not specialty_code:
            specialty_code, specialty_label = code, build.nucc.label(code) or display
        if not code and not specialty_label:
            specialty_label = _display(role.get("specialty"))
        role_name = _display(role.get("code")) or "staff"
        organization = _ref_key(role.get("organization"))
        for ref in [organization] + [_ref_key(x) for x in role.get("location") or []]:
            if ref in account_ids and all(a.account_id != account_ids[ref] for a in affiliations):
                primary = number == 0 and ref == organization
                affiliations.append(Affiliation(account_ids[ref], role_name.lower(), primary=primary))
        for location in role.get("location") or []:
            hit = by_ref.get(_ref_key(location))
            if role_address is None and hit and hit[1].data.get("address"):
                role_address = hit[1].data["address"]
                position = hit[1].data.get("position") or {}
                role_position = (position.get("latitude"), position.get("longitude"))
    if not specialty_code:
        for qualification in data.get("qualification") or []:
            code, display = _coding(qualification.get("code"), NUCC_SYSTEM)
            if code:
                specialty_code, specialty_label = code, build.nucc.label(code) or display
                break
    addresses = data.get("address") or []
    work = next((a for a in addresses if a.get("use") in ("work", None)), None)
    if work is not None:
        address = build.address(work, index, res.ref)
    elif role_address is not None:
        address = build.address(role_address, index, res.ref, role_position)
    else:
        address = build.address(addresses[0] if addresses else None, index, res.ref)
    degrees = [str(s) for s in name.get("suffix") or []]
    if not degrees:
        for qualification in data.get("qualification") or []:
            for coding in (qualification.get("code") or {}).get("coding") or []:
                if str(coding.get("system", "")).startswith(DEGREE_SYSTEM) and coding.get("code"):
                    degrees.append(str(coding["code"]))
    credentials = normalize_credentials(", ".join(dict.fromkeys(degrees)))
    return Hcp(
        hcp_id,
        npi,
        tidy_name(given[0]) if given else "",
        tidy_name(family),
        credentials,
        specialty_code,
        specialty_label,
        Segment.D,
        0,
        address,
        affiliations=tuple(affiliations),
        phone=format_phone(build.repairs.phone(_telecom(data, "phone"))),
        email=_telecom(data, "email"),
        middle_name=" ".join(tidy_name(g) for g in given[1:]),
        active=data.get("active") is not False,
    )


def import_fhir(
    source: str | os.PathLike[str] | dict[str, Any],
    sink: RecordSink,
    *,
    territory_id: TerritoryId | str | None = None,
    nucc: Taxonomy | None = None,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> ImportReport:
    """Import a FHIR Bundle, single resource, NDJSON file or folder of JSON files into ``sink``.

    Every resource is validated (R4B classes, which read R4 data) before anything is written; an
    invalid one raises InvalidFhirError naming it. Resources of other types are skipped with a reason;
    PractitionerRoles are merged into their Practitioner (specialty, affiliations, practice address).
    """
    started = time.perf_counter()
    label = "JSON object" if isinstance(source, dict) else str(source)[:200]
    report = ImportReport(source=label, fmt=FORMAT, territory_id=territory_id, layout="R4")
    resources, warnings = load_resources(source)
    report.warnings.extend(warnings)
    drain(iter_fhir(resources, report, nucc=nucc, progress=progress, cancelled=cancelled), sink, report, territory_id)
    report.elapsed_s = time.perf_counter() - started
    return report


__all__ = ["import_fhir", "iter_fhir"]
