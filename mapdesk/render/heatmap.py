"""A point layer drawn as a heatmap: kernel density coloured through a ramp, one image.

Preparing (numpy, in a prepare thread like every layer) takes the layer's
points in and near the view, adds up their kernels (``render.density``) and
colours the densities through the ramp into premultiplied ARGB pixels.
Drawing puts that one image on the map with the layer's opacity, once per
render, never once per band: it is one ``drawImage``.

A heatmap is the one raster part of a printed PDF map; the image is the
density grid, smoothly scaled by the PDF viewer like any embedded picture.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QLinearGradient,
    QPaintEngine,
    QPainter,
    QPen,
)
from shapely import GeometryType

from mapdesk.core.heatmap import ColorRamp, Heatmap, point_weights, radius_in_pixels
from mapdesk.core.view import ViewState, map_scale
from mapdesk.render.density import DensityGrid, kernel_density
from mapdesk.render.geometry import plain_point_xy
from mapdesk.render.settings import LayerSnapshot, MapSettings
from mapdesk.render.symbols import qcolor

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
#: Colours a ramp is sampled at (densities between take the nearest).
RAMP_STEPS = 256
#: Metres per device pixel at 96 dpi, per unit of map scale (1:N).
_METRES_PER_SCALE_PIXEL = 0.0254 / 96


@dataclass(frozen=True)
class HeatPoints:
    """Every point of a layer (multipoint parts too) in map units, and its feature's row."""

    xy: FloatArray
    feature: IntArray
    features: int


@dataclass(frozen=True)
class PreparedHeatmap:
    """One layer's heatmap for one view, ready to draw (read-only once made).

    Attributes
    ----------
    pixels
        (rows, columns) premultiplied ARGB32 colours of the density grid.
    cell, left, top
        Device pixels per grid cell, and where the grid's top-left corner is.
    opacity
        The layer's opacity.
    maximum
        The density drawn in the ramp's last colour (the densest cell in view
        when the symbology's maximum is automatic).
    """

    pixels: npt.NDArray[np.uint32]
    cell: int
    left: float
    top: float
    opacity: float
    maximum: float


def prepare_heatmap(
    snapshot: LayerSnapshot, settings: MapSettings, rows: IntArray | None = None
) -> PreparedHeatmap | None:
    """The heatmap of ``snapshot``'s layer over ``settings``' view (None: nothing in view).

    Parameters
    ----------
    snapshot
        A layer whose symbology is a ``Heatmap``.
    settings
        The view, map CRS and device pixel ratio.
    rows
        The features to count (positions in the layer's table); None: all.
    """
    heatmap = snapshot.symbology
    if not isinstance(heatmap, Heatmap):
        raise TypeError(f"layer '{snapshot.layer.name}' is not drawn as a heatmap")
    view = settings.device_view
    radius = radius_in_pixels(
        heatmap, settings.device_pixel_ratio, _metres_per_pixel(view, settings)
    )
    projected = snapshot.layer.projected(settings.crs)
    points = cached_heat_points(projected, projected.geometries)
    weights = point_weights(heatmap, snapshot.layer.data)
    x, y, point_weight = _points_near(points, weights, rows, view, radius)
    if len(x) == 0:
        return None
    grid = kernel_density(x, y, point_weight, view.width, view.height, radius)
    maximum = heatmap.maximum or float(grid.in_view().max(initial=0.0))
    if maximum <= 0:
        return None
    pixels = colorize(grid.values, maximum, heatmap.ramp)
    return PreparedHeatmap(pixels, grid.cell, grid.left, grid.top, snapshot.opacity, maximum)


def _metres_per_pixel(view: ViewState, settings: MapSettings) -> float | None:
    if settings.crs is None:
        return None  # unknown units: a radius in metres is taken as map units
    return map_scale(view, settings.crs) * _METRES_PER_SCALE_PIXEL


