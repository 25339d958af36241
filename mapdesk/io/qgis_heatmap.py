"""QGIS's ``heatmapRenderer`` and gradient colour ramps, read as a mapdesk Heatmap.

QGIS writes the renderer as attributes (``radius``, ``radius_unit``,
``max_value``, ``weight_expression``, ``quality``) and the ramp as a
``<colorramp type="gradient">`` with ``color1``, ``color2`` and the stops
between (``"0.25;r,g,b,a:0.5;r,g,b,a"``; QGIS 3.24 and later add each
stop's colour spec and hue direction: ``"0.25;r,g,b,a;rgb;ccw"``). The
vocabulary here is also what ``mapdesk.export.qgis_symbols`` writes, so the
two directions agree.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from pyproj import CRS

from mapdesk.core.errors import MapdeskError
from mapdesk.core.heatmap import DEFAULT_HEAT_RAMP, HEAT_RAMPS, ColorRamp, Heatmap
from mapdesk.io.qgis_xml import hex_color, option_props

#: mapdesk radius unit -> QGIS render unit number (QgsUnitTypes::RenderUnit).
RADIUS_UNIT_CODES = {"mm": "0", "px": "2", "m": "7"}
#: QGIS render units read as a mapdesk unit, with the factor the value takes.
_UNITS_READ: dict[str, tuple[str, float]] = {
    "0": ("mm", 1.0),  # millimetres
    "2": ("px", 1.0),  # pixels
    "7": ("m", 1.0),  # metres on the ground
    "1": ("m", 1.0),  # map units: of the project's CRS (see _metres_per_map_unit)
    "4": ("mm", 25.4 / 72),  # points
    "5": ("mm", 25.4),  # inches
}
#: The name a ramp read from QGIS goes by when it is none of mapdesk's.
QGIS_RAMP_NAME = "From QGIS"


def read_heatmap(renderer: ET.Element, lost: list[str], map_crs: CRS | None = None) -> Heatmap:
    """A ``heatmapRenderer`` as a Heatmap; what it cannot keep is appended to ``lost``.

    ``map_crs`` is the QGIS project's CRS, whose units a radius in map units
    is measured in (a projected CRS's feet become metres).

    Raises
    ------
    ValueError
        If the renderer's numbers are damaged.
    """
    code = renderer.get("radius_unit", "0")
    unit, factor = _UNITS_READ.get(code, ("mm", 1.0))
    if code not in _UNITS_READ:
        lost.append(f"the heatmap radius unit (QGIS unit {code}) is read as millimetres")
    if code == "1":
        factor = _metres_per_map_unit(map_crs, lost)
    radius = float(renderer.get("radius", "10")) * factor
    maximum = float(renderer.get("max_value", "0") or 0)
    try:
        return Heatmap(
            radius=radius,
            radius_unit=unit,  # type: ignore[arg-type]
            ramp=_ramp(renderer.find("colorramp"), lost),
            weight_field=_weight_field(renderer.get("weight_expression", ""), lost),
            maximum=maximum if maximum > 0 and math.isfinite(maximum) else None,
        )
    except MapdeskError as exc:
        raise ValueError(str(exc)) from exc


def _metres_per_map_unit(map_crs: CRS | None, lost: list[str]) -> float:
    """Metres in one unit of a projected ``map_crs``; else 1, and ``lost`` says so."""
    if map_crs is not None and map_crs.is_projected and map_crs.axis_info:
        factor = map_crs.axis_info[0].unit_conversion_factor
        if factor and math.isfinite(factor) and factor > 0:
            return float(factor)
    lost.append("the heatmap radius in map units is read as metres")
    return 1.0


#: Characters that make a weight an expression rather than a field name.
_EXPRESSION_SIGNS = frozenset("()*/+|'\"<>=")


def weight_expression(field: str | None) -> str:
    """A weight field as QGIS's ``weight_expression``: its name as it is (QGIS
    looks the text up as a field first), quoted when ``_weight_field`` would
    otherwise read it back as an expression (``"calls/day"``)."""
    if field is None:
        return ""
    if _EXPRESSION_SIGNS.intersection(field) or field != field.strip():
        return '"' + field.replace('"', '""') + '"'
    return field


def _weight_field(expression: str, lost: list[str]) -> str | None:
    """The weight's field. QGIS looks the text up as a field name first (spaces and
    all), else runs it as an expression, which mapdesk cannot: every point then
    counts 1, and ``lost`` says so. A field QGIS quoted (``"calls"``) is a field."""
    text = expression.strip()
    if not text:
        return None
    if len(text) >= 2 and text[0] == text[-1] == '"' and '"' not in text[1:-1].replace('""', ""):
        return text[1:-1].replace('""', '"')
    if _EXPRESSION_SIGNS.intersection(text):
        lost.append(f"the heatmap weight expression {text} is not a field: every point counts 1")
        return None
    return text


def _ramp(element: ET.Element | None, lost: list[str]) -> ColorRamp:
    default = HEAT_RAMPS[DEFAULT_HEAT_RAMP]
    if element is None:
        lost.append(f"the heatmap has no colour ramp: {default.name} is used")
        return default
    props = option_props(element)
    if element.get("type", "gradient") != "gradient" or "color1" not in props:
        lost.append(f"its '{element.get('type')}' colour ramp is drawn as {default.name}")
        return default
    stops = [(0.0, hex_color(props["color1"]))]
    specs = {props.get("spec", "rgb")}
    for stop in filter(None, props.get("stops", "").split(":")):
        # QGIS 3.22 writes "offset;colour", 3.24 and later add the colour
        # spec and hue direction the blend to this stop takes.
        parts = stop.split(";")
        if len(parts) not in (2, 4):
            continue  # as QGIS does
        stops.append((float(parts[0]), hex_color(parts[1])))
        specs.update(parts[2:3])
    stops.append((1.0, hex_color(props.get("color2", props["color1"]))))
    stops.sort(key=lambda stop: stop[0])  # QGIS sorts them too
    if props.get("discrete", "0") == "1":
        lost.append("its stepped colour ramp is drawn as a smooth one")
    if specs & {"hsv", "hsl"}:
        lost.append("its colour ramp blends in HSV/HSL, which mapdesk draws blended in RGB")
    found = ColorRamp(QGIS_RAMP_NAME, tuple(stops))
    same = [r for r in HEAT_RAMPS.values() if r.stops == found.stops]
    return same[0] if same else found
