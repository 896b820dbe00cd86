"""The territory map of the Plan view: HCPs coloured by priority, the day's route, a km scale; no tiles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from repcompanion.ui import theme
from repcompanion.ui.plan_model import clock

if TYPE_CHECKING:
    from repcompanion.workspace import Candidate, DayPlan, PlannedVisit, PlanSettings

# Five priority bands, low → high (a sequential yellow-orange-red scale readable on light and dark).
PRIORITY_COLORS = ("#FED976", "#FEB24C", "#FD8D3C", "#E31A1C", "#800026")
KM_PER_DEG_LAT = 110.57


def band_edges(priorities: Sequence[float]) -> list[float]:
    """Quintile edges of the candidates' priorities (the legend's bands)."""
    values = sorted(priorities)
    if not values:
        return [0.0] * 4
    return [values[min(len(values) - 1, int(len(values) * q / 5))] for q in range(1, 5)]


def band_of(priority: float, edges: Sequence[float]) -> int:
    return sum(1 for e in edges if priority >= e)


class Projection:
    """Equirectangular projection to kilometres around the territory's centre (north up)."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self.kx = KM_PER_DEG_LAT * 1.00937 * math.cos(math.radians(lat0))

    def point(self, lat: float, lon: float) -> QPointF:
        return QPointF((lon - self.lon0) * self.kx, -(lat - self.lat0) * KM_PER_DEG_LAT)


class StopBadge(QGraphicsItem):
    """A numbered stop, a fixed size on screen; ``offset`` (pixels) spreads stops at one address."""

    RADIUS = 11.0

    def __init__(self, number: int, offset: QPointF, locked: bool, tip: str) -> None:
        super().__init__()
        self.number, self.offset, self.locked = number, offset, locked
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(10 + number)
        self.setToolTip(tip)

    def boundingRect(self) -> QRectF:
        r = self.RADIUS + 2
        return QRectF(self.offset.x() - r, self.offset.y() - r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None) -> None:
        t = theme.current()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not self.offset.isNull():
            painter.setPen(QPen(t.color("text"), 1))
            painter.drawLine(QPointF(0, 0), self.offset)
        painter.setPen(QPen(QColor("#FFFFFF"), 2))
        painter.setBrush(t.color("warning" if self.locked else "accent"))
        painter.drawEllipse(self.offset, self.RADIUS, self.RADIUS)
        font = QFont(painter.font())
        font.setBold(True)
        font.setPointSizeF(8.5)
        painter.setFont(font)
        painter.setPen(QColor("#FFFFFF"))
        box = QRectF(self.offset.x() - self.RADIUS, self.offset.y() - self.RADIUS, 2 * self.RADIUS, 2 * self.RADIUS)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(self.number))


