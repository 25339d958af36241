"""Frozen layer styles: plain hex colours and sizes, no Qt types.

Sizes follow what a QGIS user sees by default: points ~2 mm (7 px) circles
with an outline, lines 1-2 px, polygons filled with a thin outline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from mapdesk.core.errors import MapdeskError

MarkerShape = Literal["circle", "square", "triangle", "diamond", "star", "cross"]
_HEX = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn. Colours are ``#rrggbb`` or ``#rrggbbaa``."""

    fill_color: str = "#a6cee3"
    stroke_color: str = "#1f4e79"
    stroke_width: float = 1.0
    marker_size: float = 7.0
    marker_shape: MarkerShape = "circle"
    fill_opacity: float = 1.0
    dashed: bool = False

    def __post_init__(self) -> None:
        for name in ("fill_color", "stroke_color"):
            check_hex_color(getattr(self, name), f"Style {name}")
        if not 0.0 <= self.fill_opacity <= 1.0:
            raise MapdeskError(f"Style fill opacity {self.fill_opacity} is not between 0 and 1")
        if self.stroke_width < 0 or self.marker_size <= 0:
            raise MapdeskError("Style stroke width and marker size must be positive")

    def with_changes(self, **changes: object) -> LayerStyle:
        """A copy with some attributes changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


#: QGIS's default selection colour.
SELECTION_COLOR = "#ffff00"
_SELECTION_OUTLINE = "#8a7a00"


def selection_style(style: LayerStyle) -> LayerStyle:
    """How selected features of a layer drawn with ``style`` look: QGIS's yellow,
    the same shape, outlined so the selection reads on a yellow map, and points
    a little larger so a selected incident stands out among unselected ones."""
    return style.with_changes(
        fill_color=SELECTION_COLOR,
        stroke_color=_SELECTION_OUTLINE,
        stroke_width=max(style.stroke_width, 1.0),
        marker_size=style.marker_size + 2.0,
        fill_opacity=1.0,
        dashed=False,
    )


def check_hex_color(value: str, what: str) -> str:
    """Return ``value`` if it is ``#rrggbb``/``#rrggbbaa``, else raise naming ``what``."""
    if not isinstance(value, str) or not _HEX.match(value):
        raise MapdeskError(f"{what} '{value}' is not a #rrggbb colour")
    return value


# A qualitative palette (ColorBrewer Set1/Dark2-like) cycled for new layers so
# that layers added one after another are told apart at a glance.
_PALETTE = (
    ("#e41a1c", "#8b0f10"),
    ("#377eb8", "#1d4468"),
    ("#4daf4a", "#2a6128"),
    ("#984ea3", "#552b5b"),
    ("#ff7f00", "#8f4700"),
    ("#a65628", "#5c3016"),
    ("#f781bf", "#8a476a"),
    ("#1b9e77", "#0f5943"),
)


def default_style(geometry_type: str | None, index: int = 0) -> LayerStyle:
    """A readable default style for the ``index``-th layer of a geometry type."""
    fill, stroke = _PALETTE[index % len(_PALETTE)]
    kind = (geometry_type or "").lower()
    if "polygon" in kind:
        return LayerStyle(fill_color=fill, stroke_color=stroke, fill_opacity=0.35, stroke_width=1.0)
    if "line" in kind:
        return LayerStyle(fill_color=fill, stroke_color=fill, stroke_width=1.5)
    return LayerStyle(fill_color=fill, stroke_color="#232323", marker_size=7.0)


def geometry_kind(geometry_type: str | None) -> str:
    """point, line, polygon or table: which kind of symbol a layer draws."""
    kind = (geometry_type or "").lower()
    for name in ("polygon", "line", "point"):
        if name in kind:
            return name
    return "table"
