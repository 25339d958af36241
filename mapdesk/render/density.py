"""Kernel density of points on a pixel grid, with numpy alone (no Qt here).

QGIS's heatmap renderer adds a quartic kernel around every point, pixel by
pixel: ``weight * (1 - (d / r)**2)**2`` for every pixel within the radius
``r`` of the point's pixel. The same sum, without a loop over points: the
points are counted into a grid (``np.bincount``), and the grid is convolved
with the kernel by FFT, so the cost depends on the size of the view, not on
how many points there are (100,000 or a million take about as long).

The grid may be coarser than the image (``cell`` device pixels per grid
cell): a kernel spanning at least ``CELLS_PER_RADIUS`` cells is smooth to
well under 1% between cell centres, and the coloured grid is drawn scaled up
with smooth interpolation. That keeps a HiDPI screen, a large radius or a
300 dpi printed map as quick as a plain 1080p view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: The grid is made coarser only while the radius still spans this many cells.
CELLS_PER_RADIUS = 16
#: Grid cells at most (a 1920x1080 view with a 40 px margin all round);
#: bigger images (HiDPI, print) get coarser cells rather than a bigger FFT.
MAX_CELLS = 2_400_000


@dataclass(frozen=True)
class DensityGrid:
    """Densities over a view, cell by cell.

    Attributes
    ----------
    values
        (rows, columns) summed kernel values at each cell's centre.
    cell
        Device pixels per cell, across and down.
    left, top
        Device pixel position of the top-left corner of ``values[0, 0]``;
        the grid reaches ``border`` cells beyond the view on every side (so
        smooth scaling meets real neighbours at the view's edge).
    border
        Cells beyond the view on each side.
    """

    values: FloatArray
    cell: int
    left: float
    top: float
    border: int

    def in_view(self) -> FloatArray:
        """The cells over the view itself (without the border)."""
        b = self.border
        rows, columns = self.values.shape
        return self.values[b : rows - b, b : columns - b]


def cell_size(radius: float, width: int, height: int) -> int:
    """Device pixels per grid cell, for a ``radius`` and a ``width`` x ``height`` view
    (all in device pixels)."""
    finest = max(1, math.floor(radius / CELLS_PER_RADIUS))
    area = (width + 2 * radius) * (height + 2 * radius)
    return max(finest, math.ceil(math.sqrt(area / MAX_CELLS)))


def quartic(distance: FloatArray, radius: float) -> FloatArray:
    """QGIS's quartic (biweight) kernel: 1 at the point, 0 from ``radius`` on."""
    share = np.minimum(distance / radius, 1.0)
    return np.asarray((1.0 - share**2) ** 2, dtype=np.float64)


def kernel_density(
    x: FloatArray,
    y: FloatArray,
    weights: FloatArray | None,
    width: int,
    height: int,
    radius: float,
    cell: int | None = None,
) -> DensityGrid:
    """The summed quartic kernels of the points at device pixels (``x``, ``y``).

    Points outside the view count too, up to ``radius`` beyond its edges:
    their warmth reaches into it. Points are placed on their pixel (or cell)
    as QGIS places them.

    Parameters
    ----------
    x, y
        Device pixel positions (origin top-left, y down); NaN are skipped.
    weights
        Each point's weight; None counts every point once.
    width, height
        The view in device pixels.
    radius
        Kernel radius in device pixels (> 0).
    cell
        Device pixels per grid cell; ``cell_size`` by default.
    """
    cell = cell or cell_size(radius, width, height)
    reach = math.ceil(radius / cell)  # kernel half-width, in cells
    border = 1 if cell > 1 else 0
    columns, rows = math.ceil(width / cell), math.ceil(height / cell)
    margin = reach + border
    grid = _binned(x, y, weights, cell, margin, rows + 2 * margin, columns + 2 * margin)
    smooth = _convolved(grid, reach, radius / cell)
    values = smooth[reach : reach + rows + 2 * border, reach : reach + columns + 2 * border]
    return DensityGrid(values, cell, -border * cell, -border * cell, border)


def _binned(
    x: FloatArray,
    y: FloatArray,
    weights: FloatArray | None,
    cell: int,
    margin: int,
    rows: int,
    columns: int,
) -> FloatArray:
    """The points' weights summed per cell of a grid starting ``margin`` cells left/above."""
    column = np.floor(x / cell) + margin
    row = np.floor(y / cell) + margin
    # NaN compares False: unplaceable points drop out here.
    inside = (column >= 0) & (column < columns) & (row >= 0) & (row < rows)
    keys = row[inside].astype(np.int64) * columns + column[inside].astype(np.int64)
    chosen = weights[inside] if weights is not None else None
    counts = np.bincount(keys, weights=chosen, minlength=rows * columns)
    return counts.astype(np.float64, copy=False).reshape(rows, columns)


def _convolved(grid: FloatArray, reach: int, radius_cells: float) -> FloatArray:
    """``grid`` convolved with the quartic kernel (exact where it matters).

    The FFT convolution wraps around, but only into the outer ``reach``
    cells, which the caller drops: what it keeps depends on cells within
    ``reach`` of it, all inside the grid.
    """
    if not grid.any():
        return np.zeros_like(grid)
    shape = (_fast_length(grid.shape[0]), _fast_length(grid.shape[1]))
    spectrum = np.fft.rfft2(grid, s=shape)
    spectrum *= _kernel_spectrum(shape, reach, radius_cells)
    result = np.fft.irfft2(spectrum, s=shape)[: grid.shape[0], : grid.shape[1]]
    # Rounding leaves ~1e-12 where nothing is: zero is zero (transparent).
    scale = float(np.abs(grid).sum())
    result[np.abs(result) <= scale * 1e-12] = 0.0
    return np.asarray(result, dtype=np.float64)


@lru_cache(maxsize=8)
def _kernel_spectrum(
    shape: tuple[int, int], reach: int, radius_cells: float
) -> npt.NDArray[np.complex128]:
    """The FFT of the kernel centred on cell (0, 0), wrapped (kept: a pan reuses it)."""
    offsets = np.arange(-reach, reach + 1, dtype=np.float64)
    distance = np.hypot(offsets[:, None], offsets[None, :])
    kernel = np.zeros(shape)
    rows = offsets.astype(np.int64) % shape[0]
    columns = offsets.astype(np.int64) % shape[1]
    kernel[np.ix_(rows, columns)] = quartic(distance, radius_cells)
    spectrum = np.fft.rfft2(kernel)
    spectrum.flags.writeable = False  # shared by every render that reuses it
    return spectrum


def _fast_length(length: int) -> int:
    """The smallest 2^a 3^b 5^c >= ``length`` (pocketfft is quickest on those)."""
    best = 1 << max(length - 1, 0).bit_length()
    five = 1
    while five < best:
        three = five
        while three < best:
            size = three << max(0, math.ceil(math.log2(length / three)))
            best = min(best, max(size, three))
            three *= 3
        five *= 5
    return best
