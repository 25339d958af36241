"""Culling points and features to a zoomed-in view through the grids."""

from __future__ import annotations

import numpy as np
import pytest

from mapdesk.core.view import ViewState
from mapdesk.render import geometry, grids


def brute_force(points: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    xmin, ymin, xmax, ymax = box
    x, y = points[:, 0], points[:, 1]
    return points[(x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)]


def as_set(points: np.ndarray) -> set[tuple[float, float]]:
    return {(float(x), float(y)) for x, y in points}


@pytest.fixture
def incidents() -> np.ndarray:
    rng = np.random.default_rng(3)
    points = np.vstack(
        [rng.normal(398000, 800, (20_000, 2)), rng.uniform(390000, 406000, (5000, 2))]
    )
    points[::997] = np.nan  # empty points
    return points


def test_grid_finds_every_point_in_any_box(incidents):
    grid = grids.PointGrid(incidents, cells=64)
    rng = np.random.default_rng(9)
    for _ in range(200):
        x0, y0 = rng.uniform(389000, 407000, 2)
        w, h = rng.uniform(1, 6000, 2)
        box = (x0, y0, x0 + w, y0 + h)
        near = grid.near(*box)
        assert as_set(brute_force(near, box)) == as_set(brute_force(incidents, box))


def test_grid_takes_boxes_beyond_and_around_the_data(incidents):
    grid = grids.PointGrid(incidents, cells=64)
    everything = (0.0, 0.0, 1e7, 1e7)
    assert len(grid.near(*everything)) == np.isfinite(incidents).all(axis=1).sum()
    assert len(brute_force(grid.near(0.0, 0.0, 10.0, 10.0), (0.0, 0.0, 10.0, 10.0))) == 0


def test_grid_of_one_point_and_of_none():
    single = grids.PointGrid(np.array([[5.0, 7.0]]))
    assert single.near(4.0, 6.0, 6.0, 8.0).tolist() == [[5.0, 7.0]]
    empty = grids.PointGrid(np.full((3, 2), np.nan))
    assert len(empty.near(0.0, 0.0, 1.0, 1.0)) == 0


def test_zoomed_in_view_culls_through_the_grid(incidents):
    built = []

    def build_grid() -> grids.PointGrid:
        built.append(1)
        return grids.PointGrid(incidents)

    arrays = geometry.MapArrays(
        points=incidents,
        points_bounds=(
            float(np.nanmin(incidents[:, 0])),
            float(np.nanmin(incidents[:, 1])),
            float(np.nanmax(incidents[:, 0])),
            float(np.nanmax(incidents[:, 1])),
        ),
        lines=geometry._empty_map_paths(),
        polygons=geometry._empty_map_paths(),
        point_grid=grids.Lazy(build_grid),
    )
    view = ViewState(center_x=398000, center_y=398000, resolution=2.0, width=400, height=300)
    culled = geometry._visible_points(arrays, view, pad=4)
    assert built == [1]
    xmin, ymin, xmax, ymax = geometry._grown_extent(view, 5)
    expected = geometry._pixels(brute_force(incidents, (xmin, ymin, xmax, ymax)), view)
    assert as_set(culled) == as_set(expected)


def test_segments_in_tile_order_are_the_same_segments_tile_by_tile():
    rng = np.random.default_rng(4)
    segments = rng.uniform(-50, 650, (5000, 4))
    ordered = geometry.in_tile_order(segments, 600, 400)
    assert sorted(map(tuple, ordered.tolist())) == sorted(map(tuple, segments.tolist()))
    middle = (ordered[:, 0:2] + ordered[:, 2:4]) / 2
    tile_rows = np.clip(middle[:, 1] // 16, 0, 400 // 16)
    assert (np.diff(tile_rows) >= 0).all()  # row of tiles after row of tiles


def test_segment_order_does_not_show_for_an_opaque_pen(
    pixels, settings_for, make_layer, monkeypatch
):
    from shapely.geometry import LineString

    from mapdesk.render import draw, render_map

    rng = np.random.default_rng(8)
    streets = make_layer(
        [LineString(rng.uniform(0, 100, (8, 2))) for _ in range(60)],
        stroke_color="#1f78b4",
        stroke_width=1.0,
    )
    settings = settings_for(streets)
    tiled = render_map(settings)
    monkeypatch.setattr(draw, "in_tile_order", lambda segments, width, height: segments)
    in_file_order = render_map(settings)
    # Source-over of one colour commutes; only 8-bit rounding may differ.
    difference = np.abs(pixels.as_array(tiled).astype(int) - pixels.as_array(in_file_order))
    assert difference.max() <= 2


def random_bounds(rng: np.random.Generator, count: int) -> np.ndarray:
    """Parcel-sized features, a few long roads among them, in map units."""
    corner = rng.uniform(390000, 406000, (count, 2))
    size = rng.uniform(0, 60, (count, 2))
    size[::250] = rng.uniform(500, 9000, (len(size[::250]), 2))  # longer than a cell
    return np.hstack([corner, corner + size])


def meeting(bounds: np.ndarray, box: tuple[float, float, float, float]) -> set[int]:
    xmin, ymin, xmax, ymax = box
    meets = (bounds[:, 2] >= xmin) & (bounds[:, 0] <= xmax)
    meets &= (bounds[:, 3] >= ymin) & (bounds[:, 1] <= ymax)
    return set(np.flatnonzero(meets).tolist())


def test_feature_grid_offers_every_feature_that_meets_any_box():
    rng = np.random.default_rng(11)
    bounds = random_bounds(rng, 20_000)
    grid = grids.FeatureGrid(bounds, cells=64)
    assert len(grid.large) > 0  # the roads are filed apart, not under a cell
    for _ in range(200):
        x0, y0 = rng.uniform(388000, 408000, 2)
        w, h = rng.uniform(0, 5000, 2)
        box = (x0, y0, x0 + w, y0 + h)
        found = grid.candidates(*box)
        assert (np.diff(found) > 0).all()  # ascending: features keep their drawing order
        assert meeting(bounds, box) <= set(found.tolist())
        assert len(found) < len(bounds)  # and it did cull


def test_feature_grid_of_one_feature_of_a_line_and_of_none():
    point_like = grids.FeatureGrid(np.array([[5.0, 7.0, 5.0, 7.0]]))
    assert point_like.candidates(4.0, 6.0, 6.0, 8.0).tolist() == [0]
    # All on one horizontal line: the grid's zero height still gets cells.
    flat = grids.FeatureGrid(np.array([[0.0, 3.0, 4.0, 3.0], [26.0, 3.0, 30.0, 3.0]]), cells=6)
    assert flat.candidates(27.0, 2.0, 28.0, 4.0).tolist() == [1]
    assert len(grids.FeatureGrid(np.empty((0, 4))).candidates(0.0, 0.0, 1.0, 1.0)) == 0


def test_zoomed_in_features_draw_the_same_through_the_grid(
    pixels, settings_for, make_layer, monkeypatch
):
    from shapely.geometry import LineString, box

    from mapdesk.render import render_map

    rng = np.random.default_rng(12)
    corners = rng.uniform(-2000, 2000, (4000, 2))
    parcels = make_layer(
        [box(x, y, x + rng.uniform(2, 15), y + rng.uniform(2, 15)) for x, y in corners],
        fill_color="#b2df8a",
        stroke_color="#232323",
        stroke_width=1.0,
    )
    roads = make_layer(
        [LineString(rng.uniform(-2000, 2000, (3, 2))) for _ in range(300)]
        + [LineString(rng.uniform(0, 100, (4, 2))) for _ in range(30)],
        stroke_color="#1f78b4",
        stroke_width=1.0,
    )
    settings = settings_for(parcels, roads)  # 100 x 100 px of a 4000 x 4000 area
    built = []
    real = grids.FeatureGrid
    monkeypatch.setattr(geometry, "FeatureGrid", lambda bounds: built.append(1) or real(bounds))
    through_grid = render_map(settings)
    assert len(built) == 2  # one grid per layer, used
    monkeypatch.setattr(geometry, "GRID_WORTH_IT", 0.0)  # never worth it: test everything
    scanned = render_map(settings)
    assert pixels.as_array(through_grid).tolist() == pixels.as_array(scanned).tolist()
    assert len(np.unique(pixels.as_array(scanned).reshape(-1, 4), axis=0)) > 3
