"""Level of detail: outlines thinned to about one vertex per pixel."""

from __future__ import annotations

import numpy as np
from shapely.geometry import Point

from mapdesk.render import draw, geometry, render_map
from mapdesk.render.geometry import ScreenPaths, drop_repeated_pixels

GREEN, BLACK = "#00ff00", "#000000"


def test_vertices_sharing_a_pixel_are_dropped_but_subpath_ends_kept():
    ring = [(10.2, 10.2), (20.1, 10.1), (20.5, 10.6), (20.9, 10.9), (20.5, 20.5)]
    ring += [(10.4, 10.3), (10.2, 10.2)]  # the closing vertex shares a pixel with the one before
    line = [(10.7, 10.5), (30.4, 30.2), (30.6, 30.9), (40.5, 30.5), (40.6, 30.6)]
    move_to = np.zeros(len(ring) + len(line), dtype=bool)
    move_to[[0, len(ring)]] = True
    paths = ScreenPaths(np.array(ring + line), move_to, np.array([0, len(ring), len(ring + line)]))

    thinned = drop_repeated_pixels(paths)

    kept_ring = [ring[i] for i in (0, 1, 4, 5, 6)]  # closed: ends where it starts
    kept_line = [line[i] for i in (0, 1, 3, 4)]  # the start, though on the ring's last pixel
    np.testing.assert_array_equal(thinned.xy, np.array(kept_ring + kept_line))
    np.testing.assert_array_equal(np.flatnonzero(thinned.move_to), [0, 5])
    np.testing.assert_array_equal(thinned.feature_starts, [0, 5, 9])


def test_paths_with_little_to_drop_are_left_as_they_are():
    xy = np.column_stack([np.arange(10.0) * 3, np.zeros(10)])
    move_to = np.zeros(10, dtype=bool)
    move_to[0] = True
    paths = ScreenPaths(xy, move_to, np.array([0, 10]))
    assert drop_repeated_pixels(paths) is paths


def _vertices_handed_to_qt(monkeypatch) -> list[int]:
    counts: list[int] = []
    build_path = draw.path_from_xy

    def counting(xy, move_to, *args):
        counts.append(len(xy))
        return build_path(xy, move_to, *args)

    monkeypatch.setattr(draw, "path_from_xy", counting)
    return counts


def _render_with_and_without_lod(layer, settings_for, monkeypatch):
    """(image, vertices) thinned, then (image, vertices) with every vertex."""
    counts = _vertices_handed_to_qt(monkeypatch)
    thinned = render_map(settings_for(layer))
    monkeypatch.setattr(geometry, "drop_repeated_pixels", lambda paths: paths)
    full = render_map(settings_for(layer))
    assert len(counts) == 2
    return (thinned, counts[0]), (full, counts[1])


def test_dense_polygon_draws_the_same_pixels_from_far_fewer_vertices(
    pixels, settings_for, make_layer, monkeypatch
):
    circle = Point(50, 50).buffer(40, quad_segs=2000)  # 8,001 vertices ~0.03 px apart
    layer = make_layer([circle], fill_color=GREEN, stroke_color=BLACK, stroke_width=1)
    (thinned, few), (full, all_) = _render_with_and_without_lod(layer, settings_for, monkeypatch)
    assert all_ == 8001
    assert few < 400  # about one per pixel of a 250 px outline
    # Only antialiasing shades differ, and only on the outline: Qt's own
    # rendering of a 250-vertex and an 8,000-vertex circle differs as much.
    differs = (pixels.as_array(thinned) != pixels.as_array(full)).any(axis=2)
    ys, xs = np.nonzero(differs)
    from_outline = np.abs(np.hypot(xs + 0.5 - 50, ys + 0.5 - 50) - 40)
    assert from_outline.max() <= 1.5
    painted_thinned = set(map(tuple, pixels.painted(thinned).tolist()))
    painted_full = set(map(tuple, pixels.painted(full).tolist()))
    assert len(painted_thinned ^ painted_full) <= 5  # faint edge pixels at most
    assert pixels.rgb(thinned, 50, 50) == pixels.hex_rgb(GREEN)
    assert pixels.rgb(thinned, 5, 5) == (255, 255, 255)
