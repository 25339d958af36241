"""Build Qt drawing primitives straight from numpy arrays.

A QPolygonF made point by point from Python costs ~250x more than one whose
storage numpy fills in place, and a QPainterPath built with ``lineTo`` per
vertex is slower still. These helpers write coordinates into Qt's own memory
(QPolygonF, PixmapFragment arrays) or feed QPainterPath's binary stream format,
so building a chunk of 1,000 features is a few numpy operations.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import shiboken6
from PySide6.QtCore import QByteArray, QCoreApplication, QDataStream, QPointF, QRectF, Qt, QThread
from PySide6.QtGui import QGuiApplication, QPainter, QPainterPath, QPixmap, QPolygonF

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# QPainterPath's QDataStream layout (Qt 5 and 6, big-endian by default):
# int32 count, count x (int32 type, double x, double y), int32 cStart,
# int32 fill rule. Element type 0 = MoveTo, 1 = LineTo.
_PATH_ELEMENT = np.dtype([("type", ">i4"), ("x", ">f8"), ("y", ">f8")])
_MOVE_TO, _LINE_TO = 0, 1

# QPainter::PixmapFragment is ten qreals: x, y, sourceLeft, sourceTop, width,
# height, scaleX, scaleY, rotation, opacity.
_FRAGMENT_FIELDS = 10

# shiboken's VoidPtr takes any wrapped C++ object (it uses its address); its
# stub only admits ints, hence the Any.
_VoidPtr: Any = shiboken6.VoidPtr


def polygon_from_xy(xy: FloatArray) -> QPolygonF:
    """A QPolygonF holding the (n, 2) array ``xy``, filled through its buffer.

    Parameters
    ----------
    xy
        Vertex coordinates in pixels, one row per vertex.

    Returns
    -------
    QPolygonF
        A new polygon that owns its own copy of the coordinates.
    """
    count = len(xy)
    polygon = QPolygonF()
    polygon.resize(count)
    if count:
        # QPointF is two packed doubles, so the storage is an (n, 2) float64 array.
        memory = _VoidPtr(polygon.data(), count * 16, True)
        np.frombuffer(memory, np.float64).reshape(count, 2)[:] = xy
    return polygon


def path_from_xy(
    xy: FloatArray, move_to: BoolArray, fill_rule: Qt.FillRule = Qt.FillRule.WindingFill
) -> QPainterPath:
    """A QPainterPath of straight segments, decoded from its binary form.

    Parameters
    ----------
    xy
        (n, 2) vertex coordinates in pixels; all must be finite (Qt discards a
        whole path holding a NaN or infinity).
    move_to
        True where a subpath (a line part or a ring) starts.
    fill_rule
        How overlapping subpaths fill.

    Returns
    -------
    QPainterPath
        One path holding every subpath.
    """
    count = len(xy)
    raw = np.empty(4 + count * _PATH_ELEMENT.itemsize + 8, dtype=np.uint8)
    raw[:4] = np.array([count], dtype=">i4").view(np.uint8)
    elements = raw[4:-8].view(_PATH_ELEMENT)
    elements["type"] = np.where(move_to, _MOVE_TO, _LINE_TO)
    elements["x"] = xy[:, 0]
    elements["y"] = xy[:, 1]
    raw[-8:] = np.array([0, fill_rule.value], dtype=">i4").view(np.uint8)
    # The stream reads from `data`: keep it referenced until `>>` returns.
    data = QByteArray(raw.tobytes())
    stream = QDataStream(data)
    path = QPainterPath()
    stream >> path
    return path


class FragmentBatch:
    """Many copies of one small image, drawn by one ``drawPixmapFragments`` call.

    PySide binds ``drawPixmapFragments`` to a single fragment pointer, so the
    fragments live in a numpy array and Qt is handed a wrapper over its memory.
    The array must outlive the call; this object holds it.
    """

    def __init__(self, centres: FloatArray, side: int) -> None:
        self.count = len(centres)
        self._array = np.zeros((self.count, _FRAGMENT_FIELDS), dtype=np.float64)
        self._array[:, 0:2] = centres
        self._array[:, 4:8] = (side, side, 1.0, 1.0)
        self._array[:, 9] = 1.0

    def draw(self, painter: QPainter, pixmap: QPixmap) -> None:
        """Stamp the image (a QPixmap) centred on every centre."""
        if self.count == 0:
            return
        first: Any = shiboken6.wrapInstance(self._array.ctypes.data, QPainter.PixmapFragment)
        painter.drawPixmapFragments(first, self.count, pixmap)


@lru_cache(maxsize=1)
def fragments_supported() -> bool:
    """True when PixmapFragment has the memory layout FragmentBatch writes.

    Checked once against a fragment Qt builds itself, so a future Qt with a
    different layout (or float qreal) falls back to slower stamping instead
    of drawing garbage.
    """
    probe = QPainter.PixmapFragment.create(QPointF(1, 2), QRectF(3, 4, 5, 6), 7, 8, 9, 0.5)
    try:
        memory = _VoidPtr(probe, _FRAGMENT_FIELDS * 8, False)
        values = np.frombuffer(memory, np.float64).tolist()
    except (TypeError, ValueError):
        return False
    return bool(values == [1, 2, 3, 4, 5, 6, 7, 8, 9, 0.5])


def pixmaps_usable() -> bool:
    """True when the calling thread may create and draw QPixmaps.

    Always on the GUI thread. Elsewhere only if the platform reports Qt's
    ThreadedPixmaps capability (offscreen does): without it a QPixmap off
    the GUI thread may crash, so callers then draw from QImages instead.
    """
    app = QCoreApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False  # QPixmap needs a QGuiApplication
    if QThread.currentThread() == app.thread():
        return True
    return _threaded_pixmaps()


@lru_cache(maxsize=1)
def _threaded_pixmaps() -> bool:
    """The ThreadedPixmaps capability, read off the GUI thread (call it there).

    Python cannot ask the platform integration directly, but QPixmap's sized
    constructor asks it: off the GUI thread it makes a null pixmap (and logs
    one warning) when the capability is missing. ``QPixmap.fromImage`` skips
    that check, which is why the check is made here first.
    """
    return not QPixmap(1, 1).isNull()
