"""Build Qt drawing primitives straight from numpy arrays.

A QPolygonF made point by point from Python costs ~250x more than one whose
storage numpy fills in place, and a QPainterPath built with ``lineTo`` per
vertex is slower still. These helpers write coordinates into Qt's own memory
(QPolygonF, PixmapFragment arrays) or feed QPainterPath's binary stream format,
so building a chunk of 1,000 features is a few numpy operations.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import shiboken6
from PySide6.QtCore import (
    QByteArray,
    QCoreApplication,
    QDataStream,
    QLineF,
    QPointF,
    QRectF,
    Qt,
    QThread,
)
from PySide6.QtGui import QGuiApplication, QPainter, QPainterPath, QPixmap, QPolygonF

from mapdesk.render import nogil

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# QPainterPath's QDataStream layout (Qt 5 and 6): int32 count, count x
# (int32 type, double x, double y), int32 cStart, int32 fill rule. Element
# type 0 = MoveTo, 1 = LineTo. Written little-endian (the stream is told so),
# which spares numpy a byte swap of every coordinate on x86 and ARM.
_PATH_ELEMENT = np.dtype([("type", "<i4"), ("x", "<f8"), ("y", "<f8")])
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
    """A QPainterPath of straight segments built from numpy arrays.

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

    Notes
    -----
    Decoding a path from QDataStream costs ~160 ns a vertex (1 ms for a
    chunk of 1,000 parcels). Where the path's element storage has the
    layout Qt 6 gives it (checked once, ``_elements_writable``), the path is
    instead made from one polygon (a copy in C++) and the element types of
    subpath starts are then set to MoveTo in place: ~10x faster.
    """
    count = len(xy)
    if count == 0 or not move_to[0] or not _elements_writable():
        return _path_from_stream(xy, move_to, fill_rule)
    path = QPainterPath()
    path.addPolygon(polygon_from_xy(xy))
    path.setFillRule(fill_rule)
    elements = _element_view(path, count)
    if elements is None:  # not the layout checked: never write blind
        return _path_from_stream(xy, move_to, fill_rule)
    elements["type"][move_to] = _MOVE_TO
    return path


# QPainterPath::Element: qreal x, qreal y, ElementType type (int), padded to 24.
_ELEMENT = np.dtype(
    {
        "names": ["x", "y", "type"],
        "formats": ["<f8", "<f8", "<i4"],
        "offsets": [0, 8, 16],
        "itemsize": 24,
    }
)
# QPainterPath holds one pointer to its QPainterPathPrivate, whose first
# member (Qt 6.11) is QList<Element>: {header pointer, element pointer, size}.
_ELEMENTS_POINTER_OFFSET, _ELEMENTS_SIZE_OFFSET = 8, 16


def _element_view(path: QPainterPath, count: int) -> npt.NDArray[np.void] | None:
    """The path's own element array as numpy, or None if it is not as expected."""
    address = shiboken6.getCppPointer(path)[0]
    private = ctypes.c_void_p.from_address(address).value
    if not private:
        return None
    elements = ctypes.c_void_p.from_address(private + _ELEMENTS_POINTER_OFFSET).value
    size = ctypes.c_int64.from_address(private + _ELEMENTS_SIZE_OFFSET).value
    if not elements or size != count or path.elementCount() != count:
        return None
    memory = memoryview((ctypes.c_char * (count * _ELEMENT.itemsize)).from_address(elements))
    return np.frombuffer(memory.cast("B"), dtype=_ELEMENT)


@lru_cache(maxsize=1)
def _elements_writable() -> bool:
    """True when QPainterPath stores its elements where ``_element_view`` looks.

    Checked once on a path Qt builds itself (values, types and a write read
    back through Qt's API), so another Qt version falls back to the stream.
    """
    try:
        xy = np.array([[1.5, 2.5], [3.5, 4.5], [5.5, 6.5], [7.5, 8.5]])
        path = QPainterPath()
        path.addPolygon(polygon_from_xy(xy))
        view = _element_view(path, len(xy))
        if view is None:
            return False
        if not (np.array_equal(view["x"], xy[:, 0]) and np.array_equal(view["y"], xy[:, 1])):
            return False
        if view["type"].tolist() != [_MOVE_TO, _LINE_TO, _LINE_TO, _LINE_TO]:
            return False
        view["type"][2] = _MOVE_TO
        return bool(path.elementAt(2).isMoveTo() and path.elementAt(3).isLineTo())
    except (TypeError, ValueError, OverflowError):
        return False


def _path_from_stream(
    xy: FloatArray, move_to: BoolArray, fill_rule: Qt.FillRule = Qt.FillRule.WindingFill
) -> QPainterPath:
    """:func:`path_from_xy` through QPainterPath's binary stream form (portable).

    Same parameters and result; used where writing Qt's element array in
    place is not possible.
    """
    count = len(xy)
    raw = np.empty(4 + count * _PATH_ELEMENT.itemsize + 8, dtype=np.uint8)
    raw[:4] = np.array([count], dtype="<i4").view(np.uint8)
    elements = raw[4:-8].view(_PATH_ELEMENT)
    elements["type"] = np.where(move_to, _MOVE_TO, _LINE_TO)
    elements["x"] = xy[:, 0]
    elements["y"] = xy[:, 1]
    raw[-8:] = np.array([0, fill_rule.value], dtype="<i4").view(np.uint8)
    # The stream reads from `data`: keep it referenced until `>>` returns.
    data = QByteArray(raw.tobytes())
    stream = QDataStream(data)
    stream.setByteOrder(QDataStream.ByteOrder.LittleEndian)
    path = QPainterPath()
    stream >> path
    return path


def draw_path(painter: QPainter, path: QPainterPath) -> None:
    """``painter.drawPath(path)``, without holding the GIL where that is possible."""
    if nogil.available():
        nogil.draw_path(painter, path)
    else:
        painter.drawPath(path)


class LineBatch:
    """Straight segments drawn by one ``drawLines`` call, from numpy memory.

    PySide binds ``drawLines(const QLineF *, int)`` to a single QLineF, so the
    segments live in an (n, 4) float64 array (x1, y1, x2, y2: QLineF's
    layout) and Qt is handed a wrapper over its memory. The array must
    outlive the call; this object holds it. Check ``lines_supported`` first.
    """

    def __init__(self, segments: FloatArray) -> None:
        self._array = np.ascontiguousarray(segments, dtype=np.float64).reshape(-1, 4)
        self.count = len(self._array)

    def draw(self, painter: QPainter) -> None:
        """Draw every segment with the painter's pen."""
        if self.count == 0:
            return
        if nogil.available():
            nogil.draw_lines(painter, self._array)
            return
        first: Any = shiboken6.wrapInstance(self._array.ctypes.data, QLineF)
        painter.drawLines(first, self.count)


@lru_cache(maxsize=1)
def lines_supported() -> bool:
    """True when QLineF is four packed doubles, the layout LineBatch writes."""
    probe = QLineF(1.0, 2.0, 3.0, 4.0)
    try:
        memory = _VoidPtr(probe, 4 * 8, False)
        values = np.frombuffer(memory, np.float64).tolist()
    except (TypeError, ValueError):
        return False
    return bool(values == [1.0, 2.0, 3.0, 4.0])


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
        if nogil.available():
            nogil.draw_fragments(painter, self._array, pixmap)
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
