"""QPainter's bulk drawing calls, made without holding Python's GIL.

PySide holds the GIL for the whole of every Qt call, so two threads drawing
into two halves of one image take turns instead of sharing the machine's
cores, and the UI thread waits behind a long ``drawLines``. ctypes releases
the GIL around a foreign call, so the few calls that carry a render's pixel
work (``drawLines``, ``drawPath``, ``drawPixmapFragments``) are called here
straight into the QtGui library that PySide loaded.

These are plain non-virtual C++ members, called with the object pointer as
the first argument (the Itanium C++ ABI of Linux and macOS). They are looked
up by their mangled names and checked once against PySide's own calls on a
small image; anywhere that lookup or check fails (another ABI, a Qt whose
symbols differ), ``available()`` is False and callers use PySide's calls.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLineF, QPointF, QThread
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)

_DRAW_LINES = "_ZN8QPainter9drawLinesEPK6QLineFi"
_DRAW_PATH = "_ZN8QPainter8drawPathERK12QPainterPath"
_DRAW_FRAGMENTS = (
    "_ZN8QPainter19drawPixmapFragmentsEPKNS_14PixmapFragmentEiRK7QPixmap"
    "6QFlagsINS_18PixmapFragmentHintEE"
)

_Pointer = ctypes.c_void_p


class _Calls:
    """The three QPainter members, bound as ctypes functions."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self.draw_lines = _member(library, _DRAW_LINES, _Pointer, ctypes.c_int)
        self.draw_path = _member(library, _DRAW_PATH, _Pointer)
        self.draw_fragments = _member(
            library, _DRAW_FRAGMENTS, _Pointer, ctypes.c_int, _Pointer, ctypes.c_int
        )


def _member(library: ctypes.CDLL, name: str, *argtypes: Any) -> Any:
    function = getattr(library, name)  # AttributeError when the symbol is missing
    function.argtypes = [_Pointer, *argtypes]  # ``this`` first
    function.restype = None
    return function


def _address(qt_object: Any) -> int:
    return int(shiboken6.getCppPointer(qt_object)[0])


def draw_lines(painter: QPainter, lines: np.ndarray[Any, Any]) -> None:
    """``painter.drawLines`` over an (n, 4) C-contiguous float64 array of QLineF.

    The caller keeps ``lines`` and ``painter`` alive for the call (it returns
    only when Qt has drawn).
    """
    _calls().draw_lines(_address(painter), lines.ctypes.data, len(lines))


def draw_path(painter: QPainter, path: QPainterPath) -> None:
    """``painter.drawPath(path)``."""
    _calls().draw_path(_address(painter), _address(path))


def draw_fragments(painter: QPainter, fragments: np.ndarray[Any, Any], pixmap: QPixmap) -> None:
    """``painter.drawPixmapFragments`` over an (n, 10) float64 array of fragments."""
    _calls().draw_fragments(
        _address(painter), fragments.ctypes.data, len(fragments), _address(pixmap), 0
    )


def available() -> bool:
    """True when the GIL-free calls exist here and draw what PySide's draw."""
    return _calls_or_none() is not None


def _calls() -> _Calls:
    calls = _calls_or_none()
    if calls is None:
        raise RuntimeError("GIL-free QPainter calls are not available (check available())")
    return calls


_PROBED: list[_Calls | None] = []  # the probe's outcome, once known
_PROBE_LOCK = threading.Lock()


def _calls_or_none() -> _Calls | None:
    """The verified calls, or None; probed once, on a thread that may use QPixmap."""
    if _PROBED:
        return _PROBED[0]
    if not _can_probe():
        return None  # ask again from the GUI thread; do not remember a "no"
    with _PROBE_LOCK:
        if not _PROBED:
            _PROBED.append(_probe())
    return _PROBED[0]


def _can_probe() -> bool:
    """The probe stamps a QPixmap: only where Qt allows one (see pixmaps_usable)."""
    app = QCoreApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    return bool(QThread.currentThread() == app.thread())


