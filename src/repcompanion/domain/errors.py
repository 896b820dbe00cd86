"""The one error hierarchy of RepCompanion.

Every error a user can cause says what happened and what to do (``hint``)::

    RepCompanionError
     ├── WorkspaceError                 the local database cannot be used as it is
     │    ├── WorkspaceCorruptError     not an SQLite file, or damaged
     │    ├── WorkspaceTooNewError      written by a newer version of the app
     │    ├── WorkspaceReadOnlyError    the folder or file cannot be written
     │    ├── WorkspaceLockedError      another program holds the database
     │    └── WorkspaceKeyError         wrong encryption key or passphrase
     ├── ValidationError                a value breaks a domain rule
     │    ├── ImmutableRecordError      a submitted call report cannot change
     │    └── ScreeningRequiredError    a flagged note needs the rep's decision before submit
     ├── NotFoundError                  an id that does not exist here
     ├── IngestError                    an import file cannot be read (line / resource named)
     ├── ModelError                     a model file is missing, untrusted or incompatible
     │    └── UntrustedModelError       a model file contains types we do not load
     ├── PlanError                      the day cannot be planned as asked
     ├── SafetyError                    the note screener cannot run
     ├── SyncError                      talking to the hub failed (see repcompanion.sync.errors)
     └── HubError                       hub-side failures (see repcompanion.hub)
"""

from __future__ import annotations


class RepCompanionError(Exception):
    """Base of every error RepCompanion raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def user_message(self) -> str:
        """What happened, then what to do, for a dialog or a terminal."""
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class WorkspaceError(RepCompanionError):
    """The local workspace database cannot be used as it is."""


class WorkspaceCorruptError(WorkspaceError):
    hint = (
        "The file was left untouched. Move it aside (or restore a backup) and run "
        "`repcompanion sync` to download your territory again."
    )


class WorkspaceTooNewError(WorkspaceError):
    hint = "Install the newer version of RepCompanion that wrote it; the file was left untouched."


class WorkspaceReadOnlyError(WorkspaceError):
    hint = "Choose a folder you can write to (`--workspace DIR`) or fix the folder's permissions."


class WorkspaceLockedError(WorkspaceError):
    hint = "Close the other RepCompanion window or program using this workspace, then try again."


class WorkspaceKeyError(WorkspaceError):
    hint = "Check the passphrase; the file was left untouched."


class ValidationError(RepCompanionError):
    """A value breaks a domain rule."""


class ImmutableRecordError(ValidationError):
    hint = "Submitted call reports are locked. Log a new visit or add a correction note instead."


class ScreeningRequiredError(ValidationError):
    hint = (
        "Choose 'Report' to open an adverse-event intake (pharmacovigilance needs it within 24 hours), "
        "or 'Not an adverse event' with a reason. The note is saved as a draft meanwhile."
    )


class NotFoundError(RepCompanionError):
    """An id that does not exist in this workspace or hub."""


class IngestError(RepCompanionError):
    """An import file cannot be read; nothing was imported."""


class ModelError(RepCompanionError):
    """A model file is missing, untrusted or incompatible."""


class UntrustedModelError(ModelError):
    hint = "Only models trained by RepCompanion (or published by your hub) can be loaded."


class PlanError(RepCompanionError):
    """The day cannot be planned as asked."""


class SafetyError(RepCompanionError):
    """The note screener cannot run."""


class SyncError(RepCompanionError):
    """Talking to the hub failed; repcompanion.sync.errors refines it."""


class HubError(RepCompanionError):
    """A hub-side failure."""


__all__ = [
    "HubError",
    "ImmutableRecordError",
    "IngestError",
    "ModelError",
    "NotFoundError",
    "PlanError",
    "RepCompanionError",
    "SafetyError",
    "ScreeningRequiredError",
    "SyncError",
    "UntrustedModelError",
    "ValidationError",
    "WorkspaceCorruptError",
    "WorkspaceError",
    "WorkspaceKeyError",
    "WorkspaceLockedError",
    "WorkspaceReadOnlyError",
    "WorkspaceTooNewError",
]
