"""Render the application icon's PNGs and Windows .ico from its SVG master.

``python scripts/make_icons.py`` (the project's venv; no display needed)

The master is ``mapdesk/resources/icons/mapdesk.svg``. The window icon, the
Linux ``.desktop`` entry and the Windows installer need bitmaps: a bundle may
leave out Qt's SVG icon engine, and desktop launchers want fixed sizes. This
writes ``mapdesk/resources/icons/app/mapdesk-<N>.png`` for each size in
:data:`SIZES` and ``mapdesk.ico`` with every size in it.

Qt's own ICO writer stores one image per file, so the .ico is assembled here:
an ICONDIR header, one entry per size, each image a PNG (valid in Windows
icons since Vista, and what Windows' own 256 px icons use). Reruns on the same
Qt give the same bytes.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

REPO = Path(__file__).resolve().parents[1]
MASTER = REPO / "mapdesk" / "resources" / "icons" / "mapdesk.svg"
OUT = REPO / "mapdesk" / "resources" / "icons" / "app"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    """The master drawn at ``size`` × ``size`` pixels, antialiased, as PNG bytes."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"Qt could not encode the {size} px icon as PNG")
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding each PNG (size 256 is written as 0, as the format says)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(MASTER))
    if not renderer.isValid():
        raise SystemExit(f"{MASTER} is not an SVG Qt can draw")
    OUT.mkdir(parents=True, exist_ok=True)
    pngs = {size: render_png(renderer, size) for size in SIZES}
    for size, png in pngs.items():
        (OUT / f"mapdesk-{size}.png").write_bytes(png)
    (OUT / "mapdesk.ico").write_bytes(ico_bytes(pngs))
    print(f"Wrote {len(pngs)} PNGs and mapdesk.ico to {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
