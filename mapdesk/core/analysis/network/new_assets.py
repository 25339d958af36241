"""What a newly drawn network asset is proposed to hold: its id, its end nodes, its length.

The attribute form of a new node or span starts from these (the user can
change every one): the next free asset id of the layer, and for a span the
in-service nodes its two ends were drawn on and its length on the ground.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
from pyproj import CRS

from mapdesk.core.analysis.network.assets import ID_DIGITS
from mapdesk.core.analysis.network.frames import in_service, text_column
from mapdesk.core.analysis.network.snapping import NodeSnapper, nearest
from mapdesk.core.editing.values import is_missing
from mapdesk.core.errors import MapdeskError
from mapdesk.core.measure import measure

_NUMBERED = re.compile(r"^(.*?)(\d+)$")

Point = tuple[float, float]


def next_asset_id(existing: Iterable[Any], default_prefix: str, digits: int = ID_DIGITS) -> str:
    """The next id in the layer's own sequence: ``NN-0188`` after ``NN-0187``.

    The sequence is the prefix most ids share (``NN-``), and the next number
    is one past the highest in the layer (retired assets count), so a gap
    left by a deleted asset is never filled. The layer keeps no history: once
    the asset holding the highest id is deleted, that id is proposed again.
    The number keeps the width the layer's ids have. A layer without numbered
    ids starts at ``default_prefix`` + ``0001``.

    Parameters
    ----------
    existing
        Every asset id of the layer (retired ones too); blanks are skipped.
    default_prefix
        The prefix of a layer with no numbered ids yet.
    digits
        The number's width then.
    """
    taken = {text for text in (_text(value) for value in existing) if text}
    numbered = [match.groups() for text in taken if (match := _NUMBERED.match(text))]
    if not numbered:
        return _unused(default_prefix, 1, digits, taken)
    counts = Counter(prefix for prefix, _ in numbered)
    prefix = max(counts, key=lambda p: (counts[p], p == default_prefix, p))
    numbers = [number for p, number in numbered if p == prefix]
    width = max(len(number) for number in numbers)
    return _unused(prefix, max(int(number) for number in numbers) + 1, width, taken)


def _text(value: Any) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        # An INTEGER asset_id field with NULLs reads as floats: 2.0 is id 2.
        return str(int(value))
    return str(value).strip()


def _unused(prefix: str, number: int, width: int, taken: set[str]) -> str:
    candidate = f"{prefix}{number:0{width}d}"
    while candidate in taken:  # a stray id written with another width ("NN-188")
        number += 1
        candidate = f"{prefix}{number:0{width}d}"
    return candidate


def span_end_nodes(
    points: Sequence[Point], nodes: gpd.GeoDataFrame, node_points: Sequence[Any], tolerance: float
) -> tuple[str | None, str | None]:
    """The in-service nodes a drawn span starts and ends on (None: no node there).

    Parameters
    ----------
    points
        The span's vertices as drawn.
    nodes
        The node layer (``asset_id``, ``status``), in its own row order.
    node_points
        The nodes' points in the CRS of ``points``, in the same order.
    tolerance
        How far from an end a node may be, in the units of ``points`` (the
        snapping tolerance): the nearest one within it is taken, as the
        network check joins a span to its nodes.
    """
    if len(points) < 2:
        return None, None
    ids = text_column(nodes, "asset_id")
    service = in_service(nodes)
    rows = [
        row
        for row, point in enumerate(node_points)
        if ids[row] and service[row] and point is not None and not point.is_empty
    ]
    if not rows:
        return None, None
    snapper = NodeSnapper([ids[row] for row in rows], [node_points[row] for row in rows], tolerance)
    start, end = points[0], points[-1]
    return nearest(snapper.candidates(start)), nearest(snapper.candidates(end))


def span_length_m(points: Sequence[Point], crs: CRS | None) -> float | None:
    """The drawn span's length in metres on the ellipsoid, to 0.1 m (None: no CRS to tell)."""
    if crs is None or len(points) < 2:
        return None
    try:
        total = measure(points, crs, ellipsoidal=True, area=False).total
    except MapdeskError:
        return None
    return round(total, 1)
