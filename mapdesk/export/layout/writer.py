"""Pages into files: a multi-page vector PDF, or one PNG per page; atomically.

Both paint the same ``SheetContent`` with a painter whose units are points
on a 72-logical-dpi device (so fonts in points are their paper size). A
PDF keeps polygons, lines, point symbols and text as vectors (text stays
searchable). Files are written under temporary names and renamed into
place only when every page is done.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from mapdesk.export.formats import ExportError
from mapdesk.export.layout.page import LayoutBoxes, Page
from mapdesk.export.layout.paint import SheetContent, paint_page
from mapdesk.render.draw import IsCancelled
from mapdesk.render.image import save_image, usual_file_mode

#: The map's device pixels in a PDF: 300 per inch. Vectors do not need it,
#: but the thinning of vertices closer than a pixel and one-pixel dots for
#: features smaller than a pixel are then finer than any printer.
PDF_MARKER_DPI = 300
_METRES_PER_INCH = 0.0254

SheetSource = Iterable[SheetContent]


def write_pdf(
    target: Path,
    page: Page,
    boxes: LayoutBoxes,
    sheets: SheetSource,
    title: str,
    is_cancelled: IsCancelled,
) -> bool:
    """Write every sheet as a page of one PDF at ``target``; False if cancelled.

    Written to a temporary file in the same folder and moved into place, so
    a reader never sees half a PDF and a failure leaves any old file as it was.
    """
    handle, temp_name = _temp_file(target)
    os.close(handle)
    try:
        writer = QPdfWriter(temp_name)
        writer.setResolution(72)
        writer.setPageLayout(_page_layout(page))
        writer.setTitle(title)
        writer.setCreator("mapdesk")
        painter = QPainter()
        if not painter.begin(writer):
            raise ExportError(f"Cannot write the PDF {target}: Qt could not open it for writing")
        try:
            done = _paint_sheets(painter, boxes, sheets, is_cancelled, writer.newPage)
        finally:
            painter.end()
        if done:
            _publish(temp_name, target)
        return done
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)


def write_pngs(
    targets: list[Path],
    page: Page,
    boxes: LayoutBoxes,
    sheets: SheetSource,
    dpi: int,
    is_cancelled: IsCancelled,
) -> bool:
    """Write sheet ``i`` to ``targets[i]`` as a ``dpi`` PNG; False if cancelled.

    All pages go to temporary files first and are renamed into place at the
    end: a series stopped on page 7 leaves none of its pages behind.
    """
    temps: list[str] = []
    try:
        for target, sheet in zip(targets, sheets, strict=True):
            image = page_image(page, boxes, sheet, dpi, is_cancelled)
            if image is None or is_cancelled():
                return False
            handle, temp_name = _temp_file(target)
            os.close(handle)
            temps.append(temp_name)
            save_image(image, Path(temp_name))
        for temp_name, target in zip(temps, targets, strict=True):
            _publish(temp_name, target)
        return True
    finally:
        for temp_name in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)


def page_image(
    page: Page, boxes: LayoutBoxes, sheet: SheetContent, dpi: float, is_cancelled: IsCancelled
) -> QImage | None:
    """One page painted at ``dpi`` on white (None if cancelled); it records its dpi."""
    image = QImage(*page.pixels(dpi), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    _set_dpi(image, 72)  # paint in points, fonts at their paper size
    painter = QPainter(image)
    try:
        painter.scale(dpi / 72, dpi / 72)
        if not paint_page(painter, boxes, sheet, is_cancelled):
            return None
    finally:
        painter.end()
    _set_dpi(image, dpi)  # the PNG says how large it prints
    return image


def _paint_sheets(
    painter: QPainter,
    boxes: LayoutBoxes,
    sheets: SheetSource,
    is_cancelled: IsCancelled,
    new_page: Callable[[], bool],
) -> bool:
    for index, sheet in enumerate(sheets):
        if is_cancelled() or (index > 0 and not new_page()):
            return False
        if not paint_page(painter, boxes, sheet, is_cancelled):
            return False
    return not is_cancelled()


_PAGE_IDS = {
    "letter": QPageSize.PageSizeId.Letter,
    "tabloid": QPageSize.PageSizeId.Tabloid,
    "a4": QPageSize.PageSizeId.A4,
    "a3": QPageSize.PageSizeId.A3,
}


def _page_layout(page: Page) -> QPageLayout:
    orientation = (
        QPageLayout.Orientation.Landscape
        if page.orientation == "landscape"
        else QPageLayout.Orientation.Portrait
    )
    return QPageLayout(QPageSize(_PAGE_IDS[page.size]), orientation, QMarginsF(0, 0, 0, 0))


def _set_dpi(image: QImage, dpi: float) -> None:
    dots = round(dpi / _METRES_PER_INCH)
    image.setDotsPerMeterX(dots)
    image.setDotsPerMeterY(dots)


def _temp_file(target: Path) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise ExportError(f"Cannot write {target}: {exc.strerror}") from exc


def _publish(temp_name: str, target: Path) -> None:
    if os.path.getsize(temp_name) == 0:
        raise ExportError(f"Cannot write {target}: Qt wrote an empty file")
    try:
        os.chmod(temp_name, usual_file_mode())
        os.replace(temp_name, target)
    except OSError as exc:
        raise ExportError(f"Cannot write {target}: {exc.strerror}") from exc
