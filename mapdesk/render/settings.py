"""Frozen render settings: what one render job draws.

The UI may change the project (styles, visibility, order) while a job runs in
a worker thread, so a job never reads the project: it draws a snapshot taken
on the UI thread when the job was requested (the QGIS ``QgsMapSettings`` idea).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pyproj import CRS

from mapdesk.core.errors import MapdeskError
from mapdesk.core.labels import LabelSettings
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import SingleSymbol, Symbology
from mapdesk.core.view import ViewState, in_scale_range, map_scale
from mapdesk.render.symbols import parse_hex_color

_SINGLE = SingleSymbol()  # frozen: one instance serves every snapshot


@dataclass(frozen=True)
class LayerSnapshot:
    """One layer as it was when the render was requested.

    Attributes
    ----------
    layer
        The model object. The worker only calls ``layer.projected(crs)``,
        which the layer computes under its own lock and caches per CRS and
        data version; the renderer reads what it returns and never writes to
        the layer or that cache. The data drawn is the layer's data when the
        worker asks, not when the snapshot was taken.
    style
        The style to draw with (copied so a later style change cannot tear
        a frame half-way).
    opacity
        Layer opacity, 0–1, applied as painter opacity.
    selected
        Positions of the selected features (drawn again on top in the
        selection colour); None when nothing is selected.
    symbology
        Categories or graduated classes, each drawn with its own style
        (``style`` is then only the look of unclassified parts, e.g. none).
    labels
        What the layer's labels say and look like (None: unlabelled).
    shown
        Sorted positions of the features to draw, from the layer's display
        filter (a time slider's step); None draws every feature. Symbol
        classes, the selection and labels are all limited to these rows.
    """

    layer: VectorLayer
    style: LayerStyle
    opacity: float = 1.0
    selected: npt.NDArray[np.intp] | None = None
    symbology: Symbology = _SINGLE
    labels: LabelSettings | None = None
    shown: npt.NDArray[np.intp] | None = None

    @classmethod
    def of(cls, layer: VectorLayer) -> LayerSnapshot:
        """Snapshot a layer's current style, opacity, selected and shown rows."""
        selected = layer.selection.rows(layer.data.index) if layer.selection.count else None
        return cls(
            layer=layer,
            style=layer.style,
            opacity=layer.opacity,
            selected=selected,
            symbology=layer.symbology,
            labels=layer.labels,
            shown=layer.shown_rows(),
        )


@dataclass(frozen=True)
class MapSettings:
    """Everything a render job needs, frozen.

    Attributes
    ----------
    view
        Centre, resolution and size (logical pixels) of the map image.
    crs
        The map CRS every layer is reprojected to; None draws coordinates as
        they are.
    layers
        Drawing order, bottom first.
    background
        ``#rrggbb`` (or ``#rrggbbaa``) filled before any layer is drawn.
    device_pixel_ratio
        Physical pixels per logical pixel (2 on a HiDPI screen); the image
        has ``view.width * ratio`` by ``view.height * ratio`` pixels.
    vector_markers
        Draw point symbols as shapes instead of stamping a pre-rendered
        image: slower, but a PDF keeps them as vectors.
    """

    view: ViewState
    crs: CRS | None
    layers: tuple[LayerSnapshot, ...]
    background: str = "#ffffff"
    device_pixel_ratio: float = 1.0
    vector_markers: bool = False

    def __post_init__(self) -> None:
        parse_hex_color(self.background)
        ratio = self.device_pixel_ratio
        if not (math.isfinite(ratio) and 0.1 <= ratio <= 16):
            raise MapdeskError(f"Device pixel ratio must be between 0.1 and 16, got {ratio}")

    @classmethod
    def from_project(
        cls,
        project: Project,
        view: ViewState,
        background: str | None = None,
        device_pixel_ratio: float = 1.0,
    ) -> MapSettings:
        """Snapshot the project's visible layers, bottom-up, for ``view``.

        Parameters
        ----------
        project
            The project to draw.
        view
            The part of the map to draw and the image size.
        background
            Background colour as ``#rrggbb``; the project's when omitted.
        device_pixel_ratio
            Physical pixels per logical pixel.

        Returns
        -------
        MapSettings
            A frozen snapshot a worker thread can draw.
        """
        scale = map_scale(view, project.crs)
        layers = tuple(
            LayerSnapshot.of(layer)
            for layer in project.layers.visible_bottom_up()
            if in_scale_range(scale, *layer.scale_range)
        )
        return cls(
            view=view,
            crs=project.crs,
            layers=layers,
            background=background if background is not None else project.background,
            device_pixel_ratio=device_pixel_ratio,
        )

    @property
    def device_view(self) -> ViewState:
        """The view in physical pixels: what the painter draws in."""
        ratio = self.device_pixel_ratio
        width = max(1, round(self.view.width * ratio))
        height = max(1, round(self.view.height * ratio))
        return ViewState(
            center_x=self.view.center_x,
            center_y=self.view.center_y,
            resolution=self.view.resolution * self.view.width / width,
            width=width,
            height=height,
        )
