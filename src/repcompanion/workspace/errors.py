"""Why a workspace did not open, in terms the app answers: ask for the passphrase, or say where the key went."""

from __future__ import annotations

from repcompanion.domain.errors import WorkspaceKeyError

#: The shortest passphrase accepted for a new workspace.
MIN_PASSPHRASE_CHARS = 8


class PassphraseRequiredError(WorkspaceKeyError):
    """No keyring is available (or the workspace uses a passphrase) and none was given."""

    hint = "Enter the workspace passphrase (or set REPCOMPANION_PASSPHRASE for command-line use). Nothing was changed."


class KeyringKeyMissingError(WorkspaceKeyError):
    hint = (
        "The key for this workspace is kept in this computer's keyring under 'RepCompanion-workspace'. "
        "Unlock the keyring or log in as the user who created the workspace; if the key is gone, move the "
        "workspace folder aside and sync again. Nothing was changed."
    )
