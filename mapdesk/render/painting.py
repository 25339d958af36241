"""Drawing a map with a painter someone else owns: a PDF page, a layout frame.

``render_map`` makes its own image and splits it into bands; a page layout
instead hands over a painter already placed on the map frame (a PDF page's
or a large image's), so the map is drawn there in one pass, as vector paths
where the device keeps them (polygons and lines stay vectors in a PDF).
"""

from __future__ import annotations

from PySide6.QtGui import QPainter

from mapdesk.render.draw import Band, IsCancelled, draw_prepared
from mapdesk.render.heatmap import draw_heatmap
from mapdesk.render.labels import paint_labels
from mapdesk.render.prepare_ahead import PreparedAhead
from mapdesk.render.settings import MapSettings


def paint_map(painter: QPainter, settings: MapSettings, is_cancelled: IsCancelled) -> bool:
    """Draw every layer of ``settings`` and its labels with ``painter``.

    Parameters
    ----------
    painter
        Active, transformed so one unit is one device pixel of
        ``settings.device_view`` with (0, 0) at the map's top-left corner,
        and clipped to the map frame by the caller.
    settings
        The frozen map settings; selected features are drawn in the
        selection colour only if the snapshots carry a selection.
    is_cancelled
        Polled between layers and chunks of features.

    Returns
    -------
    bool
        False if drawing stopped because it was cancelled.

    Raises
    ------
    RenderError
        If a layer cannot be drawn.
    """
    whole = Band(0, settings.device_view.height)
    layers = [snapshot for snapshot in settings.layers if snapshot.layer.feature_count]
    painter.save()
    try:
        with PreparedAhead(layers, settings) as drawings:
            for drawing in drawings:
                if drawing.heatmap is not None:
                    draw_heatmap(painter, drawing.heatmap)
                for prepared in [*drawing.symbols, *filter(None, [drawing.selection])]:
                    if is_cancelled() or not draw_prepared(
                        painter, prepared, settings, whole, is_cancelled
                    ):
                        return False
    finally:
        painter.restore()
    return paint_labels(painter, settings, is_cancelled)
