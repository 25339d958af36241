"""Drawing one layer's screen geometry with a QPainter, chunk by chunk.

Why chunks: one antialiased QPainterPath for 200,000 polygons took 10.9 s,
chunks of ~1,000 took 1.1 s (PERFORMANCE.md); and a cancel request is honoured
between chunks, so a stale render stops within milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QImage, QPainter, QPainterPath, QPen, QPixmap

from mapdesk.core.errors import MapdeskError
from mapdesk.core.style import LayerStyle, selection_style
from mapdesk.core.symbology import SingleSymbol
from mapdesk.render.geometry import (
    BoolArray,
    FloatArray,
    IntArray,
    ScreenGeometry,
    ScreenPaths,
    cached_layer_arrays,
    cached_subset_arrays,
    feature_rows,
    in_tile_order,
    line_segments,
    paths_in_rows,
    pixels_in_rows,
    screen_geometry,
    segments_in_rows,
)
from mapdesk.render.qtbuffers import (
    FragmentBatch,
    LineBatch,
    draw_path,
    fragments_supported,
    lines_supported,
    path_from_xy,
    pixmaps_usable,
    polygon_from_xy,
)
from mapdesk.render.settings import LayerSnapshot, MapSettings
from mapdesk.render.shown import shown_part
from mapdesk.render.symbols import (
    fill_brush,
    marker_image,
    marker_side,
    paint_markers,
    qcolor,
    stroke_pen,
)

#: Features per QPainterPath at most: big enough to amortise Python, small
#: enough for Qt's antialiasing rasteriser (whose cost grows faster than
#: linearly).
FEATURES_PER_CHUNK = 1000
#: Features per QPainterPath at least, and chunks a layer is cut into when
#: it has few features. Qt fills a chunk scanline by scanline over its
#: bounding box, which for features in file order is most of the view: a
#: zoomed-in view of 9,000 parcels filled 25% faster in chunks of 250 than
#: of 1,000. At full extent (200,000 parcels) the Python per chunk would
#: cost more than that saves.
FEATURES_PER_SMALL_CHUNK = 250
CHUNKS_WANTED = 32
#: Markers per drawPixmapFragments call (stamping is cheap; this only bounds
#: how long a cancel waits and how much fragment memory is live).
MARKERS_PER_CHUNK = 20_000
#: Segments per drawLines call (bounds how long a cancel waits).
SEGMENTS_PER_CHUNK = 50_000
#: Sub-pixel features per drawPoints call (PySide's, which holds the GIL).
DOTS_PER_CALL = 25_000

IsCancelled = Callable[[], bool]


class RenderError(MapdeskError):
    """A layer could not be drawn (its message names the layer)."""


@dataclass(frozen=True)
class Band:
    """Rows [top, bottom) of the device image that one painter draws.

    The painter of a band draws in whole-image pixels (it is translated by
    ``-top``), so every band shares one set of screen coordinates.
    """

    top: int
    bottom: int


@dataclass(frozen=True)
class PreparedLayer:
    """One layer's drawing for one view, computed once and shared by all bands.

    Read-only once made: band threads draw from it at the same time.

    Attributes
    ----------
    snapshot
        The layer, style and opacity drawn.
    screen
        The layer's geometry in device pixels.
    segments
        Line features as (n, 4) segments for ``drawLines``, or None when
        lines must be drawn as paths (see ``_segments_look_the_same``).
    polygon_rows, line_rows
        Each polygon's and line's smallest and largest y, to give a band
        only what reaches it.
    """

    snapshot: LayerSnapshot
    screen: ScreenGeometry
    segments: FloatArray | None
    polygon_rows: FloatArray
    line_rows: FloatArray


def prepare_layer(snapshot: LayerSnapshot, settings: MapSettings) -> PreparedLayer:
    """The numpy half of drawing a layer: cull, transform, thin, cut into segments.

    Raises
    ------
    RenderError
        If the layer's geometries cannot be reprojected.
    """
    try:
        screen = _layer_screen_geometry(snapshot, settings)
    except Exception as exc:
        raise RenderError(f"Cannot draw layer '{snapshot.layer.name}': {exc}") from exc
    return _prepared(snapshot, screen, settings)


def prepare_symbols(snapshot: LayerSnapshot, settings: MapSettings) -> list[PreparedLayer]:
    """The layer prepared for drawing: once with its style, or once per class.

    Classes are drawn from the last legend entry to the first, so the class
    at the top of the legend ends on top (QGIS's "symbol levels").
    """
    if isinstance(snapshot.symbology, SingleSymbol):
        return [prepare_layer(snapshot, settings)]
    try:
        found = snapshot.layer.symbol_classes(snapshot.symbology)
        projected = snapshot.layer.projected(settings.crs)
        prepared = []
        for symbol, class_rows in reversed(list(zip(found.classes, found.rows, strict=True))):
            rows = shown_part(class_rows, snapshot.shown)
            if len(rows) == 0:
                continue
            look = replace(snapshot, style=symbol.style, selected=None)
            arrays = cached_subset_arrays(projected, projected.geometries, rows)
            pad = marker_side(symbol.style, settings.device_pixel_ratio)
            screen = screen_geometry(arrays, settings.device_view, pad)
            prepared.append(_prepared(look, screen, settings))
        return prepared
    except Exception as exc:
        raise RenderError(f"Cannot draw layer '{snapshot.layer.name}': {exc}") from exc


def prepare_selection(snapshot: LayerSnapshot, settings: MapSettings) -> PreparedLayer | None:
    """The layer's selected features, to draw over it in the selection colour (or None).

    A selected feature the display filter hides stays hidden.
    """
    if snapshot.selected is None:
        return None
    rows = shown_part(snapshot.selected, snapshot.shown)
    if len(rows) == 0:
        return None
    look = replace(snapshot, style=selection_style(snapshot.style), opacity=1.0, selected=None)
    try:
        projected = snapshot.layer.projected(settings.crs)
        arrays = cached_subset_arrays(projected, projected.geometries, rows)
        pad = marker_side(look.style, settings.device_pixel_ratio)
        screen = screen_geometry(arrays, settings.device_view, pad)
    except Exception as exc:
        raise RenderError(f"Cannot draw the selection of '{snapshot.layer.name}': {exc}") from exc
    return _prepared(look, screen, settings)


def _prepared(
    snapshot: LayerSnapshot, screen: ScreenGeometry, settings: MapSettings
) -> PreparedLayer:
    pen = stroke_pen(snapshot.style, settings.device_pixel_ratio, hairline=True)
    segments = None
    if _segments_look_the_same(pen, snapshot.opacity) and lines_supported():
        view = settings.device_view
        segments = line_segments(screen.lines, view.width, view.height, pen.widthF() + 2.0)
        segments = in_tile_order(segments, view.width, view.height)
    return PreparedLayer(
        snapshot=snapshot,
        screen=screen,
        segments=segments,
        polygon_rows=feature_rows(screen.polygons),
        line_rows=feature_rows(screen.lines) if segments is None else np.empty((0, 2)),
    )


def draw_prepared(
    painter: QPainter,
    prepared: PreparedLayer,
    settings: MapSettings,
    band: Band,
    is_cancelled: IsCancelled,
) -> bool:
    """Draw the part of a prepared layer that reaches ``band``; polygons, lines, points.

    Parameters
    ----------
    painter
        Active on the band's image, in whole-image device pixels.
    prepared
        From ``prepare_layer`` for the same settings.
    settings
        The map settings (pixel ratio).
    band
        The rows this painter covers.
    is_cancelled
        Polled between chunks.

    Returns
    -------
    bool
        False if drawing stopped because the render was cancelled.
    """
    snapshot, screen = prepared.snapshot, prepared.screen
    painter.setOpacity(snapshot.opacity)
    style, scale = snapshot.style, settings.device_pixel_ratio
    # Polygons are filled and outlined; lines are stroked, a zero width as a
    # one-pixel hairline (as in QGIS). Each step returns False when
    # cancelled, which skips the rest.
    outline, line = stroke_pen(style, scale), stroke_pen(style, scale, hairline=True)
    reach = _Reach(band, style, scale)
    polygons = paths_in_rows(screen.polygons, prepared.polygon_rows, *reach.rows(outline))
    dots = pixels_in_rows(screen.dots, *reach.rows(None))
    markers = pixels_in_rows(screen.markers, *reach.marker_rows())
    return (
        _draw_paths(painter, polygons, outline, fill_brush(style), is_cancelled)
        and _draw_band_lines(painter, prepared, line, reach, is_cancelled)
        and _draw_dots(painter, dots, _dot_color(style))
        and _draw_markers(painter, markers, style, scale, is_cancelled, settings.vector_markers)
    )


@dataclass(frozen=True)
class _Reach:
    """How far beyond a band's rows a feature may still paint into it."""

    band: Band
    style: LayerStyle
    scale: float

    def rows(self, pen: QPen | None) -> tuple[float, float]:
        # Half the pen, plus two pixels for antialiasing and caps.
        margin = (pen.widthF() if pen is not None else 1.0) + 2.0
        return self.band.top - margin, self.band.bottom + margin

    def marker_rows(self) -> tuple[float, float]:
        margin = marker_side(self.style, self.scale) + 1.0
        return self.band.top - margin, self.band.bottom + margin


def _layer_screen_geometry(snapshot: LayerSnapshot, settings: MapSettings) -> ScreenGeometry:
    pad = marker_side(snapshot.style, settings.device_pixel_ratio)
    # The layer's own (locked, versioned) cache; the result is shared with
    # other threads, so nothing below writes to it. Its coordinate arrays are
    # cached with it: a pan or zoom only culls and transforms them.
    projected = snapshot.layer.projected(settings.crs)
    if snapshot.shown is None:
        arrays = cached_layer_arrays(projected, projected.geometries)
    else:  # a display filter: only its rows, cached while its rows array lives
        arrays = cached_subset_arrays(projected, projected.geometries, snapshot.shown)
    return screen_geometry(arrays, settings.device_view, pad)


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
    for vertices in paths.chunks(_features_per_chunk(paths.feature_count)):
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


def _features_per_chunk(count: int) -> int:
    """Chunk size for ``count`` features (see FEATURES_PER_SMALL_CHUNK)."""
    return min(FEATURES_PER_CHUNK, max(FEATURES_PER_SMALL_CHUNK, count // CHUNKS_WANTED))


def _draw_band_lines(
    painter: QPainter,
    prepared: PreparedLayer,
    pen: QPen,
    reach: _Reach,
    is_cancelled: IsCancelled,
) -> bool:
    """Stroke line features, as straight segments (``drawLines``) where possible.

    Qt's raster engine draws a buffer of segments far faster than paths: a
    thin pen goes through its cosmetic stroker with no path to build, and a
    wider pen with a square (not round) cap through its dedicated
    antialiased line rasteriser instead of the general stroker. Segments
    meet at the vertices, so where they overlap (joins) a translucent pen or
    layer would show darker spots: those, and dashed pens (whose pattern
    must run along the whole line), take the path route (``segments`` None).
    """
    top, bottom = reach.rows(pen)
    if prepared.segments is None:
        lines = paths_in_rows(prepared.screen.lines, prepared.line_rows, top, bottom)
        return _draw_paths(painter, lines, pen, QBrush(Qt.BrushStyle.NoBrush), is_cancelled)
    segments = segments_in_rows(prepared.segments, top, bottom)
    segment_pen = QPen(pen)
    # Thin: flat caps, so a cosmetic stroke does not draw every join twice
    # (~20% faster; a cap is at most half a pixel). Wide: square caps fill
    # the outer corner of a join much as a round join does, and keep the
    # pen "non-complex", which Qt's fast line path needs.
    thin = _is_thin(pen)
    segment_pen.setCapStyle(Qt.PenCapStyle.FlatCap if thin else Qt.PenCapStyle.SquareCap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(segment_pen)
    painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
    for first in range(0, len(segments), SEGMENTS_PER_CHUNK):
        if is_cancelled():
            return False
        LineBatch(segments[first : first + SEGMENTS_PER_CHUNK]).draw(painter)
    return True


def _segments_look_the_same(pen: QPen, opacity: float) -> bool:
    """True when drawing a line as separate segments cannot be told apart."""
    return pen.style() == Qt.PenStyle.SolidLine and pen.color().alpha() == 255 and opacity >= 1.0


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
    draw_path(painter, path)


def _stroke(
    painter: QPainter, path: QPainterPath | None, xy: FloatArray, move_to: BoolArray, pen: QPen
) -> None:
    """Stroke a chunk: as one path, or part by part when ``path`` is None."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(pen)
    painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
    if path is not None:
        draw_path(painter, path)
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
    # PySide holds the GIL for a whole Qt call: 500k points in one drawPoints
    # is ~0.2 s in which the UI thread cannot run. A chunk is ~5-10 ms.
    for start in range(0, len(dots), DOTS_PER_CALL):
        chunk = dots[start : start + DOTS_PER_CALL]
        painter.drawPoints(polygon_from_xy(np.asarray(chunk + 0.5, dtype=np.float64)))
    return True


def _draw_markers(
    painter: QPainter,
    markers: IntArray,
    style: LayerStyle,
    scale: float,
    is_cancelled: IsCancelled,
    as_shapes: bool = False,
) -> bool:
    """Stamp the style's pre-rendered marker on every point's pixel, in raster
    order; or, ``as_shapes``, draw its shape at each (a PDF keeps them vectors)."""
    if len(markers) == 0:
        return True
    stamp: Callable[[QPainter, IntArray], None]
    if as_shapes:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        stamp = partial(_paint_shapes, style=style, scale=scale)
    else:
        stamp = _marker_stamp(marker_image(style, scale))
    for first in range(0, len(markers), MARKERS_PER_CHUNK):
        if is_cancelled():
            return False
        stamp(painter, markers[first : first + MARKERS_PER_CHUNK])
    return True


def _paint_shapes(painter: QPainter, pixels: IntArray, style: LayerStyle, scale: float) -> None:
    paint_markers(painter, style, scale, np.asarray(pixels + 0.5, dtype=np.float64))


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
