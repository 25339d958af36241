"""Drawing one layer's screen geometry with a QPainter, chunk by chunk.

Why chunks: one antialiased QPainterPath for 200,000 polygons took 10.9 s,
chunks of ~1,000 took 1.1 s (PERFORMANCE.md); and a cancel request is honoured
between chunks, so a stale render stops within milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QImage, QPainter, QPainterPath, QPen, QPixmap

from mapdesk.core.errors import MapdeskError
from mapdesk.core.style import LayerStyle
from mapdesk.core.view import ViewState
from mapdesk.render.geometry import (
    BoolArray,
    FloatArray,
    IntArray,
    ScreenGeometry,
    ScreenPaths,
    to_screen_geometry,
)
from mapdesk.render.qtbuffers import (
    FragmentBatch,
    fragments_supported,
    path_from_xy,
    polygon_from_xy,
)
from mapdesk.render.settings import LayerSnapshot, MapSettings
from mapdesk.render.symbols import fill_brush, marker_image, marker_side, qcolor, stroke_pen

#: Features per QPainterPath: big enough to amortise Python, small enough for
#: Qt's antialiasing rasteriser (whose cost grows faster than linearly).
FEATURES_PER_CHUNK = 1000
#: Markers per drawPixmapFragments call (stamping is cheap; this only bounds
#: how long a cancel waits and how much fragment memory is live).
MARKERS_PER_CHUNK = 20_000

IsCancelled = Callable[[], bool]


class RenderError(MapdeskError):
    """A layer could not be drawn (its message names the layer)."""


def draw_layer(
    painter: QPainter, snapshot: LayerSnapshot, settings: MapSettings, is_cancelled: IsCancelled
) -> bool:
    """Draw one layer; polygons first, then lines, then points.

    Parameters
    ----------
    painter
        Active on the map image, in device pixels (no transform).
    snapshot
        The layer, its style and opacity.
    settings
        The map settings (view, CRS, pixel ratio).
    is_cancelled
        Polled between chunks.

    Returns
    -------
    bool
        False if drawing stopped because the render was cancelled.

    Raises
    ------
    RenderError
        If the layer's geometries cannot be reprojected or drawn.
    """
    try:
        screen = _layer_screen_geometry(snapshot, settings)
    except Exception as exc:
        raise RenderError(f"Cannot draw layer '{snapshot.layer.name}': {exc}") from exc
    painter.setOpacity(snapshot.opacity)
    style, scale = snapshot.style, settings.device_pixel_ratio
    # Each step returns False when cancelled, which skips the rest.
    return (
        _draw_polygons(painter, screen.polygons, style, scale, is_cancelled)
        and _draw_lines(painter, screen.lines, style, scale, is_cancelled)
        and _draw_dots(painter, screen.dots, _dot_color(style))
        and _draw_markers(painter, screen.markers, style, scale, is_cancelled)
    )


def _layer_screen_geometry(snapshot: LayerSnapshot, settings: MapSettings) -> ScreenGeometry:
    view = settings.device_view
    pad = marker_side(snapshot.style, settings.device_pixel_ratio)
    projected = snapshot.layer.projected(settings.crs)
    rows = projected.rows_in(_padded_extent(view, pad))
    return to_screen_geometry(projected.geometries[rows], view, pad)


def _padded_extent(view: ViewState, pad_px: float) -> tuple[float, float, float, float]:
    """The view extent grown so symbols centred just outside still show."""
    margin = pad_px * view.resolution
    xmin, ymin, xmax, ymax = view.extent
    return (xmin - margin, ymin - margin, xmax + margin, ymax + margin)


def _draw_paths(
    painter: QPainter,
    paths: ScreenPaths,
    pen: QPen,
    brush: QBrush,
    is_cancelled: IsCancelled,
) -> bool:
    """Fill and/or stroke features chunk by chunk.

    A thin pen (at most one device pixel) goes through Qt's cosmetic stroker,
    which is fast on a path of 1,000 features. A wider pen is stroked part by
    part: Qt's wide-stroke rasterisation grows much faster than linearly with
    the number of subpaths in one path (50,000 lines of 1.5 px took 52 s as
    1,000-feature paths, ~2 s as single polylines).
    """
    filled = brush.style() != Qt.BrushStyle.NoBrush
    stroked = pen.style() != Qt.PenStyle.NoPen
    thin = _is_thin(pen)
    # An opaque outline hides the fill's edge, so the fill need not be
    # antialiased: 200,000 parcels fill ~4x faster that way.
    smooth_fill = not (stroked and _covers_fill_edge(pen, painter))
    for vertices in paths.chunks(FEATURES_PER_CHUNK):
        if is_cancelled():
            return False
        xy, move_to = paths.xy[vertices], paths.move_to[vertices]
        # Rings are oriented (geometry.orient_rings): winding fill keeps holes.
        path = path_from_xy(xy, move_to, Qt.FillRule.WindingFill) if filled or thin else None
        if filled and path is not None:
            _fill(painter, path, brush, smooth_fill)
        if stroked:
            _stroke(painter, path if thin else None, xy, move_to, pen)
    return True


def _is_thin(pen: QPen) -> bool:
    return pen.isCosmetic() or pen.widthF() <= 1.0


def _covers_fill_edge(pen: QPen, painter: QPainter) -> bool:
    """True when the outline fully covers the jagged edge of an aliased fill."""
    solid = pen.style() == Qt.PenStyle.SolidLine and pen.color().alpha() == 255
    wide = pen.isCosmetic() or pen.widthF() >= 1.0
    return solid and wide and painter.opacity() >= 1.0


def _fill(painter: QPainter, path: QPainterPath, brush: QBrush, antialias: bool) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialias)
    painter.setPen(QPen(Qt.PenStyle.NoPen))
    painter.setBrush(brush)
    painter.drawPath(path)


def _stroke(
    painter: QPainter, path: QPainterPath | None, xy: FloatArray, move_to: BoolArray, pen: QPen
) -> None:
    """Stroke a chunk: as one path, or part by part when ``path`` is None."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(pen)
    painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
    if path is not None:
        painter.drawPath(path)
    else:
        _draw_polylines(painter, xy, move_to)


