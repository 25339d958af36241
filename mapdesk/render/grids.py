"""Regular grids over a layer's points and features, to cull a zoomed-in view.

Testing every point of a million-point layer, or the bounds of every one of
200,000 parcels, costs several milliseconds a frame whatever the view shows.
Zoomed in, only a few cells of a grid lie under the view: reading just their
members makes culling cost what the view shows, not what the layer holds.
Both grids return a superset; the caller still tests what they return.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Box = tuple[float, float, float, float]

#: Below this share of the data's bounding box in view, culling goes
#: through a grid rather than testing everything.
GRID_WORTH_IT = 0.25
#: Cells per side of a grid.
GRID_CELLS = 256


def overlap_share(view: Box, bounds: Box) -> float:
    """The share of ``bounds``' area that ``view`` covers (1.0 for degenerate bounds)."""
    width, height = bounds[2] - bounds[0], bounds[3] - bounds[1]
    if not (width > 0 and height > 0):
        return 1.0
    cover_x = max(0.0, min(view[2], bounds[2]) - max(view[0], bounds[0]))
    cover_y = max(0.0, min(view[3], bounds[3]) - max(view[1], bounds[1]))
    return cover_x * cover_y / (width * height)


class _Cells:
    """A grid of ``cells`` x ``cells`` over the box from ``low`` to ``high``."""

    def __init__(self, low: FloatArray, high: FloatArray, cells: int) -> None:
        self.cells = cells
        self.origin = (float(low[0]), float(low[1]))
        # A degenerate side (everything on one line) still gets cells.
        spans = np.maximum(high - low, 1e-9) / cells
        self.size = (float(spans[0]), float(spans[1]))

    def cell(self, values: FloatArray, axis: int) -> IntArray:
        index = np.floor((values - self.origin[axis]) / self.size[axis])
        return np.clip(index, 0, self.cells - 1).astype(np.int64)

    def keys(self, x: FloatArray, y: FloatArray) -> IntArray:
        return self.cell(y, 1) * self.cells + self.cell(x, 0)

    def runs(self, box: Box, grow: int = 0) -> tuple[IntArray, IntArray]:
        """First and last+1 key of each row of cells under ``box`` (``grow`` cells wider)."""
        xmin, ymin, xmax, ymax = box
        columns = self.cell(np.array([xmin, xmax]), 0)
        rows = self.cell(np.array([ymin, ymax]), 1)
        first_column = max(int(columns[0]) - grow, 0)
        last_column = min(int(columns[1]) + grow, self.cells - 1)
        first_row = max(int(rows[0]) - grow, 0)
        last_row = min(int(rows[1]) + grow, self.cells - 1)
        row_keys = np.arange(first_row, last_row + 1) * self.cells
        return row_keys + first_column, row_keys + last_column + 1


def _sorted_by_key(keys: IntArray, cells: int) -> tuple[IntArray, IntArray]:
    """The order that sorts ``keys``, and where each key's run starts in it."""
    order = np.argsort(keys, kind="stable")
    starts = np.searchsorted(keys[order], np.arange(cells * cells + 1))
    return order, starts


class PointGrid:
    """A layer's points sorted by the cell of a regular grid over their bounds.

    Culling a small view then reads the points of the few cells under it
    (contiguous runs of the sorted array) instead of testing every point.
    """

    def __init__(self, points: FloatArray, cells: int = GRID_CELLS) -> None:
        finite = points[np.isfinite(points).all(axis=1)]
        self.cells = cells
        if len(finite) == 0:
            self._grid = _Cells(np.zeros(2), np.ones(2), cells)
            self.points, self.starts = finite, np.zeros(cells * cells + 1, dtype=np.int64)
            return
        self._grid = _Cells(finite.min(axis=0), finite.max(axis=0), cells)
        order, self.starts = _sorted_by_key(self._grid.keys(finite[:, 0], finite[:, 1]), cells)
        self.points = finite[order]

    def near(self, xmin: float, ymin: float, xmax: float, ymax: float) -> FloatArray:
        """The points in the cells that meet the box (a superset of those inside)."""
        firsts, lasts = self._grid.runs((xmin, ymin, xmax, ymax))
        begins, ends = self.starts[firsts], self.starts[lasts]
        runs = [self.points[b:e] for b, e in zip(begins.tolist(), ends.tolist(), strict=True)]
        return np.concatenate(runs) if runs else np.empty((0, 2))


class FeatureGrid:
    """Features, by their bounds, filed under the grid cell of their centre.

    A feature no bigger than a cell lies within half a cell of its centre,
    so the cells under a box grown by one cell on every side hold every such
    feature that meets the box. Bigger features (a long road, a whole
    county) are few and always returned.
    """

    def __init__(self, bounds: FloatArray, cells: int = GRID_CELLS) -> None:
        self.cells = cells
        if len(bounds) == 0:
            self._grid = _Cells(np.zeros(2), np.ones(2), cells)
            self.members = np.empty(0, dtype=np.int64)
            self.large = np.empty(0, dtype=np.int64)
            self.starts = np.zeros(cells * cells + 1, dtype=np.int64)
            return
        self._grid = _Cells(bounds[:, 0:2].min(axis=0), bounds[:, 2:4].max(axis=0), cells)
        width, height = bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]
        small = (width <= self._grid.size[0]) & (height <= self._grid.size[1])
        self.large = np.flatnonzero(~small)
        members = np.flatnonzero(small)
        centre_x = (bounds[members, 0] + bounds[members, 2]) * 0.5
        centre_y = (bounds[members, 1] + bounds[members, 3]) * 0.5
        order, self.starts = _sorted_by_key(self._grid.keys(centre_x, centre_y), cells)
        self.members = members[order]

    def candidates(self, xmin: float, ymin: float, xmax: float, ymax: float) -> IntArray:
        """Indices, ascending (drawing order), of the features that may meet the box."""
        firsts, lasts = self._grid.runs((xmin, ymin, xmax, ymax), grow=1)
        begins, ends = self.starts[firsts], self.starts[lasts]
        runs = [self.members[b:e] for b, e in zip(begins.tolist(), ends.tolist(), strict=True)]
        found = np.concatenate([*runs, self.large])
        found.sort()
        return found


Grid = TypeVar("Grid")


class Lazy(Generic[Grid]):
    """A grid built on first use, once, by whichever thread asks first.

    Full-extent views never need a grid, so a layer only drawn whole never
    pays for one.
    """

    def __init__(self, build: Callable[[], Grid]) -> None:
        self._build: Callable[[], Grid] | None = build
        self._grid: Grid | None = None
        self._lock = threading.Lock()

    def get(self) -> Grid:
        with self._lock:
            if self._build is not None:
                self._grid = self._build()
                self._build = None  # drop what the build closed over
            assert self._grid is not None
            return self._grid
