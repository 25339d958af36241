"""Series mode: one page per feature of a layer (QGIS's atlas), e.g. one per
PSAP zone or council district, each zoomed to its feature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from mapdesk.core.project import Project
from mapdesk.core.view import Extent, padded_extent
from mapdesk.export.formats import ExportError

#: More pages than this is almost surely the wrong layer (every parcel).
MAX_SERIES_PAGES = 500
#: Room around each feature, as a share of its size.
_MARGIN = 0.08


@dataclass(frozen=True)
class SeriesPage:
    """One page of a series: what it is called and the area it shows."""

    label: str
    extent: Extent
    outline: Any = None  # the page's feature (shapely, project CRS), drawn on top


def series_pages(project: Project, layer_name: str, label_field: str | None) -> list[SeriesPage]:
    """A page per feature of ``layer_name`` with a geometry, in the layer's order.

    Raises
    ------
    ExportError
        If the layer or field does not exist, the layer has no features with
        a geometry, or more than ``MAX_SERIES_PAGES`` of them.
    """
    layer = next((found for found in project.layers if found.name == layer_name), None)
    if layer is None:
        names = ", ".join(found.name for found in project.layers)
        raise ExportError(f"No layer '{layer_name}' to make a series from (layers: {names})")
    if label_field is not None and label_field not in layer.data.columns:
        raise ExportError(f"Layer '{layer_name}' has no field '{label_field}' to name pages by")
    geometries = layer.projected(project.crs).geometries
    present = np.flatnonzero(~shapely.is_missing(geometries) & ~shapely.is_empty(geometries))
    if len(present) == 0:
        raise ExportError(f"Layer '{layer_name}' has no features with a geometry to page through")
    if len(present) > MAX_SERIES_PAGES:
        raise ExportError(
            f"Layer '{layer_name}' has {len(present):,} features: a series makes at most "
            f"{MAX_SERIES_PAGES} pages (filter the layer to the features you want first)"
        )
    bounds = shapely.bounds(geometries[present])
    labels = _labels(layer.data, present, label_field)
    return [
        SeriesPage(label, _framed(tuple(float(v) for v in box), project.min_view_span), shape)
        for label, box, shape in zip(labels, bounds, geometries[present], strict=True)
    ]


def _labels(frame: object, rows: np.ndarray, field: str | None) -> list[str]:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    if field is None:
        return [f"Feature {fid}" for fid in frame.index[rows]]
    values = frame[field].iloc[rows]
    return [
        f"Feature {fid}" if pd.isna(value) or str(value).strip() == "" else str(value)
        for fid, value in zip(frame.index[rows], values, strict=True)
    ]


def _framed(box: tuple[float, ...], min_span: float) -> Extent:
    xmin, ymin, xmax, ymax = padded_extent((box[0], box[1], box[2], box[3]), min_span)
    grow_x, grow_y = (xmax - xmin) * _MARGIN, (ymax - ymin) * _MARGIN
    return (xmin - grow_x, ymin - grow_y, xmax + grow_x, ymax + grow_y)
