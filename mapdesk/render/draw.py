"""Drawing one layer's screen geometry with a QPainter, chunk by chunk.

Why chunks: one antialiased QPainterPath for 200,000 polygons took 10.9 s,
chunks of ~1,000 took 1.1 s (PERFORMANCE.md); and a cancel request is honoured
between chunks, so a stale render stops within milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QImage, QPainter, QPainterPath, QPen, QPixmap

from mapdesk.core.errors import MapdeskError
from mapdesk.core.spatial import ProjectedGeometry
from mapdesk.core.style import LayerStyle
from mapdesk.core.view import Extent, ViewState
from mapdesk.render.geometry import (
    BoolArray,
    FloatArray,
    GeomArray,
    IntArray,
    ScreenGeometry,
    ScreenPaths,
    to_screen_geometry,
)
from mapdesk.render.qtbuffers import (
    FragmentBatch,
    fragments_supported,
    path_from_xy,
    pixmaps_usable,
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
    # Polygons are filled and outlined; lines are stroked, a zero width as a
    # one-pixel hairline (as in QGIS). Each step returns False when
    # cancelled, which skips the rest.
    outline, line = stroke_pen(style, scale), stroke_pen(style, scale, hairline=True)
    no_fill = QBrush(Qt.BrushStyle.NoBrush)
    return (
        _draw_paths(painter, screen.polygons, outline, fill_brush(style), is_cancelled)
        and _draw_paths(painter, screen.lines, line, no_fill, is_cancelled)
        and _draw_dots(painter, screen.dots, _dot_color(style))
        and _draw_markers(painter, screen.markers, style, scale, is_cancelled)
    )


def _layer_screen_geometry(snapshot: LayerSnapshot, settings: MapSettings) -> ScreenGeometry:
    view = settings.device_view
    pad = marker_side(snapshot.style, settings.device_pixel_ratio)
    # The layer's own (locked, versioned) cache; the result is shared with
    # other threads, so nothing below writes to it.
    projected = snapshot.layer.projected(settings.crs)
    geometries = _geometries_in(projected, _padded_extent(view, pad))
    return to_screen_geometry(geometries, view, pad)


def _geometries_in(projected: ProjectedGeometry, extent: Extent) -> GeomArray:
    """The geometries whose bounding box may meet ``extent``.

    When the view holds the whole layer (full extent, the common first
    picture) the index query and the copy are skipped: ~60 ms on 1M points.
    """
    bounds = projected.extent
    if bounds is not None and _contains(extent, bounds):
        return projected.geometries
    return projected.geometries[projected.rows_in(extent)]


def _contains(outer: Extent, inner: Extent) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def _padded_extent(view: ViewState, pad_px: float) -> Extent:
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
    """Fill and/or stroke features (polygons or lines) chunk by chunk.

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
    """Stamp the style's pre-rendered marker on every point's pixel, in raster order."""
    if len(markers) == 0:
        return True
    stamp = _marker_stamp(marker_image(style, scale))
    for first in range(0, len(markers), MARKERS_PER_CHUNK):
        if is_cancelled():
            return False
        stamp(painter, markers[first : first + MARKERS_PER_CHUNK])
    return True


def _marker_stamp(image: QImage) -> Callable[[QPainter, IntArray], None]:
    """The fastest way to stamp ``image`` that is safe in the calling thread.

    ``drawPixmapFragments`` (one C++ loop per chunk) needs a QPixmap, which
    the render worker may only make where Qt allows pixmaps in threads (see
    ``pixmaps_usable``); elsewhere one ``drawImage`` per marker, ~5x slower.
    """
    if fragments_supported() and pixmaps_usable():
        return partial(_stamp_fragments, marker=QPixmap.fromImage(image))
    return partial(_stamp_images, marker=image)


def _stamp_fragments(painter: QPainter, pixels: IntArray, marker: QPixmap) -> None:
    # Fragment centre on the pixel centre: an odd-sized image then lands on
    # whole pixels, so Qt copies it without resampling.
    batch = FragmentBatch(np.asarray(pixels + 0.5, dtype=np.float64), marker.width())
    batch.draw(painter, marker)


def _stamp_images(painter: QPainter, pixels: IntArray, marker: QImage) -> None:
    """One drawImage call per marker: QImage only, so safe in any thread."""
    half = marker.width() // 2
    for x, y in (pixels - half).tolist():
        painter.drawImage(x, y, marker)


def fill_background(image: QImage, color: str) -> None:
    """Fill the whole image with the map background colour."""
    image.fill(qcolor(color))
