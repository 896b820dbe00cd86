"""Small building blocks shared by the views: cards, chips, banners, table delegates."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from repcompanion.ui import theme

Index = QModelIndex | QPersistentModelIndex
SEGMENT_HELP = {"A": "Segment A: highest value", "B": "Segment B", "C": "Segment C", "D": "Segment D: lowest value"}


def label(text: str = "", name: str = "", *, wrap: bool = False, selectable: bool = False) -> QLabel:
    lab = QLabel(text)
    if name:
        lab.setObjectName(name)
    lab.setWordWrap(wrap)
    if selectable:
        lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


def button(
    text: str, icon_name: str = "", *, primary: bool = False, tip: str = "", accessible: str = ""
) -> QPushButton:
    btn = QPushButton(text)
    if icon_name:
        btn.setIcon(theme.icon(icon_name, "accent_text" if primary else "accent"))
        btn.setIconSize(QSize(18, 18))
    if primary:
        btn.setProperty("primary", True)
    if tip:
        btn.setToolTip(tip)
    btn.setAccessibleName(accessible or text.replace("&", "").rstrip("…"))
    return btn


def ask(parent: QWidget, title: str, text: str, actions: list[tuple[str, Any]], *, default: str) -> QMessageBox:
    """Ask without blocking: one button per (words, slot) in ``actions``, and ``default``, which does nothing and
    is what Enter and Esc choose."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent)
    slots: dict[QAbstractButton, Any] = {}
    for words, slot in actions:
        slots[box.addButton(words, QMessageBox.ButtonRole.AcceptRole)] = slot
    stay = box.addButton(default, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stay)
    box.setEscapeButton(stay)
    box.buttonClicked.connect(lambda b: slots[b]() if b in slots else None)
    box.open()
    return box


