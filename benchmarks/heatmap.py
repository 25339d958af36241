"""``heatmap``: 100,000 of the benchmark points drawn as a heatmap at 1920x1080.

The app's own path: the first 100,000 points through the app's reader, in a
project in EPSG:26919 with QGIS's default heatmap (10 mm radius, automatic
maximum), drawn by ``render_map`` at full extent like ``render_full``; and
the same on a HiDPI screen (device pixel ratio 2, 3840x2160 device pixels).
Every figure is the median of ``runs`` renders after one warm-up (the
warm-up also reads the points into the layer's cached projection, as the
first frame after switching a layer to a heatmap does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyogrio
from timing import median_time

POINTS = 100_000
WIDTH, HEIGHT = 1920, 1080


def heatmap_figures(points: Path, runs: int, make_project: Any) -> dict[str, float]:
    """Median seconds of a full-extent heatmap render, plain and HiDPI."""
    from mapdesk.core.heatmap import Heatmap
    from mapdesk.core.layer import VectorLayer
    from mapdesk.core.view import ViewState
    from mapdesk.render.job import render_map
    from mapdesk.render.settings import MapSettings

    frame = pyogrio.read_dataframe(points, max_features=POINTS, use_arrow=True)
    layer = VectorLayer(frame, "points")
    layer.symbology = Heatmap()
    project = make_project([layer])
    view = ViewState(width=WIDTH, height=HEIGHT).fitted(project.full_extent())
    figures = {}
    for name, ratio in (("points_100k", 1.0), ("points_100k_hidpi", 2.0)):
        settings = MapSettings.from_project(project, view, device_pixel_ratio=ratio)
        seconds = median_time(lambda s=settings: render_map(s), max(runs, 1))
        figures[name] = round(seconds, 6)
    return figures
