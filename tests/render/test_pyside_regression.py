"""Regression: PySide6 6.12.0 on CPython 3.11 aborts after many void calls.

Each void-returning call (QPainterPath.lineTo, QPainter.drawPath, ...) dropped a
reference to None; after a few thousand, CPython 3.11 died with "Fatal Python
error: none_dealloc" (3.12+ has an immortal None). The renderer makes such calls
by the hundred thousand, so the pin in pyproject.toml must keep holding. The
calls run in a child process so that an abort fails this test instead of
killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CALLS = 100_000

CHILD = textwrap.dedent(
    f"""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath

    app = QGuiApplication([])
    path = QPainterPath(QPointF(0, 0))
    for i in range({CALLS}):
        path.lineTo(i % 31 + 1, i % 17)
    image = QImage(32, 32, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    small = QPainterPath(QPointF(1, 1))
    small.lineTo(30, 20)
    for _ in range({CALLS}):
        painter.drawPath(small)
    painter.end()
    print("survived", path.elementCount())
    """
)


def test_pyside_void_calls_do_not_abort():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, (
        f"child exited {result.returncode} (an abort means the PySide6 6.12 + "
        f"Python 3.11 none_dealloc crash is back):\n{result.stderr[-2000:]}"
    )
    assert f"survived {CALLS + 1}" in result.stdout
