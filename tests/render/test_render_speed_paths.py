"""The fast drawing paths draw what the plain ones do.

Lines go to Qt as a buffer of segments (``drawLines``), paths are built by
writing Qt's element array, and a layer's coordinates are cached in map units
so a pan or zoom only culls and transforms them. Each is compared here with
the route it replaced, or checked pixel by pixel.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from shapely.geometry import LineString, Point, Polygon, box

from mapdesk.render import draw, geometry, qtbuffers, render_map
from mapdesk.render.geometry import ScreenPaths, line_segments

BLUE, RED, GREEN, WHITE = "#0000ff", "#ff0000", "#00ff00", "#ffffff"


def _zigzag() -> LineString:
    return LineString([(10.5, 20.5), (40.5, 80.5), (60.5, 30.5), (90.5, 70.5)])


@pytest.fixture
def segments_drawn(monkeypatch) -> list[int]:
    """Segments handed to Qt through LineBatch, call by call."""
    counts: list[int] = []
    batch = draw.LineBatch

    class Counting(batch):  # type: ignore[misc, valid-type]
        def __init__(self, segments: np.ndarray) -> None:
            super().__init__(segments)
            counts.append(self.count)

    monkeypatch.setattr(draw, "LineBatch", Counting)
    return counts


def _both_routes(layer, settings_for, monkeypatch):
    """(image through drawLines, image through the path route)."""
    fast = render_map(settings_for(layer))
    monkeypatch.setattr(draw, "lines_supported", lambda: False)
    slow = render_map(settings_for(layer))
    return fast, slow


@pytest.mark.parametrize("width", [0, 1, 2, 3])
def test_segments_draw_the_pixels_the_path_did(
    pixels, settings_for, make_layer, monkeypatch, segments_drawn, width
):
    layer = make_layer([_zigzag()], stroke_color=BLUE, stroke_width=width)
    fast, slow = _both_routes(layer, settings_for, monkeypatch)
    assert segments_drawn == [3]
    solid_fast = {tuple(p) for p in pixels.painted(fast, background="#ffffff").tolist()}
    solid_slow = {tuple(p) for p in pixels.painted(slow, background="#ffffff").tolist()}
    # Caps and joins differ by antialiasing shades only: a few edge pixels.
    assert len(solid_fast ^ solid_slow) <= 0.1 * len(solid_slow) + 6
    differs = np.abs(pixels.as_array(fast).astype(int) - pixels.as_array(slow)).max(axis=2)
    assert (differs > 128).sum() <= 6
    # On the line, well away from its vertices, the colour is the pen's.
    assert pixels.rgb(fast, 25, 49)[2] > 200 and pixels.rgb(fast, 25, 49)[0] < 128


def test_translucent_and_dashed_lines_keep_the_path_route(settings_for, make_layer, segments_drawn):
    # Separate segments would double-blend at the joins of a translucent line.
    render_map(settings_for(make_layer([_zigzag()], stroke_color="#0000ff80")))
    render_map(settings_for(make_layer([_zigzag()], stroke_color=BLUE, dashed=True)))
    layer = make_layer([_zigzag()], stroke_color=BLUE)
    layer.opacity = 0.5
    render_map(settings_for(layer))
    assert segments_drawn == []


def test_segments_wholly_off_one_side_of_the_image_are_left_out():
    xy = np.array([[-50.0, 10], [-40, 20], [10, 20], [10, 500], [20, 600]])
    move_to = np.array([True, False, False, False, False])
    paths = ScreenPaths(xy, move_to, np.array([0, 5]))
    segments = line_segments(paths, 100, 100, margin=2.0)
    # (-50,10)-(-40,20) is left of the image; (10,500)-(20,600) below it.
    np.testing.assert_array_equal(segments, [[-40, 20, 10, 20], [10, 20, 10, 500]])


def test_no_segment_joins_the_end_of_one_line_to_the_start_of_the_next():
    xy = np.array([[10.0, 10], [20, 10], [50, 50], [60, 50]])
    move_to = np.array([True, False, True, False])
    paths = ScreenPaths(xy, move_to, np.array([0, 2, 4]))
    np.testing.assert_array_equal(
        line_segments(paths, 100, 100, 2.0), [[10, 10, 20, 10], [50, 50, 60, 50]]
    )


def test_dense_line_reaches_qt_thinned_with_its_ends(
    pixels, settings_for, make_layer, segments_drawn
):
    wiggly = LineString([(10 + i * 0.01, 50.5 + 0.2 * np.sin(i)) for i in range(8001)])
    image = render_map(settings_for(make_layer([wiggly], stroke_color="#000000", stroke_width=0)))
    assert segments_drawn == [80]  # 81 vertices kept of 8,001
    columns = pixels.painted(image)[:, 0]
    assert columns.min() <= 10 and columns.max() >= 89


def test_path_from_elements_equals_the_stream_decoded_path():
    rng = np.random.default_rng(5)
    xy = rng.uniform(-1e6, 1e6, (500, 2))
    move_to = np.zeros(500, dtype=bool)
    move_to[[0, 3, 4, 100, 499]] = True
    for rule in (Qt.FillRule.WindingFill, Qt.FillRule.OddEvenFill):
        fast = qtbuffers.path_from_xy(xy, move_to, rule)
        slow = qtbuffers._path_from_stream(xy, move_to, rule)
        assert fast == slow
        assert fast.fillRule() == rule
    assert qtbuffers._elements_writable()


def test_path_from_elements_handles_one_vertex_and_none():
    one = qtbuffers.path_from_xy(np.array([[3.0, 4.0]]), np.array([True]))
    assert one.elementCount() == 1 and one.elementAt(0).isMoveTo()
    assert qtbuffers.path_from_xy(np.empty((0, 2)), np.empty(0, dtype=bool)).isEmpty()


def test_layer_arrays_are_built_once_and_reused_for_other_views(
    pixels, settings_for, make_layer, monkeypatch, view
):
    calls: list[int] = []
    build = geometry.layer_arrays

    def counting(geoms):
        calls.append(len(geoms))
        return build(geoms)

    monkeypatch.setattr(geometry, "layer_arrays", counting)
    layer = make_layer([Point(30.5, 60.5)], fill_color=RED, stroke_width=0, marker_size=3)
    first = render_map(settings_for(layer))
    panned = render_map(settings_for(layer, view=view.panned(10, -5)))
    assert calls == [1]
    assert pixels.rgb(first, 30, 39) == pixels.hex_rgb(RED)
    assert pixels.rgb(panned, 40, 34) == pixels.hex_rgb(RED)
    assert pixels.rgb(panned, 30, 39) == pixels.hex_rgb(WHITE)
    # New data is a new projection, hence new arrays.
    layer.replace_data(layer.data.set_geometry([Point(70.5, 60.5)], crs=layer.data.crs))
    moved = render_map(settings_for(layer))
    assert calls == [1, 1]
    assert pixels.rgb(moved, 70, 39) == pixels.hex_rgb(RED)


def test_culled_view_keeps_polygon_holes_and_partly_visible_features(
    pixels, settings_for, make_layer, view
):
    shell = [(20, 20), (80, 20), (80, 80), (20, 80)]
    donut = Polygon(shell, [[(40, 40), (40, 60), (60, 60), (60, 40)]])  # hole wound either way
    far = box(500, 500, 510, 510)  # outside: culled
    layer = make_layer([donut, far], fill_color=GREEN, stroke_color="#000000", stroke_width=1)
    zoomed = replace(view, center_x=30.0, center_y=50.0, resolution=0.5)  # map x 5..55
    image = render_map(settings_for(layer, view=zoomed))
    assert pixels.rgb(image, 40, 50) == pixels.hex_rgb(GREEN)  # map (25, 50): filled
    assert pixels.rgb(image, 90, 50) == pixels.hex_rgb(WHITE)  # map (50, 50): the hole
    assert pixels.rgb(image, 5, 50) == pixels.hex_rgb(WHITE)  # map (7.5, 50): outside
    # The edge x = 20 (between pixels 29 and 30) at map y 70 is outlined.
    assert pixels.rgb(image, 30, 10)[1] < 160 and pixels.rgb(image, 29, 10)[1] < 160


def test_tiny_polygons_become_dots_on_their_pixel_in_a_culled_view(
    pixels, settings_for, make_layer, view
):
    tiny = [box(x + 0.2, 60.2, x + 0.6, 60.6) for x in (25, 30, 300)]  # the last is off-view
    layer = make_layer(tiny, fill_color=GREEN, stroke_color=RED, stroke_width=1)
    image = render_map(settings_for(layer, view=replace(view, width=60)))  # x 20..80
    assert {tuple(p) for p in pixels.painted(image).tolist()} == {(5, 39), (10, 39)}
    assert pixels.rgb(image, 10, 39) == pixels.hex_rgb(RED)


def test_multipart_and_collection_features_after_the_cache(pixels, settings_for, make_layer):
    from shapely.geometry import GeometryCollection, MultiLineString

    parts = MultiLineString([[(10, 10.5), (40, 10.5)], [(60, 10.5), (90, 10.5)]])
    bag = GeometryCollection([Point(50.5, 50.5), LineString([(10, 80.5), (90, 80.5)])])
    layer = make_layer([parts, bag, None], stroke_color=BLUE, fill_color=RED, stroke_width=1)
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 25, 89)[2] > 200 and pixels.rgb(image, 75, 89)[2] > 200
    assert pixels.rgb(image, 50, 89) == pixels.hex_rgb(WHITE)  # between the parts
    assert pixels.rgb(image, 50, 19)[2] > 200
    assert pixels.rgb(image, 50, 49) == pixels.hex_rgb(RED)


def test_dense_markers_show_their_fill_not_a_mat_of_outlines(pixels, settings_for, make_layer):
    # Every pixel of the 100x100 view hit several times, as in a FixIt hot
    # spot at full extent: QGIS (file order) shows fills among outlines.
    # Stamped in raster order, each marker's top-left outline stayed on top
    # and the hot spot came out almost black.
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 100, size=(60_000, 2))
    layer = make_layer(
        [Point(x, y) for x, y in xy], fill_color=RED, stroke_color="#000000", marker_size=7.0
    )
    rgb = pixels.as_array(render_map(settings_for(layer)))[10:90, 10:90, 2::-1].astype(int)
    reddish = (rgb[:, :, 0] > 150) & (rgb[:, :, 1] < 80)
    assert reddish.mean() > 0.3, reddish.mean()  # raster order gave 0.0
