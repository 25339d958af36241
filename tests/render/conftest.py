"""Render test fixtures: offscreen Qt and small layers built in code.

Every view here is 100 x 100 px at 1 map unit per pixel centred on (50, 50),
so map (x, y) lands on pixel (x, 100 - y): positions in the tests can be
read straight off the coordinates.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from PySide6.QtGui import QImage

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.core.view import ViewState
from mapdesk.render import MapSettings

MAP_CRS = "EPSG:26984"


@pytest.fixture(autouse=True)
def _gui_app(qapp: Any) -> Any:
    """QPixmap (used to stamp markers) needs a GUI application."""
    return qapp


@pytest.fixture
def view() -> ViewState:
    return ViewState(center_x=50.0, center_y=50.0, resolution=1.0, width=100, height=100)


LayerFactory = Callable[..., VectorLayer]


@pytest.fixture
def make_layer() -> LayerFactory:
    """Build a layer from shapely geometries, with a style given as keywords."""

    def build(
        geometries: Sequence[Any], crs: str | None = MAP_CRS, name: str = "layer", **style: Any
    ) -> VectorLayer:
        frame = gpd.GeoDataFrame(
            {"fid": np.arange(len(geometries))}, geometry=list(geometries), crs=crs
        )
        return VectorLayer(frame, name, style=LayerStyle(**style))

    return build


SettingsFactory = Callable[..., MapSettings]


@pytest.fixture
def settings_for(view: ViewState) -> SettingsFactory:
    """MapSettings drawing ``layers`` (bottom first) in a project CRS."""

    def build(*layers: VectorLayer, crs: str | None = MAP_CRS, **options: Any) -> MapSettings:
        project = Project(crs=crs)
        for layer in layers:
            project.add_layer(layer)  # inserted on top, so the last one ends on top
        return MapSettings.from_project(project, options.pop("view", view), **options)

    return build


class Pixels:
    """Pixel read-outs (a fixture: test modules cannot import each other
    under ``--import-mode=importlib``)."""

    @staticmethod
    def rgb(image: QImage, x: int, y: int) -> tuple[int, int, int]:
        """The colour of one pixel, alpha dropped."""
        color = image.pixelColor(x, y)
        return color.red(), color.green(), color.blue()

    @staticmethod
    def hex_rgb(text: str) -> tuple[int, int, int]:
        return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)

    @staticmethod
    def as_array(image: QImage) -> np.ndarray:
        """The image as an (h, w, 4) uint8 array of B, G, R, A (little-endian ARGB32)."""
        converted = image.convertToFormat(QImage.Format.Format_ARGB32)
        buffer = np.frombuffer(converted.constBits(), dtype=np.uint8)
        rows = buffer.reshape(converted.height(), converted.bytesPerLine())
        return (
            rows[:, : converted.width() * 4]
            .reshape(converted.height(), converted.width(), 4)
            .copy()
        )

    @staticmethod
    def painted(image: QImage, background: str = "#ffffff") -> np.ndarray:
        """(n, 2) x, y of every pixel that differs from the background colour."""
        pixels = Pixels.as_array(image)[:, :, 2::-1].astype(int)  # to R, G, B
        differs = (np.abs(pixels - np.array(Pixels.hex_rgb(background))) > 8).any(axis=2)
        ys, xs = np.nonzero(differs)
        return np.column_stack([xs, ys])


@pytest.fixture
def pixels() -> type[Pixels]:
    return Pixels
