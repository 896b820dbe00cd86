"""Which HCP master-data fields a rep may ask to correct, and those values checked and normalised."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from repcompanion.domain import AccountId, Affiliation
from repcompanion.ingest.geo import US_STATES
from repcompanion.ingest.normalize import format_phone, zip5

#: The only fields a data change request may touch; everything else comes from NPPES, FHIR or the CRM.
#: ``affiliation`` names the account the HCP now mainly works at (it becomes their primary affiliation).
ALLOWED_FIELDS = (
    "line1",
    "line2",
    "city",
    "state",
    "zip",
    "phone",
    "email",
    "specialty_code",
    "specialty_label",
    "affiliation",
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_NUCC_CODE = re.compile(r"[0-9]{3}[0-9A-Z]{6}X")


@dataclass
class CheckedChanges:
    """Normalised values, the fields that may not be changed, and what is wrong with the rest (in words)."""

    values: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_changes(changes: Mapping[str, Any]) -> CheckedChanges:
    """ZIP to 5 digits, state upper-case, phone formatted, NUCC code checked; street, city and the affiliation's
    account id not empty."""
    result = CheckedChanges(refused=sorted(set(changes) - set(ALLOWED_FIELDS)))
    for name, raw in changes.items():
        if name not in ALLOWED_FIELDS:
            continue
        value = "" if raw is None else str(raw).strip()
        if name == "zip":
            value = zip5(value)
            if not value:
                result.problems.append(f"zip {raw!r} is not a US ZIP code")
        elif name == "state":
            value = value.upper()
            if value not in US_STATES:
                result.problems.append(f"state {raw!r} is not a US state code (two letters, like MA)")
        elif name == "email" and value and not _EMAIL.fullmatch(value):
            result.problems.append(f"email {raw!r} is not an email address")
        elif name == "phone" and value:
            value = format_phone(value)
            if sum(c.isdigit() for c in value) < 10:
                result.problems.append(f"phone {raw!r} has fewer than 10 digits")
        elif name == "specialty_code":
            value = value.upper()
            if not _NUCC_CODE.fullmatch(value):
                result.problems.append(f"specialty_code {raw!r} is not a NUCC taxonomy code (like 207RC0000X)")
        elif name == "affiliation" and (not value or any(c.isspace() for c in value)):
            result.problems.append(f"affiliation {raw!r} is not an account id (like A0007)")
        elif name in ("line1", "city") and not value:
            result.problems.append(f"{name} cannot be empty")
        result.values[name] = value
    return result


#: The role an HCP gets at an account a change request makes their primary one (when they had none there).
REQUESTED_ROLE = "affiliated"


def with_primary_affiliation(affiliations: tuple[Affiliation, ...], account_id: str) -> tuple[Affiliation, ...]:
    """``affiliations`` with ``account_id`` the primary one (added when missing), every other one kept, not primary."""
    kept = tuple(Affiliation(a.account_id, a.role, False) for a in affiliations if a.account_id != account_id)
    role = next((a.role for a in affiliations if a.account_id == account_id), REQUESTED_ROLE)
    return (Affiliation(AccountId(account_id), role, True), *kept)
