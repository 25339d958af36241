"""What goes on one page: the map's view in the frame, legend, scale, footer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mapdesk.core.crs import crs_label
from mapdesk.core.project import Project
from mapdesk.core.view import Extent, ViewState
from mapdesk.export.layout.legend import legend_rows
from mapdesk.export.layout.north import true_north_angle
from mapdesk.export.layout.page import Box, Page
from mapdesk.export.layout.paint import POINTS_PER_MAP_PIXEL, SheetContent
from mapdesk.export.layout.scale_bar import (
    Units,
    choose_scale_bar,
    ground_metres_per_unit,
    printed_scale,
)
from mapdesk.render.settings import MapSettings

#: The scale bar takes at most this share of the map frame's width.
SCALE_BAR_SHARE = 0.3


@dataclass(frozen=True)
class SheetRequest:
    """The choices that hold for every page of one export."""

    title: str
    page: Page
    units: Units
    source: str
    date: dt.date
    device_pixel_ratio: float  # map device pixels per map pixel (1/96 in)
    vector_markers: bool  # point symbols as shapes (PDF) or stamped images (PNG)


def frame_view(frame: Box, extent: Extent) -> ViewState:
    """The map view that shows ``extent`` whole in a frame of ``frame`` points."""
    width = max(1, round(frame[2] / POINTS_PER_MAP_PIXEL))
    height = max(1, round(frame[3] / POINTS_PER_MAP_PIXEL))
    return ViewState(width=width, height=height).fitted(extent, margin=0.0)


def build_sheet(
    project: Project,
    request: SheetRequest,
    frame: Box,
    extent: Extent,
    title: str,
    highlight: Any = None,
) -> SheetContent:
    """Everything one page shows for ``extent`` in a map frame of ``frame`` points."""
    view = frame_view(frame, extent)
    settings = MapSettings.from_project(
        project, view, device_pixel_ratio=request.device_pixel_ratio
    )
    # A printed map shows the features, not what someone had selected.
    settings = replace(
        settings,
        layers=tuple(replace(s, selected=None) for s in settings.layers),
        vector_markers=request.vector_markers,
    )
    ground = ground_metres_per_unit(project.crs, view.center_x, view.center_y)
    bar, scale = None, None
    if ground is not None:  # without a CRS nobody knows the scale: none is printed
        metres_per_point = view.resolution * ground / POINTS_PER_MAP_PIXEL
        scale = printed_scale(metres_per_point)
        bar = choose_scale_bar(metres_per_point, frame[2] * SCALE_BAR_SHARE, request.units)
    return SheetContent(
        title=title,
        map_settings=settings,
        legend=tuple(legend_rows(settings.layers)),
        scale_bar=bar,
        printed_scale=scale,
        north_angle=true_north_angle(project.crs, view.center_x, view.center_y),
        footer=_footer(project, request, scale),
        highlight=highlight,
    )


def _footer(project: Project, request: SheetRequest, scale: float | None) -> tuple[str, ...]:
    source = request.source or default_source(project)
    crs = crs_label(project.crs) if project.crs is not None else "no coordinate system"
    page = f"{request.page.size.title()} {request.page.orientation}"
    made = f"{request.date.isoformat()} with mapdesk"
    printed = f"Scale 1:{scale:,.0f}" if scale is not None else "Scale unknown"
    return (
        f"Source: {source}",
        f"Coordinate system: {crs} · {printed} on {page} paper · Made {made}",
    )


def default_source(project: Project) -> str:
    """The files the visible layers came from, by name (the footer's default source line)."""
    names: list[str] = []
    for layer in project.layers.visible_bottom_up():
        name = Path(layer.origin.path).name if layer.origin is not None else layer.name
        if name not in names:
            names.append(name)
    return ", ".join(reversed(names)) or "no layers"
