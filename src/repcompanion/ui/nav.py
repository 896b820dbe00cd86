"""The navigation bar: the pages of the window, in the one order the sidebar, the View menu and Ctrl+1… share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QButtonGroup, QFrame, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from repcompanion.ui import theme
from repcompanion.ui.widgets import ElidedLabel

Slot = Callable[[], object]


@dataclass(frozen=True)
class Page:
    """A page of the main window: its key, its name, its icon and the keys that show it."""

    key: str
    text: str
    icon: str
    shortcuts: tuple[str, ...]
    tip: str


#: The pages, in the order the sidebar and the View menu list them; Ctrl+1… follow that order.
PAGES = (
    Page("today", "Today", "today", ("Ctrl+1",), "Today's priorities"),
    Page("directory", "Directory", "search", ("Ctrl+2", "Ctrl+F"), "Find anyone in your territory"),
    Page("hcp", "HCP", "hcp", ("Ctrl+3",), "The HCP you opened last"),
    Page("plan", "Plan my day", "plan", ("Ctrl+4", "Ctrl+P"), "Route the day's visits"),
    Page("numbers", "My numbers", "numbers", ("Ctrl+5",), "Your call plan, reach and suggestions"),
)
#: Below this window width the bar shows icons only.
COMPACT_BELOW = 1180
WIDE, NARROW = 200, 60


def nav_button(text: str, icon_name: str, tip: str = "", slot: Slot | None = None) -> QToolButton:
    """A navigation-bar button (``slot``: what a click does)."""
    b = QToolButton()
    b.setText(f"  {text}")
    b.setIcon(theme.icon(icon_name, "muted"))
    b.setIconSize(QSize(20, 20))
    b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    b.setSizePolicy(QSizePolicy.Policy.Expanding, b.sizePolicy().verticalPolicy())
    b.setAccessibleName(text)
    b.setToolTip(tip or text)
    b.setProperty("label", text)
    if slot is not None:
        b.clicked.connect(slot)
    return b


class NavBar(QFrame):
    """The page buttons (one checked), Drafts and Settings; icons only when the window is narrow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NavBar")
        self.setFixedWidth(WIDE)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 12)
        lay.setSpacing(2)
        self.title = ElidedLabel("RepCompanion", "AppTitle")
        self.subtitle = ElidedLabel("Offline field companion", "AppSubtitle")
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        for page in PAGES:
            keys = " or ".join(page.shortcuts)
            b = nav_button(page.text, page.icon, f"{page.tip} ({keys})")
            b.setCheckable(True)
            self.group.addButton(b)
            self.buttons[page.key] = b
            lay.addWidget(b)
        self.drafts = nav_button("Drafts", "draft", "Visits not submitted yet (Ctrl+Shift+D)")
        lay.addWidget(self.drafts)
        lay.addStretch(1)
        self.settings = nav_button("Settings", "settings", "Your hub, working days, places and look (Ctrl+,)")
        lay.addWidget(self.settings)
        self.compact = False

    def set_compact(self, compact: bool) -> None:
        """Icons only (``compact``), or icons and names."""
        if compact == self.compact:
            return
        self.compact = compact
        self.setFixedWidth(NARROW if compact else WIDE)
        for widget in (self.title, self.subtitle):
            widget.setVisible(not compact)
        style = Qt.ToolButtonStyle.ToolButtonIconOnly if compact else Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        for b in (*self.buttons.values(), self.drafts, self.settings):
            b.setToolButtonStyle(style)

    def set_drafts(self, count: int, undecided: bool) -> None:
        """Show how many drafts wait, warning when a flagged note is still undecided."""
        text = f"Drafts ({count})" if count else "Drafts"
        self.drafts.setText(f"  {text}")
        self.drafts.setAccessibleName(text)
        self.drafts.setIcon(theme.icon("warning" if undecided else "draft", "warning" if undecided else "muted"))


__all__ = ["COMPACT_BELOW", "PAGES", "NavBar", "Page", "nav_button"]
