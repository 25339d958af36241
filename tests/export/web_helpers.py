"""Building FixIt-like projects and reading back what a web map put in its page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import geopandas as gpd
from shapely.geometry import Point, Polygon

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project

PORTLAND = (-70.2568, 43.6591)


def fixit_frame(values: dict[str, list[Any]], crs: int = 4326) -> gpd.GeoDataFrame:
    """Points around Portland (one per row), in WGS 84 unless ``crs`` says otherwise."""
    count = len(next(iter(values.values())))
    points = [Point(PORTLAND[0] + 0.001 * i, PORTLAND[1] + 0.0007 * (i % 7)) for i in range(count)]
    frame = gpd.GeoDataFrame(values, geometry=points, crs=4326)
    return frame if crs == 4326 else frame.to_crs(crs)


def zone_frame(values: dict[str, list[Any]]) -> gpd.GeoDataFrame:
    """Small square polygons east of the points (one per row)."""
    count = len(next(iter(values.values())))
    squares = []
    for i in range(count):
        x, y = PORTLAND[0] + 0.02 + 0.01 * i, PORTLAND[1]
        squares.append(Polygon([(x, y), (x + 0.008, y), (x + 0.008, y + 0.008), (x, y + 0.008)]))
    return gpd.GeoDataFrame(values, geometry=squares, crs=4326)


def project_of(*layers: VectorLayer) -> Project:
    """A project with ``layers``, the first on top of the layer panel."""
    project = Project()
    for layer in reversed(layers):
        project.add_layer(layer)
    return project


def layer_data(page: str) -> list[dict[str, Any]]:
    """Each overlay's GeoJSON FeatureCollection, in the page's (bottom-first) order."""
    decoder = json.JSONDecoder()
    found = []
    for match in re.finditer(r"L\.geoJSON\(", page):
        value, _ = decoder.raw_decode(page, match.end())
        found.append(value)
    return found


def popups(page: str) -> list[str]:
    return [f["properties"]["p"] for data in layer_data(page) for f in data["features"]]


def tooltips(page: str) -> list[str]:
    return [f["properties"]["t"] for data in layer_data(page) for f in data["features"]]


def legend_html(page: str) -> str:
    start = page.index("box.innerHTML = ") + len("box.innerHTML = ")
    value, _ = json.JSONDecoder().raw_decode(page, start)
    return str(value)


def overlay_names(page: str) -> list[str]:
    """The layer control's overlay labels (HTML, as Leaflet will insert them)."""
    block = page[page.index("overlays :") :]
    block = block[: block.index("}")]
    return [
        json.loads(f'"{m}"') for m in re.findall(r'"((?:[^"\\]|\\.)*)" : mapdesk_layer_', block)
    ]


class _Text(HTMLParser):
    """Text of elements (by tag), and every element seen with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, list[str]] = {}
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag != "br":
            self._open.append(tag)
            self.texts.setdefault(tag, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self.texts[self._open[-1]][-1] += data


def parsed(fragment: str) -> _Text:
    """Parse an HTML fragment as a browser would show it (entities decoded)."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return parser