def _probe() -> _Calls | None:
    seen: set[Path] = set()
    for candidate in _qtgui_library_candidates():
        if candidate in seen:
            continue
        seen.add(candidate)
        try:
            calls = _Calls(ctypes.CDLL(str(candidate)))
        except (OSError, AttributeError):
            continue
        if _draws_like_pyside(calls):
            return calls
    return None


def _qtgui_library_candidates() -> list[Path]:
    """Where the QtGui library PySide uses may be, most specific first.

    On Linux the mapped file itself (``/proc/self/maps``), whichever wheel or
    distribution package it came from; then Qt's own library directory.
    Opening a library that is already loaded returns the loaded one.
    """
    found: list[Path] = []
    if sys.platform.startswith("linux"):
        found += _mapped_libraries("libQt6Gui.so")
    libraries = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.LibrariesPath))
    if sys.platform == "darwin":
        found.append(libraries / "QtGui.framework" / "QtGui")
    elif not sys.platform.startswith("win"):  # Windows' C++ ABI differs: never try
        found.append(libraries / "libQt6Gui.so.6")
    return found


def _mapped_libraries(stem: str) -> list[Path]:
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split(None, 5)[-1].strip() for line in maps if stem in line}
    except OSError:
        return []
    return [Path(p) for p in sorted(paths) if p.startswith("/")]


def _draws_like_pyside(calls: _Calls) -> bool:
    """Draw lines, a path and stamps both ways on a small image; True if identical.

    A wrong signature or ABI would draw something else (or nothing) here,
    on a 32x32 probe, rather than corrupt a user's map later.
    """
    lines = np.array([[2.0, 3.0, 29.0, 17.5], [4.5, 30.0, 20.0, 1.0]])
    first_line: Any = shiboken6.wrapInstance(lines.ctypes.data, QLineF)
    path = QPainterPath(QPointF(3.0, 3.0))
    for x, y in ((28.0, 6.5), (16.0, 29.0), (3.0, 3.0)):
        path.lineTo(x, y)
    stamp = QPixmap.fromImage(_probe_stamp())
    # One PixmapFragment (ten doubles): centre, source rect, scale, rotation, opacity.
    fragments = np.array([[9.5, 20.5, 0.0, 0.0, 5.0, 5.0, 1.0, 1.0, 0.0, 1.0]])
    fragment: Any = shiboken6.wrapInstance(fragments.ctypes.data, QPainter.PixmapFragment)
    probes: list[tuple[_Probe, _Probe]] = [
        (
            lambda p: p.drawLines(first_line, len(lines)),
            lambda p: calls.draw_lines(_address(p), lines.ctypes.data, len(lines)),
        ),
        (lambda p: p.drawPath(path), lambda p: calls.draw_path(_address(p), _address(path))),
        (
            lambda p: p.drawPixmapFragments(fragment, 1, stamp),
            lambda p: calls.draw_fragments(
                _address(p), fragments.ctypes.data, 1, _address(stamp), 0
            ),
        ),
    ]
    try:
        return all(_same_image(*probe) for probe in probes)
    except (TypeError, ValueError, OSError, ctypes.ArgumentError):
        return False


_Probe = Callable[[QPainter], None]


def _probe_stamp() -> QImage:
    image = QImage(5, 5, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#e41a1c"))
    return image


def _same_image(with_pyside: _Probe, gil_free: _Probe) -> bool:
    """True when both ways draw the same, and something was drawn."""
    images = []
    for draw in (None, with_pyside, gil_free):
        image = QImage(32, 32, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor("#ffffff"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor("#1f78b4"), 1.0))
        painter.setBrush(QColor("#b2df8a"))
        if draw is not None:
            draw(painter)
        painter.end()
        images.append(image)
    blank, expected, got = images
    return bool(expected == got and expected != blank)
