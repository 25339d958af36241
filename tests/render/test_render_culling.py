"""Culling points to a zoomed-in view through the point grid."""

from __future__ import annotations

import numpy as np
import pytest

from mapdesk.core.view import ViewState
from mapdesk.render import geometry


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
    grid = geometry.PointGrid(incidents, cells=64)
    rng = np.random.default_rng(9)
    for _ in range(200):
        x0, y0 = rng.uniform(389000, 407000, 2)
        w, h = rng.uniform(1, 6000, 2)
        box = (x0, y0, x0 + w, y0 + h)
        near = grid.near(*box)
        assert as_set(brute_force(near, box)) == as_set(brute_force(incidents, box))


def test_grid_takes_boxes_beyond_and_around_the_data(incidents):
    grid = geometry.PointGrid(incidents, cells=64)
    everything = (0.0, 0.0, 1e7, 1e7)
    assert len(grid.near(*everything)) == np.isfinite(incidents).all(axis=1).sum()
    assert len(brute_force(grid.near(0.0, 0.0, 10.0, 10.0), (0.0, 0.0, 10.0, 10.0))) == 0


def test_grid_of_one_point_and_of_none():
    single = geometry.PointGrid(np.array([[5.0, 7.0]]))
    assert single.near(4.0, 6.0, 6.0, 8.0).tolist() == [[5.0, 7.0]]
    empty = geometry.PointGrid(np.full((3, 2), np.nan))
    assert len(empty.near(0.0, 0.0, 1.0, 1.0)) == 0


def test_zoomed_in_view_culls_through_the_grid(incidents, monkeypatch):
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
        point_grid=geometry.LazyPointGrid(incidents),
    )
    view = ViewState(center_x=398000, center_y=398000, resolution=2.0, width=400, height=300)
    built = []
    real = geometry.PointGrid
    monkeypatch.setattr(geometry, "PointGrid", lambda points: built.append(1) or real(points))
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
