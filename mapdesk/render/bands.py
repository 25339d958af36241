"""One map image drawn as horizontal bands by several threads at once.

Each band has its own QImage over its rows of the one image's memory and its
own QPainter, translated so that it draws in whole-image pixels. Every band
draws the same prepared layer (``draw.prepare_layer``) in the same order,
less what cannot reach its rows, so the picture is the one a single painter
makes; only the time differs. This pays only where Qt's drawing calls run
without the GIL (``nogil``); elsewhere there is one band.

Where the bands split is chosen layer by layer, so each gets an equal share
of that layer's drawing: city data is rarely spread evenly down the screen
(downtown's incidents, a dense street grid), and a layer takes as long as
its busiest band.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from functools import cache
from itertools import pairwise
from types import TracebackType
from typing import Any

import geopandas as gpd
import numpy as np
from PySide6.QtGui import QImage, QPainter
from shapely.geometry import LineString, Point, box

from mapdesk.core.layer import VectorLayer
from mapdesk.core.style import LayerStyle
from mapdesk.core.view import ViewState
from mapdesk.render import nogil
from mapdesk.render.draw import Band, IsCancelled, PreparedLayer, draw_prepared, prepare_layer
from mapdesk.render.settings import LayerSnapshot, MapSettings

#: Bands never get thinner than this: below it, the per-band overhead
#: (culling each layer for the band, a painter) outweighs the shared work.
MIN_BAND_ROWS = 128
#: Bands at most (and threads drawing them, the render thread included).
MAX_BANDS = 4


_WARM_LOCK = threading.Lock()
_WARMED: list[bool] = []


def warm_up_drawing() -> None:
    """Draw every kind of feature once, on a tiny image, in this one thread.

    PySide creates some types on first use (the enums an overload check looks
    at, e.g. QGradient.Preset when a QBrush is made from a colour); two band
    threads doing that for the first time at once can fail with an
    AttributeError. After this has run once in a process, they never do.
    """
    with _WARM_LOCK:
        if _WARMED:
            return
        image = QImage(16, 16, QImage.Format.Format_ARGB32_Premultiplied)
        settings = _warm_up_settings()
        painter = QPainter(image)
        try:
            for snapshot in settings.layers:
                prepared = prepare_layer(snapshot, settings)
                draw_prepared(painter, prepared, settings, Band(0, 16), lambda: False)
        finally:
            painter.end()
        _WARMED.append(True)


def _warm_up_settings() -> MapSettings:
    """A point, a line and a polygon in the looks the renderer draws differently."""
    frame = gpd.GeoDataFrame(
        geometry=[Point(4, 4), LineString([(1, 1), (14, 9), (3, 14)]), box(6, 6, 12, 12)]
    )
    looks = (
        LayerStyle(),  # opaque: segments, markers, an opaque outline over an aliased fill
        LayerStyle(stroke_color="#1f4e7980", fill_opacity=0.5, dashed=True),  # path route
        LayerStyle(stroke_width=2.5, marker_shape="star"),  # wide pens, another marker
    )
    layers = tuple(LayerSnapshot(VectorLayer(frame, "warm-up"), look) for look in looks)
    view = ViewState(center_x=8.0, center_y=8.0, resolution=1.0, width=16, height=16)
    return MapSettings(view=view, crs=None, layers=layers)


def band_count(height: int) -> int:
    """How many bands to draw an image ``height`` device pixels high in."""
    if not nogil.available():
        return 1
    return max(1, min(usable_cores(), MAX_BANDS, height // MIN_BAND_ROWS))


def usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))  # honours a container's CPU set
    return os.cpu_count() or 1


def split_rows(height: int, count: int) -> list[Band]:
    """``count`` bands of (nearly) equal height covering rows 0 to ``height``."""
    count = max(1, min(count, height))
    edges = [round(height * k / count) for k in range(count + 1)]
    return [Band(top, bottom) for top, bottom in pairwise(edges)]


@cache
def _band_threads() -> ThreadPoolExecutor:
    """Threads for every band but the first (the render thread draws that one).

    Python threads, like the render threads (see ``job._render_threads``);
    separate from them so a render waiting on its bands can never wait
    behind another render.
    """
    return ThreadPoolExecutor(max_workers=MAX_BANDS - 1, thread_name_prefix="mapdesk-band")


#: Rough cost of drawing, per item, relative to one stamped marker
#: (measured on the benchmark layers): a segment of a line, a vertex of a
#: filled and outlined polygon. Only the split between bands depends on it.
_SEGMENT_WORK = 1.0
_POLYGON_VERTEX_WORK = 0.6
_LINE_VERTEX_WORK = 1.0


def balanced_rows(prepared: PreparedLayer, height: int, count: int) -> list[Band]:
    """``count`` bands covering rows 0 to ``height``, each with a like share of the work.

    The work is where the layer's markers, segments and vertices fall; a
    layer with nothing to draw gets equal bands.
    """
    work = _work_by_row(prepared, height)
    total = float(work.sum())
    if total <= 0 or count <= 1:
        return split_rows(height, count)
    done = np.cumsum(work)
    # Each edge where the work so far reaches the next share, kept strictly
    # increasing so that no band is empty.
    edges = [0]
    for k in range(1, count):
        row = int(np.searchsorted(done, total * k / count)) + 1
        edges.append(min(max(row, edges[-1] + 1), height - (count - k)))
    edges.append(height)
    return [Band(top, bottom) for top, bottom in pairwise(edges)]


def _work_by_row(prepared: PreparedLayer, height: int) -> np.ndarray[Any, Any]:
    """How much drawing lands on each row of the image (a weighted histogram)."""
    screen = prepared.screen
    rows = [screen.markers[:, 1].astype(np.float64)]
    weights = [np.ones(len(screen.markers))]
    if prepared.segments is not None:
        rows.append((prepared.segments[:, 1] + prepared.segments[:, 3]) * 0.5)
        weights.append(np.full(len(prepared.segments), _SEGMENT_WORK))
    else:
        rows.append(screen.lines.xy[:, 1])
        weights.append(np.full(len(screen.lines.xy), _LINE_VERTEX_WORK))
    rows.append(screen.polygons.xy[:, 1])
    weights.append(np.full(len(screen.polygons.xy), _POLYGON_VERTEX_WORK))
    every_row = np.clip(np.concatenate(rows), 0, height - 1).astype(np.int64)
    return np.bincount(every_row, weights=np.concatenate(weights), minlength=height)


class BandPainters:
    """Painters over bands of ``image``, for the ``with`` block.

    Parameters
    ----------
    image
        The whole map image (ARGB32_Premultiplied); the bands draw into its
        memory, which must not be reallocated while the block runs.
    count
        How many bands (threads) draw each layer; 1 draws with one painter.
    """

    def __init__(self, image: QImage, count: int) -> None:
        self._image = image
        self._count = max(1, min(count, image.height()))
        self._whole: QPainter | None = None
        self._memory: Any = None

    def __enter__(self) -> BandPainters:
        if self._count == 1:
            self._whole = QPainter(self._image)
            return self
        warm_up_drawing()  # before two threads first touch PySide's lazy types
        # One writable view of the image's pixels; each band image wraps a
        # slice of it (no copy), so nothing is composed afterwards.
        self._memory = self._image.bits()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._whole is not None:
            self._whole.end()
        self._whole, self._memory = None, None

    def draw(
        self, prepared: PreparedLayer, settings: MapSettings, is_cancelled: IsCancelled
    ) -> bool:
        """Draw one prepared layer in every band; False if cancelled.

        Returns only when every band has finished with the layer, so the
        image then holds it whole (for a partial image) and the next layer
        goes on top of it everywhere.

        Raises
        ------
        RenderError
            The first error any band met.
        """
        height = self._image.height()
        if self._whole is not None:
            return draw_prepared(self._whole, prepared, settings, Band(0, height), is_cancelled)
        jobs = [self._band_painter(band) for band in balanced_rows(prepared, height, self._count)]
        try:
            others = [
                _band_threads().submit(
                    draw_prepared, painter, prepared, settings, band, is_cancelled
                )
                for _, painter, band in jobs[1:]
            ]
            try:
                _, painter, band = jobs[0]
                drawn = draw_prepared(painter, prepared, settings, band, is_cancelled)
            finally:
                wait(others)  # never leave a band drawing into memory being released
            return all([drawn, *(future.result() for future in others)])
        finally:
            for _, painter, _ in jobs:
                painter.end()

    def paint_once(self, paint: Callable[[QPainter], None]) -> None:
        """Let ``paint`` draw on the whole image with one painter (a heatmap's
        one image: cheaper drawn once than cut into bands)."""
        if self._whole is not None:
            paint(self._whole)
            return
        image = QImage(
            self._memory,
            self._image.width(),
            self._image.height(),
            self._image.bytesPerLine(),
            self._image.format(),
        )
        painter = QPainter(image)
        try:
            paint(painter)
        finally:
            painter.end()

    def _band_painter(self, band: Band) -> tuple[QImage, QPainter, Band]:
        """A painter on ``band``'s rows of the image, in whole-image pixels."""
        stride = self._image.bytesPerLine()
        rows = self._memory[band.top * stride : band.bottom * stride]
        image = QImage(
            rows, self._image.width(), band.bottom - band.top, stride, self._image.format()
        )
        painter = QPainter(image)
        painter.translate(0, -band.top)
        return image, painter, band
