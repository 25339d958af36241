"""Building FixIt-like projects and reading back what a web map put in its page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
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


#: A layer's data element, as web_page writes it (and nothing else does).
DATA_ELEMENT = re.compile(
    r'<script type="application/json" id="(mapdesk-data-[0-9]+)">([^<]*)</script>'
)


def data_texts(page: str) -> list[str]:
    """Each layer's data element's text (JSON), in the page's (bottom-first) order."""
    return [text for _, text in DATA_ELEMENT.findall(page)]


def without_data(page: str) -> str:
    """The page with its data elements taken out: the markup and scripts that run."""
    return DATA_ELEMENT.sub("", page)


def layer_data(page: str) -> list[dict[str, Any]]:
    """Each overlay's data (name, styles, classes, xy or shapes, fields ...), bottom-first."""
    return [json.loads(text) for text in data_texts(page)]


def column_values(field: dict[str, Any]) -> list[Any]:
    """A field column's value per feature (a dictionary column decoded; NULL as None)."""
    if "codes" in field:
        return [None if code < 0 else field["dict"][code] for code in field["codes"]]
    return list(field["values"])


def column_links(field: dict[str, Any]) -> list[bool]:
    """Per feature: whether Python marked its value as a web address (a link)."""
    marked = set(field.get("links", ()))
    keys = field["codes"] if "codes" in field else range(len(field["values"]))
    return [key in marked for key in keys]


@dataclass(frozen=True)
class Shown:
    """What one feature's popup (or tooltip) is built from, as the page's script reads it."""

    layer: str
    fields: list[str]
    values: list[Any]
    links: list[bool]


def _shown(page: str, which: str) -> list[Shown]:
    found = []
    for data in layer_data(page):
        columns = [data["fields"][index] for index in data[which]]
        values = [column_values(field) for field in columns]
        links = [column_links(field) for field in columns]
        for row in range(data["count"]):
            found.append(
                Shown(
                    data["name"],
                    [field["name"] for field in columns],
                    [column[row] for column in values],
                    [column[row] for column in links],
                )
            )
    return found


def popups(page: str) -> list[Shown]:
    """Every feature's popup content, all layers, bottom layer first."""
    return _shown(page, "popup")


def tooltips(page: str) -> list[Shown]:
    """Every feature's tooltip content, all layers, bottom layer first."""
    return _shown(page, "tooltip")


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