class StartMarker(QGraphicsItem):
    """The start point (home or office): a dark square with a label."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(9)  # under the numbered stops, over the dots and the route
        self.setToolTip("Start and end of the day")

    def boundingRect(self) -> QRectF:
        return QRectF(-9, -9, 60, 18)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None) -> None:
        t = theme.current()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#FFFFFF"), 2))
        painter.setBrush(t.color("text"))
        painter.drawRoundedRect(QRectF(-8, -8, 16, 16), 3, 3)
        font = QFont(painter.font())
        font.setBold(True)
        font.setPointSizeF(8.5)
        painter.setFont(font)
        painter.setPen(t.color("text"))
        painter.drawText(QRectF(11, -9, 48, 18), Qt.AlignmentFlag.AlignVCenter, "Start")


class PlanMap(QGraphicsView):
    """Candidates as dots coloured by priority band, the route with numbered stops, the start, a legend and a
    km scale bar. Wheel zooms around the cursor; dragging pans."""

    stop_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Territory map")
        self.setToolTip("")
        self.setMinimumSize(300, 200)
        self.edges: list[float] = [0.0] * 4
        self.projection: Projection | None = None
        self.dots: dict[str, QGraphicsEllipseItem] = {}
        self.badges: list[StopBadge] = []
        self.route: QGraphicsPathItem | None = None
        self._fitted = False
        self.showing_whole = False
        self.scale_text = ""

    # -- content ---------------------------------------------------------------------------------------------
    def show_plan(
        self, plan: DayPlan, candidates: Sequence[Candidate], settings: PlanSettings, *, refit: bool = False
    ) -> None:
        """Draw ``candidates`` and ``plan``'s route from ``settings.start``; keeps the zoom unless ``refit``."""
        scene = self.scene()
        scene.clear()
        self.dots.clear()
        self.badges.clear()
        t = theme.current()
        points = [(c.latitude, c.longitude) for c in candidates] + [tuple(settings.start)]
        if self.projection is None or refit:
            lats = [p[0] for p in points]
            lons = [p[1] for p in points]
            self.projection = Projection((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)
        proj = self.projection
        self.edges = band_edges([c.priority for c in candidates])
        planned = {v.hcp_id for v in plan.visits}
        for c in sorted(candidates, key=lambda c: c.priority):
            p = proj.point(c.latitude, c.longitude)
            color = QColor(PRIORITY_COLORS[band_of(c.priority, self.edges)])
            size = 9.0 if c.hcp_id not in planned else 11.0
            dot = QGraphicsEllipseItem(-size / 2, -size / 2, size, size)
            dot.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            dot.setPos(p)
            dot.setBrush(QBrush(color))
            dot.setPen(QPen(QColor(0, 0, 0, 140), 1))
            dot.setToolTip(f"{c.name} · priority {c.priority:.2f}" + (" · planned" if c.hcp_id in planned else ""))
            dot.setData(0, c.hcp_id)
            dot.setZValue(1 + band_of(c.priority, self.edges))
            scene.addItem(dot)
            self.dots[c.hcp_id] = dot
        start = proj.point(*settings.start)
        end = proj.point(*settings.end_point)
        path = QPainterPath(start)
        for v in plan.visits:
            if v.latitude is not None and v.longitude is not None:
                path.lineTo(proj.point(v.latitude, v.longitude))
        path.lineTo(end)
        pen = QPen(t.color("accent"), 3)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self.route = scene.addPath(path, pen)
        self.route.setZValue(8)
        self._add_badges(plan)
        marker = StartMarker()
        marker.setPos(start)
        scene.addItem(marker)
        rect = scene.itemsBoundingRect()
        pad = max(rect.width(), rect.height(), 1.0) * 0.08
        scene.setSceneRect(rect.adjusted(-pad * 6, -pad * 6, pad * 6, pad * 6))
        if refit or not self._fitted:
            self.fit()

    def _add_badges(self, plan: DayPlan) -> None:
        """Numbered stops; stops closer than ~8% of the route's extent share a ring around their centre."""
        assert self.projection is not None
        placed = [
            (v, self.projection.point(v.latitude, v.longitude))
            for v in plan.visits
            if v.latitude is not None and v.longitude is not None
        ]
        if not placed:
            return
        xs = [p.x() for _v, p in placed]
        ys = [p.y() for _v, p in placed]
        near = max(max(xs) - min(xs), max(ys) - min(ys), 1.0) * 0.08
        clusters: list[list[tuple[PlannedVisit, QPointF]]] = []
        for v, p in placed:
            home = next((c for c in clusters if (c[0][1] - p).manhattanLength() <= near), None)
            if home is None:
                clusters.append([(v, p)])
            else:
                home.append((v, p))
        for cluster in clusters:
            n = len(cluster)
            centre = cluster[0][1]
            for k, (v, p) in enumerate(cluster):
                offset = QPointF()
                if n > 1:
                    angle = -math.pi / 2 + 2 * math.pi * k / n
                    ring = 18.0 + 3.0 * max(0, n - 4)
                    offset = QPointF(ring * math.cos(angle), ring * math.sin(angle))
                tip = f"{v.order}. {v.name} · {clock(v.start)}–{clock(v.end)}" + (" · booked" if v.locked else "")
                badge = StopBadge(v.order, offset, v.locked, tip)
                badge.setPos(centre if n > 1 else p)
                badge.setData(0, v.hcp_id)
                self.scene().addItem(badge)
                self.badges.append(badge)

    def fit(self, whole: bool = False) -> None:
        """Zoom to the day's route and start point (at least 8 km across), or to the ``whole`` territory."""
        route = self.route.path().boundingRect() if self.route is not None else QRectF()
        rect = self.scene().itemsBoundingRect() if whole or route.isNull() else route
        if rect.isNull():
            return
        c = rect.center()
        w, h = max(rect.width(), 8.0), max(rect.height(), 8.0)
        rect = QRectF(c.x() - w / 2, c.y() - h / 2, w, h)
        pad = max(w, h) * 0.12
        # Extra room on top and right for the legend.
        self.fitInView(rect.adjusted(-pad, -pad * 3, pad * 2.5, pad), Qt.AspectRatioMode.KeepAspectRatio)
        self._fitted = True
        self.showing_whole = whole

    def km_per_pixel(self) -> float:
        scale = self.transform().m11()
        return 1.0 / scale if scale > 0 else 0.0

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        if 0.5 <= current * factor <= 5000:
            self.scale(factor, factor)

    # -- interaction ---------------------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom(1.25**steps)
        event.accept()

    def mouseDoubleClickEvent(self, event: Any) -> None:
        item = self.itemAt(event.position().toPoint())
        hcp_id = item.data(0) if item is not None else None
        if hcp_id:
            self.stop_clicked.emit(str(hcp_id))
        else:
            self.fit(whole=not self.showing_whole)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if not self._fitted or self.transform().m11() <= 1.0:
            self.fit(self.showing_whole)

    # -- overlays in screen coordinates ----------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        t = theme.current()
        painter.fillRect(rect, t.color("surface_alt"))
        km = self.nice_km(60)
        if km <= 0:
            return
        pen = QPen(t.color("border"), 1)
        pen.setCosmetic(True)
        painter.setPen(pen)
        step = km * 2
        x = math.floor(rect.left() / step) * step
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += step
        y = math.floor(rect.top() / step) * step
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += step

    def nice_km(self, target_px: float) -> float:
        """A round distance (1, 2 or 5 × 10ⁿ km) about ``target_px`` long on screen."""
        kpp = self.km_per_pixel()
        if kpp <= 0:
            return 0.0
        raw = kpp * target_px
        base = 10 ** math.floor(math.log10(raw))
        return next(m * base for m in (1, 2, 5, 10) if m * base >= raw)

    def drawForeground(self, painter: QPainter, _rect: QRectF | QRect) -> None:
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._draw_scale_bar(painter)
        self._draw_legend(painter)
        painter.restore()

    def _draw_scale_bar(self, painter: QPainter) -> None:
        km = self.nice_km(110)
        if km <= 0:
            return
        t = theme.current()
        px = km / self.km_per_pixel()
        h = self.viewport().height()
        x0, y0 = 16.0, h - 22.0
        painter.setPen(Qt.PenStyle.NoPen)
        bg = t.color("surface")
        bg.setAlphaF(0.85)
        painter.setBrush(bg)
        painter.drawRoundedRect(QRectF(x0 - 8, y0 - 24, px + 16, 36), 6, 6)
        painter.setPen(QPen(t.color("text"), 2))
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + px, y0))
        painter.drawLine(QPointF(x0, y0 - 5), QPointF(x0, y0 + 3))
        painter.drawLine(QPointF(x0 + px, y0 - 5), QPointF(x0 + px, y0 + 3))
        text = f"{km:g} km"
        painter.drawText(QRectF(x0, y0 - 22, px, 16), Qt.AlignmentFlag.AlignCenter, text)
        self.scale_text = text

    def _draw_legend(self, painter: QPainter) -> None:
        t = theme.current()
        w_vp = self.viewport().width()
        box = QRectF(w_vp - 206, 10, 196, 102)
        painter.setPen(QPen(t.color("border"), 1))
        bg = t.color("surface")
        bg.setAlphaF(0.92)
        painter.setBrush(bg)
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(t.color("text"))
        font = QFont(painter.font())
        font.setPointSizeF(8.5)
        painter.setFont(font)
        painter.drawText(QRectF(box.left() + 10, box.top() + 6, 180, 16), "Priority (low → high)")
        sw = 34.0
        for i, color in enumerate(PRIORITY_COLORS):
            r = QRectF(box.left() + 10 + i * sw, box.top() + 26, sw, 12)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(color))
            painter.drawRect(r)
        painter.setPen(t.color("muted"))
        lo = f"< {self.edges[0]:.1f}" if self.edges else ""
        hi = f"≥ {self.edges[-1]:.1f}" if self.edges else ""
        painter.drawText(QRectF(box.left() + 10, box.top() + 40, 80, 14), Qt.AlignmentFlag.AlignLeft, lo)
        painter.drawText(QRectF(box.right() - 90, box.top() + 40, 80, 14), Qt.AlignmentFlag.AlignRight, hi)
        y = box.top() + 66
        painter.setBrush(t.color("accent"))
        painter.setPen(QPen(QColor("#FFFFFF"), 1.5))
        painter.drawEllipse(QPointF(box.left() + 17, y), 7, 7)
        painter.setBrush(t.color("warning"))
        painter.drawEllipse(QPointF(box.left() + 17, y + 18), 7, 7)
        painter.setPen(t.color("text"))
        painter.drawText(QRectF(box.left() + 30, y - 8, 160, 16), Qt.AlignmentFlag.AlignVCenter, "Stop in route order")
        painter.drawText(QRectF(box.left() + 30, y + 10, 160, 16), Qt.AlignmentFlag.AlignVCenter, "Booked (locked)")
