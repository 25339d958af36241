"""Scale bars and the printed scale: round lengths on the ground, in points on paper."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from pyproj import Proj

Units = Literal["imperial", "metric"]

METRES_PER_FOOT = 0.3048
METRES_PER_MILE = 1609.344
METRES_PER_POINT = 0.0254 / 72  # a PostScript point on paper


@dataclass(frozen=True)
class ScaleBar:
    """A bar of ``segments`` equal boxes, ``length`` ``unit`` long on the ground.

    Attributes
    ----------
    length
        Ground length of the whole bar, in ``unit`` (a round number: 1, 2 or
        5 times a power of ten).
    unit
        ``ft``, ``mi``, ``m`` or ``km``.
    width
        The bar's width on paper, in points.
    segments
        How many alternating boxes the bar has.
    """

    length: float
    unit: str
    width: float
    segments: int = 4

    def tick_labels(self) -> list[str]:
        """The numbers under the bar: at its start, middle and end."""
        half = self.length / 2
        return ["0", _number(half), f"{_number(self.length)} {self.unit}"]


def ground_metres_per_unit(crs: Any, center_x: float, center_y: float) -> float | None:
    """Metres on the ground per map unit along x at the map's centre; None
    without a CRS (then nobody knows, and no scale is printed).

    For a projected CRS: its axis unit (metres, US survey feet) divided by
    the projection's scale factor there, so a Web Mercator map of Maine
    (factor 1.38) gets a true scale bar. For longitude and latitude: a
    degree of longitude at the centre's latitude.
    """
    if crs is None:
        return None
    if crs.is_geographic:
        latitude = math.radians(max(-89.0, min(89.0, center_y)))
        return 111_320.0 * math.cos(latitude)
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return float(factor or 1.0) / _scale_factor(crs, center_x, center_y)


def _scale_factor(crs: Any, x: float, y: float) -> float:
    """The projection's scale along the parallel at (x, y); 1 where unknown."""
    try:
        projection = Proj(crs)
        lon, lat = projection(x, y, inverse=True)
        found = float(projection.get_factors(lon, lat).parallel_scale)
    except Exception:  # pyproj raises several kinds outside a projection's area
        return 1.0
    return found if math.isfinite(found) and found > 0 else 1.0


def printed_scale(metres_per_point: float) -> float:
    """The denominator N of the printed scale 1:N (ground metres per paper metre)."""
    return metres_per_point / METRES_PER_POINT


def choose_scale_bar(metres_per_point: float, max_width: float, units: Units) -> ScaleBar:
    """The longest round-numbered bar that fits in ``max_width`` points.

    Parameters
    ----------
    metres_per_point
        Ground metres one point of paper covers.
    max_width
        The room for the bar on the page, in points.
    units
        ``imperial`` (feet, then miles from half a mile) or ``metric``
        (metres, then kilometres from 1 km).
    """
    most = metres_per_point * max_width
    if units == "imperial":
        unit, size = (
            ("mi", METRES_PER_MILE) if most >= METRES_PER_MILE / 2 else ("ft", METRES_PER_FOOT)
        )
    else:
        unit, size = ("km", 1000.0) if most >= 1000 else ("m", 1.0)
    length = round_down(most / size)
    return ScaleBar(length=length, unit=unit, width=length * size / metres_per_point)


def round_down(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that is at most ``value``."""
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"No scale bar length for {value}")
    power = 10 ** math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * power <= value * (1 + 1e-9):
            return float(step * power)
    return float(power)  # pragma: no cover - 1 * power always fits


def _number(value: float) -> str:
    """1, 2.5, 0.25, 1,000: no trailing zeros, thousands separated."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")
