"""QGIS symbols and renderers (``renderer-v2``) to mapdesk styles, and the shared vocabulary.

A QGIS symbol is a stack of symbol layers; mapdesk draws one simple symbol
per class. The first SimpleFill / SimpleLine / SimpleMarker layer of a symbol
becomes the class's ``LayerStyle`` (sizes in pixels at 96 dpi, colours as
hex); what mapdesk cannot draw is named in a warning, never dropped silently.

The names and unit factors here are also what ``mapdesk.export.qgis`` writes,
so the two directions cannot drift apart.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from pyproj import CRS

from mapdesk.core.style import LayerStyle, MarkerShape
from mapdesk.core.symbology import (
    Categorized,
    Category,
    Graduated,
    GraduatedClass,
    SingleSymbol,
    SymbolClass,
    Symbology,
)
from mapdesk.io.qgis_heatmap import read_heatmap
from mapdesk.io.qgis_xml import hex_and_alpha, hex_color, option_props

#: mapdesk marker shape -> QGIS SimpleMarker ``name``.
MARKER_NAMES: dict[MarkerShape, str] = {
    "circle": "circle",
    "square": "square",
    "triangle": "triangle",
    "diamond": "diamond",
    "star": "star",
    "cross": "cross_fill",
}
#: QGIS marker names read as the nearest mapdesk shape.
_QGIS_SHAPES: dict[str, MarkerShape] = {
    **{qgis: shape for shape, qgis in MARKER_NAMES.items()},
    "cross": "cross",
    "cross2": "cross",
    "rectangle": "square",
    "equilateral_triangle": "triangle",
    "regular_star": "star",
}
#: mapdesk classification method -> QGIS ``classificationMethod`` id, and back.
METHOD_IDS: dict[str, str] = {
    "quantiles": "Quantile",
    "equal_interval": "EqualInterval",
    "natural_breaks": "Jenks",
    "std_mean": "StdDev",
}
_METHODS = {qgis: mapdesk for mapdesk, qgis in METHOD_IDS.items()}
#: Screen pixels per unit at the 96 dpi QGIS and mapdesk draw at.
_PIXELS_PER_UNIT = {"Pixel": 1.0, "MM": 96 / 25.4, "Point": 96 / 72, "Inch": 96.0}
_DASHED = {"dash", "dot", "dash dot", "dash dot dot"}
#: The symbol type a QGIS layer of each geometry kind draws with.
SYMBOL_TYPES = {"point": "marker", "line": "line", "polygon": "fill"}


@dataclass(frozen=True)
class ReadStyle:
    """What a layer's renderer became: its base style and symbology (None: the
    default style, when the renderer could not be read) and what was lost."""

    style: LayerStyle | None
    symbology: Symbology
    warnings: tuple[str, ...] = ()


def _pixels(props: dict[str, str], key: str, unit_key: str, lost: list[str]) -> float:
    value = float(props.get(key) or 0.0)
    unit = props.get(unit_key, "MM")
    factor = _PIXELS_PER_UNIT.get(unit)
    if factor is None:
        lost.append(f"{key} in {unit} read as pixels")
        factor = 1.0
    return value if factor == 1.0 else round(value * factor, 4)


def _fill_style(props: dict[str, str], lost: list[str]) -> dict[str, Any]:
    fill, opacity = hex_and_alpha(props.get("color", "0,0,255,255"))
    if props.get("style", "solid") == "no":
        opacity = 0.0
    elif props.get("style", "solid") != "solid":
        lost.append(f"fill pattern '{props['style']}' drawn solid")
    outline = props.get("outline_style", "solid")
    width = _pixels(props, "outline_width", "outline_width_unit", lost)
    return {
        "fill_color": fill,
        "fill_opacity": opacity,
        "stroke_color": hex_color(props.get("outline_color", "35,35,35,255")),
        "stroke_width": 0.0 if outline == "no" else width,
        "dashed": outline in _DASHED,
    }


def _line_style(props: dict[str, str], lost: list[str]) -> dict[str, Any]:
    color = hex_color(props.get("line_color", props.get("color", "35,35,35,255")))
    width = _pixels(props, "line_width", "line_width_unit", lost)
    return {
        "fill_color": color[:7],
        "stroke_color": color,
        "stroke_width": width,
        "dashed": props.get("line_style", "solid") in _DASHED,
    }


def _marker_style(props: dict[str, str], lost: list[str]) -> dict[str, Any]:
    style = _fill_style({**props, "style": "solid"}, lost)
    name = props.get("name", "circle")
    shape = _QGIS_SHAPES.get(name)
    if shape is None:
        lost.append(f"marker shape '{name}' drawn as a circle")
    size = _pixels(props, "size", "size_unit", lost)
    return {**style, "marker_shape": shape or "circle", "marker_size": max(size, 0.1)}


_SYMBOL_LAYERS = {
    "SimpleFill": _fill_style,
    "SimpleLine": _line_style,
    "SimpleMarker": _marker_style,
}


def symbol_style(symbol: ET.Element, lost: list[str]) -> LayerStyle | None:
    """The style of a QGIS ``<symbol>``: its first simple symbol layer, the
    symbol's opacity applied; None if it has no symbol layer mapdesk draws.
    What is not carried over is appended to ``lost``."""
    layers = [e for e in symbol.findall("layer") if e.get("enabled", "1") != "0"]
    simple = [e for e in layers if e.get("class") in _SYMBOL_LAYERS]
    if not simple:
        kinds = ", ".join(sorted({str(e.get("class")) for e in layers})) or "none"
        lost.append(f"symbol layers mapdesk cannot draw ({kinds})")
        return None
    if len(layers) > 1:
        lost.append(f"only the first of {len(layers)} symbol layers is drawn")
    values = _SYMBOL_LAYERS[str(simple[0].get("class"))](option_props(simple[0]), lost)
    alpha = float(symbol.get("alpha") or 1.0)
    if alpha < 1.0:
        values["fill_opacity"] = round(values.get("fill_opacity", 1.0) * alpha, 2)
    return LayerStyle(**values)


def read_renderer(renderer: ET.Element | None, map_crs: CRS | None = None) -> ReadStyle:
    """A layer's ``renderer-v2`` as a mapdesk style and symbology.

    Single symbols, categories, graduated ranges and heatmaps are read; any
    other renderer (rule-based, clusters...) gives the default style and a
    warning saying so. Category values stay text here: they get the type
    of their field when the layer's data is read. ``map_crs`` (the project's)
    gives a heatmap radius in map units its length.
    """
    if renderer is None:
        return ReadStyle(None, SingleSymbol(), ("it has no renderer; the default style is used",))
    kind = renderer.get("type", "")
    lost: list[str] = []
    symbols = {s.get("name", ""): s for s in renderer.findall("symbols/symbol")}
    try:
        if kind == "singleSymbol":
            style = symbol_style(symbols["0"], lost) if "0" in symbols else None
            return _read(style, SingleSymbol(), lost)
        if kind == "categorizedSymbol":
            return _categorized(renderer, symbols, lost)
        if kind == "graduatedSymbol":
            return _graduated(renderer, symbols, lost)
        if kind == "heatmapRenderer":
            # No symbol: the layer keeps its default point symbol beneath.
            heatmap = read_heatmap(renderer, lost, map_crs)
            return ReadStyle(None, heatmap, tuple(dict.fromkeys(lost)))
    except (KeyError, ValueError, TypeError) as exc:
        return ReadStyle(None, SingleSymbol(), (f"its {kind} style is damaged ({exc})",))
    return ReadStyle(
        None,
        SingleSymbol(),
        (f"its '{kind}' renderer is not one mapdesk draws; the default style is used",),
    )


def _read(style: LayerStyle | None, symbology: Symbology, lost: list[str]) -> ReadStyle:
    notes = tuple(dict.fromkeys(lost))  # once each, in order
    if style is None:
        notes = (*notes, "the default style is used")
        return ReadStyle(None, SingleSymbol(), notes)
    return ReadStyle(style, symbology, notes)


def _class_style(symbols: dict[str, ET.Element], name: str | None, lost: list[str]) -> LayerStyle:
    style = symbol_style(symbols[name or ""], lost)
    if style is None:
        raise ValueError(f"class symbol {name} has no simple symbol layer")
    return style


def field_name(attr: str) -> str:
    """The field a renderer classifies by: QGIS may quote it as an expression."""
    text = attr.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return text


def _categorized(
    renderer: ET.Element, symbols: dict[str, ET.Element], lost: list[str]
) -> ReadStyle:
    categories: list[Category] = []
    other: SymbolClass | None = None
    for entry in renderer.findall("categories/category"):
        if entry.get("render", "true") == "false":
            lost.append(f"the hidden category '{entry.get('label', '')}' is left out")
            continue
        style = _class_style(symbols, entry.get("symbol"), lost)
        label, value = entry.get("label", ""), entry.get("value", "")
        if value == "":  # QGIS: NULL and every value no other category claims
            other = SymbolClass(style, label)
        else:
            categories.append(Category(style, label, value))
    classes = [c.style for c in categories] + ([other.style] if other else [])
    base = _source_style(renderer, lost) or (classes[0] if classes else None)
    symbology = Categorized(field_name(renderer.get("attr", "")), tuple(categories), other)
    return _read(base, symbology, lost)


def _source_style(renderer: ET.Element, lost: list[str]) -> LayerStyle | None:
    """The renderer's source symbol: the base the classes were made from (mapdesk's
    layer style), when QGIS kept one."""
    symbol = renderer.find("source-symbol/symbol")
    return symbol_style(symbol, []) if symbol is not None else None


def _graduated(renderer: ET.Element, symbols: dict[str, ET.Element], lost: list[str]) -> ReadStyle:
    ranges = []
    for entry in renderer.findall("ranges/range"):
        if entry.get("render", "true") == "false":
            lost.append(f"the hidden class '{entry.get('label', '')}' is left out")
            continue
        style = _class_style(symbols, entry.get("symbol"), lost)
        lower, upper = float(entry.get("lower", "nan")), float(entry.get("upper", "nan"))
        if not (math.isfinite(lower) and math.isfinite(upper)):
            raise ValueError(f"range '{entry.get('label', '')}' has no bounds")
        ranges.append(GraduatedClass(style, entry.get("label", ""), lower, upper))
    method_element = renderer.find("classificationMethod")
    method_id = method_element.get("id", "") if method_element is not None else ""
    method = _METHODS.get(method_id, "quantiles")
    symbology = Graduated(field_name(renderer.get("attr", "")), tuple(ranges), method)
    base = _source_style(renderer, lost) or (ranges[0].style if ranges else None)
    return _read(base, symbology, lost)