class ElidedLabel(QLabel):
    """One line of plain text that shortens with "…" when there is no room (the whole text in its tooltip), so it
    never holds its window wider than the screen."""

    #: The narrowest it gets: a few letters and the ellipsis.
    MIN_WIDTH = 48

    def __init__(self, text: str = "", name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self.setAccessibleDescription(text)
        self._elide()
        self.updateGeometry()

    def text(self) -> str:
        """The whole text (what is shown may be shortened)."""
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right() + 2
        return QSize(width, hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(min(self.MIN_WIDTH, self.sizeHint().width()), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(room, 0))
        QLabel.setText(self, shown if room > 0 else self._full)
        self.setToolTip(self._full if shown != self._full else "")


class Card(QFrame):
    """A white, rounded panel with a title; ``body`` is its vertical layout."""

    def __init__(self, title: str = "", parent: QWidget | None = None, *, spacing: int = 8) -> None:
        super().__init__(parent)
        self.setProperty("card", True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(16, 14, 16, 14)
        self.body.setSpacing(spacing)
        self.title_label: QLabel | None = None
        if title:
            self.title_label = label(title, "SectionTitle")
            self.body.addWidget(self.title_label)
            self.setAccessibleName(title)


class Chip(QLabel):
    """A small coloured pill: segment, status, consent."""

    def __init__(self, text: str = "", color: str = "accent", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setProperty("chip", True)
        self.set_color(color)

    def set_color(self, color: str) -> None:
        c = QColor(color if color.startswith("#") else theme.current()[color])
        bg = QColor(c)
        bg.setAlphaF(0.14)
        self.setStyleSheet(
            f"QLabel {{ color: {c.name()}; background: rgba({bg.red()},{bg.green()},{bg.blue()},{bg.alphaF():.2f});"
            f" border: 1px solid rgba({c.red()},{c.green()},{c.blue()},0.35); }}"
        )


def segment_chip(segment: str) -> Chip:
    chip = Chip(f"Segment {segment}", f"seg_{segment}" if f"seg_{segment}" in theme.current().colors else "muted")
    chip.setToolTip(SEGMENT_HELP.get(segment, ""))
    return chip


class Banner(QFrame):
    """A dismissable message strip at the top of the window (errors, notices)."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 8)
        self.row = lay
        self.icon = QLabel()
        self.text = label("", wrap=True, selectable=True)
        self.text.setAccessibleName("Message")
        self.close_button = QPushButton("Dismiss")
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.clicked.connect(self.dismiss)
        lay.addWidget(self.icon)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.close_button)
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        self.setProperty("kind", kind)
        color = {"error": "danger", "warning": "warning"}.get(kind, "info")
        self.icon.setPixmap(theme.icon("warning" if kind != "info" else "why", color).pixmap(20, 20))
        self.text.setText(text)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def dismiss(self) -> None:
        self.hide()
        self.closed.emit()


class SegmentDelegate(QStyledItemDelegate):
    """Draws the segment as a coloured chip."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        segment = opt.text
        opt.text = ""
        opt.widget.style().drawControl(opt.widget.style().ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        key = f"seg_{segment}"
        color = theme.current().color(key if key in theme.current().colors else "muted")
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(opt.rect)
        w, h = 30.0, min(20.0, r.height() - 6)
        chip = QRectF(r.center().x() - w / 2, r.center().y() - h / 2, w, h)
        fill = QColor(color)
        fill.setAlphaF(0.16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(chip, h / 2, h / 2)
        painter.setPen(color)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, segment)
        painter.restore()


class PriorityBarDelegate(QStyledItemDelegate):
    """Draws the priority as a bar relative to the day's highest, with the number beside it."""

    def __init__(self, maximum: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._maximum = maximum

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        opt.widget.style().drawControl(opt.widget.style().ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        try:
            value = float(text)
        except ValueError:
            return
        top = max(self._maximum(), 1e-9)
        frac = max(0.0, min(1.0, value / top))
        t = theme.current()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(opt.rect).adjusted(8, 0, -8, 0)
        bar_w = max(10.0, r.width() - 44)
        track = QRectF(r.left(), r.center().y() - 4, bar_w, 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(t.color("surface_alt") if t.name == "light" else t.color("border"))
        painter.drawRoundedRect(track, 4, 4)
        fill = QRectF(track)
        fill.setWidth(max(4.0, bar_w * frac))
        painter.setBrush(t.color("accent"))
        painter.drawRoundedRect(fill, 4, 4)
        painter.setPen(t.color("muted"))
        painter.drawText(
            QRectF(track.right() + 6, r.top(), 40, r.height()),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            f"{value:.2f}",
        )
        painter.restore()


def setup_table(view: QTableView, *, stretch_column: int | None = None) -> None:
    """The house look of a table: row selection, no grid, alternating rows, comfortable rows."""
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(34)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    if stretch_column is not None:
        view.horizontalHeader().setStretchLastSection(False)
        view.horizontalHeader().setSectionResizeMode(stretch_column, view.horizontalHeader().ResizeMode.Stretch)


class ChipDelegate(QStyledItemDelegate):
    """Draws a cell as a coloured pill; the colour is a theme key (or #hex) from ``color_role``."""

    def __init__(self, color_role: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color_role = color_role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        text = str(index.data() or "")
        key = str(index.data(self.color_role) or "muted")
        color = QColor(key if key.startswith("#") else theme.current()[key])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        width = option.fontMetrics.horizontalAdvance(text) + 18
        rect = QRectF(option.rect.left() + 6, option.rect.center().y() - 10, width, 20)
        bg = QColor(color)
        bg.setAlphaF(0.16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(rect, 10, 10)
        painter.setPen(color)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(option.fontMetrics.horizontalAdvance(str(index.data() or "")) + 32, 28)


class PageScroll(QScrollArea):
    """A frameless scroll area that gives its page all the room there is, and scrolls only below the page's minimum
    size. (A resizable QScrollArea holds a page whose text wraps to that text's preferred height, and so scrolls
    long before it has to.)"""

    def __init__(self, page: QWidget) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(False)
        self.page = page  # before setWidget: the scroll area starts filtering the page's events there
        self.setWidget(page)
        page.installEventFilter(self)

    def least(self) -> QSize:
        return self.page.minimumSizeHint().expandedTo(self.page.minimumSize())

    def fit(self) -> None:
        page, least = self.page, self.least()
        room = self.maximumViewportSize()  # the viewport without scroll bars
        if least.width() > room.width():  # a horizontal bar takes height
            room.setHeight(room.height() - self.horizontalScrollBar().sizeHint().height())
        if least.height() > room.height():
            room.setWidth(room.width() - self.verticalScrollBar().sizeHint().width())
        page.resize(max(room.width(), least.width()), max(room.height(), least.height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.page and event.type() == QEvent.Type.LayoutRequest:
            self.fit()
        return super().eventFilter(watched, event)


def scrolled(content: QLayout | QWidget, minimum: QSize) -> QScrollArea:
    """``content`` in a frameless scroll area that scrolls only when there is less room than ``minimum``."""
    if isinstance(content, QLayout):
        holder = QWidget()
        holder.setLayout(content)
        content = holder
    content.setMinimumSize(minimum)
    return PageScroll(content)


def fit_to_screen(window: QWidget, preferred: QSize) -> None:
    """Size ``window`` at ``preferred``, or as much of its screen as is free when that is smaller."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry().size() if screen is not None else preferred
    window.resize(min(preferred.width(), room.width()), min(preferred.height(), room.height()))
