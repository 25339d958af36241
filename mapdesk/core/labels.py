"""Labels: what each feature says and where, and which labels fit (Qt-free).

A layer's label settings name a field or an expression; the texts and anchor
points are computed once per data version (``label_candidates``) and placed
per view by ``place_labels``: greedily, in priority order, skipping any label
whose box would overlap one already placed (QGIS's collision avoidance in
its simplest form). Text sizes are measured by the caller (the renderer has
the fonts), so this module stays free of Qt.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from mapdesk.core.errors import MapdeskError
from mapdesk.core.expression import evaluate
from mapdesk.core.style import check_hex_color
from mapdesk.core.view import in_scale_range

FloatArray = npt.NDArray[np.float64]

#: Labels a render places at most (bounds the time on a dense view).
MAX_LABELS = 2000
#: Candidates tested at most before giving up on the rest.
MAX_CANDIDATES = 20000
#: A text is not repeated closer than this (pixels): a street split into many
#: segments gets its name every so often, not on every block.
REPEAT_PX = 250.0


@dataclass(frozen=True)
class LabelSettings:
    """How a layer is labelled.

    Attributes
    ----------
    text
        A field name or an expression (``upper("St_Name")``).
    size
        Text height in pixels.
    color, halo
        Text colour and the outline around it that keeps it readable.
    min_scale, max_scale
        Shown only between these scales: ``min_scale`` is the most zoomed-out
        scale denominator (0: no limit), ``max_scale`` the most zoomed-in (0:
        no limit). QGIS's "scale dependent visibility" for labels.
    """

    text: str
    size: float = 11.0
    color: str = "#202020"
    halo: str = "#ffffff"
    min_scale: float = 0.0
    max_scale: float = 0.0

    def __post_init__(self) -> None:
        if not str(self.text).strip():
            raise MapdeskError("Labels need a field or an expression")
        if not 4.0 <= self.size <= 72.0:
            raise MapdeskError(f"Label size must be 4–72 px, got {self.size}")
        check_hex_color(self.color, "Label colour")
        check_hex_color(self.halo, "Label halo colour")
        if self.min_scale < 0 or self.max_scale < 0:
            raise MapdeskError("Label scale limits cannot be negative")

    def visible_at(self, scale: float) -> bool:
        """True when labels show at map scale 1:``scale``."""
        return in_scale_range(scale, self.min_scale, self.max_scale)


@dataclass(frozen=True)
class LabelCandidates:
    """Every feature's label text and anchor, in the map CRS, in priority order.

    ``rows`` holds each candidate's feature position in the layer (sorted).
    """

    texts: tuple[str, ...]
    x: FloatArray
    y: FloatArray
    rows: npt.NDArray[np.intp]

    def among(self, shown: npt.NDArray[np.intp]) -> LabelCandidates:
        """The candidates of the features at positions ``shown`` (a display filter's)."""
        keep = np.isin(self.rows, shown, assume_unique=True)
        texts = tuple(self.texts[i] for i in np.flatnonzero(keep).tolist())
        return LabelCandidates(texts, self.x[keep], self.y[keep], self.rows[keep])


def label_texts(settings: LabelSettings, frame: pd.DataFrame) -> list[str | None]:
    """The text of each feature's label (None: no label), from a field or an expression.

    Raises
    ------
    ExpressionError
        If ``settings.text`` is neither a field nor a valid expression.
    """
    if settings.text in frame.columns:
        values = frame[settings.text]
    else:
        values = evaluate(settings.text, frame)
    return [None if pd.isna(v) or str(v).strip() == "" else _text(v) for v in values.tolist()]


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def label_anchors(geometries: Any) -> tuple[FloatArray, FloatArray]:
    """Where each feature's label goes: points at the point, lines at their middle,
    polygons at a point inside them (NaN for empty geometries)."""
    geoms = np.asarray(geometries, dtype=object)
    kinds = shapely.get_type_id(geoms)
    lines = (kinds == 1) | (kinds == 5)
    anchors = shapely.point_on_surface(geoms)
    if lines.any():
        anchors[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    # Empty geometries have empty anchors, whose x recent GEOS refuses; a
    # missing one reads as NaN.
    anchors[shapely.is_empty(anchors)] = None
    return shapely.get_x(anchors), shapely.get_y(anchors)


def label_candidates(settings: LabelSettings, frame: Any, geometries: Any) -> LabelCandidates:
    """Texts and anchors of every feature with something to say."""
    texts = label_texts(settings, frame)
    x, y = label_anchors(geometries)
    keep = np.array([t is not None for t in texts], dtype=bool) & np.isfinite(x) & np.isfinite(y)
    kept = tuple(t for t, k in zip(texts, keep, strict=True) if k and t is not None)
    return LabelCandidates(kept, x[keep], y[keep], np.flatnonzero(keep).astype(np.intp))


# id(projection) -> (weak reference to it, settings, candidates). Projections
# are unhashable dataclasses, hence ids checked through the weak reference.
_CACHE: dict[int, tuple[weakref.ref[Any], LabelSettings, LabelCandidates]] = {}
_CACHE_LOCK = threading.Lock()


def cached_candidates(layer: Any, settings: LabelSettings, crs: Any) -> LabelCandidates:
    """``label_candidates`` of a layer in the map CRS, kept with its projection.

    The layer's cached projection is replaced whenever its data or the CRS
    changes, so keying on it keeps texts and anchors exactly as long as they
    are right; render threads share one computation.
    """
    projected = layer.projected(crs)
    key = id(projected)
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None and entry[0]() is projected and entry[1] == settings:
            return entry[2]
    found = label_candidates(settings, layer.data, projected.geometries)
    with _CACHE_LOCK:
        _CACHE[key] = (weakref.ref(projected, partial(_forget, key)), settings, found)
    return found


def _forget(key: int, _ref: weakref.ref[Any]) -> None:
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None and entry[0]() is None:
            del _CACHE[key]


Measure = Callable[[str], tuple[float, float]]


@dataclass(frozen=True)
class PlacedLabel:
    text: str
    left: float
    top: float
    width: float
    height: float


def place_labels(
    candidates: LabelCandidates,
    to_screen: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    width: int,
    height: int,
    measure: Measure,
    taken: list[tuple[float, float, float, float]] | None = None,
) -> list[PlacedLabel]:
    """Labels that fit on a ``width`` x ``height`` image without overlapping.

    ``measure(text)`` gives a label's (width, height) in pixels; ``taken``
    holds boxes placed by layers above (so their labels win) and receives
    these ones. Labels are centred on their anchors, in candidate order.
    """
    boxes = taken if taken is not None else []
    grid = _Grid(width, height, boxes)
    px, py = to_screen(candidates.x, candidates.y)
    inside = np.flatnonzero((px >= 0) & (px < width) & (py >= 0) & (py < height))
    placed: list[PlacedLabel] = []
    shown: dict[str, list[tuple[float, float]]] = {}
    for index in inside[:MAX_CANDIDATES].tolist():
        text = candidates.texts[index]
        x, y = float(px[index]), float(py[index])
        if _repeated(shown.get(text, ()), x, y):
            continue
        w, h = measure(text)
        box = (x - w / 2, y - h / 2, w, h)
        if not _on_image(box, width, height) or grid.overlaps(box):
            continue
        grid.add(box)
        boxes.append(box)
        shown.setdefault(text, []).append((x, y))
        placed.append(PlacedLabel(text, *box))
        if len(placed) >= MAX_LABELS:
            break
    return placed


def _repeated(anchors: Any, x: float, y: float) -> bool:
    return any((x - ax) ** 2 + (y - ay) ** 2 < REPEAT_PX**2 for ax, ay in anchors)


def _on_image(box: tuple[float, float, float, float], width: int, height: int) -> bool:
    left, top, w, h = box
    return left >= 0 and top >= 0 and left + w <= width and top + h <= height


class _Grid:
    """Placed label boxes bucketed by 64 px cells: an overlap test looks at a few."""

    CELL = 64.0

    def __init__(self, width: int, height: int, boxes: list[tuple[float, float, float, float]]):
        self._cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
        for box in boxes:
            self.add(box)

    def _keys(self, box: tuple[float, float, float, float]) -> list[tuple[int, int]]:
        left, top, w, h = box
        c0, c1 = int(left // self.CELL), int((left + w) // self.CELL)
        r0, r1 = int(top // self.CELL), int((top + h) // self.CELL)
        return [(c, r) for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)]

    def add(self, box: tuple[float, float, float, float]) -> None:
        for key in self._keys(box):
            self._cells.setdefault(key, []).append(box)

    def overlaps(self, box: tuple[float, float, float, float]) -> bool:
        left, top, w, h = box
        for key in self._keys(box):
            for ol, ot, ow, oh in self._cells.get(key, ()):
                if left < ol + ow and ol < left + w and top < ot + oh and ot < top + h:
                    return True
        return False
