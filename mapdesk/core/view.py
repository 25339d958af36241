"""ViewState: the affine mapping between map coordinates and screen pixels.

A ViewState is immutable, so a render job can hold one while the user keeps
panning: every change returns a new ViewState.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from mapdesk.core.errors import MapdeskError

Extent = tuple[float, float, float, float]
FloatArray = npt.NDArray[np.float64]

#: Zoom limits in map units per pixel; beyond them floating point breaks down.
MIN_RESOLUTION = 1e-9
MAX_RESOLUTION = 1e9


@dataclass(frozen=True)
class ViewState:
    """The visible part of the map.

    Attributes
    ----------
    center_x, center_y
        Map coordinates (project CRS) at the centre of the widget.
    resolution
        Map units per screen pixel (bigger = zoomed out).
    width, height
        Widget size in pixels.
    """

    center_x: float = 0.0
    center_y: float = 0.0
    resolution: float = 1.0
    width: int = 800
    height: int = 600

    def __post_init__(self) -> None:
        if not (MIN_RESOLUTION <= self.resolution <= MAX_RESOLUTION):
            raise MapdeskError(f"Zoom level out of range: {self.resolution} map units per pixel")
        if self.width <= 0 or self.height <= 0:
            raise MapdeskError(f"View size must be positive, got {self.width}x{self.height}")

    @property
    def extent(self) -> Extent:
        """(xmin, ymin, xmax, ymax) of the visible map area."""
        half_w = self.width * self.resolution / 2
        half_h = self.height * self.resolution / 2
        return (
            self.center_x - half_w,
            self.center_y - half_h,
            self.center_x + half_w,
            self.center_y + half_h,
        )

    def to_screen(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Map coordinates to pixel coordinates (origin top-left, y down)."""
        xs = np.asarray(x, dtype=np.float64)
        ys = np.asarray(y, dtype=np.float64)
        px = (xs - self.center_x) / self.resolution + self.width / 2
        py = (self.center_y - ys) / self.resolution + self.height / 2
        return px, py

    def to_map(self, px: float, py: float) -> tuple[float, float]:
        """Pixel position to map coordinates."""
        x = self.center_x + (px - self.width / 2) * self.resolution
        y = self.center_y - (py - self.height / 2) * self.resolution
        return x, y

    def resized(self, width: int, height: int) -> ViewState:
        """Same centre and zoom, new widget size."""
        return replace(self, width=max(1, width), height=max(1, height))

    def panned(self, dx_px: float, dy_px: float) -> ViewState:
        """The map dragged by (dx, dy) pixels, as a hand-drag pan does."""
        return replace(
            self,
            center_x=self.center_x - dx_px * self.resolution,
            center_y=self.center_y + dy_px * self.resolution,
        )

    def zoomed(self, factor: float, anchor_px: tuple[float, float] | None = None) -> ViewState:
        """Zoom in by ``factor`` (> 1 zooms in), keeping ``anchor_px`` fixed on screen."""
        if factor <= 0 or not math.isfinite(factor):
            raise MapdeskError(f"Zoom factor must be positive, got {factor}")
        new_res = min(max(self.resolution / factor, MIN_RESOLUTION), MAX_RESOLUTION)
        if anchor_px is None:
            return replace(self, resolution=new_res)
        ax, ay = self.to_map(*anchor_px)
        # Keep the map point under the anchor pixel where it was.
        cx = ax - (anchor_px[0] - self.width / 2) * new_res
        cy = ay + (anchor_px[1] - self.height / 2) * new_res
        return replace(self, center_x=cx, center_y=cy, resolution=new_res)

    def fitted(self, extent: Extent, margin: float = 0.05) -> ViewState:
        """A view showing ``extent`` whole, with a relative margin around it."""
        xmin, ymin, xmax, ymax = extent
        if not all(math.isfinite(v) for v in extent):
            raise MapdeskError("Cannot zoom to an extent with non-finite coordinates")
        span_x = max(xmax - xmin, 1e-6)
        span_y = max(ymax - ymin, 1e-6)
        res = max(span_x / self.width, span_y / self.height) * (1 + 2 * margin)
        res = min(max(res, MIN_RESOLUTION), MAX_RESOLUTION)
        return replace(self, center_x=(xmin + xmax) / 2, center_y=(ymin + ymax) / 2, resolution=res)


def scale_denominator(resolution: float, metres_per_unit: float, dpi: float = 96.0) -> float:
    """The map scale 1:N for a resolution in map units per pixel at a screen dpi."""
    metres_per_pixel = resolution * metres_per_unit
    return metres_per_pixel / (0.0254 / dpi)


def map_scale(view: ViewState, crs: Any) -> float:
    """The scale 1:N the map shows at ``view`` (96 dpi), for a pyproj CRS or None.

    Longitude/latitude maps count a degree as its length along the parallel
    at the view's centre.
    """
    if crs is None:
        return scale_denominator(view.resolution, 1.0)
    if crs.is_geographic:
        latitude = math.radians(max(-89.0, min(89.0, view.center_y)))
        return scale_denominator(view.resolution, 111_320.0 * math.cos(latitude))
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return scale_denominator(view.resolution, factor or 1.0)


def in_scale_range(scale: float, min_scale: float, max_scale: float) -> bool:
    """QGIS's scale-dependent visibility: shown between 1:``min_scale`` (most
    zoomed out; 0 = no limit) and 1:``max_scale`` (most zoomed in; 0 = no limit)."""
    too_far = min_scale > 0 and scale > min_scale
    too_close = max_scale > 0 and scale < max_scale
    return not (too_far or too_close)


def padded_extent(extent: Extent, min_span: float) -> Extent:
    """``extent`` grown about its centre so neither side is under ``min_span``."""
    xmin, ymin, xmax, ymax = extent
    grow_x = max(min_span - (xmax - xmin), 0.0) / 2
    grow_y = max(min_span - (ymax - ymin), 0.0) / 2
    return (xmin - grow_x, ymin - grow_y, xmax + grow_x, ymax + grow_y)
