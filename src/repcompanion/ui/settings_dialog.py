"""Settings: hub and account, where the data lives, the working day (time zone, days, days off, hours, home and
office), the theme and the daily visit goal."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QTime
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from repcompanion.ui import theme
from repcompanion.ui.dates import date_format, day_of, day_text, qdate, time_format
from repcompanion.ui.ops import Op, error_text
from repcompanion.ui.widgets import fit_to_screen, label
from repcompanion.workspace import HOME, OFFICE, WEEKDAY_NAMES, DaySettings, Place, SyncStatus, time_zone_names

if TYPE_CHECKING:
    from repcompanion.ui.main_window import MainWindow

THEMES = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))
PLACES = (HOME, OFFICE)
DayRole = Qt.ItemDataRole.UserRole + 4


def _qtime(t: time) -> QTime:
    return QTime(t.hour, t.minute)


def _time(q: QTime) -> time:
    return time(q.hour(), q.minute())


class SettingsDialog(QDialog):
    """Preferences live in QSettings, the working day in the workspace; the tokens stay in the system keyring.

    Save checks and keeps the working day (an address is placed offline first) and closes; a problem is shown
    here and nothing is kept."""

    def __init__(
        self,
        *,
        status: SyncStatus | None,
        folder: Path | None,
        theme_choice: str,
        daily_target: int,
        day: DaySettings | None = None,
        zone_in_use: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.login_requested = False
        self.open_folder_requested = False
        self.day = day or DaySettings()
        self.saved = False
        outer = QVBoxLayout(self)
        body = QWidget()
        form = QFormLayout(body)
        form.setSpacing(8)
        self._hub(form, status)
        self._data(form, folder)
        self._working_day(form, zone_in_use)
        self._places(form)
        form.addRow(label("Appearance and goal", "SectionTitle"))
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
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.problem = label("", wrap=True)
        self.problem.setStyleSheet(f"color: {theme.current()['danger']};")
        self.problem.setAccessibleName("Problem")
        self.problem.hide()
        outer.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        fit_to_screen(self, self.sizeHint())

    def sizeHint(self) -> QSize:
        return QSize(640, 720)

    # -- building -------------------------------------------------------------------------------------------
    def _hub(self, form: QFormLayout, status: SyncStatus | None) -> None:
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

    def _data(self, form: QFormLayout, folder: Path | None) -> None:
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

    def _working_day(self, form: QFormLayout, zone_in_use: str) -> None:
        form.addRow(label("Your working day", "SectionTitle"))
        self.time_zone = QComboBox()
        self.time_zone.setEditable(True)
        self.time_zone.setAccessibleName("Time zone")
        self.time_zone.addItem(f"The territory's ({zone_in_use})" if zone_in_use else "The territory's", "")
        for name in time_zone_names():
            self.time_zone.addItem(name, name)
        self.time_zone.setCurrentIndex(max(self.time_zone.findData(self.day.time_zone), 0))
        form.addRow("Time zone", self.time_zone)
        days = QHBoxLayout()
        days.setSpacing(6)
        self.weekdays: list[QCheckBox] = []
        for i, name in enumerate(WEEKDAY_NAMES):
            box = QCheckBox(name[:3])
            box.setAccessibleName(f"Work on {name}s")
            box.setChecked(i in self.day.weekdays)
            self.weekdays.append(box)
            days.addWidget(box)
        days.addStretch(1)
        form.addRow("Working days", days)
        hours = QHBoxLayout()
        self.hours_from, self.hours_to = QTimeEdit(_qtime(self.day.hours[0])), QTimeEdit(_qtime(self.day.hours[1]))
        for edit, name in ((self.hours_from, "Working hours from"), (self.hours_to, "Working hours until")):
            edit.setDisplayFormat(time_format())
            edit.setAccessibleName(name)
        hours.addWidget(self.hours_from)
        hours.addWidget(label("to"))
        hours.addWidget(self.hours_to)
        hours.addStretch(1)
        form.addRow("Working hours", hours)
        off = QVBoxLayout()
        self.days_off = QListWidget()
        self.days_off.setAccessibleName("Days off")
        self.days_off.setMaximumHeight(96)
        for d in self.day.days_off:
            self._add_day_off(d)
        add_row = QHBoxLayout()
        self.day_off = QDateEdit(qdate(date.today()))
        self.day_off.setDisplayFormat(date_format())
        self.day_off.setCalendarPopup(True)
        self.day_off.setAccessibleName("A day off to add")
        add = QPushButton("Add")
        add.setAccessibleName("Add the day off")
        add.clicked.connect(lambda: self._add_day_off(day_of(self.day_off)))
        remove = QPushButton("Remove")
        remove.setAccessibleName("Remove the selected day off")
        remove.clicked.connect(self._remove_day_off)
        for w in (self.day_off, add, remove):
            add_row.addWidget(w)
        add_row.addStretch(1)
        off.addWidget(self.days_off)
        off.addLayout(add_row)
        form.addRow("Days off", off)
        form.addRow(label("Weekends and days off are never planned.", "Muted", wrap=True))

    def _places(self, form: QFormLayout) -> None:
        form.addRow(label("Where your day starts", "SectionTitle"))
        self.addresses: dict[str, QLineEdit] = {}
        self.found: dict[str, Any] = {}
        for name in PLACES:
            place = self.day.place(name)
            edit = QLineEdit(place.address if place else "")
            edit.setAccessibleName(f"{name} address")
            edit.setPlaceholderText("Street, town, state and ZIP code, e.g. 18 Franklin Street, Boston, MA 02133")
            edit.editingFinished.connect(lambda n=name: self.locate(n))
            found = label(f"Placed at {place.found}." if place else "", "Muted", wrap=True)
            self.addresses[name], self.found[name] = edit, found
            form.addRow(name, edit)
            form.addRow("", found)
        self.start = QComboBox()
        self.start.setAccessibleName("Start the day from")
        self.start.addItem("The middle of my territory", "")
        for name in PLACES:
            self.start.addItem(name, name)
        self.start.setCurrentIndex(max(self.start.findData(self.day.start), 0))
        form.addRow("Start from", self.start)

    # -- days off -------------------------------------------------------------------------------------------
    def _add_day_off(self, d: date) -> None:
        days = sorted({*self.days_off_list(), d})
        self.days_off.clear()
        for day in days:  # in calendar order (the names would sort alphabetically)
            item = QListWidgetItem(f"{WEEKDAY_NAMES[day.weekday()]} {day_text(day)}")
            item.setData(DayRole, day.isoformat())
            self.days_off.addItem(item)

    def _remove_day_off(self) -> None:
        for item in self.days_off.selectedItems():
            self.days_off.takeItem(self.days_off.row(item))

    def days_off_list(self) -> list[date]:
        return [date.fromisoformat(self.days_off.item(i).data(DayRole)) for i in range(self.days_off.count())]

    # -- places ---------------------------------------------------------------------------------------------
    def locate(self, name: str) -> Op | None:
        """Show where the address of ``name`` is placed (offline, on the database thread), or why it cannot be."""
        address = self.addresses[name].text().strip()
        if not address:
            self.found[name].setText("")
            return None

        def shown(place: Place) -> None:
            self.found[name].setText(f"Placed at {place.found}.")

        def failed(error: BaseException) -> None:
            self.found[name].setText(error_text(error))

        return Op(self, lambda ws: ws.day.locate(name, address)).success(shown).failure(failed).run()

    # -- saving ---------------------------------------------------------------------------------------------
    def chosen_time_zone(self) -> str:
        """The zone chosen or typed ("" for the territory's own)."""
        text = self.time_zone.currentText().strip()
        return "" if text == self.time_zone.itemText(0) else text

    def day_values(self) -> dict[str, Any]:
        """The working day as the dialog holds it, in ``ws.day.save_all``'s terms."""
        return {
            "time_zone": self.chosen_time_zone(),
            "weekdays": [i for i, box in enumerate(self.weekdays) if box.isChecked()],
            "days_off": self.days_off_list(),
            "hours": (_time(self.hours_from.time()), _time(self.hours_to.time())),
            "addresses": {name: edit.text().strip() for name, edit in self.addresses.items()},
            "start": str(self.start.currentData() or ""),
        }

    def save(self) -> Op:
        """Keep the working day in the workspace, then close; a problem keeps the dialog open and says what."""
        values = self.day_values()
        self.buttons.setEnabled(False)

        def saved(_changes: object) -> None:
            self.saved = True
            self.accept()

        def failed(error: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.problem.setText(error_text(error))
            self.problem.show()

        return Op(self, lambda ws: ws.day.save_all(**values)).success(saved).failure(failed).run()

    def _login(self) -> None:
        self.login_requested = True
        self.reject()

    def _open_folder(self) -> None:
        self.open_folder_requested = True
        self.reject()


def apply_settings(window: MainWindow, dialog: SettingsDialog) -> None:
    """What the window keeps itself: the theme and the daily goal (the working day is already saved)."""
    from repcompanion.ui.main_window import settings

    s = settings()
    choice = dialog.theme.currentData()
    if choice != s.value("appearance/theme", "system"):
        s.setValue("appearance/theme", choice)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, str(choice))
        window.refresh()
        window.numbers.stale = True
    window.today.daily_target = dialog.target.value()
    s.setValue("day/target", window.today.daily_target)
    if window.today.data is not None:
        window.today.set_day_progress(window.today.data.visits_logged)


__all__ = ["THEMES", "SettingsDialog", "apply_settings"]
