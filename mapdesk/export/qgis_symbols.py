"""mapdesk styles as QGIS symbols and renderers (``renderer-v2``).

Each ``LayerStyle`` becomes one simple symbol layer (SimpleMarker, SimpleLine
or SimpleFill) with sizes in pixels, the unit mapdesk draws in, so the map
looks the same in QGIS on screen. Symbol-layer properties are written both
as ``<Option type="Map">`` and as the older ``<prop k v>``, as QGIS 3.22 does.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from mapdesk.core.heatmap import ColorRamp, Heatmap
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import Categorized, Graduated, SingleSymbol, Symbology
from mapdesk.io.qgis_heatmap import RADIUS_UNIT_CODES, weight_expression
from mapdesk.io.qgis_project_symbols import MARKER_NAMES, METHOD_IDS, SYMBOL_TYPES
from mapdesk.io.qgis_xml import rgba


def number(value: float) -> str:
    """A number as QGIS reads it back exactly (shortest text, no trailing ``.0``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def category_value(value: Any) -> str:
    """A category value as QGIS compares it: the field value as text
    (whole floats without ``.0``, booleans as ``true``/``false``, dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _outline_style(style: LayerStyle) -> str:
    if style.stroke_width <= 0:
        return "no"  # mapdesk: no outline; QGIS would draw a width of 0 as a hairline
    return "dash" if style.dashed else "solid"


def _fill_props(style: LayerStyle) -> dict[str, str]:
    return {
        "color": rgba(style.fill_color, style.fill_opacity),
        "style": "no" if style.fill_opacity <= 0 else "solid",
        "outline_color": rgba(style.stroke_color),
        "outline_style": _outline_style(style),
        "outline_width": number(max(style.stroke_width, 0.0)),
        "outline_width_unit": "Pixel",
        "joinstyle": "round",
        "offset": "0,0",
        "offset_unit": "Pixel",
    }


def _line_props(style: LayerStyle) -> dict[str, str]:
    return {
        "line_color": rgba(style.stroke_color),
        "line_style": "dash" if style.dashed else "solid",
        "line_width": number(style.stroke_width),
        "line_width_unit": "Pixel",
        "capstyle": "round",
        "joinstyle": "round",
        "offset": "0",
        "offset_unit": "Pixel",
    }


def _marker_props(style: LayerStyle) -> dict[str, str]:
    fill = _fill_props(style)
    del fill["style"]
    return {
        **fill,
        "name": MARKER_NAMES[style.marker_shape],
        "size": number(style.marker_size),
        "size_unit": "Pixel",
        "angle": "0",
        "scale_method": "diameter",
        "horizontal_anchor_point": "1",
        "vertical_anchor_point": "1",
    }


_SYMBOL_LAYERS = {
    "marker": ("SimpleMarker", _marker_props),
    "line": ("SimpleLine", _line_props),
    "fill": ("SimpleFill", _fill_props),
}


def symbol_type(geometry_type: str | None) -> str:
    """QGIS's symbol type for a geometry type: ``marker``, ``line`` or ``fill``."""
    kind = (geometry_type or "").lower()
    for word in ("polygon", "line", "point"):
        if word in kind:
            return SYMBOL_TYPES[word]
    return "marker"


def symbol_element(style: LayerStyle, kind: str, name: str) -> ET.Element:
    """A QGIS ``<symbol>`` of type ``kind`` drawing ``style``."""
    symbol = ET.Element(
        "symbol",
        {"type": kind, "name": name, "alpha": "1", "clip_to_extent": "1", "force_rhr": "0"},
    )
    layer_class, props = _SYMBOL_LAYERS[kind]
    layer = ET.SubElement(
        symbol, "layer", {"class": layer_class, "enabled": "1", "locked": "0", "pass": "0"}
    )
    values = props(style)
    options = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in sorted(values.items()):
        ET.SubElement(options, "Option", {"name": key, "type": "QString", "value": value})
    for key, value in sorted(values.items()):
        ET.SubElement(layer, "prop", {"k": key, "v": value})
    return symbol


def renderer_element(
    style: LayerStyle, symbology: Symbology, kind: str, warnings: list[str]
) -> ET.Element:
    """The ``renderer-v2`` of a layer drawn with ``style`` and ``symbology``.

    Categories and classes keep mapdesk's order, labels and colours; the
    layer's own style is the renderer's source symbol (what QGIS recolours
    when the user reclassifies).
    """
    common = {"forceraster": "0", "symbollevels": "0", "enableorderby": "0"}
    if isinstance(symbology, Heatmap):
        return heatmap_element(symbology, common)
    if isinstance(symbology, SingleSymbol):
        renderer = ET.Element("renderer-v2", {"type": "singleSymbol", **common})
        ET.SubElement(renderer, "symbols").append(symbol_element(style, kind, "0"))
    elif isinstance(symbology, Categorized):
        renderer = _categorized(symbology, kind, common, warnings)
    else:
        renderer = _graduated(symbology, kind, common)
    if not isinstance(symbology, SingleSymbol):
        ET.SubElement(renderer, "source-symbol").append(symbol_element(style, kind, "0"))
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    return renderer


def _categorized(
    symbology: Categorized, kind: str, common: dict[str, str], warnings: list[str]
) -> ET.Element:
    renderer = ET.Element(
        "renderer-v2", {"type": "categorizedSymbol", "attr": symbology.field, **common}
    )
    entries = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    classes: list[tuple[str, str, LayerStyle]] = [
        (category_value(c.value), c.label, c.style) for c in symbology.categories
    ]
    if symbology.other is not None:
        if any(c.value is None for c in symbology.categories):
            # QGIS's empty value stands for NULL and "all other values" at once.
            warnings.append(
                f"its '{symbology.other.label}' class is drawn with the NULL category in QGIS"
            )
        else:
            classes.append(("", symbology.other.label, symbology.other.style))
    for index, (value, label, style) in enumerate(classes):
        attributes = {"value": value, "label": label, "symbol": str(index), "render": "true"}
        ET.SubElement(entries, "category", attributes)
        symbols.append(symbol_element(style, kind, str(index)))
    return renderer


def _graduated(symbology: Graduated, kind: str, common: dict[str, str]) -> ET.Element:
    attributes = {"type": "graduatedSymbol", "attr": symbology.field, **common}
    renderer = ET.Element("renderer-v2", {**attributes, "graduatedMethod": "GraduatedColor"})
    entries = ET.SubElement(renderer, "ranges")
    symbols = ET.SubElement(renderer, "symbols")
    for index, entry in enumerate(symbology.ranges):
        bounds = {"lower": number(entry.lower), "upper": number(entry.upper)}
        attributes = {**bounds, "label": entry.label, "symbol": str(index), "render": "true"}
        ET.SubElement(entries, "range", attributes)
        symbols.append(symbol_element(entry.style, kind, str(index)))
    method = ET.SubElement(
        renderer, "classificationMethod", {"id": METHOD_IDS.get(symbology.method, "Custom")}
    )
    ET.SubElement(method, "symmetricMode", {"enabled": "0", "symmetrypoint": "0", "astride": "0"})
    label_format = {"format": "%1 - %2", "labelprecision": "4", "trimtrailingzeroes": "1"}
    ET.SubElement(method, "labelFormat", label_format)
    ET.SubElement(ET.SubElement(method, "parameters"), "Option")
    ET.SubElement(method, "extraInformation")
    return renderer


def heatmap_element(heatmap: Heatmap, common: dict[str, str]) -> ET.Element:
    """QGIS's ``heatmapRenderer``: the same radius, unit, weight, maximum and ramp.

    Quality 1 is QGIS's "best": it computes the density at every pixel, as
    close as QGIS gets to mapdesk's smooth surface.
    """
    renderer = ET.Element(
        "renderer-v2",
        {
            "type": "heatmapRenderer",
            **common,
            "radius": number(heatmap.radius),
            "radius_unit": RADIUS_UNIT_CODES[heatmap.radius_unit],
            "radius_map_unit_scale": "3x:0,0,0,0,0,0",
            "max_value": number(heatmap.maximum or 0.0),
            "quality": "1",
            "weight_expression": weight_expression(heatmap.weight_field),
        },
    )
    ramp = ET.SubElement(renderer, "colorramp", {"type": "gradient", "name": "[source]"})
    values = _ramp_props(heatmap.ramp)
    options = ET.SubElement(ramp, "Option", {"type": "Map"})
    for key, value in values.items():
        ET.SubElement(options, "Option", {"name": key, "type": "QString", "value": value})
    for key, value in values.items():
        ET.SubElement(ramp, "prop", {"k": key, "v": value})
    return renderer


def _ramp_props(ramp: ColorRamp) -> dict[str, str]:
    """A ramp as QGIS's gradient colour ramp: end colours, the stops between."""
    middle = ramp.stops[1:-1]
    return {
        "color1": rgba(ramp.stops[0][1]),
        "color2": rgba(ramp.stops[-1][1]),
        "discrete": "0",
        "rampType": "gradient",
        "stops": ":".join(f"{number(p)};{rgba(c)}" for p, c in middle),
    }
