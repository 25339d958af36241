"""render_map at the edges: far coordinates, odd layers, extreme zooms, HiDPI.

Each test reads pixels: where a feature lands, not just that something was
drawn.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Point, Polygon, box

from mapdesk.core.style import SELECTION_COLOR
from mapdesk.core.view import ViewState
from mapdesk.render import render_map

RED, BLUE, WHITE = "#ff0000", "#0000ff", "#ffffff"
#: A real place in UTM 19N (Portland, Maine): ~400 km east, ~4,800 km north of 0/0.
UTM_X, UTM_Y = 398_000.0, 4_835_000.0
UTM = "EPSG:26919"


def _utm_view(resolution: float = 1.0, width: int = 100, height: int = 100) -> ViewState:
    return ViewState(
        center_x=UTM_X, center_y=UTM_Y, resolution=resolution, width=width, height=height
    )


def test_projected_data_far_from_the_origin_lands_on_its_pixel(pixels, settings_for, make_layer):
    layer = make_layer(
        [Point(UTM_X - 30, UTM_Y + 20), box(UTM_X + 10, UTM_Y - 40, UTM_X + 30, UTM_Y - 20)],
        crs=UTM,
        fill_color=RED,
        stroke_width=0,
        marker_size=5,
    )
    image = render_map(settings_for(layer, crs=UTM, view=_utm_view()))
    assert pixels.rgb(image, 20, 30) == pixels.hex_rgb(RED)  # the point
    assert pixels.rgb(image, 70, 80) == pixels.hex_rgb(RED)  # inside the box
    assert pixels.rgb(image, 58, 80) == pixels.hex_rgb(WHITE)  # just left of it
    assert pixels.rgb(image, 82, 80) == pixels.hex_rgb(WHITE)  # just right of it


def test_empty_layer_draws_only_the_background(pixels, settings_for, make_layer):
    image = render_map(settings_for(make_layer([]), background="#336699"))
    assert image is not None
    assert pixels.painted(image, "#336699").shape[0] == 0


def test_null_and_empty_geometries_among_valid_ones(pixels, settings_for, make_layer):
    layer = make_layer(
        [
            None,
            Point(),
            Point(20, 80),
            Polygon(),
            LineString(),
            box(60, 10, 80, 30),
            None,
            LineString([(10, 50.5), (90, 50.5)]),
        ],
        fill_color=RED,
        stroke_color=BLUE,
        stroke_width=1,
        marker_size=7,
    )
    image = render_map(settings_for(layer))
    assert image is not None
    assert pixels.rgb(image, 20, 20) == pixels.hex_rgb(RED)  # the point
    assert pixels.rgb(image, 70, 80) == pixels.hex_rgb(RED)  # the box's fill
    assert pixels.rgb(image, 30, 49)[0] < 128  # the blue line, on row 49
    assert pixels.rgb(image, 40, 20) == pixels.hex_rgb(WHITE)


def test_a_point_layer_with_an_empty_point(pixels, settings_for, make_layer):
    # A GeoPackage keeps a report with no location as POINT EMPTY; recent GEOS
    # refuses the x of one, which must not cost the map its every layer.
    layer = make_layer([Point(), Point(20, 80)], fill_color=RED, marker_size=7)
    assert pixels.rgb(render_map(settings_for(layer)), 20, 20) == pixels.hex_rgb(RED)
    layer.selection.apply(layer.data.index)  # the selection's points are read alike
    selected = render_map(settings_for(layer))
    assert pixels.rgb(selected, 20, 20) == pixels.hex_rgb(SELECTION_COLOR)


def test_a_single_point(pixels, settings_for, make_layer):
    layer = make_layer([Point(37, 61)], fill_color=RED, stroke_width=0, marker_size=5)
    image = render_map(settings_for(layer))
    painted = pixels.painted(image)
    assert pixels.rgb(image, 37, 39) == pixels.hex_rgb(RED)
    assert painted[:, 0].min() >= 34 and painted[:, 0].max() <= 40
    assert painted[:, 1].min() >= 36 and painted[:, 1].max() <= 42


def test_a_layer_wholly_outside_the_view(pixels, settings_for, make_layer):
    layer = make_layer(
        [Point(500, 500), box(-400, -400, -300, -300), LineString([(200, 0), (300, 100)])],
        fill_color=RED,
    )
    image = render_map(settings_for(layer))
    assert image is not None
    assert pixels.painted(image).shape[0] == 0


def test_very_high_zoom_puts_a_polygon_edge_on_its_pixel(pixels, settings_for, make_layer):
    # 0.1 mm per pixel: the 20 m parcel is 200,000 px across; its west edge
    # runs through the middle of a 100 px view, 3 mm (30 px) right of centre.
    x0 = UTM_X + 0.003
    parcel = box(x0, UTM_Y - 10, x0 + 20, UTM_Y + 10)
    layer = make_layer([parcel], crs=UTM, fill_color=RED, stroke_width=0)
    image = render_map(settings_for(layer, crs=UTM, view=_utm_view(resolution=1e-4)))
    assert pixels.rgb(image, 80, 50) == pixels.hex_rgb(RED)  # just inside, at px 80
    assert pixels.rgb(image, 99, 5) == pixels.hex_rgb(RED)
    assert pixels.rgb(image, 79, 50) == pixels.hex_rgb(WHITE)  # just outside, west
    assert pixels.rgb(image, 10, 90) == pixels.hex_rgb(WHITE)


def test_very_high_zoom_polygon_outline_is_drawn_where_it_crosses_the_view(
    pixels, settings_for, make_layer
):
    x0 = UTM_X + 0.003
    parcel = box(x0, UTM_Y - 10, x0 + 20, UTM_Y + 10)
    layer = make_layer([parcel], crs=UTM, fill_color=WHITE, stroke_color=BLUE, stroke_width=2)
    image = render_map(settings_for(layer, crs=UTM, view=_utm_view(resolution=1e-4)))
    row = [pixels.rgb(image, x, 50)[0] < 128 for x in range(100)]  # blue, not white
    blue = [x for x, is_blue in enumerate(row) if is_blue]
    assert blue and min(blue) >= 78 and max(blue) <= 82


def test_a_line_a_billion_pixels_long_still_draws_its_visible_part(
    pixels, settings_for, make_layer, view
):
    line = LineString([(-1e9, 50.5), (1e9, 50.5)])  # 1 map unit per pixel: ±1e9 px
    layer = make_layer([line], stroke_color=BLUE, stroke_width=1)
    image = render_map(settings_for(layer))
    drawn = [x for x in range(100) if pixels.rgb(image, x, 49)[0] < 128]
    assert len(drawn) >= 95
    assert pixels.rgb(image, 50, 20) == pixels.hex_rgb(WHITE)


def test_a_diagonal_line_far_outside_the_image_is_clipped_correctly(
    pixels, settings_for, make_layer
):
    # y = x through the view, with its ends at ±1e9 px.
    line = LineString([(-1e9, -1e9), (1e9, 1e9)])
    layer = make_layer([line], stroke_color=BLUE, stroke_width=1)
    image = render_map(settings_for(layer))
    for x in (10, 50, 90):
        # Map (x + 0.5, y + 0.5) lands on pixel (x, 99 - x), centred on the line.
        assert pixels.rgb(image, x, 99 - x)[0] < 128, x
    assert pixels.rgb(image, 10, 10) == pixels.hex_rgb(WHITE)


def test_a_polygon_a_billion_pixels_wide_fills_the_view(pixels, settings_for, make_layer):
    huge = box(-1e9, -1e9, 1e9, 50)  # covers the lower half of the view
    layer = make_layer([huge], fill_color=RED, stroke_width=0)
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 50, 75) == pixels.hex_rgb(RED)
    assert pixels.rgb(image, 50, 25) == pixels.hex_rgb(WHITE)


def test_very_low_zoom_keeps_a_whole_layer_as_dots(pixels, settings_for, make_layer):
    # 10 km of parcels and streets in a 100 px view at 1 km per pixel: every
    # feature is far under a pixel, so each shows as a dot, none vanish.
    rng = np.random.default_rng(7)
    corners = rng.uniform(0, 10_000, (500, 2))
    parcels = [box(UTM_X + x, UTM_Y + y, UTM_X + x + 30, UTM_Y + y + 30) for x, y in corners]
    streets = [
        LineString([(UTM_X + x, UTM_Y + y), (UTM_X + x + 50, UTM_Y + y)]) for x, y in corners
    ]
    layers = [
        make_layer(parcels, crs=UTM, name="parcels", fill_color=RED, stroke_color=RED),
        make_layer(streets, crs=UTM, name="streets", stroke_color=BLUE, stroke_width=1),
    ]
    view = ViewState(
        center_x=UTM_X + 5_000, center_y=UTM_Y + 5_000, resolution=1_000, width=100, height=100
    )
    image = render_map(settings_for(*layers, crs=UTM, view=view))
    painted = pixels.painted(image)
    assert 10 <= len(painted) <= 121  # at most the 11 x 11 pixels the area covers
    assert painted[:, 0].min() >= 44 and painted[:, 0].max() <= 56
    assert painted[:, 1].min() >= 44 and painted[:, 1].max() <= 56


def test_very_low_zoom_points_still_show(pixels, settings_for, make_layer):
    rng = np.random.default_rng(8)
    xy = rng.uniform(0, 2_000, (10_000, 2))
    layer = make_layer(
        [Point(UTM_X + x, UTM_Y + y) for x, y in xy], crs=UTM, fill_color=RED, marker_size=3
    )
    view = ViewState(center_x=UTM_X, center_y=UTM_Y, resolution=10_000, width=100, height=100)
    image = render_map(settings_for(layer, crs=UTM, view=view))
    assert pixels.rgb(image, 50, 49) == pixels.hex_rgb(RED)
    assert 1 <= len(pixels.painted(image)) <= 25  # one marker, not nothing


def test_hidpi_doubles_positions_and_keeps_marker_size_logical(pixels, settings_for, make_layer):
    layer = make_layer(
        [Point(20, 30), box(60, 60, 80, 80)], fill_color=RED, stroke_width=0, marker_size=5
    )
    normal = render_map(settings_for(layer))
    hidpi = render_map(settings_for(layer, device_pixel_ratio=2.0))
    assert (hidpi.width(), hidpi.height()) == (200, 200)
    assert hidpi.devicePixelRatio() == 2.0
    assert pixels.rgb(hidpi, 40, 140) == pixels.hex_rgb(RED)  # the point, at 2x
    assert pixels.rgb(hidpi, 140, 60) == pixels.hex_rgb(RED)  # inside the box at 2x
    assert pixels.rgb(hidpi, 118, 60) == pixels.hex_rgb(WHITE)  # west of it (x = 59 logical)
    assert pixels.rgb(hidpi, 122, 60) == pixels.hex_rgb(RED)

    # The marker is 5 logical px: ~5 px across at 1x, ~10 device px at 2x.
    def marker_width(image, row, x_max):
        return sum(1 for x in range(x_max) if pixels.rgb(image, x, row)[1] < 128)

    narrow, wide = marker_width(normal, 70, 50), marker_width(hidpi, 140, 100)
    assert 4 <= narrow <= 6
    assert 2 * narrow - 2 <= wide <= 2 * narrow + 2
