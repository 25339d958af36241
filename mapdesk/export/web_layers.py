"""One project layer as web-map data: WGS 84 coordinates, class styles, field columns, legend.

What reaches the page is only what the map shows, as one compact JSON
document per layer (``WebLayer.data``), read by the page's script and never
run: point coordinates as one flat ``[lon, lat, lon, lat, ...]`` array (lines
and polygons as GeoJSON geometries: reprojected, simplified, rounded), each
feature's style class, and the popup and tooltip fields as columns
(``web_columns``). No HTML is made here: the browser builds popups with DOM
calls. Fields not chosen for a popup or tooltip are not in the file at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from mapdesk.core.layer import VectorLayer
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import SingleSymbol, SymbolClass
from mapdesk.export.web_columns import column, shown_text
from mapdesk.export.web_escape import script_json

_HEX = re.compile(r"#[0-9a-fA-F]{6}(?:[0-9a-fA-F]{2})?")


@dataclass(frozen=True)
class LegendRow:
    """One legend entry: a swatch (fill, outline, opacity) and its label (plain text)."""

    fill: str
    stroke: str
    fill_opacity: float
    label: str


@dataclass(frozen=True)
class WebLayer:
    """A layer ready for the page.

    Attributes
    ----------
    name
        The layer's name (plain text; escaped where the page shows it).
    kind
        "point", "line" or "polygon": how the legend draws a swatch.
    data
        The layer's page data as JSON text safe inside a ``<script>`` element
        (no ``<``, ``>``, ``&``, U+2028/9): name, styles, class per feature,
        coordinates or geometries, field columns, popup and tooltip fields.
    styles
        Leaflet path options per class.
    legend
        The legend rows (one for a single-symbol layer).
    count
        Features on the page.
    bounds
        (west, south, east, north) in degrees.
    plain_points
        Every feature is one point (what marker clustering can take).
    unplaced
        Features left out because their coordinates have no place in WGS 84.
    """

    name: str
    kind: str
    data: str
    styles: tuple[dict[str, Any], ...]
    legend: tuple[LegendRow, ...]
    count: int
    bounds: tuple[float, float, float, float]
    plain_points: bool = False
    unplaced: int = 0


@dataclass(frozen=True)
class FieldChoice:
    """The fields a layer's popups and tooltips show (sensitive ones already removed)."""

    popup: Sequence[str]
    tooltip: Sequence[str]
    text_chars: int


def class_of_rows(layer: VectorLayer, single: bool) -> tuple[npt.NDArray[np.intp], list[Any]]:
    """Each row's style class (-1: in no class, not drawn) and the classes' symbols.

    ``single`` draws every feature with the layer's own style (used when the
    field the style classifies by is left out of the map).
    """
    if single or isinstance(layer.symbology, SingleSymbol):
        return np.zeros(layer.feature_count, dtype=np.intp), [layer.style]
    found = layer.symbol_classes()
    index = np.full(layer.feature_count, -1, dtype=np.intp)
    for number, rows in reversed(list(enumerate(found.rows))):
        index[rows] = number  # a row in two classes takes the first (drawn on top)
    return index, list(found.classes)


def prepare_layer(
    layer: VectorLayer,
    fields: FieldChoice,
    single: bool,
    decimals: int,
    simplify: float,
) -> WebLayer | None:
    """The layer as page data, or None when no feature has a drawable geometry.

    Raises
    ------
    ValueError
        If the geometries cannot be reprojected to WGS 84 (the caller says why).
    """
    classes, symbols = class_of_rows(layer, single)
    geometries = np.asarray(layer.data.geometry.to_crs(4326).array, dtype=object)
    present = ~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)
    # A vertex pyproj cannot transform comes back infinite: such a feature
    # would be drawn to 0°, 0° or throw the map's bounds to infinity.
    placed = _finite_rows(geometries)
    unplaced = int((present & ~placed).sum())
    keep = (classes >= 0) & present & placed
    rows = np.flatnonzero(keep)
    kind = _kind(layer.geometry_type)
    points = bool(len(rows)) and bool((shapely.get_type_id(geometries[rows]) == 0).all())
    if points:
        # Plain points: one flat array of rounded longitudes and latitudes.
        xy = np.round(shapely.get_coordinates(geometries[rows]), decimals)
        west, south = (float(v) for v in xy.min(axis=0))
        east, north = (float(v) for v in xy.max(axis=0))
        place: dict[str, Any] = {"xy": xy.ravel().tolist()}
        shapes_json = ""
    else:
        shapes = _rounded(_simplified(geometries[rows], simplify), decimals)
        drawn = ~shapely.is_empty(shapes)
        rows, shapes = rows[drawn], shapes[drawn]
        if len(rows) == 0:
            return None
        west, south, east, north = (float(v) for v in shapely.total_bounds(shapes))
        place = {}
        # GEOS writes numbers only: safe in the page as it is.
        shapes_json = "[" + ",".join(shapely.to_geojson(shapes).tolist()) + "]"
    if len(rows) == 0:
        return None
    styles = tuple(path_options(_style(s), kind, layer.opacity) for s in symbols)
    data = {
        "name": shown_text(layer.name),
        "count": len(rows),
        "styles": list(styles),
        **place,
        **_columns(layer, rows, fields),
    }
    if len(symbols) > 1:
        data["classes"] = classes[rows].tolist()
    text = script_json(data)
    if shapes_json:
        text = '{"shapes":' + shapes_json + "," + text[1:]
    return WebLayer(
        name=layer.name,
        kind=kind,
        data=text,
        styles=styles,
        legend=tuple(_legend_row(s, layer.name) for s in symbols),
        count=len(rows),
        bounds=(west, south, east, north),
        plain_points=points,
        unplaced=unplaced,
    )


