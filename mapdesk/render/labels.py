"""Drawing labels over the finished map: readable, never overlapping, top layer first.

Labels go on after every layer (as in QGIS, so no feature hides a name), and
only for the features a layer's display filter shows. The layers' label
candidates are placed greedily (``core.labels.place_labels``): the top layer's
labels first, a label that would overlap one already placed is left out. Each
label is text with a halo, all of a layer's in one path.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

from mapdesk.core.labels import LabelSettings, PlacedLabel, cached_candidates, place_labels
from mapdesk.core.view import map_scale
from mapdesk.render.settings import LayerSnapshot, MapSettings
from mapdesk.render.shown import shown_candidates
from mapdesk.render.symbols import qcolor

#: Halo width around label text, in logical pixels.
HALO_PX = 1.5


def draw_labels(image: QImage, settings: MapSettings, is_cancelled: Callable[[], bool]) -> bool:
    """Label every visible labelled layer on ``image``; False if cancelled."""
    if not any(_shows_labels(s, settings) for s in settings.layers):
        return True
    painter = QPainter(image)
    try:
        return paint_labels(painter, settings, is_cancelled)
    finally:
        painter.end()


def paint_labels(
    painter: QPainter, settings: MapSettings, is_cancelled: Callable[[], bool]
) -> bool:
    """Label every visible labelled layer with ``painter`` (in device pixels of
    ``settings``: an image's or a page's map frame); False if cancelled."""
    labelled = [s for s in reversed(settings.layers) if _shows_labels(s, settings)]
    view = settings.device_view
    taken: list[tuple[float, float, float, float]] = []
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.setOpacity(1.0)
        for snapshot in labelled:
            if is_cancelled():
                return False
            assert snapshot.labels is not None  # checked by _shows_labels
            font = _font(snapshot.labels, settings.device_pixel_ratio)
            metrics = QFontMetricsF(font)
            halo = HALO_PX * settings.device_pixel_ratio
            candidates = shown_candidates(
                cached_candidates(snapshot.layer, snapshot.labels, settings.crs), snapshot.shown
            )
            measure = partial(_measure, metrics, halo)
            placed = place_labels(
                candidates, view.to_screen, view.width, view.height, measure, taken
            )
            _paint(painter, placed, font, metrics, snapshot.labels, halo)
    finally:
        painter.restore()
    return True


def _measure(metrics: QFontMetricsF, halo: float, text: str) -> tuple[float, float]:
    return metrics.horizontalAdvance(text) + 2 * halo, metrics.height()


def _shows_labels(snapshot: LayerSnapshot, settings: MapSettings) -> bool:
    labels = snapshot.labels
    if labels is None or snapshot.layer.feature_count == 0:
        return False
    return labels.visible_at(map_scale(settings.view, settings.crs))


def _font(labels: LabelSettings, ratio: float) -> QFont:
    font = QFont()
    font.setPixelSize(max(1, round(labels.size * ratio)))
    return font


def _paint(
    painter: QPainter,
    placed: list[PlacedLabel],
    font: QFont,
    metrics: QFontMetricsF,
    labels: LabelSettings,
    halo: float,
) -> None:
    if not placed:
        return
    path = QPainterPath()
    for label in placed:
        path.addText(label.left + halo, label.top + metrics.ascent(), font, label.text)
    pen = QPen(qcolor(labels.halo), 2 * halo)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.strokePath(path, pen)
    painter.fillPath(path, QBrush(qcolor(labels.color)))
