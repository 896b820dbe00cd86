"""The workspace passphrase prompt: masked, says why it is asked, and says so plainly when it was wrong."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from repcompanion.domain import WorkspaceKeyError
from repcompanion.ui import theme
from repcompanion.ui.widgets import label
from repcompanion.workspace import MIN_PASSPHRASE_CHARS, KeyringKeyMissingError, PassphraseRequiredError


def needs_passphrase(error: BaseException, *, tried: bool) -> bool:
    """A passphrase would open it: none was given and one is needed, or the one given was wrong."""
    if isinstance(error, PassphraseRequiredError):
        return True
    return tried and isinstance(error, WorkspaceKeyError) and not isinstance(error, KeyringKeyMissingError)


class PassphraseDialog(QDialog):
    """Ask for the passphrase of an encrypted workspace, or (``creating``) choose one for a new workspace."""

    def __init__(
        self, folder: str, *, creating: bool = False, wrong: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.creating = creating
        self.setWindowTitle("Choose a workspace passphrase" if creating else "Unlock your workspace")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        if creating:
            intro = (
                f"Your territory data in {folder} is stored encrypted. This computer has no system keyring to "
                f"keep the key, so choose a passphrase (at least {MIN_PASSPHRASE_CHARS} characters). You will need it "
                "each time you open the app."
            )
        else:
            intro = f"The workspace in {folder} is encrypted. Enter its passphrase to open it."
        lay.addWidget(label(intro, wrap=True))
        self.problem = label("", "ErrorText", wrap=True)
        self.problem.setStyleSheet(f"color: {theme.current()['danger']};")
        self.problem.setAccessibleName("Passphrase problem")
        lay.addWidget(self.problem)
        if wrong:
            self.show_problem("That passphrase did not unlock the workspace. Check it (and Caps Lock) and try again.")
        else:
            self.problem.hide()
        form = QFormLayout()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        form.addRow("Passphrase", self.passphrase)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName("Repeat the passphrase")
        if creating:
            form.addRow("Repeat it", self.confirm)
        else:
            self.confirm.hide()
        lay.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Create workspace" if creating else "Unlock")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.passphrase.setFocus()

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def value(self) -> str:
        return self.passphrase.text()

    def accept(self) -> None:
        text = self.passphrase.text()
        if not text:
            self.show_problem("Type the passphrase first.")
            return
        if self.creating:
            if len(text) < MIN_PASSPHRASE_CHARS:
                self.show_problem(f"Use at least {MIN_PASSPHRASE_CHARS} characters.")
                return
            if text != self.confirm.text():
                self.show_problem("The two passphrases differ. Type the same one twice.")
                return
        super().accept()
