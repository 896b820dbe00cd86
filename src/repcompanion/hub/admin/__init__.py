"""What administrators do: add users, decide data change requests, seed a demo hub, and the audit log of it all."""

from repcompanion.hub.admin import audit
from repcompanion.hub.admin.dcr import (
    DcrAlreadyDecidedError,
    DcrError,
    DcrNotAllowedError,
    DcrNotFoundError,
    DcrView,
    accept_dcr,
    list_dcrs,
    reject_dcr,
)
from repcompanion.hub.admin.seed import SeededRep, seed_hub
from repcompanion.hub.admin.users import add_user

__all__ = [
    "DcrAlreadyDecidedError",
    "DcrError",
    "DcrNotAllowedError",
    "DcrNotFoundError",
    "DcrView",
    "SeededRep",
    "accept_dcr",
    "add_user",
    "audit",
    "list_dcrs",
    "reject_dcr",
    "seed_hub",
]