def _draw_polylines(painter: QPainter, xy: FloatArray, move_to: BoolArray) -> None:
    """One drawPolyline per subpath (line part or ring)."""
    starts = np.flatnonzero(move_to)
    ends = np.append(starts[1:], len(xy))
    for first, last in zip(starts.tolist(), ends.tolist(), strict=True):
        painter.drawPolyline(polygon_from_xy(xy[first:last]))


def _draw_polygons(
    painter: QPainter,
    paths: ScreenPaths,
    style: LayerStyle,
    scale: float,
    is_cancelled: IsCancelled,
) -> bool:
    """Fill (unless fill opacity is 0) and outline every polygon."""
    if paths.feature_count == 0:
        return True
    return _draw_paths(painter, paths, stroke_pen(style, scale), fill_brush(style), is_cancelled)


def _draw_lines(
    painter: QPainter,
    paths: ScreenPaths,
    style: LayerStyle,
    scale: float,
    is_cancelled: IsCancelled,
) -> bool:
    """Stroke every line part with round joins and caps."""
    if paths.feature_count == 0:
        return True
    pen = stroke_pen(style, scale, hairline=True)
    return _draw_paths(painter, paths, pen, QBrush(Qt.BrushStyle.NoBrush), is_cancelled)


def _dot_color(style: LayerStyle) -> str:
    """A sub-pixel line or polygon shows as its outline colour (fill if none)."""
    return style.stroke_color if style.stroke_width > 0 else style.fill_color


def _draw_dots(painter: QPainter, dots: IntArray, color: str) -> bool:
    """One exact pixel per sub-pixel feature (no antialiasing: it is a pixel)."""
    if len(dots) == 0:
        return True
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(QPen(qcolor(color), 1.0))
    painter.drawPoints(polygon_from_xy(np.asarray(dots + 0.5, dtype=np.float64)))
    return True


def _draw_markers(
    painter: QPainter,
    markers: IntArray,
    style: LayerStyle,
    scale: float,
    is_cancelled: IsCancelled,
) -> bool:
    """Stamp the style's pre-rendered marker on every point's pixel."""
    if len(markers) == 0:
        return True
    image = marker_image(style, scale)
    stamp = _stamp_fragments if fragments_supported() else _stamp_images
    for first in range(0, len(markers), MARKERS_PER_CHUNK):
        if is_cancelled():
            return False
        stamp(painter, markers[first : first + MARKERS_PER_CHUNK], image)
    return True


def _stamp_fragments(painter: QPainter, pixels: IntArray, image: QImage) -> None:
    # Fragment centre on the pixel centre: an odd-sized image then lands on
    # whole pixels, so Qt copies it without resampling.
    batch = FragmentBatch(np.asarray(pixels + 0.5, dtype=np.float64), image.width())
    batch.draw(painter, QPixmap.fromImage(image))


def _stamp_images(painter: QPainter, pixels: IntArray, image: QImage) -> None:
    """Fallback: one drawImage call per marker."""
    half = image.width() // 2
    for x, y in (pixels - half).tolist():
        painter.drawImage(QPointF(x, y), image)


def fill_background(image: QImage, color: str) -> None:
    """Fill the whole image with the map background colour."""
    image.fill(qcolor(color))
