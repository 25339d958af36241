"""Identify: the features under a map position in every visible layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyproj import CRS

from mapdesk.core.layer_list import LayerList


@dataclass(frozen=True)
class IdentifyHit:
    """One feature found by identify, with its attributes."""

    layer_id: str
    layer_name: str
    row: int
    fid: Any
    attributes: dict[str, Any]


def identify_at(
    layers: LayerList,
    map_crs: CRS | None,
    x: float,
    y: float,
    tolerance: float,
    limit_per_layer: int = 50,
) -> list[IdentifyHit]:
    """Features within ``tolerance`` (map units) of (x, y), top layer first.

    Only visible layers are searched, as in QGIS's "top down" identify mode
    over all layers. Attributes are read by row from column arrays, not via
    ``iloc``, which is 50-700x slower per hit.
    """
    hits: list[IdentifyHit] = []
    for layer in layers:
        if not layer.visible or layer.feature_count == 0:
            continue
        rows = layer.projected(map_crs).rows_at(x, y, tolerance)
        index = layer.data.index
        for row in sorted(int(r) for r in rows)[:limit_per_layer]:
            hits.append(
                IdentifyHit(
                    layer.id, layer.name, row, _plain_fid(index[row]), layer.attributes(row)
                )
            )
    return hits


def _plain_fid(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
