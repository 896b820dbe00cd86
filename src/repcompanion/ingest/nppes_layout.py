"""The NPPES data file's columns, found by name in the v1 (329 columns) and v2 (330 columns) layouts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from repcompanion.ingest.errors import MissingColumnsError

TAXONOMY_SLOTS = 15

#: Logical field → accepted header names. v2 (Dec 2024 onwards) renamed "Provider Gender Code" to
#: "Provider Sex Code", "Other Provider Identifier Issuer_N" to "...Issue_N" and added
#: "Certification Date"; names are compared without case, spaces or punctuation.
FIELDS: dict[str, tuple[str, ...]] = {
    "npi": ("NPI",),
    "entity_type": ("Entity Type Code",),
    "replacement_npi": ("Replacement NPI",),
    "org_name": ("Provider Organization Name (Legal Business Name)", "Provider Organization Name"),
    "last_name": ("Provider Last Name (Legal Name)", "Provider Last Name"),
    "first_name": ("Provider First Name",),
    "middle_name": ("Provider Middle Name",),
    "credential": ("Provider Credential Text",),
    "line1": ("Provider First Line Business Practice Location Address",),
    "line2": ("Provider Second Line Business Practice Location Address",),
    "city": ("Provider Business Practice Location Address City Name",),
    "state": ("Provider Business Practice Location Address State Name",),
    "postal": ("Provider Business Practice Location Address Postal Code",),
    "country": (
        "Provider Business Practice Location Address Country Code (If outside U.S.)",
        "Provider Business Practice Location Address Country Code",
    ),
    "phone": ("Provider Business Practice Location Address Telephone Number",),
    "deactivated": ("NPI Deactivation Date",),
    "reactivated": ("NPI Reactivation Date",),
}
REQUIRED = (
    "npi",
    "entity_type",
    "org_name",
    "last_name",
    "first_name",
    "credential",
    "line1",
    "city",
    "state",
    "postal",
    "taxonomy_1",
)
V2_MARKERS = ("Provider Sex Code", "Certification Date")
V1_MARKERS = ("Provider Gender Code",)


def nppes_header(version: str = "v2") -> list[str]:
    """The column names of the NPPES data file in layout ``v1`` (329) or ``v2`` (330), in order."""
    head = [
        "NPI",
        "Entity Type Code",
        "Replacement NPI",
        "Employer Identification Number (EIN)",
        "Provider Organization Name (Legal Business Name)",
        "Provider Last Name (Legal Name)",
        "Provider First Name",
        "Provider Middle Name",
        "Provider Name Prefix Text",
        "Provider Name Suffix Text",
        "Provider Credential Text",
        "Provider Other Organization Name",
        "Provider Other Organization Name Type Code",
        "Provider Other Last Name",
        "Provider Other First Name",
        "Provider Other Middle Name",
        "Provider Other Name Prefix Text",
        "Provider Other Name Suffix Text",
        "Provider Other Credential Text",
        "Provider Other Last Name Type Code",
    ]
    for kind in ("Mailing", "Practice Location"):
        head += [
            f"Provider First Line Business {kind} Address",
            f"Provider Second Line Business {kind} Address",
            f"Provider Business {kind} Address City Name",
            f"Provider Business {kind} Address State Name",
            f"Provider Business {kind} Address Postal Code",
            f"Provider Business {kind} Address Country Code (If outside U.S.)",
            f"Provider Business {kind} Address Telephone Number",
            f"Provider Business {kind} Address Fax Number",
        ]
    head += [
        "Provider Enumeration Date",
        "Last Update Date",
        "NPI Deactivation Reason Code",
        "NPI Deactivation Date",
        "NPI Reactivation Date",
        "Provider Sex Code" if version == "v2" else "Provider Gender Code",
        "Authorized Official Last Name",
        "Authorized Official First Name",
        "Authorized Official Middle Name",
        "Authorized Official Title or Position",
        "Authorized Official Telephone Number",
    ]
    for slot in range(1, TAXONOMY_SLOTS + 1):
        head += [
            f"Healthcare Provider Taxonomy Code_{slot}",
            f"Provider License Number_{slot}",
            f"Provider License Number State Code_{slot}",
            f"Healthcare Provider Primary Taxonomy Switch_{slot}",
        ]
    issuer = "Issue" if version == "v2" else "Issuer"
    for slot in range(1, 51):
        head += [
            f"Other Provider Identifier_{slot}",
            f"Other Provider Identifier Type Code_{slot}",
            f"Other Provider Identifier State_{slot}",
            f"Other Provider Identifier {issuer}_{slot}",
        ]
    head += [
        "Is Sole Proprietor",
        "Is Organization Subpart",
        "Parent Organization LBN",
        "Parent Organization TIN",
        "Authorized Official Name Prefix Text",
        "Authorized Official Name Suffix Text",
        "Authorized Official Credential Text",
    ]
    head += [f"Healthcare Provider Taxonomy Group_{slot}" for slot in range(1, TAXONOMY_SLOTS + 1)]
    if version == "v2":
        head.append("Certification Date")
    return head


def name_key(name: str) -> str:
    """Header name without case, spaces or punctuation: ``"Provider  Sex Code "`` → ``providersexcode``."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


@dataclass(frozen=True, slots=True)
class NppesLayout:
    """Column indices resolved once from the header; -1 for an optional column that is absent."""

    version: str
    ncols: int
    index: dict[str, int]
    taxonomy: tuple[tuple[int, int], ...]  # (code column, primary-switch column) per slot present

    @property
    def last_needed(self) -> int:
        used = [i for i in self.index.values() if i >= 0]
        used += [i for pair in self.taxonomy for i in pair if i >= 0]
        return max(used)


def resolve_layout(header: list[str], path: Path) -> NppesLayout:
    keys = {name_key(h): i for i, h in reversed(list(enumerate(header)))}
    index: dict[str, int] = {}
    for field, names in FIELDS.items():
        index[field] = next((keys[name_key(n)] for n in names if name_key(n) in keys), -1)
    taxonomy: list[tuple[int, int]] = []
    for slot in range(1, TAXONOMY_SLOTS + 1):
        code = keys.get(name_key(f"Healthcare Provider Taxonomy Code_{slot}"), -1)
        switch = keys.get(name_key(f"Healthcare Provider Primary Taxonomy Switch_{slot}"), -1)
        if code >= 0:
            taxonomy.append((code, switch))
    index["taxonomy_1"] = taxonomy[0][0] if taxonomy else -1
    missing = [f for f in REQUIRED if index.get(f, -1) < 0]
    if missing:
        wanted = [FIELDS[m][0] if m in FIELDS else "Healthcare Provider Taxonomy Code_1" for m in missing]
        shown = ", ".join(f'"{n}"' for n in wanted)
        raise MissingColumnsError(
            f"NPPES file {path.name}, line 1: missing column(s) {shown} "
            f"(the header has {len(header)} columns). Import the main data file npidata_pfile_*.csv, "
            "not its _FileHeader, othername_pfile, pl_pfile or endpoint_pfile companions."
        )
    if any(name_key(m) in keys for m in V2_MARKERS):
        version = "v2"
    elif any(name_key(m) in keys for m in V1_MARKERS):
        version = "v1"
    else:
        version = "unknown (columns matched by name)"
    return NppesLayout(version, len(header), index, tuple(taxonomy))


__all__ = [
    "FIELDS",
    "REQUIRED",
    "TAXONOMY_SLOTS",
    "NppesLayout",
    "name_key",
    "nppes_header",
    "resolve_layout",
]
