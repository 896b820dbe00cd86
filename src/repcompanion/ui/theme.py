"""Light and dark themes (following the system by default), the style sheet and tinted SVG icons."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from repcompanion.resources import resource_path


def resources_dir() -> Path:
    """``resources/ui`` as shipped in the package (or under ``$REPCOMPANION_RESOURCES``)."""
    return resource_path("ui")


@dataclass(frozen=True)
class Theme:
    name: str
    colors: dict[str, str]

    def color(self, key: str) -> QColor:
        return QColor(self.colors[key])

    def __getitem__(self, key: str) -> str:
        return self.colors[key]


@cache
def _palettes() -> dict[str, dict[str, str]]:
    with open(resources_dir() / "themes.toml", "rb") as f:
        return tomllib.load(f)


_current: Theme | None = None


def current() -> Theme:
    """The theme in use (light until one is applied)."""
    return _current or Theme("light", _palettes()["light"])


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = hints.colorScheme() if hints is not None else Qt.ColorScheme.Unknown
    return scheme == Qt.ColorScheme.Dark


def resolve(choice: str) -> str:
    """``system`` → ``light`` or ``dark``; anything unknown falls back to the system's choice."""
    if choice in ("light", "dark"):
        return choice
    return "dark" if system_prefers_dark() else "light"


def apply_theme(app: QApplication, choice: str = "system") -> Theme:
    """Style the whole application: Fusion, a matching palette, the style sheet and the base font."""
    global _current
    name = resolve(choice)
    theme = Theme(name, _palettes()[name])
    _current = theme
    app.setStyle("Fusion")
    pal = QPalette()
    c = theme.color
    pal.setColor(QPalette.ColorRole.Window, c("window"))
    pal.setColor(QPalette.ColorRole.WindowText, c("text"))
    pal.setColor(QPalette.ColorRole.Base, c("surface"))
    pal.setColor(QPalette.ColorRole.AlternateBase, c("surface_alt"))
    pal.setColor(QPalette.ColorRole.Text, c("text"))
    pal.setColor(QPalette.ColorRole.Button, c("surface"))
    pal.setColor(QPalette.ColorRole.ButtonText, c("text"))
    pal.setColor(QPalette.ColorRole.Highlight, c("selection"))
    pal.setColor(QPalette.ColorRole.HighlightedText, c("text"))
    pal.setColor(QPalette.ColorRole.ToolTipBase, c("surface"))
    pal.setColor(QPalette.ColorRole.ToolTipText, c("text"))
    pal.setColor(QPalette.ColorRole.PlaceholderText, c("muted"))
    pal.setColor(QPalette.ColorRole.Link, c("accent"))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, c("muted"))
    app.setPalette(pal)
    font = QFont(app.font())
    font.setPointSizeF(10)
    app.setFont(font)
    qss = (resources_dir() / "style.qss").read_text(encoding="utf-8")
    for key, value in theme.colors.items():
        qss = qss.replace("{{" + key + "}}", value)
    app.setStyleSheet(qss.replace("{{name}}", name))
    _icon_cache.clear()
    return theme


class SvgIconEngine(QIconEngine):
    """Renders one SVG at exactly the size asked (crisp at any DPI), tinted with a theme colour."""

    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._renderer = QSvgRenderer(QByteArray(svg))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        if mode == QIcon.Mode.Disabled:
            painter.setOpacity(0.4)
        self._renderer.render(painter, rect)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pm = QPixmap(size)
        pm.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pm)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pm

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        pm = self.pixmap(size * scale, mode, state)
        pm.setDevicePixelRatio(scale)
        return pm

    def clone(self) -> QIconEngine:
        return SvgIconEngine(self._svg)


_icon_cache: dict[tuple[str, str], QIcon] = {}


def icon(name: str, color: str = "muted") -> QIcon:
    """The icon ``resources/ui/icons/<name>.svg`` drawn in the theme colour ``color`` (or a #hex)."""
    key = (name, color)
    cached = _icon_cache.get(key)
    if cached is not None:
        return cached
    tint = color if color.startswith("#") else current()[color]
    svg = (resources_dir() / "icons" / f"{name}.svg").read_bytes().replace(b"currentColor", tint.encode())
    result = QIcon(SvgIconEngine(svg))
    _icon_cache[key] = result
    return result


def app_icon() -> QIcon:
    return QIcon(SvgIconEngine((resources_dir() / "app.svg").read_bytes()))
