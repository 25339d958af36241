"""Printed maps: a project laid out on a page, to a vector PDF or a PNG.

A page has a title, the map, a legend of what the map shows, a scale bar in
feet and miles (or metres and kilometres), a north arrow turned to true
north and a footer naming the source, the coordinate system, the printed
scale and the date. In series mode there is one page per feature of a layer
(e.g. per PSAP zone or council district), each zoomed to its feature.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtGui import QImage

from mapdesk.core.project import Project
from mapdesk.core.view import Extent
from mapdesk.export.formats import ExportError
from mapdesk.export.layout.page import Page, layout_boxes
from mapdesk.export.layout.paint import POINTS_PER_MAP_PIXEL, SheetContent
from mapdesk.export.layout.scale_bar import Units
from mapdesk.export.layout.series import SeriesPage, series_pages
from mapdesk.export.layout.sheet import SheetRequest, build_sheet
from mapdesk.export.layout.writer import PDF_MARKER_DPI, page_image, write_pdf, write_pngs
from mapdesk.render.image import ensure_gui_application

#: PNG resolutions offered: a screen's up to a print shop's.
MIN_DPI, MAX_DPI = 36, 600
MAP_SUFFIXES = (".pdf", ".png")


@dataclass(frozen=True)
class MapLayoutOptions:
    """How to lay the map out.

    Attributes
    ----------
    title
        The title line; the project file's name (or "Map") when empty.
    page
        Paper size and orientation.
    dpi
        PNG resolution (a PDF is vector; its point markers are 300 dpi).
    extent
        Map area in the project CRS; the project's current view, or all
        visible layers, when None.
    units
        Scale bar in ``imperial`` (ft/mi) or ``metric`` (m/km) units.
    source
        The footer's source line; the visible layers' files when empty.
    legend
        Whether the page has a legend column.
    series_layer
        Make one page per feature of this layer (None: one page).
    series_label
        The field that names each series page (None: "Feature <fid>").
    date
        The date printed in the footer (today when None).
    """

    title: str = ""
    page: Page = Page()  # noqa: RUF009 - a frozen value, safe to share
    dpi: int = 150
    extent: Extent | None = None
    units: Units = "imperial"
    source: str = ""
    legend: bool = True
    series_layer: str | None = None
    series_label: str | None = None
    date: dt.date | None = None

    def __post_init__(self) -> None:
        if not MIN_DPI <= self.dpi <= MAX_DPI:
            raise ExportError(
                f"PNG resolution {self.dpi} dpi is not between {MIN_DPI} and {MAX_DPI}"
            )
        if self.units not in ("imperial", "metric"):
            raise ExportError(f"Unknown scale bar units '{self.units}': use imperial or metric")


@dataclass(frozen=True)
class MapLayoutResult:
    """What was written: the files (one PDF, or a PNG per page) and the page count."""

    paths: tuple[Path, ...]
    pages: int
    cancelled: bool = False


Progress = Callable[[str], None]
IsCancelled = Callable[[], bool]


def export_map(
    project: Project,
    path: str | Path,
    options: MapLayoutOptions | None = None,
    progress: Progress | None = None,
    is_cancelled: IsCancelled | None = None,
) -> MapLayoutResult:
    """Lay out ``project``'s visible layers and write a PDF or PNG(s) at ``path``.

    Parameters
    ----------
    project
        The map to print: its visible layers, styles, labels and CRS.
    path
        ``.pdf`` (every page in one file) or ``.png`` (a series writes
        ``NAME-001.png``, ``NAME-002.png`` ... beside it).
    options
        Title, page, dpi, extent, units, series; defaults when None.
    progress
        Called with a short step ("page 2 of 13: District 2").
    is_cancelled
        Polled between pages and while drawing; a cancelled export leaves
        no file behind (and any old file as it was).

    Raises
    ------
    ExportError
        For a target that is not .pdf/.png or whose folder is missing, a
        project with nothing to draw, a bad series layer or field, or a
        failed write (each message names the file or layer).
    """
    chosen = options or MapLayoutOptions()
    target = check_map_target(Path(path))
    report = progress or (lambda _step: None)
    cancelled = is_cancelled or (lambda: False)
    pages = _pages(project, chosen)
    ensure_gui_application()
    boxes = layout_boxes(chosen.page, with_legend=chosen.legend)
    title = chosen.title.strip() or _default_title(project)
    request = _request(chosen, title, target)
    sheets = _sheets(project, request, boxes.map, pages, report)
    done_page = lambda index: None  # noqa: E731 - progress is reported as each page starts
    if target.suffix.lower() == ".pdf":
        done = write_pdf(target, chosen.page, boxes, sheets, title, cancelled, done_page)
        paths: tuple[Path, ...] = (target,)
    else:
        paths = tuple(_png_paths(target, len(pages)))
        done = write_pngs(list(paths), chosen.page, boxes, sheets, chosen.dpi, cancelled, done_page)
    if not done:
        return MapLayoutResult(paths=(), pages=0, cancelled=True)
    return MapLayoutResult(paths=paths, pages=len(pages))


def preview_page(
    project: Project,
    options: MapLayoutOptions,
    dpi: float = 40,
    is_cancelled: IsCancelled | None = None,
) -> QImage | None:
    """The first page as ``export_map`` would make it, small, for a dialog's preview.

    Raises
    ------
    ExportError
        As ``export_map`` would for the same options (bad series layer, nothing visible).
    """
    pages = _pages(project, options)
    ensure_gui_application()
    boxes = layout_boxes(options.page, with_legend=options.legend)
    title = options.title.strip() or _default_title(project)
    request = replace(_request(options, title, Path("preview.png")), device_pixel_ratio=dpi / 96)
    sheet = next(_sheets(project, request, boxes.map, pages[:1], lambda _step: None))
    return page_image(options.page, boxes, sheet, dpi, is_cancelled or (lambda: False))


def check_map_target(target: Path) -> Path:
    """``target`` if a map can be written there (.pdf or .png in an existing folder).

    Raises
    ------
    ExportError
        Naming the file and what is wrong with it.
    """
    if target.suffix.lower() not in MAP_SUFFIXES:
        raise ExportError(f"Cannot lay a map out as {target.name}: name a .pdf or .png file")
    if not target.parent.is_dir():
        raise ExportError(f"Cannot write {target}: the folder {target.parent} does not exist")
    if target.is_dir():
        raise ExportError(f"Cannot write {target}: it is a folder")
    return target


def _pages(project: Project, options: MapLayoutOptions) -> list[SeriesPage]:
    if options.series_layer is not None:
        return series_pages(project, options.series_layer, options.series_label)
    extent = options.extent or _current_extent(project)
    if extent is None:
        raise ExportError("Nothing to print: the project has no visible layers with features")
    return [SeriesPage(label="", extent=extent)]


def _current_extent(project: Project) -> Extent | None:
    if project.view is not None:
        return project.view.extent
    return project.full_extent(visible_only=True)


def _request(options: MapLayoutOptions, title: str, target: Path) -> SheetRequest:
    is_pdf = target.suffix.lower() == ".pdf"
    dpi = PDF_MARKER_DPI if is_pdf else options.dpi
    return SheetRequest(
        title=title,
        page=options.page,
        units=options.units,
        source=options.source.strip(),
        date=options.date or dt.date.today(),
        device_pixel_ratio=dpi / 72 * POINTS_PER_MAP_PIXEL,
        vector_markers=is_pdf,
    )


def _sheets(
    project: Project,
    request: SheetRequest,
    frame: tuple[float, float, float, float],
    pages: list[SeriesPage],
    report: Progress,
) -> Iterator[SheetContent]:
    """Each page's content, made as the writer reaches it (one map in memory at a time)."""
    for number, page in enumerate(pages, start=1):
        name = f": {page.label}" if page.label else ""
        report(f"drawing page {number} of {len(pages)}{name}")
        title = f"{request.title} — {page.label}" if page.label else request.title
        yield build_sheet(project, request, frame, page.extent, title, page.outline)


def _png_paths(target: Path, count: int) -> list[Path]:
    if count == 1:
        return [target]
    digits = max(3, len(str(count)))
    return [
        target.with_name(f"{target.stem}-{index:0{digits}d}{target.suffix}")
        for index in range(1, count + 1)
    ]


def _default_title(project: Project) -> str:
    return project.path.stem if project.path is not None else "Map"
