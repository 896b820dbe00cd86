"""Checking a data change request before it is proposed: which fields a rep may change, and to what.

The request itself is written and queued by ``ws.directory.propose_change``; an admin accepts or rejects it on
the hub, and an accepted change comes back as the HCP's updated row on a later sync.
"""

from __future__ import annotations

from collections.abc import Mapping

from repcompanion.domain import ValidationError
from repcompanion.ingest.changes import ALLOWED_FIELDS, check_changes


def validate_changes(changes: Mapping[str, object]) -> dict[str, str]:
    """``changes`` checked and normalised (ZIP to 5 digits, state upper-case, phone formatted), or a
    ValidationError naming every field or value that cannot be proposed."""
    if not changes:
        raise ValidationError("Say what should change: at least one field with its new value.")
    checked = check_changes(changes)
    if checked.refused:
        raise ValidationError(
            f"A change request cannot change {', '.join(checked.refused)}; you can propose changes to "
            f"{', '.join(ALLOWED_FIELDS)}.",
            hint="Other details come from the company's master data; ask your manager to correct them.",
        )
    if checked.problems:
        raise ValidationError(
            f"The change cannot be proposed: {'; '.join(checked.problems)}.", hint="Correct it and retry."
        )
    return checked.values


__all__ = ["ALLOWED_FIELDS", "validate_changes"]
