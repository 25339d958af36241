"""Selected features are drawn again on top in QGIS's selection yellow."""

from __future__ import annotations

from shapely.geometry import LineString, Point, box

from mapdesk.core.style import SELECTION_COLOR
from mapdesk.render import render_map

BLUE = "#1f78b4"


def test_selected_features_show_in_yellow(pixels, settings_for, make_layer):
    layer = make_layer(
        [box(10, 10, 30, 30), box(60, 60, 80, 80), Point(50, 20), LineString([(5, 50), (45, 50)])],
        fill_color=BLUE,
        stroke_color=BLUE,
    )
    layer.select_by_expression("fid IN (1, 2)")  # the second box and the point
    image = render_map(settings_for(layer))
    yellow = pixels.hex_rgb(SELECTION_COLOR)
    assert pixels.rgb(image, 70, 30) == yellow  # inside the selected box (y flipped)
    assert pixels.rgb(image, 50, 80) == yellow  # the selected point's marker
    assert pixels.rgb(image, 20, 80) == pixels.hex_rgb(BLUE)  # the other box stays blue


def test_a_new_selection_redraws_with_the_new_features(pixels, settings_for, make_layer):
    layer = make_layer([box(10, 10, 30, 30), box(60, 60, 80, 80)], fill_color=BLUE)
    layer.select_by_expression("fid = 0")
    first = render_map(settings_for(layer))
    layer.select_by_expression("fid = 1")
    second = render_map(settings_for(layer))
    yellow = pixels.hex_rgb(SELECTION_COLOR)
    assert pixels.rgb(first, 20, 80) == yellow and pixels.rgb(first, 70, 30) != yellow
    assert pixels.rgb(second, 70, 30) == yellow and pixels.rgb(second, 20, 80) != yellow
    layer.selection.clear()
    cleared = render_map(settings_for(layer))
    assert pixels.rgb(cleared, 70, 30) != yellow


def test_selection_of_rows_beyond_shrunk_data_is_skipped(pixels, settings_for, make_layer):
    layer = make_layer([box(10, 10, 30, 30), box(60, 60, 80, 80)], fill_color=BLUE)
    layer.select_by_expression("fid = 1")
    settings = settings_for(layer)  # snapshot holds row 1
    layer.replace_data(layer.data.iloc[:1])  # the data shrank before the worker drew
    image = render_map(settings)
    assert image is not None


def test_categories_draw_in_their_colours_the_top_class_on_top(pixels, settings_for, make_layer):
    from mapdesk.core.style import LayerStyle
    from mapdesk.core.symbology import categorize, graduate

    layer = make_layer([box(10, 10, 40, 40), box(30, 30, 60, 60), box(70, 70, 90, 90)])
    layer.data["kind"] = ["open", "closed", "closed"]
    layer.data["days"] = [1.0, 5.0, 9.0]
    base = LayerStyle("#888888", "#222222")
    layer.symbology = categorize(
        layer.data, "kind", base, colors={"open": "#ff0000", "closed": "#0000ff"}
    )
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 20, 80) == (255, 0, 0)  # open
    assert pixels.rgb(image, 80, 20) == (0, 0, 255)  # closed
    # "closed" is first in the legend (most features): it is drawn on top.
    assert pixels.rgb(image, 35, 65) == (0, 0, 255)
    layer.symbology = graduate(layer.data, "days", base, "equal_interval", 3, "Reds")
    graduated = render_map(settings_for(layer))
    light, dark = pixels.rgb(graduated, 20, 80), pixels.rgb(graduated, 80, 20)
    assert sum(light) > sum(dark)  # low values light, high values dark


def test_labels_are_drawn_and_hidden_outside_their_scale_range(settings_for, make_layer, pixels):
    from mapdesk.core.labels import LabelSettings

    layer = make_layer([Point(50, 50), Point(51, 50), Point(20, 20)], fill_color=BLUE)
    layer.data["name"] = ["Congress", "Congress", "Forest"]
    layer.labels = LabelSettings("name", size=12.0, color="#000000")
    image = render_map(settings_for(layer))
    array = pixels.as_array(image)[:, :, :3].astype(int)
    dark = (array.sum(axis=2) < 150).nonzero()
    assert len(dark[0]) > 20  # text was drawn
    # Shown only from 1:1 in: at this view's scale (~1:3,800) there are none.
    layer.labels = LabelSettings("name", size=12.0, color="#000000", min_scale=1)
    hidden = render_map(settings_for(layer))
    hidden_dark = (pixels.as_array(hidden)[:, :, :3].astype(int).sum(axis=2) < 150).sum()
    assert hidden_dark < len(dark[0])


def test_layers_show_only_within_their_scale_range(settings_for, make_layer, pixels):
    import pytest as _pytest

    from mapdesk.core.errors import MapdeskError

    layer = make_layer([box(10, 10, 90, 90)], fill_color=BLUE)
    # The test view is 1 m per pixel: about 1:3,800 at 96 dpi.
    layer.scale_range = (10_000.0, 0.0)  # from 1:10,000 in: shown
    assert pixels.rgb(render_map(settings_for(layer)), 50, 50) == pixels.hex_rgb(BLUE)
    layer.scale_range = (2_000.0, 0.0)  # only from 1:2,000 in: hidden here
    assert pixels.rgb(render_map(settings_for(layer)), 50, 50) == (255, 255, 255)
    layer.scale_range = (0.0, 5_000.0)  # only out to 1:5,000 and beyond: hidden
    assert pixels.rgb(render_map(settings_for(layer)), 50, 50) == (255, 255, 255)
    with _pytest.raises(MapdeskError, match="more zoomed in"):
        layer.scale_range = (1_000.0, 5_000.0)
