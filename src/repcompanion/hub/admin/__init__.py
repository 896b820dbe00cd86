"""What administrators do: users, roles and managers, data change requests, orphan reports, a demo hub, the audit."""

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
from repcompanion.hub.admin.orphans import (
    OrphanReport,
    OrphanReportError,
    close_orphan,
    list_orphans,
    reassign_orphan,
)
from repcompanion.hub.admin.seed import SeededRep, seed_hub
from repcompanion.hub.admin.users import (
    ROLES,
    UnknownUserError,
    UserAdminError,
    UserView,
    add_user,
    list_users,
    move_user,
    reset_password,
    set_active,
    set_manager,
    set_role,
)

__all__ = [
    "ROLES",
    "DcrAlreadyDecidedError",
    "DcrError",
    "DcrNotAllowedError",
    "DcrNotFoundError",
    "DcrView",
    "OrphanReport",
    "OrphanReportError",
    "SeededRep",
    "UnknownUserError",
    "UserAdminError",
    "UserView",
    "accept_dcr",
    "add_user",
    "audit",
    "close_orphan",
    "list_dcrs",
    "list_orphans",
    "list_users",
    "move_user",
    "reassign_orphan",
    "reject_dcr",
    "reset_password",
    "seed_hub",
    "set_active",
    "set_manager",
    "set_role",
]
