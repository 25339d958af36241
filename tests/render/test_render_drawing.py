"""render_map: what ends up on which pixel."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
    box,
)

from mapdesk.core.view import ViewState
from mapdesk.render import CancelToken, RenderError, geometry, render_map
from mapdesk.render.geometry import orient_rings

RED, GREEN, BLUE, BLACK, WHITE = "#ff0000", "#00ff00", "#0000ff", "#000000", "#ffffff"
SQUARE_WITH_HOLE = Polygon(
    [(10, 10), (90, 10), (90, 90), (10, 90)], [[(40, 40), (60, 40), (60, 60), (40, 60)]]
)


def close(actual: tuple[int, int, int], expected: tuple[int, int, int], tol: int = 3) -> bool:
    return all(abs(a - e) <= tol for a, e in zip(actual, expected, strict=True))


def test_image_has_view_size_format_and_background(pixels, settings_for, make_layer):
    image = render_map(settings_for(background="#112233"))
    assert image is not None
    assert (image.width(), image.height()) == (100, 100)
    assert image.format() == image.Format.Format_ARGB32_Premultiplied
    assert pixels.rgb(image, 5, 5) == (0x11, 0x22, 0x33)


def test_point_marker_is_drawn_on_its_pixel(pixels, settings_for, make_layer):
    layer = make_layer([Point(20, 30)], fill_color=RED, stroke_color=BLACK, marker_size=9)
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 20, 70) == pixels.hex_rgb(RED)
    assert pixels.rgb(image, 80, 20) == pixels.hex_rgb(WHITE)
    assert pixels.painted(image).shape[0] < 150  # one marker, not a smear


def test_multipoint_parts_each_get_a_marker(pixels, settings_for, make_layer):
    layer = make_layer([MultiPoint([(20, 20), (70, 80)])], fill_color=RED, marker_size=9)
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 20, 80) == pixels.hex_rgb(RED)
    assert pixels.rgb(image, 70, 20) == pixels.hex_rgb(RED)


@pytest.mark.parametrize("shape", ["circle", "square", "triangle", "diamond", "star", "cross"])
def test_every_marker_shape_shows_its_fill_at_the_centre(pixels, settings_for, make_layer, shape):
    layer = make_layer([Point(50, 50)], fill_color=GREEN, marker_size=15, marker_shape=shape)
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 50, 50) == pixels.hex_rgb(GREEN)
    assert pixels.rgb(image, 5, 5) == pixels.hex_rgb(WHITE)


@pytest.mark.parametrize("shape", ["circle", "square", "triangle", "diamond", "star", "cross"])
@pytest.mark.parametrize(("size", "stroke", "scale"), [(7, 1.0, 1.0), (8, 0.5, 1.0), (7, 1.0, 2.0)])
def test_marker_image_holds_the_whole_symbol(pixels, monkeypatch, shape, size, stroke, scale):
    """The stamp is as small as it can be (it is blended at every point), never clipped:
    the symbol drawn with room to spare is the same, and nothing lies in the extra room."""
    from mapdesk.core.style import LayerStyle
    from mapdesk.render import symbols

    style = LayerStyle(marker_size=size, stroke_width=stroke, marker_shape=shape)
    tight = pixels.as_array(symbols.marker_image(style, scale))[:, :, 3]
    assert tight.shape[0] % 2 == 1 and tight.shape[0] <= (size + stroke) * scale + 3
    side = symbols.marker_side(style, scale)
    monkeypatch.setattr(symbols, "marker_side", lambda style, scale: side + 4)
    roomy = pixels.as_array(symbols.marker_image.__wrapped__(style, scale))[:, :, 3]
    inner = roomy[2:-2, 2:-2].astype(int)
    # Antialiasing rounds a little differently against the image's edge.
    assert np.abs(inner - tight).max() <= 12  # a clipped edge would lose ~100+
    assert roomy.sum() == inner.sum() > 0  # nothing in the extra room


def test_line_pixels_follow_its_path(pixels, settings_for, make_layer):
    layer = make_layer([LineString([(10, 50), (90, 50)])], stroke_color=BLUE, stroke_width=3)
    image = render_map(settings_for(layer))
    for x in (15, 30, 50, 70, 85):
        assert pixels.rgb(image, x, 50) == pixels.hex_rgb(BLUE)
    assert pixels.rgb(image, 50, 40) == pixels.hex_rgb(WHITE)
    assert pixels.rgb(image, 95, 50) == pixels.hex_rgb(WHITE)


@pytest.mark.parametrize("width", [0.0, 1.0, 2.5])
def test_multiline_parts_are_drawn_separately(pixels, settings_for, make_layer, width):
    # Widths at and above one pixel take different code paths (cosmetic
    # stroker on whole chunks versus part-by-part polylines).
    parts = MultiLineString([[(10, 20), (90, 20)], [(10, 80), (90, 80)]])
    image = render_map(settings_for(make_layer([parts], stroke_color=BLUE, stroke_width=width)))
    assert pixels.rgb(image, 50, 80)[2] > 200 and pixels.rgb(image, 50, 80)[0] < 128
    assert pixels.rgb(image, 50, 20)[2] > 200 and pixels.rgb(image, 50, 20)[0] < 128
    assert pixels.rgb(image, 50, 50) == pixels.hex_rgb(WHITE)  # no segment joins the parts


def test_dashed_line_has_gaps(pixels, settings_for, make_layer):
    layer = make_layer(
        [LineString([(0, 50), (100, 50)])], stroke_color=BLUE, stroke_width=2, dashed=True
    )
    row = [pixels.rgb(render_map(settings_for(layer)), x, 50) for x in range(5, 95)]
    assert pixels.hex_rgb(BLUE) in row
    assert pixels.hex_rgb(WHITE) in row


def test_polygon_is_filled_outlined_and_its_hole_stays_background(pixels, settings_for, make_layer):
    layer = make_layer([SQUARE_WITH_HOLE], fill_color=GREEN, stroke_color=BLACK, stroke_width=2)
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 25, 25) == pixels.hex_rgb(GREEN)
    assert pixels.rgb(image, 50, 50) == pixels.hex_rgb(WHITE)  # the hole
    assert pixels.rgb(image, 5, 5) == pixels.hex_rgb(WHITE)  # outside
    assert pixels.rgb(image, 10, 50) == pixels.hex_rgb(BLACK)  # the outline
    assert pixels.rgb(image, 40, 50) == pixels.hex_rgb(BLACK)  # the hole's outline


@pytest.mark.parametrize("reverse_exterior", [False, True])
@pytest.mark.parametrize("reverse_hole", [False, True])
def test_holes_stay_empty_whatever_the_ring_orientation(
    pixels, settings_for, make_layer, reverse_exterior, reverse_hole
):
    exterior = list(SQUARE_WITH_HOLE.exterior.coords)
    hole = list(SQUARE_WITH_HOLE.interiors[0].coords)
    polygon = Polygon(
        exterior[::-1] if reverse_exterior else exterior, [hole[::-1] if reverse_hole else hole]
    )
    image = render_map(settings_for(make_layer([polygon], fill_color=GREEN, stroke_width=0)))
    assert pixels.rgb(image, 25, 25) == pixels.hex_rgb(GREEN)
    assert pixels.rgb(image, 50, 50) == pixels.hex_rgb(WHITE)


def test_overlapping_polygons_of_one_layer_both_fill_their_overlap(
    pixels, settings_for, make_layer
):
    # They share a chunk (one path): an odd-even fill would leave the overlap empty.
    layer = make_layer([box(10, 10, 60, 60), box(40, 40, 90, 90)], fill_color=GREEN)
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 50, 50) == pixels.hex_rgb(GREEN)


def test_multipolygon_with_hole_in_one_part(pixels, settings_for, make_layer):
    shape = MultiPolygon([SQUARE_WITH_HOLE, box(92, 92, 99, 99)])
    image = render_map(settings_for(make_layer([shape], fill_color=GREEN, stroke_width=0)))
    assert pixels.rgb(image, 25, 25) == pixels.hex_rgb(GREEN)
    assert pixels.rgb(image, 50, 50) == pixels.hex_rgb(WHITE)
    assert pixels.rgb(image, 95, 5) == pixels.hex_rgb(GREEN)


def test_zero_fill_opacity_draws_the_outline_only(pixels, settings_for, make_layer):
    layer = make_layer(
        [box(10, 10, 90, 90)],
        fill_color=GREEN,
        stroke_color=BLACK,
        stroke_width=2,
        fill_opacity=0.0,
    )
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 50, 50) == pixels.hex_rgb(WHITE)
    assert pixels.rgb(image, 10, 50) == pixels.hex_rgb(BLACK)


def test_top_layer_wins_where_layers_overlap(pixels, settings_for, make_layer):
    bottom = make_layer([box(10, 10, 60, 60)], name="bottom", fill_color=RED)
    top = make_layer([box(40, 40, 90, 90)], name="top", fill_color=BLUE)
    image = render_map(settings_for(bottom, top))
    assert pixels.rgb(image, 50, 50) == pixels.hex_rgb(BLUE)
    assert pixels.rgb(image, 20, 80) == pixels.hex_rgb(RED)
    flipped = render_map(settings_for(top, bottom))
    assert pixels.rgb(flipped, 50, 50) == pixels.hex_rgb(RED)


def test_layer_opacity_blends_with_what_is_below(pixels, settings_for, make_layer):
    layer = make_layer([box(10, 10, 90, 90)], fill_color=RED, stroke_width=0)
    layer.opacity = 0.5
    image = render_map(settings_for(layer))
    assert close(pixels.rgb(image, 50, 50), (255, 128, 128))


def test_fill_opacity_blends_the_fill_only(pixels, settings_for, make_layer):
    layer = make_layer([box(10, 10, 90, 90)], fill_color=BLUE, fill_opacity=0.5, stroke_width=0)
    assert close(pixels.rgb(render_map(settings_for(layer)), 50, 50), (128, 128, 255))


def test_layer_outside_the_view_leaves_the_image_blank(pixels, settings_for, make_layer):
    far = make_layer(
        [Point(5000, 5000), box(300, 300, 400, 400), LineString([(-500, 0), (-400, 90)])],
        fill_color=RED,
    )
    image = render_map(settings_for(far))
    assert pixels.painted(image).shape[0] == 0


def test_marker_just_outside_the_view_still_shows_its_edge(pixels, settings_for, make_layer):
    layer = make_layer([Point(102, 50)], fill_color=RED, stroke_width=0, marker_size=11)
    assert pixels.rgb(render_map(settings_for(layer)), 99, 50) == pixels.hex_rgb(RED)


def test_hidden_layers_are_not_drawn(pixels, settings_for, make_layer):
    layer = make_layer([box(10, 10, 90, 90)], fill_color=RED)
    layer.visible = False
    assert pixels.painted(render_map(settings_for(layer))).shape[0] == 0


def test_wgs84_layer_lands_where_the_same_point_in_the_project_crs_does(
    pixels, settings_for, make_layer
):
    lon, lat = -70.2553, 43.6615  # Portland City Hall
    x, y = Transformer.from_crs(4326, 26984, always_xy=True).transform(lon, lat)
    view = ViewState(center_x=x + 10.3, center_y=y - 7.6, resolution=1.0, width=100, height=100)
    style = {"fill_color": RED, "stroke_width": 0, "marker_size": 5}
    in_wgs84 = make_layer([Point(lon, lat)], crs="EPSG:4326", **style)
    in_26984 = make_layer([Point(x, y)], crs="EPSG:26984", **style)
    centre_a = pixels.painted(render_map(settings_for(in_wgs84, view=view))).mean(axis=0)
    centre_b = pixels.painted(render_map(settings_for(in_26984, view=view))).mean(axis=0)
    assert np.abs(centre_a - centre_b).max() <= 1
    assert np.abs(centre_a - (50 - 10.3, 50 - 7.6)).max() <= 1.5


def test_layer_without_crs_is_drawn_where_its_numbers_fall(pixels, settings_for, make_layer):
    layer = make_layer([Point(20, 30)], crs=None, fill_color=RED, marker_size=9)
    assert pixels.rgb(render_map(settings_for(layer)), 20, 70) == pixels.hex_rgb(RED)


def test_none_empty_and_collections_are_handled(pixels, settings_for, make_layer):
    collection = GeometryCollection(
        [Point(20, 30), LineString([(10, 90), (90, 90)]), GeometryCollection([box(60, 5, 80, 25)])]
    )
    layer = make_layer(
        [None, Point(), Polygon(), LineString(), collection],
        fill_color=RED,
        stroke_color=BLUE,
        stroke_width=3,
    )
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 20, 70) == pixels.hex_rgb(RED)  # the point part
    assert pixels.rgb(image, 50, 10) == pixels.hex_rgb(BLUE)  # the line part
    assert pixels.rgb(image, 70, 85) == pixels.hex_rgb(RED)  # the nested polygon's fill


def test_features_smaller_than_a_pixel_become_one_pixel(pixels, settings_for, make_layer):
    tiny = [box(30.2, 30.2, 30.5, 30.4), LineString([(70.1, 70.1), (70.3, 70.2)])]
    image = render_map(settings_for(make_layer(tiny, stroke_color=BLACK, stroke_width=1)))
    assert sorted(map(tuple, pixels.painted(image).tolist())) == [(30, 69), (70, 29)]
    assert pixels.rgb(image, 30, 69) == pixels.hex_rgb(BLACK)


def test_device_pixel_ratio_doubles_the_pixels(pixels, settings_for, make_layer):
    layer = make_layer([Point(20, 30)], fill_color=RED, marker_size=9)
    image = render_map(settings_for(layer, device_pixel_ratio=2.0))
    assert (image.width(), image.height()) == (200, 200)
    assert image.devicePixelRatio() == 2.0
    assert pixels.rgb(image, 40, 140) == pixels.hex_rgb(RED)


def test_style_alpha_is_read_as_rrggbbaa(pixels, settings_for, make_layer):
    layer = make_layer([box(10, 10, 90, 90)], fill_color="#0000ff80", stroke_width=0)
    assert close(pixels.rgb(render_map(settings_for(layer)), 50, 50), (127, 127, 255))


def test_many_features_span_several_chunks(pixels, settings_for, make_layer):
    # 2,500 polygons and lines: more than two chunks of each kind.
    rng = np.random.default_rng(7)
    corners = rng.uniform(0, 95, (2500, 2))
    boxes = [box(x, y, x + 3, y + 3) for x, y in corners]
    lines = [LineString([(x, y), (x + 4, y + 2)]) for x, y in corners]
    image = render_map(settings_for(make_layer(boxes + lines, fill_color=GREEN)))
    x, y = corners[-1]
    assert pixels.rgb(image, int(x + 1.5), int(100 - y - 1.5)) != pixels.hex_rgb(WHITE)


def test_cancelled_token_returns_none(settings_for, make_layer):
    token = CancelToken()
    token.cancel()
    assert token.cancelled
    assert render_map(settings_for(make_layer([Point(1, 1)])), token) is None


def test_broken_layer_raises_render_error_naming_it(settings_for, make_layer, monkeypatch):
    layer = make_layer([Point(1, 1)], name="hydrants")

    def broken(crs):
        raise ValueError("bad geometry buffer")

    monkeypatch.setattr(layer, "projected", broken)
    with pytest.raises(RenderError, match=r"hydrants.*bad geometry buffer"):
        render_map(settings_for(layer))


def test_orient_rings_flips_only_what_needs_flipping():
    positive = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
    xy = np.vstack([positive, positive])  # an exterior and a hole wound the same way
    oriented = orient_rings(xy, np.array([0, 5, 10]), exterior_rings=np.array([0]))
    np.testing.assert_array_equal(oriented[:5], positive)
    np.testing.assert_array_equal(oriented[5:], positive[::-1])


def test_single_ring_polygons_get_the_same_rings_from_the_fast_path():
    polygons = np.array(
        [box(0, 0, 1, 1), Polygon([(0, 0), (3, 0), (0, 3)]), box(5, 5, 9, 6)], dtype=object
    )
    coords, ring_starts, exteriors, feature_starts = geometry._polygon_rings(polygons)
    ragged_coords, (ragged_rings, ragged_features) = geometry._ragged(polygons)
    np.testing.assert_array_equal(coords, ragged_coords)
    np.testing.assert_array_equal(ring_starts, ragged_rings)
    np.testing.assert_array_equal(exteriors, ragged_features[:-1])
    np.testing.assert_array_equal(feature_starts, ragged_rings[ragged_features])