def _points_near(
    points: HeatPoints,
    weights: FloatArray | None,
    rows: IntArray | None,
    view: ViewState,
    radius: float,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Device pixels (and weights) of the chosen points within ``radius`` of the view."""
    xy, feature = points.xy, points.feature
    margin = (radius + 1) * view.resolution
    xmin, ymin, xmax, ymax = view.extent
    keep = (xy[:, 0] >= xmin - margin) & (xy[:, 0] <= xmax + margin)
    keep &= xy[:, 1] >= ymin - margin
    keep &= xy[:, 1] <= ymax + margin
    if rows is not None:
        chosen = np.zeros(points.features, dtype=bool)
        chosen[rows[(rows >= 0) & (rows < points.features)]] = True
        keep &= chosen[feature]
    xy, feature = np.compress(keep, xy, axis=0), feature[keep]
    point_weight = None
    if weights is not None:
        # The table may have changed since the geometry was projected: a row
        # it no longer has counts nothing.
        known = feature < len(weights)
        point_weight = np.where(known, weights[np.minimum(feature, len(weights) - 1)], 0.0)
    x, y = view.to_screen(xy[:, 0], xy[:, 1])
    return x, y, point_weight


def heat_points(geometries: npt.NDArray[np.object_]) -> HeatPoints:
    """Every point and multipoint part of ``geometries`` (others are not counted)."""
    kinds = shapely.get_type_id(geometries)
    xy = plain_point_xy(geometries, kinds)
    if xy is not None:
        feature = np.arange(len(geometries), dtype=np.intp)
    else:
        rows = np.flatnonzero((kinds == GeometryType.POINT) | (kinds == GeometryType.MULTIPOINT))
        # Empty points have no coordinates: get_coordinates skips them.
        xy, index = shapely.get_coordinates(geometries[rows], return_index=True)
        feature = rows[index].astype(np.intp)
    finite = np.isfinite(xy).all(axis=1)  # empty points, points pyproj could not place
    if not finite.all():
        xy, feature = xy[finite], feature[finite]
    return HeatPoints(np.ascontiguousarray(xy, dtype=np.float64), feature, len(geometries))


_CACHE: OrderedDict[int, tuple[weakref.ref[Any], Any, HeatPoints]] = OrderedDict()
# Re-entrant: an owner's weak-reference callback takes it, and a garbage
# collection may free an owner in a thread that already holds it.
_CACHE_LOCK = threading.RLock()
#: Layers (projections) whose points are kept.
_CACHE_KEPT = 8


def cached_heat_points(owner: object, geometries: npt.NDArray[np.object_]) -> HeatPoints:
    """``heat_points(geometries)``, kept while ``owner`` (the layer's projection) lives,
    so a pan or zoom only culls and transforms.

    The entry goes with its owner: every edit gives the layer a new
    projection, and the old one's points and geometries (hundreds of MB for
    a million points) must not wait for seven more edits to be let go.
    """
    key = id(owner)
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None and entry[0]() is owner and entry[1] is geometries:
            _CACHE.move_to_end(key)
            return entry[2]
    points = heat_points(geometries)
    with _CACHE_LOCK:
        _CACHE[key] = (weakref.ref(owner, partial(_forget, key)), geometries, points)
        while len(_CACHE) > _CACHE_KEPT:
            _CACHE.popitem(last=False)
    return points


def _forget(key: int, ref: weakref.ref[Any]) -> None:
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None and entry[0] is ref:
            del _CACHE[key]


def colorize(values: FloatArray, maximum: float, ramp: ColorRamp) -> npt.NDArray[np.uint32]:
    """Densities as premultiplied ARGB32 colours through ``ramp``: zero takes its
    first colour, ``maximum`` and above its last."""
    table = _ramp_table(ramp)
    steps = len(table) - 1
    index = np.clip(values * (steps / maximum), 0.0, steps)
    return np.asarray(table[np.rint(index).astype(np.intp)], dtype=np.uint32)


@lru_cache(maxsize=16)
def _ramp_table(ramp: ColorRamp) -> npt.NDArray[np.uint32]:
    """The ramp's colours as premultiplied 0xAARRGGBB words (QImage's ARGB32 layout)."""
    rgba = ramp.rgba(RAMP_STEPS).astype(np.uint32)
    alpha = rgba[:, 3]
    red, green, blue = ((rgba[:, i] * alpha + 127) // 255 for i in range(3))
    table = np.asarray((alpha << 24) | (red << 16) | (green << 8) | blue, dtype=np.uint32)
    table.flags.writeable = False
    return table


def draw_heatmap(painter: QPainter, prepared: PreparedHeatmap) -> None:
    """Draw the heatmap on ``painter`` (in whole-image device pixels), smoothly scaled."""
    pixels = np.ascontiguousarray(prepared.pixels)
    rows, columns = pixels.shape
    image = QImage(
        pixels.data, columns, rows, columns * 4, QImage.Format.Format_ARGB32_Premultiplied
    )
    cell = prepared.cell
    target = QRectF(prepared.left, prepared.top, columns * cell, rows * cell)
    if cell > 1 and not _rasterises(painter):
        # A PDF keeps the image as it is given and viewers show its pixels
        # unsmoothed: hand it one already scaled smoothly to print density.
        image = _smoothly_enlarged(image, cell)
    painter.save()
    try:
        painter.setOpacity(prepared.opacity)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, cell > 1)
        painter.drawImage(target, image, QRectF(image.rect()))
    finally:
        painter.restore()
    del image  # before ``pixels``, whose memory it borrowed


#: A heatmap handed to a PDF has at most this many pixels (~150 dpi on a letter page).
PRINT_PIXELS = 2_000_000


def _rasterises(painter: QPainter) -> bool:
    engine = painter.paintEngine()
    return engine is None or engine.type() == QPaintEngine.Type.Raster


def _smoothly_enlarged(image: QImage, cell: int) -> QImage:
    room = math.sqrt(PRINT_PIXELS / max(image.width() * image.height(), 1))
    factor = max(1.0, min(float(cell), room))
    size = QSize(round(image.width() * factor), round(image.height() * factor))
    return image.scaled(
        size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def paint_ramp(painter: QPainter, ramp: ColorRamp, box: QRectF) -> None:
    """A legend swatch of ``ramp``: sparse (left) to dense (right), thinly framed."""
    gradient = QLinearGradient(box.left(), 0.0, box.right(), 0.0)
    for position, color in ramp.stops:
        gradient.setColorAt(position, qcolor(color))
    painter.save()
    try:
        painter.setPen(QPen(QColor("#808080"), 0))
        painter.setBrush(QBrush(gradient))
        painter.drawRect(box)
    finally:
        painter.restore()


__all__ = [
    "DensityGrid",
    "PreparedHeatmap",
    "cached_heat_points",
    "draw_heatmap",
    "paint_ramp",
    "prepare_heatmap",
]