def _finite_rows(geometries: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Rows all of whose coordinates are finite numbers."""
    coordinates, owners = shapely.get_coordinates(geometries, return_index=True)
    finite = np.ones(len(geometries), dtype=bool)
    finite[owners[~np.isfinite(coordinates).all(axis=1)]] = False
    return finite


def _simplified(shapes: npt.NDArray[Any], tolerance: float) -> npt.NDArray[Any]:
    if tolerance <= 0:
        return shapes
    # Points keep their place; lines and polygons lose vertices under ~1 m.
    kinds = shapely.get_type_id(shapes)
    out = shapes.copy()
    bends = kinds != 0
    out[bends] = shapely.simplify(shapes[bends], tolerance, preserve_topology=True)
    return out


def _rounded(shapes: npt.NDArray[Any], decimals: int) -> npt.NDArray[Any]:
    rounded: npt.NDArray[Any] = shapely.transform(shapes, lambda xy: np.round(xy, decimals))
    return rounded


def _columns(layer: VectorLayer, rows: npt.NDArray[np.intp], fields: FieldChoice) -> dict[str, Any]:
    """The shown fields as columns; ``popup``/``tooltip`` index into ``fields``."""
    names = list(dict.fromkeys([*fields.popup, *fields.tooltip]))
    frame = layer.data
    columns = [
        column(name, frame[name].iloc[rows].reset_index(drop=True), fields.text_chars)
        for name in names
    ]
    return {
        "fields": columns,
        "popup": [names.index(name) for name in fields.popup],
        "tooltip": [names.index(name) for name in fields.tooltip],
    }


def _style(symbol: LayerStyle | SymbolClass) -> LayerStyle:
    return symbol.style if isinstance(symbol, SymbolClass) else symbol


def _legend_row(symbol: LayerStyle | SymbolClass, layer: str) -> LegendRow:
    style = _style(symbol)
    fill, fill_alpha = split_color(style.fill_color)
    stroke, _ = split_color(style.stroke_color)
    label = symbol.label if isinstance(symbol, SymbolClass) else layer
    return LegendRow(fill, stroke, style.fill_opacity * fill_alpha, label)


def _kind(geometry_type: str | None) -> str:
    text = (geometry_type or "").lower()
    return "polygon" if "polygon" in text else "line" if "line" in text else "point"


def split_color(color: str) -> tuple[str, float]:
    """``#rrggbb`` and the alpha of a ``#rrggbbaa`` colour (Leaflet takes them apart)."""
    if not _HEX.fullmatch(color):
        return "#3388ff", 1.0  # the style model refuses these; never pass one to CSS
    alpha = int(color[7:9], 16) / 255 if len(color) == 9 else 1.0
    return color[:7].lower(), alpha


def path_options(style: LayerStyle, kind: str, opacity: float) -> dict[str, Any]:
    """Leaflet path options for one class (points are circle markers)."""
    fill, fill_alpha = split_color(style.fill_color)
    stroke, stroke_alpha = split_color(style.stroke_color)
    options: dict[str, Any] = {
        "color": stroke,
        "weight": style.stroke_width,
        "opacity": round(opacity * stroke_alpha, 3),
        "fill": kind != "line",
        "fillColor": fill,
        "fillOpacity": round(style.fill_opacity * fill_alpha * opacity, 3),
    }
    if style.dashed:
        options["dashArray"] = "6 4"
    if kind == "point":
        options["radius"] = style.marker_size / 2
    return options
