"""Printed maps: a project laid out on a page, to a vector PDF or a PNG.

A page has a title, the map, a legend of what the map shows, a scale bar in
feet and miles (or metres and kilometres), a north arrow turned to true
north and a footer naming the source, the coordinate system, the printed
scale and the date. In series mode there is one page per feature of a layer
(e.g. per PSAP zone or council district), each zoomed to its feature.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtGui import QImage

from mapdesk.core.project import Project
from mapdesk.core.view import Extent, padded_extent
from mapdesk.export.formats import ExportError
from mapdesk.export.layout.page import Box, LayoutBoxes, Page, layout_boxes
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
    """What was written: the files (one PDF, or a PNG per page), the page count,
    and notes for the user (e.g. older series pages left beside the new ones)."""

    paths: tuple[Path, ...]
    pages: int
    cancelled: bool = False
    warnings: tuple[str, ...] = ()


Progress = Callable[[str], None]
IsCancelled = Callable[[], bool]


@dataclass(frozen=True)
class MapPlan:
    """A map export decided and taken from the project: what each page shows
    and which files it writes. Made on the thread that owns the project (the
    UI's), so a worker writing it never reads a project the user is changing.

    Attributes
    ----------
    options
        The layout chosen.
    boxes
        Where title, map, legend and footer go on the page.
    title
        The title line (of the first page; series pages add their name).
    sheets
        Each page's content, in order.
    labels
        Each page's name in a series ("" for a single page).
    paths
        The files written: one PDF, or one PNG per page.
    """

    options: MapLayoutOptions
    boxes: LayoutBoxes
    title: str
    sheets: tuple[SheetContent, ...]
    labels: tuple[str, ...]
    paths: tuple[Path, ...]

    @property
    def replaces(self) -> tuple[Path, ...]:
        """The files of ``paths`` that exist already (to ask before replacing them)."""
        return tuple(path for path in self.paths if path.exists())

    @property
    def earlier_pages(self) -> tuple[Path, ...]:
        """Numbered PNG pages beside the target beyond this export's last page
        (from a longer series made before): kept, and reported."""
        first = self.paths[0]
        if first.suffix.lower() != ".png" or not first.parent.is_dir():
            return ()
        stem = first.stem.rsplit("-", 1)[0] if len(self.paths) > 1 else first.stem
        numbered = re.compile(rf"{re.escape(stem)}-(\d{{3,}}){re.escape(first.suffix)}")
        last = len(self.paths) if len(self.paths) > 1 else 0  # a single page is not numbered
        found = []
        for path in first.parent.iterdir():
            match = numbered.fullmatch(path.name)
            if match and int(match.group(1)) > last:
                found.append(path)
        return tuple(sorted(found))


def plan_map(
    project: Project, path: str | Path, options: MapLayoutOptions | None = None
) -> MapPlan:
    """Decide every page of a map export (see ``export_map``); call it on the
    thread that owns ``project``.

    Raises
    ------
    ExportError
        As ``export_map`` does, before anything is drawn or written.
    """
    chosen = options or MapLayoutOptions()
    target = check_map_target(Path(path))
    pages = _pages(project, chosen)
    ensure_gui_application()
    boxes = layout_boxes(chosen.page, with_legend=chosen.legend)
    title = chosen.title.strip() or _default_title(project)
    request = _request(chosen, title, target)
    sheets = tuple(_sheet(project, request, boxes.map, page) for page in pages)
    is_pdf = target.suffix.lower() == ".pdf"
    paths = (target,) if is_pdf else tuple(_png_paths(target, len(pages)))
    return MapPlan(chosen, boxes, title, sheets, tuple(page.label for page in pages), paths)


def write_map(
    plan: MapPlan, progress: Progress | None = None, is_cancelled: IsCancelled | None = None
) -> MapLayoutResult:
    """Draw and write a planned map export (safe in a worker thread).

    Every file is first written under a temporary name in its folder and
    only renamed into place once all pages are done: a cancelled or failed
    export leaves no file behind and any older file as it was.
    """
    report = progress or (lambda _step: None)
    cancelled = is_cancelled or (lambda: False)
    sheets = _announced(plan, report)
    page = plan.options.page
    if plan.paths[0].suffix.lower() == ".pdf":
        done = write_pdf(plan.paths[0], page, plan.boxes, sheets, plan.title, cancelled)
    else:
        done = write_pngs(list(plan.paths), page, plan.boxes, sheets, plan.options.dpi, cancelled)
    if not done:
        return MapLayoutResult(paths=(), pages=0, cancelled=True)
    return MapLayoutResult(plan.paths, len(plan.sheets), warnings=_notes(plan))


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
        Called with a short step ("drawing page 2 of 13: District 2").
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
    return write_map(plan_map(project, path, options), progress, is_cancelled)


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
    sheet = _sheet(project, request, boxes.map, pages[0])
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
    # A lone point (or a row of them on one line) has no width: give it some.
    return [SeriesPage(label="", extent=padded_extent(extent, project.min_view_span))]


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


def _sheet(project: Project, request: SheetRequest, frame: Box, page: SeriesPage) -> SheetContent:
    title = f"{request.title} — {page.label}" if page.label else request.title
    return build_sheet(project, request, frame, page.extent, title, page.outline)


def _announced(plan: MapPlan, report: Progress) -> Iterator[SheetContent]:
    """The sheets, saying which page is being drawn as the writer reaches it."""
    count = len(plan.sheets)
    for number, (sheet, label) in enumerate(zip(plan.sheets, plan.labels, strict=True), 1):
        report(f"drawing page {number} of {count}" + (f": {label}" if label else ""))
        yield sheet


def _notes(plan: MapPlan) -> tuple[str, ...]:
    earlier = plan.earlier_pages
    if not earlier:
        return ()
    names = ", ".join(path.name for path in earlier[:3]) + (" …" if len(earlier) > 3 else "")
    return (
        f"{len(earlier)} page{'s' if len(earlier) != 1 else ''} of an earlier, longer series "
        f"remain beside the new ones ({names}); delete them if they are out of date",
    )


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
