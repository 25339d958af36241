"""Geometries to device-pixel arrays, in bulk (no Qt here).

A layer's culled geometries become, with a handful of vectorised shapely and
numpy calls: marker positions (points and multipoint parts), single-pixel dots
(lines and polygons smaller than a pixel), and ragged vertex arrays for line
parts and polygon rings grouped by feature so the painter can cut them into
chunks, thinned to about one vertex per pixel. Nothing here loops over
features in Python, and nothing writes to the geometry array it is given (the
layer's cached projection, shared with other render threads).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely import GeometryType

from mapdesk.core.view import ViewState
from mapdesk.render.grids import GRID_WORTH_IT, FeatureGrid, Lazy, PointGrid, overlap_share

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
GeomArray = npt.NDArray[np.object_]

#: drop_repeated_pixels leaves paths alone unless at most this share of
#: vertices stays: a copy of every vertex costs more than Qt saves on a few.
WORTH_DROPPING = 0.9

#: Geometries read per shapely call when taking vertices out of a big layer.
COORDINATE_CHUNK = 20_000

_POINT_TYPES = (GeometryType.POINT, GeometryType.MULTIPOINT)
_LINE_TYPES = (GeometryType.LINESTRING, GeometryType.LINEARRING, GeometryType.MULTILINESTRING)
_POLYGON_TYPES = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)


@dataclass(frozen=True)
class ScreenPaths:
    """Line parts or polygon rings in device pixels, grouped by feature.

    Attributes
    ----------
    xy
        (n, 2) vertices of every subpath, feature after feature.
    move_to
        (n,) True at the first vertex of each subpath.
    feature_starts
        (features + 1,) index into ``xy`` where each feature starts.
    """

    xy: FloatArray
    move_to: BoolArray
    feature_starts: IntArray

    @property
    def feature_count(self) -> int:
        return len(self.feature_starts) - 1

    def chunks(self, features_per_chunk: int) -> Iterator[slice]:
        """Vertex ranges of consecutive groups of whole features."""
        starts = self.feature_starts
        for first in range(0, self.feature_count, features_per_chunk):
            last = min(first + features_per_chunk, self.feature_count)
            yield slice(int(starts[first]), int(starts[last]))


@dataclass(frozen=True)
class ScreenGeometry:
    """Everything one layer draws, in device pixels.

    Attributes
    ----------
    markers
        (m, 2) integer pixel of each point, one per pixel (duplicates dropped:
        identical markers stamped twice on one pixel look like one).
    dots
        (k, 2) integer pixel of each line or polygon smaller than a pixel.
    lines, polygons
        Paths to stroke and fill; polygon rings are oriented so a winding
        fill leaves holes empty.
    """

    markers: IntArray
    dots: IntArray
    lines: ScreenPaths
    polygons: ScreenPaths


@dataclass(frozen=True)
class MapPaths:
    """Line parts or polygon rings in map coordinates, grouped by feature.

    The screen-independent half of ``ScreenPaths``: built once per layer
    projection, then only transformed (and culled) for each view.

    Attributes
    ----------
    xy, move_to, feature_starts
        As in ``ScreenPaths``, in map units.
    bounds
        (features, 4) xmin, ymin, xmax, ymax of each feature (all finite).
    """

    xy: FloatArray
    move_to: BoolArray
    feature_starts: IntArray
    bounds: FloatArray
    grid: Lazy[FeatureGrid] = field(init=False, repr=False, compare=False)
    extent: tuple[float, float, float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen: derived fields are set once, here, the dataclass way round.
        object.__setattr__(self, "grid", Lazy(partial(FeatureGrid, self.bounds)))
        extent = (np.nan,) * 4
        if len(self.bounds):
            low, high = self.bounds[:, 0:2].min(axis=0), self.bounds[:, 2:4].max(axis=0)
            extent = (float(low[0]), float(low[1]), float(high[0]), float(high[1]))
        object.__setattr__(self, "extent", extent)

    @property
    def feature_count(self) -> int:
        return len(self.feature_starts) - 1


@dataclass(frozen=True)
class MapArrays:
    """A whole layer as coordinate arrays in the map CRS (see ``layer_arrays``).

    Attributes
    ----------
    points
        (n, 2) every point and multipoint part (NaN for empty points).
    points_bounds
        xmin, ymin, xmax, ymax of ``points`` (NaN when there are none).
    lines
        Line parts, feature by feature.
    polygons
        Polygon rings, wound so that a winding fill *on screen* (y down)
        leaves holes empty.
    """

    points: FloatArray
    points_bounds: tuple[float, float, float, float]
    lines: MapPaths
    polygons: MapPaths
    point_grid: Lazy[PointGrid] = field(
        default_factory=lambda: Lazy(partial(PointGrid, np.empty((0, 2))))
    )


def layer_arrays(geometries: GeomArray) -> MapArrays:
    """Every geometry as coordinate arrays in map units (no view involved).

    The costly shapely half of drawing (type ids, coordinates, ring offsets,
    ring orientation, bounds): do it once per layer projection and keep it
    (``cached_layer_arrays``), so a pan or zoom only transforms numbers.
    """
    parts, kinds = explode_collections(geometries)
    points = _point_coordinates(parts, kinds)
    with np.errstate(invalid="ignore"):
        finite = points[np.isfinite(points).all(axis=1)]
    points_bounds = (
        (
            float(finite[:, 0].min()),
            float(finite[:, 1].min()),
            float(finite[:, 0].max()),
            float(finite[:, 1].max()),
        )
        if len(finite)
        else (np.nan, np.nan, np.nan, np.nan)
    )
    return MapArrays(
        points=points,
        points_bounds=points_bounds,
        point_grid=Lazy(partial(PointGrid, points)),
        lines=_map_line_paths(_finite(parts[_of_kind(kinds, _LINE_TYPES)])),
        polygons=_map_polygon_paths(_finite(parts[_of_kind(kinds, _POLYGON_TYPES)])),
    )


_CACHE: dict[int, tuple[weakref.ref[Any], GeomArray, MapArrays]] = {}
# Re-entrant: the weak-reference callback of a freed rows array takes it, and a
# garbage collection may free one in a thread that already holds it.
_CACHE_LOCK = threading.RLock()
_BUILD_LOCKS: dict[int, threading.Lock] = {}


def cached_layer_arrays(owner: object, geometries: GeomArray) -> MapArrays:
    """``layer_arrays(geometries)``, kept for as long as ``owner`` lives.

    ``owner`` is the object holding ``geometries`` (a layer's cached
    projection, which is replaced, never changed, when the data or CRS
    changes), so the entry dies with it. Threads asking at once for the same
    owner wait for one build.
    """
    key = id(owner)
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None and entry[0]() is owner and entry[1] is geometries:
            return entry[2]
        build_lock = _BUILD_LOCKS.setdefault(key, threading.Lock())
    with build_lock:
        with _CACHE_LOCK:
            entry = _CACHE.get(key)
            if entry is not None and entry[0]() is owner and entry[1] is geometries:
                return entry[2]
        arrays = layer_arrays(geometries)
        ref = weakref.ref(owner, partial(_forget, key))
        with _CACHE_LOCK:
            _CACHE[key] = (ref, geometries, arrays)
    return arrays


_SUBSETS: OrderedDict[tuple[int, int], tuple[Any, Any, MapArrays]] = OrderedDict()
#: Subsets kept: a selection, and every class of a few categorized layers.
_SUBSETS_KEPT = 64


def cached_subset_arrays(owner: object, geometries: GeomArray, rows: IntArray) -> MapArrays:
    """``layer_arrays`` of ``geometries[rows]`` (a symbol class, the selected or shown features).

    Kept while ``owner`` (the layer's projection) and ``rows`` (the selection's
    or a display filter's read-only rows array, replaced when they change) are
    the same objects, so redrawing a selection costs only the culling, not
    shapely. The entry goes when ``rows`` does: a time slider playing through
    a big layer must not keep every step's coordinates.
    """
    key = (id(owner), id(rows))
    with _CACHE_LOCK:
        entry = _SUBSETS.get(key)
        if entry is not None and entry[0]() is owner and entry[1]() is rows:
            _SUBSETS.move_to_end(key)
            return entry[2]
    inside = rows[rows < len(geometries)]  # the data may have shrunk since
    arrays = layer_arrays(geometries[inside])
    with _CACHE_LOCK:
        _SUBSETS[key] = (
            weakref.ref(owner),
            weakref.ref(rows, partial(_forget_subset, key)),
            arrays,
        )
        while len(_SUBSETS) > _SUBSETS_KEPT:
            _SUBSETS.popitem(last=False)
    return arrays


def _forget_subset(key: tuple[int, int], ref: weakref.ref[Any]) -> None:
    with _CACHE_LOCK:
        entry = _SUBSETS.get(key)
        if entry is not None and entry[1] is ref:
            del _SUBSETS[key]


def _forget(key: int, ref: weakref.ref[Any]) -> None:
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None and entry[0] is ref:
            del _CACHE[key]
            _BUILD_LOCKS.pop(key, None)


def screen_geometry(arrays: MapArrays, view: ViewState, pad: int) -> ScreenGeometry:
    """The part of a layer in (or near) ``view``, in device pixels.

    Only numpy work: culling by bounds, an affine transform, and the
    per-pixel level of detail.
    """
    lines, line_dots = _screen_paths(arrays.lines, view)
    polygons, polygon_dots = _screen_paths(arrays.polygons, view)
    return ScreenGeometry(
        markers=unique_pixels(_visible_points(arrays, view, pad), view, pad),
        dots=unique_pixels(_pixels(np.vstack([line_dots, polygon_dots]), view), view, 0),
        lines=drop_repeated_pixels(lines),
        polygons=drop_repeated_pixels(polygons),
    )


def _visible_points(arrays: MapArrays, view: ViewState, pad: int) -> FloatArray:
    """Pixels of the points within ``pad`` pixels of the view (culled in map units)."""
    xmin, ymin, xmax, ymax = _grown_extent(view, pad + 1)
    bx0, by0, bx1, by1 = arrays.points_bounds
    points = arrays.points
    if not (bx0 >= xmin and by0 >= ymin and bx1 <= xmax and by1 <= ymax):
        if overlap_share((xmin, ymin, xmax, ymax), arrays.points_bounds) < GRID_WORTH_IT:
            # Zoomed in: only the grid cells under the view, not every point.
            points = arrays.point_grid.get().near(xmin, ymin, xmax, ymax)
        x, y = points[:, 0], points[:, 1]
        # NaN compares False: empty points drop out here.
        inside = (x >= xmin) & (x <= xmax)
        inside &= y >= ymin
        inside &= y <= ymax
        points = np.compress(inside, points, axis=0)  # ~3x faster than points[inside]
    return _pixels(points, view)


def _grown_extent(view: ViewState, pad_px: float) -> tuple[float, float, float, float]:
    margin = pad_px * view.resolution
    xmin, ymin, xmax, ymax = view.extent
    return (xmin - margin, ymin - margin, xmax + margin, ymax + margin)


def _screen_paths(paths: MapPaths, view: ViewState) -> tuple[ScreenPaths, FloatArray]:
    """Features meeting the view as pixels, and centres of those under a pixel."""
    bounds = paths.bounds
    if len(bounds) == 0:
        return _empty_paths(), np.empty((0, 2))
    # Two pixels of margin: a stroke just outside the view still shows.
    box = _grown_extent(view, 2)
    candidates = None
    if overlap_share(box, paths.extent) < GRID_WORTH_IT:
        # Zoomed in: test only the features filed under the cells in view.
        candidates = paths.grid.get().candidates(*box)
        bounds = np.take(bounds, candidates, axis=0)  # ~5x faster than bounds[candidates]
    xmin, ymin, xmax, ymax = box
    meets = (bounds[:, 2] >= xmin) & (bounds[:, 0] <= xmax)
    meets &= bounds[:, 3] >= ymin
    meets &= bounds[:, 1] <= ymax
    span = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    tiny = span < view.resolution
    dots = meets & tiny
    centres = (bounds[dots, 0:2] + bounds[dots, 2:4]) / 2
    drawn = np.flatnonzero(meets & ~tiny)
    if candidates is not None:
        drawn = candidates[drawn]
    if len(drawn) == paths.feature_count:
        xy, move_to, starts = paths.xy, paths.move_to, paths.feature_starts
    else:
        xy, move_to, starts = _take_features(paths, drawn)
    return ScreenPaths(_pixels(xy, view), move_to, starts), centres


def _take_features(
    paths: MapPaths | ScreenPaths, features: IntArray
) -> tuple[FloatArray, BoolArray, IntArray]:
    """The vertices of ``features`` (ascending indices), in order.

    Works on the chosen features' vertices only, so a zoomed-in view pays
    for what it shows, not for every vertex of the layer.
    """
    starts = paths.feature_starts
    first = starts[features]
    lengths = starts[features + 1] - first
    kept = np.zeros(len(features) + 1, dtype=np.int64)
    np.cumsum(lengths, out=kept[1:])
    # Each kept vertex's index in ``paths``: its feature's first vertex
    # there, plus how far into the feature it is.
    vertices = np.repeat(first - kept[:-1], lengths) + np.arange(kept[-1])
    return np.take(paths.xy, vertices, axis=0), paths.move_to[vertices], kept


def _finite(geoms: GeomArray) -> GeomArray:
    """Geometries with finite, non-empty bounds (pyproj gives inf for points
    it cannot transform, and Qt drops a whole path holding one)."""
    bounds = shapely.bounds(geoms).reshape(-1, 4)
    finite = np.isfinite(bounds).all(axis=1)
    return geoms if finite.all() else geoms[finite]


def _map_paths(coords: FloatArray, subpath_starts: IntArray, feature_starts: IntArray) -> MapPaths:
    move_to = np.zeros(len(coords), dtype=bool)
    move_to[subpath_starts[:-1][subpath_starts[:-1] < len(coords)]] = True
    starts = feature_starts.astype(np.int64)
    return MapPaths(coords, move_to, starts, _feature_bounds(coords, starts))


def _feature_bounds(xy: FloatArray, feature_starts: IntArray) -> FloatArray:
    """(features, 4) bounds of each feature's vertices (features have vertices)."""
    count = len(feature_starts) - 1
    bounds = np.empty((count, 4))
    if count == 0:
        return bounds
    first = feature_starts[:-1]
    for column, axis, reduce in (
        (0, 0, np.minimum),
        (1, 1, np.minimum),
        (2, 0, np.maximum),
        (3, 1, np.maximum),
    ):
        bounds[:, column] = reduce.reduceat(xy[:, axis], first)
    return bounds


def _empty_map_paths() -> MapPaths:
    return MapPaths(
        np.empty((0, 2)), np.empty(0, dtype=bool), np.zeros(1, dtype=np.int64), np.empty((0, 4))
    )


def _map_line_paths(lines: GeomArray) -> MapPaths:
    """Line parts as subpaths; feature by feature."""
    if len(lines) == 0:
        return _empty_map_paths()
    rings = shapely.get_type_id(lines) == GeometryType.LINEARRING
    if rings.any():
        # to_ragged_array does not take LinearRings; the same vertices as a
        # LineString draw identically.
        coords, index = shapely.get_coordinates(lines[rings], return_index=True)
        lines = lines.copy()
        lines[rings] = shapely.linestrings(coords, indices=index)
    coords, offsets = _ragged(lines)
    part_starts = offsets[0]
    feature_starts = offsets[0] if len(offsets) == 1 else offsets[0][offsets[1]]
    return _map_paths(coords, part_starts, feature_starts)


def _map_polygon_paths(polygons: GeomArray) -> MapPaths:
    """Polygon rings as subpaths, wound for a winding fill on screen.

    The map-to-screen transform flips y, which reverses every ring's
    orientation, so rings are oriented here with y negated.
    """
    if len(polygons) == 0:
        return _empty_map_paths()
    coords, ring_starts, exterior_rings, feature_starts = _polygon_rings(polygons)
    flipped = orient_rings(coords * np.array([1.0, -1.0]), ring_starts, exterior_rings)
    flipped[:, 1] *= -1.0
    return _map_paths(flipped, ring_starts, feature_starts)


def plain_point_xy(
    geometries: GeomArray, kinds: npt.NDArray[np.int32] | None = None
) -> FloatArray | None:
    """(n, 2) x and y of ``geometries`` when every one is a non-empty point, else None.

    Twice as fast as ``get_coordinates`` on a million points. An empty point
    (how a GeoPackage keeps a feature with no location) gives None: recent
    GEOS (3.14, bundled with shapely 2.2) refuses its x rather than answer
    NaN, so the caller takes the ``get_coordinates`` way, which skips it.
    """
    kinds = shapely.get_type_id(geometries) if kinds is None else kinds
    if not (kinds == GeometryType.POINT).all():
        return None
    try:
        return np.column_stack([shapely.get_x(geometries), shapely.get_y(geometries)])
    except shapely.errors.GEOSException:
        return None


def _point_coordinates(parts: GeomArray, kinds: npt.NDArray[np.int32]) -> FloatArray:
    """(n, 2) coordinates of every point and multipoint part."""
    plain = plain_point_xy(parts, kinds)
    if plain is not None:
        return plain
    points = _of_kind(kinds, _POINT_TYPES)
    # Empty points have no coordinates, so get_coordinates skips them.
    coords: FloatArray = shapely.get_coordinates(parts if points.all() else parts[points])
    return coords


def _of_kind(kinds: npt.NDArray[np.int32], wanted: tuple[GeometryType, ...]) -> BoolArray:
    mask = np.zeros(len(kinds), dtype=bool)
    for kind in wanted:
        mask |= kinds == kind
    return mask


def explode_collections(geometries: GeomArray) -> tuple[GeomArray, npt.NDArray[np.int32]]:
    """Geometries with GeometryCollections replaced by their parts, and type ids.

    Missing geometries keep type id -1 and empty ones stay: later steps skip
    both without a separate (costly on a million rows) filtering pass.
    """
    geoms = np.asarray(geometries, dtype=object)
    kinds = shapely.get_type_id(geoms)
    is_collection = kinds == GeometryType.GEOMETRYCOLLECTION
    while is_collection.any():
        # Collections may nest; each pass opens one level.
        parts = shapely.get_parts(geoms[is_collection])
        geoms = np.concatenate([geoms[~is_collection], parts])
        kinds = shapely.get_type_id(geoms)
        is_collection = kinds == GeometryType.GEOMETRYCOLLECTION
    return geoms, kinds


def _pixels(xy: FloatArray, view: ViewState) -> FloatArray:
    px, py = view.to_screen(xy[:, 0], xy[:, 1])
    return np.column_stack([px, py])


def unique_pixels(xy: FloatArray, view: ViewState, pad: int) -> IntArray:
    """The distinct integer pixels hit by ``xy`` within ``pad`` of the image.

    A bitmap of the (padded) image marks hits, which is linear in the point
    count, unlike sorting for ``np.unique``. The pixels come back in raster
    order shuffled within blocks of ~17 image rows (see :func:`_shuffled`).
    """
    if len(xy) == 0:
        return np.empty((0, 2), dtype=np.int64)
    width, height = view.width + 2 * pad, view.height + 2 * pad
    col = np.floor(xy[:, 0]) + pad
    row = np.floor(xy[:, 1]) + pad
    # NaN compares False, so unprojectable points drop out here too.
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    keys = row[inside].astype(np.int64) * width + col[inside].astype(np.int64)
    seen = np.zeros(width * height, dtype=bool)
    seen[keys] = True
    keys = _shuffled(np.flatnonzero(seen))
    return np.column_stack([keys % width - pad, keys // width - pad])


_SHUFFLE_BLOCK = 32768
_BLOCK_ORDER = np.random.default_rng(20261126).permutation(_SHUFFLE_BLOCK)


def _shuffled(keys: IntArray) -> IntArray:
    """Raster-ordered pixels shuffled within overlapping blocks, deterministically.

    Markers stamped in raster order cover each other's fills, leaving every
    marker's top-left outline: dense hot spots turned black, where QGIS (file
    order) shows the fill colour. Shuffling within blocks of ~17 rows gives
    QGIS's look and keeps the painter's memory access local (a fully random
    order made stamping 3x slower); a second pass over blocks offset by half
    a block mixes the block edges, which would otherwise show as faint lines.
    """
    half = _SHUFFLE_BLOCK // 2
    once = _shuffle_blocks(keys)
    return np.concatenate([once[:half], _shuffle_blocks(once[half:])])


def _shuffle_blocks(keys: IntArray) -> IntArray:
    whole = len(keys) // _SHUFFLE_BLOCK * _SHUFFLE_BLOCK
    blocks = keys[:whole].reshape(-1, _SHUFFLE_BLOCK)[:, _BLOCK_ORDER].ravel()
    rest = keys[whole:]
    # The block order's values below len(rest) are themselves a permutation.
    return np.concatenate([blocks, rest[_BLOCK_ORDER[len(rest) > _BLOCK_ORDER]]])


def _ragged(geoms: GeomArray) -> tuple[FloatArray, tuple[IntArray, ...]]:
    """Coordinates and offsets of ``shapely.to_ragged_array``, 2D."""
    _, coords, offsets = shapely.to_ragged_array(geoms, include_z=False)
    return np.asarray(coords, dtype=np.float64), tuple(np.asarray(o) for o in offsets)


def _empty_paths() -> ScreenPaths:
    return ScreenPaths(np.empty((0, 2)), np.empty(0, dtype=bool), np.zeros(1, dtype=np.int64))


def _coordinates_in_chunks(geoms: GeomArray) -> tuple[FloatArray, IntArray]:
    """``shapely.get_coordinates(geoms, return_index=True)``, a chunk at a time.

    One call over 500k polygons holds the GIL for ~0.1-0.3 s, freezing the
    UI thread while a render thread prepares the layer; between chunks the
    GIL is let go.
    """
    if len(geoms) <= COORDINATE_CHUNK:
        coords, index = shapely.get_coordinates(geoms, return_index=True)
        return coords, index
    parts = [
        shapely.get_coordinates(geoms[start : start + COORDINATE_CHUNK], return_index=True)
        for start in range(0, len(geoms), COORDINATE_CHUNK)
    ]
    starts = range(0, len(geoms), COORDINATE_CHUNK)
    index = np.concatenate([part[1] + start for part, start in zip(parts, starts, strict=True)])
    return np.concatenate([part[0] for part in parts]), index


def _polygon_rings(polygons: GeomArray) -> tuple[FloatArray, IntArray, IntArray, IntArray]:
    """Vertices, ring offsets, indices of exterior rings and feature offsets."""
    single = shapely.get_type_id(polygons) == GeometryType.POLYGON
    if single.all() and not shapely.get_num_interior_rings(polygons).any():
        # One ring per feature (parcels, buildings): 5x faster than
        # to_ragged_array, which makes a shapely object of every ring.
        coords, index = _coordinates_in_chunks(polygons)
        starts = np.searchsorted(index, np.arange(len(polygons) + 1))
        return coords, starts, np.arange(len(polygons)), starts
    coords, offsets = _ragged(polygons)
    ring_starts = offsets[0]
    if len(offsets) == 2:
        return coords, ring_starts, offsets[1][:-1], ring_starts[offsets[1]]
    return coords, ring_starts, offsets[1][:-1], ring_starts[offsets[1][offsets[2]]]


def drop_repeated_pixels(paths: ScreenPaths) -> ScreenPaths:
    """Level of detail: drop vertices on the same pixel as the vertex before.

    The first and last vertex of every line part and ring are kept, so rings
    stay closed and lines keep their ends. The outline moves by less than a
    pixel (antialiasing hides it) while Qt gets far fewer vertices when
    features are only a few pixels across, as at full extent.

    Parameters
    ----------
    paths
        Subpaths in device pixels.

    Returns
    -------
    ScreenPaths
        The same subpaths and features, with fewer vertices.
    """
    count = len(paths.xy)
    if count < 3:
        return paths
    cells = np.floor(paths.xy)
    keep = np.ones(count, dtype=bool)
    # Column by column: ~5x faster than .any(axis=1) on an (n, 2) array.
    np.not_equal(cells[1:, 0], cells[:-1, 0], out=keep[1:])
    keep[1:] |= cells[1:, 1] != cells[:-1, 1]
    keep |= paths.move_to  # the first vertex of each subpath
    keep[:-1] |= paths.move_to[1:]  # the last one (the vertex before a first)
    keep[-1] = True
    kept = np.cumsum(keep)
    if kept[-1] > count * WORTH_DROPPING:
        return paths  # too few to drop to pay for the copy
    kept_before = np.concatenate([[0], kept])
    return ScreenPaths(
        np.compress(keep, paths.xy, axis=0),
        paths.move_to[keep],
        kept_before[paths.feature_starts],
    )


def orient_rings(xy: FloatArray, ring_starts: IntArray, exterior_rings: IntArray) -> FloatArray:
    """Reverse rings so exteriors have positive and holes negative signed area.

    With every ring wound that way, one path can hold many polygons under a
    *winding* fill: holes stay empty and polygons that overlap each other in
    the same chunk stay filled (an odd-even fill would punch the overlap out).

    Parameters
    ----------
    xy
        (n, 2) ring vertices, rings closed (last vertex = first).
    ring_starts
        (rings + 1,) offsets of each ring in ``xy``.
    exterior_rings
        Indices of rings that are exteriors; all others are holes.

    Returns
    -------
    FloatArray
        ``xy`` with some rings' vertex order reversed.
    """
    starts, ends = ring_starts[:-1], ring_starts[1:]
    area = _ring_areas(xy, starts, ends)
    wanted = np.full(len(starts), -1.0)
    wanted[exterior_rings[exterior_rings < len(starts)]] = 1.0
    flip = area * wanted < 0
    if not flip.any():
        return xy
    ring_of = np.repeat(np.arange(len(starts)), ends - starts)
    index = np.arange(len(xy))
    flipped = flip[ring_of]
    index[flipped] = (starts + ends - 1)[ring_of[flipped]] - index[flipped]
    return xy[index]


def _ring_areas(xy: FloatArray, starts: IntArray, ends: IntArray) -> FloatArray:
    """Twice the signed (shoelace) area of each ring."""
    count = len(xy)
    cross = np.zeros(count)
    if count < 2:
        return np.zeros(len(starts))
    # Centre on the first vertex so far-off coordinates keep their precision.
    x = xy[:, 0] - xy[0, 0]
    y = xy[:, 1] - xy[0, 1]
    cross[:-1] = x[:-1] * y[1:] - x[1:] * y[:-1]
    lengths = ends - starts
    cross[ends[lengths > 0] - 1] = 0.0  # the step from one ring into the next
    areas = np.add.reduceat(cross, np.minimum(starts, count - 1))
    areas[lengths == 0] = 0.0
    return areas


def line_segments(paths: ScreenPaths, width: int, height: int, margin: float) -> FloatArray:
    """(m, 4) segments (x1, y1, x2, y2) of every subpath, for ``drawLines``.

    Segments wholly beyond one edge of the ``width`` x ``height`` image (by
    more than ``margin`` pixels) are left out: they cannot show, and at a
    zoomed-in view most segments of the features met are such.
    """
    xy = paths.xy
    if len(xy) < 2:
        return np.empty((0, 4))
    # A segment joins vertex i to i + 1 unless i + 1 starts a new subpath.
    joined = ~paths.move_to[1:]
    x, y = xy[:, 0], xy[:, 1]
    lo_x, hi_x = -margin, width + margin
    lo_y, hi_y = -margin, height + margin
    left, right = x < lo_x, x > hi_x
    above, below = y < lo_y, y > hi_y
    joined &= ~(left[:-1] & left[1:])
    joined &= ~(right[:-1] & right[1:])
    joined &= ~(above[:-1] & above[1:])
    joined &= ~(below[:-1] & below[1:])
    first = np.flatnonzero(joined)
    segments = np.empty((len(first), 4))
    segments[:, 0:2] = xy[first]
    segments[:, 2:4] = xy[first + 1]
    return segments


#: Most tiles ``in_tile_order`` uses: their index must fit numpy's int16
#: radix sort (linear time; a general sort of 600k keys costs ~40 ms).
_MAX_TILES = 32000
_SMALLEST_TILE = 16


def in_tile_order(segments: FloatArray, width: int, height: int) -> FloatArray:
    """Segments reordered tile by tile of the image (by midpoint, rows of tiles).

    Qt's line rasteriser touches the image's memory wherever each segment
    lies; in file order consecutive segments land far apart and nearly every
    pixel misses the CPU cache. Drawn tile by tile, 600,000 street segments
    draw in ~1/3 of the time. Only for segments whose order cannot show (one
    opaque pen: source-over of one colour gives the same pixel either way).
    """
    if len(segments) < 2:
        return segments
    tile = max(_SMALLEST_TILE, int(np.ceil(np.sqrt(width * height / _MAX_TILES))) + 1)
    columns = width // tile + 1
    rows = height // tile + 1
    column = np.clip((segments[:, 0] + segments[:, 2]) * (0.5 / tile), 0, columns - 1)
    row = np.clip((segments[:, 1] + segments[:, 3]) * (0.5 / tile), 0, rows - 1)
    keys = (row.astype(np.int16) * np.int16(columns)) + column.astype(np.int16)
    # take, not fancy indexing: ~5x faster on an (n, 4) array.
    return np.take(segments, np.argsort(keys, kind="stable"), axis=0)


# ------------------------------------------------------------ image bands
#
# A render may split its image into horizontal bands drawn by several
# threads at once (``mapdesk.render.job``). Each band draws the same screen
# geometry, in the same order, less what cannot reach its rows: the image is
# then the same as one drawn whole, band seams included.


def feature_rows(paths: ScreenPaths) -> FloatArray:
    """(features, 2) smallest and largest y of each feature, in pixels."""
    rows = np.empty((paths.feature_count, 2))
    if paths.feature_count == 0:
        return rows
    first = paths.feature_starts[:-1]
    rows[:, 0] = np.minimum.reduceat(paths.xy[:, 1], first)
    rows[:, 1] = np.maximum.reduceat(paths.xy[:, 1], first)
    return rows


def paths_in_rows(paths: ScreenPaths, rows: FloatArray, top: float, bottom: float) -> ScreenPaths:
    """The features of ``paths`` whose ``rows`` (see feature_rows) meet [top, bottom]."""
    meets = (rows[:, 1] >= top) & (rows[:, 0] <= bottom)
    return paths if meets.all() else ScreenPaths(*_take_features(paths, np.flatnonzero(meets)))


def pixels_in_rows(pixels: IntArray, top: float, bottom: float) -> IntArray:
    """The pixels (in order) whose row lies in [top, bottom]."""
    rows = pixels[:, 1]
    inside = (rows >= top) & (rows <= bottom)
    return pixels if inside.all() else pixels[inside]


def segments_in_rows(segments: FloatArray, top: float, bottom: float) -> FloatArray:
    """The segments (x1, y1, x2, y2), in order, that reach rows [top, bottom]."""
    y1, y2 = segments[:, 1], segments[:, 3]
    meets = (np.maximum(y1, y2) >= top) & (np.minimum(y1, y2) <= bottom)
    return segments if meets.all() else segments[meets]
