"""Qt facts for ``mapdesk self-check``: Qt's version and whether a PNG shows a map.

The CLI may not import Qt itself (see DESIGN.md), so what the self-check
needs from Qt lives here, in the render layer that already uses QtGui.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QColor, QImage


def qt_versions() -> dict[str, str]:
    """The Qt library this process runs on, and the PySide6 bindings over it."""
    return {"Qt": qVersion(), "PySide6": PySide6.__version__}


def painted_pixels(png: str | Path, background: str) -> int:
    """How many pixels of ``png`` differ from the ``background`` colour (``#rrggbb``).

    A render that silently draws nothing (no layers read, every feature
    outside the view, a broken paint engine) leaves only background.

    Raises
    ------
    ValueError
        If the file is not an image Qt can read.
    """
    image = QImage(str(png))
    if image.isNull():
        raise ValueError(f"{png} is not a readable image")
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.sizeInBytes() // 4)
    rows = pixels.reshape(image.height(), image.bytesPerLine() // 4)[:, : image.width()]
    plain = np.uint32(QColor(background).rgb())
    return int(np.count_nonzero(rows != plain))
