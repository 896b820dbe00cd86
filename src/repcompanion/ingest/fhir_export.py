"""Export of HCPs and accounts as a FHIR R4 Bundle (type collection), validated before it is returned."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from repcompanion.domain import Account, AccountId, Address, Affiliation, Hcp
from repcompanion.ingest.fhir_io import GEOLOCATION_URL, NPI_SYSTEM, RECORD_ID_SYSTEM, validate
from repcompanion.ingest.nucc import NUCC_SYSTEM, Taxonomy

ORG_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/organization-type"
ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/practitioner-role"
_FHIR_ID = re.compile(r"[^A-Za-z0-9\-.]")


def fhir_id(record_id: str) -> str:
    """A valid FHIR id (letters, digits, '-', '.', at most 64) for one of our record ids."""
    return _FHIR_ID.sub("-", record_id)[:64] or "x"


def _identifiers(record_id: str, npi: str | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if npi:
        out.append({"use": "official", "system": NPI_SYSTEM, "value": npi})
    out.append({"use": "secondary", "system": RECORD_ID_SYSTEM, "value": record_id})
    return out


def _address(address: Address) -> dict[str, Any]:
    lines = [x for x in (address.line1, address.line2) if x]
    out: dict[str, Any] = {"use": "work", "type": "physical"}
    if address.latitude is not None and address.longitude is not None:
        out["extension"] = [
            {
                "url": GEOLOCATION_URL,
                "extension": [
                    {"url": "latitude", "valueDecimal": address.latitude},
                    {"url": "longitude", "valueDecimal": address.longitude},
                ],
            }
        ]
    if lines:
        out["line"] = lines
    for key, value in (("city", address.city), ("state", address.state), ("postalCode", address.zip)):
        if value:
            out[key] = value
    out["country"] = "US"
    return out


def _organization(account: Account) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": fhir_id(account.id),
        "identifier": _identifiers(account.id, account.npi),
        "active": True,
        "type": [
            {
                "coding": [{"system": ORG_TYPE_SYSTEM, "code": "prov", "display": "Healthcare Provider"}],
                "text": account.kind.value,
            }
        ],
        "name": account.name,
        "address": [_address(account.address)],
    }
    if account.parent_id:
        resource["partOf"] = {"reference": f"Organization/{fhir_id(account.parent_id)}"}
    return resource


def _practitioner(hcp: Hcp) -> dict[str, Any]:
    name: dict[str, Any] = {"use": "official", "family": hcp.last_name}
    given = [g for g in (hcp.first_name, *hcp.middle_name.split()) if g]
    if given:
        name["given"] = given
    if hcp.credentials:
        name["suffix"] = [c.strip() for c in hcp.credentials.split(",") if c.strip()]
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": fhir_id(hcp.id),
        "identifier": _identifiers(hcp.id, hcp.npi),
        "active": hcp.active,
        "name": [name],
        "address": [_address(hcp.address)],
    }
    telecom = [
        {"system": system, "value": value, "use": "work"}
        for system, value in (("phone", hcp.phone), ("email", hcp.email))
        if value
    ]
    if telecom:
        resource["telecom"] = telecom
    return resource


def _roles(hcp: Hcp, exported: set[AccountId], nucc: Taxonomy) -> list[dict[str, Any]]:
    specialty: list[dict[str, Any]] = []
    if hcp.specialty_code:
        display = nucc.label(hcp.specialty_code) or hcp.specialty_label
        coding = {"system": NUCC_SYSTEM, "code": hcp.specialty_code}
        if display:
            coding["display"] = display
        text = hcp.specialty_label or display
        specialty = [{"coding": [coding], **({"text": text} if text else {})}]
    elif hcp.specialty_label:
        specialty = [{"text": hcp.specialty_label}]
    affiliations: list[Affiliation | None] = [a for a in hcp.affiliations if a.account_id in exported] or [None]
    roles = []
    for number, affiliation in enumerate(affiliations, start=1):
        role: dict[str, Any] = {
            "resourceType": "PractitionerRole",
            "id": fhir_id(f"{hcp.id}-role-{number}"),
            "active": hcp.active,
            "practitioner": {"reference": f"Practitioner/{fhir_id(hcp.id)}"},
        }
        if affiliation is not None:
            role["organization"] = {"reference": f"Organization/{fhir_id(affiliation.account_id)}"}
            role["code"] = [{"text": affiliation.role}]
        if specialty:
            role["specialty"] = specialty
        roles.append(role)
    return roles


def export_fhir(
    hcps: Iterable[Hcp],
    accounts: Iterable[Account],
    *,
    nucc: Taxonomy | None = None,
    base_url: str | None = None,
    check: bool = True,
) -> dict[str, Any]:
    """A Bundle (type collection): one Organization per account, one Practitioner per HCP and a
    PractitionerRole per affiliation (specialty as a NUCC coding). Validated with the R4B classes
    unless ``check`` is False; ``base_url`` adds fullUrls (``{base_url}/Practitioner/{id}``)."""
    nucc = nucc or Taxonomy.builtin()
    accounts = list(accounts)
    exported = {a.id for a in accounts}
    resources: list[dict[str, Any]] = [_organization(a) for a in accounts]
    for hcp in hcps:
        resources.append(_practitioner(hcp))
        resources.extend(_roles(hcp, exported, nucc))
    entries = []
    for resource in resources:
        entry: dict[str, Any] = {"resource": resource}
        if base_url:
            entry["fullUrl"] = f"{base_url.rstrip('/')}/{resource['resourceType']}/{resource['id']}"
        entries.append(entry)
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "entry": entries,
    }
    if check:
        validate(bundle, "exported bundle")
    return bundle


__all__ = ["export_fhir", "fhir_id"]
