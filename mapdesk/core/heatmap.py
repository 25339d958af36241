"""The heatmap symbology: a point layer drawn as the density of its points (QGIS's Heatmap).

Each point spreads a quartic ("biweight") kernel over a radius, as QGIS's
heatmap renderer does: ``weight * (1 - (d / radius)**2)**2`` within the
radius, nothing beyond. The densities summed at each pixel are coloured
through a ramp, from the ramp's first colour at zero (transparent in the
built-in ramps, so the map shows through where there are no points) to its
last at the maximum: the densest pixel in view, or a fixed value so that
colours mean the same from one view or map to the next.

Only the description lives here (frozen, Qt-free); ``mapdesk.render.heatmap``
computes and draws the density.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from mapdesk.core.errors import MapdeskError
from mapdesk.core.style import check_hex_color, geometry_kind

RadiusUnit = Literal["mm", "px", "m"]
#: How a radius is measured, as the dialog says it.
RADIUS_UNITS: dict[str, str] = {
    "mm": "millimetres on screen",
    "px": "pixels on screen",
    "m": "metres on the ground",
}
#: QGIS's default heatmap radius: 10 mm on screen.
DEFAULT_RADIUS_MM = 10.0


@dataclass(frozen=True)
class ColorRamp:
    """Colours along densities from zero (position 0) to the maximum (position 1).

    Attributes
    ----------
    name
        What the dialog and legend call it.
    stops
        ``(position, "#rrggbb[aa]")`` pairs, positions rising from 0 to 1.
        Colours between stops are blended channel by channel, alpha too.
    """

    name: str
    stops: tuple[tuple[float, str], ...]

    def __post_init__(self) -> None:
        stops = tuple((float(p), str(c)) for p, c in self.stops)
        object.__setattr__(self, "stops", stops)
        if len(stops) < 2:
            raise MapdeskError(f"Colour ramp '{self.name}' needs at least two colours")
        positions = [p for p, _ in stops]
        if positions[0] != 0.0 or positions[-1] != 1.0:
            raise MapdeskError(f"Colour ramp '{self.name}' must run from position 0 to 1")
        if any(b < a for a, b in pairwise(positions)):
            raise MapdeskError(f"Colour ramp '{self.name}': positions must rise from 0 to 1")
        for _, color in stops:
            check_hex_color(color, f"Colour ramp '{self.name}' colour")

    def rgba(self, count: int = 256) -> npt.NDArray[np.uint8]:
        """``count`` colours evenly spread from position 0 to 1, as (count, 4) RGBA bytes."""
        positions = np.array([p for p, _ in self.stops])
        channels = np.array([_channels(c) for _, c in self.stops], dtype=np.float64)
        where = np.linspace(0.0, 1.0, max(count, 2))
        table = np.column_stack([np.interp(where, positions, channels[:, i]) for i in range(4)])
        return np.rint(table).astype(np.uint8)


def _channels(color: str) -> tuple[int, int, int, int]:
    alpha = int(color[7:9], 16) if len(color) == 9 else 255
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16), alpha


def _ramp(name: str, *stops: tuple[float, str]) -> ColorRamp:
    return ColorRamp(name, tuple(stops))


#: Built-in heatmap ramps, transparent at zero: the map shows through where
#: there are no points, and sparse places are only tinted.
HEAT_RAMPS: dict[str, ColorRamp] = {
    ramp.name: ramp
    for ramp in (
        # ColorBrewer YlOrRd: reads on light basemaps and in print.
        _ramp(
            "Yellow-Orange-Red",
            (0.0, "#ffffb200"),
            (0.12, "#ffeda0a0"),
            (0.3, "#fed976e0"),
            (0.5, "#feb24c"),
            (0.7, "#fd8d3c"),
            (0.85, "#f03b20"),
            (1.0, "#bd0026"),
        ),
        # The classic "heat" look (blue, cyan, lime, yellow, red).
        _ramp(
            "Heat",
            (0.0, "#0000ff00"),
            (0.15, "#0000ffa0"),
            (0.35, "#00ffffd0"),
            (0.55, "#00ff00"),
            (0.75, "#ffff00"),
            (1.0, "#ff0000"),
        ),
        _ramp(
            "Magma",
            (0.0, "#3b0f7000"),
            (0.15, "#3b0f70b0"),
            (0.4, "#8c2981"),
            (0.6, "#de4968"),
            (0.8, "#fe9f6d"),
            (1.0, "#fcfdbf"),
        ),
        _ramp(
            "Viridis",
            (0.0, "#44015400"),
            (0.15, "#3b528bb0"),
            (0.45, "#21918c"),
            (0.75, "#5ec962"),
            (1.0, "#fde725"),
        ),
        _ramp("Blues", (0.0, "#c6dbef00"), (0.2, "#9ecae1c0"), (0.6, "#4292c6"), (1.0, "#08306b")),
    )
}
DEFAULT_HEAT_RAMP = "Yellow-Orange-Red"


@dataclass(frozen=True)
class Heatmap:
    """Draw a point layer as the density of its points (QGIS's Heatmap renderer).

    Attributes
    ----------
    radius
        How far each point reaches, in ``radius_unit``.
    radius_unit
        ``"mm"`` or ``"px"`` on screen (the same size at every scale, like
        QGIS's default), or ``"m"`` on the ground (a fixed distance: hot spots
        grow as the map zooms in).
    ramp
        The colours from zero density to the maximum.
    weight_field
        A numeric field: each point counts its value (NULL counts nothing);
        None: every point counts 1.
    maximum
        The density drawn in the ramp's last colour; None: the densest pixel
        in view (colours then change as the view does, as in QGIS).
    """

    radius: float = DEFAULT_RADIUS_MM
    radius_unit: RadiusUnit = "mm"
    ramp: ColorRamp = field(default_factory=lambda: HEAT_RAMPS[DEFAULT_HEAT_RAMP])
    weight_field: str | None = None
    maximum: float | None = None
    kind: Literal["heatmap"] = "heatmap"

    def __post_init__(self) -> None:
        if self.radius_unit not in RADIUS_UNITS:
            units = ", ".join(RADIUS_UNITS)
            raise MapdeskError(f"Unknown heatmap radius unit '{self.radius_unit}' (use {units})")
        if not (math.isfinite(self.radius) and self.radius > 0):
            raise MapdeskError(f"Heatmap radius must be a positive number, got {self.radius}")
        if self.maximum is not None and not (math.isfinite(self.maximum) and self.maximum > 0):
            raise MapdeskError(
                f"Heatmap maximum must be a positive number (or automatic), got {self.maximum}"
            )


def heatmap_from_dict(data: dict[str, Any]) -> Heatmap:
    """The inverse of ``dataclasses.asdict`` on a Heatmap (as a project saves it).

    Raises
    ------
    KeyError, TypeError, ValueError, MapdeskError
        If the dict is damaged (the caller names the file).
    """
    ramp = data.get("ramp")
    maximum = data.get("maximum")
    weight = data.get("weight_field")
    return Heatmap(
        radius=float(data.get("radius", DEFAULT_RADIUS_MM)),
        radius_unit=str(data.get("radius_unit", "mm")),  # type: ignore[arg-type]
        ramp=(
            ColorRamp(str(ramp["name"]), tuple((p, c) for p, c in ramp["stops"]))
            if ramp
            else HEAT_RAMPS[DEFAULT_HEAT_RAMP]
        ),
        weight_field=str(weight) if weight is not None else None,
        maximum=float(maximum) if maximum is not None else None,
    )


def heatmap_legend_text(heatmap: Heatmap) -> str:
    """What a heatmap's ramp stands for in a legend."""
    weight = f" (weighted by {heatmap.weight_field})" if heatmap.weight_field else ""
    return f"sparse → dense{weight}"


def radius_in_pixels(
    heatmap: Heatmap, device_pixel_ratio: float, metres_per_pixel: float | None
) -> float:
    """The radius in device pixels.

    Parameters
    ----------
    heatmap
        The symbology.
    device_pixel_ratio
        Device pixels per logical (96 dpi) pixel.
    metres_per_pixel
        Ground metres per device pixel at the view's centre (needed for a
        radius in metres; None when the map has no known units, which then
        count as metres).
    """
    if heatmap.radius_unit == "px":
        return heatmap.radius * device_pixel_ratio
    if heatmap.radius_unit == "mm":
        return heatmap.radius * 96.0 / 25.4 * device_pixel_ratio
    return heatmap.radius / (metres_per_pixel or 1.0)


def check_heatmap(
    heatmap: Heatmap, frame: pd.DataFrame, geometry_type: str | None, layer: str
) -> None:
    """Raise MapdeskError unless ``heatmap`` can draw the layer: points, a numeric weight."""
    if geometry_kind(geometry_type) != "point":
        raise MapdeskError(
            f'Layer "{layer}" has no points: a heatmap shows the density of a point layer'
        )
    weight = heatmap.weight_field
    if weight is None:
        return
    if weight not in frame.columns:
        raise MapdeskError(f'Layer "{layer}" has no field "{weight}" to weight the heatmap by')
    column = frame[weight]
    if not pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        raise MapdeskError(
            f'Field "{weight}" of layer "{layer}" holds no numbers to weight the heatmap by'
        )


def point_weights(heatmap: Heatmap, frame: pd.DataFrame) -> npt.NDArray[np.float64] | None:
    """Each feature's weight (NULL: 0, it adds nothing); None when every point counts 1.

    Raises
    ------
    MapdeskError
        If the frame has lost the weight field since the heatmap was chosen
        (a virtual field removed).
    """
    if heatmap.weight_field is None:
        return None
    if heatmap.weight_field not in frame.columns:
        raise MapdeskError(
            f'The heatmap weighs points by the field "{heatmap.weight_field}", '
            "which the layer lacks"
        )
    values = pd.to_numeric(frame[heatmap.weight_field], errors="coerce")
    weights = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(np.isfinite(weights), weights, 0.0)
