"""One map image drawn as horizontal bands by several threads at once.

Each band has its own QImage over its rows of the one image's memory and its
own QPainter, translated so that it draws in whole-image pixels. Every band
draws the same prepared layer (``draw.prepare_layer``) in the same order,
less what cannot reach its rows, so the picture is the one a single painter
makes; only the time differs. This pays only where Qt's drawing calls run
without the GIL (``nogil``); elsewhere there is one band.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from functools import cache
from itertools import pairwise
from types import TracebackType
from typing import Any

import geopandas as gpd
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
    return max(1, min(_usable_cores(), MAX_BANDS, height // MIN_BAND_ROWS))


def _usable_cores() -> int:
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


class BandPainters:
    """A painter per band of ``image``, open for the ``with`` block.

    Parameters
    ----------
    image
        The whole map image (ARGB32_Premultiplied); the bands draw into its
        memory, which must not be reallocated while the block runs.
    bands
        Rows of the image, top to bottom, covering it.
    """

    def __init__(self, image: QImage, bands: list[Band]) -> None:
        self._image = image
        self._bands = bands
        self._images: list[QImage] = []
        self._painters: list[QPainter] = []
        self._memory: Any = None

    def __enter__(self) -> BandPainters:
        if len(self._bands) > 1:
            warm_up_drawing()  # before two threads first touch PySide's lazy types
        if len(self._bands) == 1:
            self._painters = [QPainter(self._image)]
            return self
        # One writable view of the image's pixels; each band image wraps a
        # slice of it (no copy), so nothing is composed afterwards.
        self._memory = self._image.bits()
        stride = self._image.bytesPerLine()
        for band in self._bands:
            rows = self._memory[band.top * stride : band.bottom * stride]
            image = QImage(
                rows, self._image.width(), band.bottom - band.top, stride, self._image.format()
            )
            painter = QPainter(image)
            painter.translate(0, -band.top)
            self._images.append(image)
            self._painters.append(painter)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for painter in self._painters:
            painter.end()
        self._painters, self._images, self._memory = [], [], None

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
        jobs = list(zip(self._painters, self._bands, strict=True))
        others = [
            _band_threads().submit(draw_prepared, painter, prepared, settings, band, is_cancelled)
            for painter, band in jobs[1:]
        ]
        try:
            painter, band = jobs[0]
            drawn = draw_prepared(painter, prepared, settings, band, is_cancelled)
        finally:
            wait(others)  # never leave a band drawing into memory being released
        return all([drawn, *(future.result() for future in others)])
