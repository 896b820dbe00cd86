"""Settings: hub server and account, where the data lives, theme, the daily visit goal."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from repcompanion.ui.widgets import label
from repcompanion.workspace import SyncStatus

THEMES = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))


class SettingsDialog(QDialog):
    """Preferences live in QSettings; the account's tokens stay in the system keyring."""

    def __init__(
        self,
        *,
        status: SyncStatus | None,
        folder: Path | None,
        theme_choice: str,
        daily_target: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self.login_requested = False
        self.open_folder_requested = False
        form = QFormLayout(self)
        form.setSpacing(10)
        form.addRow(label("Hub", "SectionTitle"))
        self.server = QLineEdit(status.server_url if status else "")
        self.server.setReadOnly(True)
        self.server.setPlaceholderText("Not set up")
        self.server.setAccessibleName("Server address")
        form.addRow("Server", self.server)
        account = QHBoxLayout()
        self.user = QLineEdit(status.user if status else "")
        self.user.setReadOnly(True)
        self.user.setPlaceholderText("Not logged in")
        self.user.setAccessibleName("Account")
        self.login = QPushButton("Log in…")
        self.login.setAccessibleName("Log in to the hub")
        self.login.clicked.connect(self._login)
        account.addWidget(self.user, 1)
        account.addWidget(self.login)
        form.addRow("Account", account)
        form.addRow(
            label(
                "Your password is never stored; the sign-in tokens are kept by the system keyring.", "Muted", wrap=True
            )
        )
        form.addRow(label("Data", "SectionTitle"))
        where = QHBoxLayout()
        self.folder = QLineEdit(str(folder) if folder else "")
        self.folder.setReadOnly(True)
        self.folder.setAccessibleName("Data location")
        self.change_folder = QPushButton("Open another…")
        self.change_folder.setAccessibleName("Open another workspace")
        self.change_folder.clicked.connect(self._open_folder)
        where.addWidget(self.folder, 1)
        where.addWidget(self.change_folder)
        form.addRow("Workspace", where)
        form.addRow(label("Appearance and day", "SectionTitle"))
        self.theme = QComboBox()
        self.theme.setAccessibleName("Theme")
        for key, text in THEMES:
            self.theme.addItem(text, key)
        self.theme.setCurrentIndex(max(self.theme.findData(theme_choice), 0))
        form.addRow("Theme", self.theme)
        self.target = QSpinBox()
        self.target.setRange(1, 30)
        self.target.setValue(daily_target)
        self.target.setSuffix(" visits a day")
        self.target.setAccessibleName("Daily visit goal")
        form.addRow("Daily goal", self.target)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _login(self) -> None:
        self.login_requested = True
        self.accept()

    def _open_folder(self) -> None:
        self.open_folder_requested = True
        self.accept()
