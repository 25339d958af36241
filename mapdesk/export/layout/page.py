"""Page sizes and where each part of a map layout goes on the page.

All lengths are PostScript points (1/72 inch), the unit of a PDF page; a PNG
is the same page at a chosen dpi. The arithmetic is plain so tests can check
the boxes without drawing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mapdesk.export.formats import ExportError

#: Page sizes in points, portrait (width, height): the US sizes the city
#: prints on, and the ISO sizes consultants send.
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "letter": (612.0, 792.0),  # 8.5 x 11 in
    "tabloid": (792.0, 1224.0),  # 11 x 17 in
    # 210 x 297 mm and 297 x 420 mm, in whole points as Qt's and PDF's page boxes have them.
    "a4": (595.0, 842.0),
    "a3": (842.0, 1191.0),
}

Orientation = Literal["portrait", "landscape"]

#: Page margin: half an inch, inside what office printers can reach.
MARGIN = 36.0
TITLE_HEIGHT = 42.0
FOOTER_HEIGHT = 26.0
GAP = 8.0

Box = tuple[float, float, float, float]  # x, y, width, height (y down from the top)


@dataclass(frozen=True)
class Page:
    """A sheet: its size name and orientation, and its size in points."""

    size: str = "letter"
    orientation: Orientation = "landscape"

    def __post_init__(self) -> None:
        if self.size not in PAGE_SIZES:
            names = ", ".join(PAGE_SIZES)
            raise ExportError(f"Unknown page size '{self.size}': use one of {names}")
        if self.orientation not in ("portrait", "landscape"):
            raise ExportError(
                f"Unknown page orientation '{self.orientation}': use portrait or landscape"
            )

    @property
    def width(self) -> float:
        short, long = PAGE_SIZES[self.size]
        return long if self.orientation == "landscape" else short

    @property
    def height(self) -> float:
        short, long = PAGE_SIZES[self.size]
        return short if self.orientation == "landscape" else long

    def pixels(self, dpi: float) -> tuple[int, int]:
        """The page's size in pixels at ``dpi``."""
        return round(self.width * dpi / 72), round(self.height * dpi / 72)


def parse_page(text: str) -> Page:
    """A page from ``letter``, ``a4-portrait``, ``tabloid-landscape`` ... (landscape by default).

    Raises
    ------
    ExportError
        For an unknown size or orientation (the message lists the choices).
    """
    size, _, orientation = text.strip().lower().partition("-")
    return Page(size, orientation or "landscape")  # type: ignore[arg-type]


@dataclass(frozen=True)
class LayoutBoxes:
    """Where the title, map frame, legend and footer go on the page (points)."""

    title: Box
    map: Box
    legend: Box | None
    footer: Box


def layout_boxes(page: Page, with_legend: bool = True) -> LayoutBoxes:
    """Title across the top, footer across the bottom, the legend in a column
    at the right of the map (a fifth of a landscape page, a quarter of a
    portrait one, as on the city's printed maps)."""
    inner_width = page.width - 2 * MARGIN
    title = (MARGIN, MARGIN, inner_width, TITLE_HEIGHT)
    footer_top = page.height - MARGIN - FOOTER_HEIGHT
    footer = (MARGIN, footer_top, inner_width, FOOTER_HEIGHT)
    body_top = MARGIN + TITLE_HEIGHT + GAP
    body_height = footer_top - GAP - body_top
    if not with_legend:
        return LayoutBoxes(title, (MARGIN, body_top, inner_width, body_height), None, footer)
    share = 0.2 if page.orientation == "landscape" else 0.26
    legend_width = round(inner_width * share, 1)
    map_width = inner_width - legend_width - GAP
    legend = (MARGIN + map_width + GAP, body_top, legend_width, body_height)
    return LayoutBoxes(title, (MARGIN, body_top, map_width, body_height), legend, footer)
