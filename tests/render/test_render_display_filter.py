"""A layer's display filter: the map draws only the features it shows.

Markers, polygons, symbol classes, the selection and labels all keep to the
shown rows; a layer with no filter draws as before.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import Point, box

from mapdesk.core.labels import LabelSettings
from mapdesk.core.style import SELECTION_COLOR, LayerStyle
from mapdesk.core.symbology import categorize
from mapdesk.render import render_map

BLUE = "#1f78b4"
WHITE = (255, 255, 255)


def _boxes_and_points(make_layer):
    # Two boxes left and right, two points above them (pixel y = 100 - map y).
    return make_layer(
        [box(10, 10, 30, 30), box(60, 10, 80, 30), Point(20, 70), Point(70, 70)],
        fill_color=BLUE,
        stroke_color=BLUE,
    )


def test_only_the_shown_features_are_drawn(pixels, settings_for, make_layer):
    layer = _boxes_and_points(make_layer)
    everything = render_map(settings_for(layer))
    assert pixels.rgb(everything, 70, 80) == pixels.hex_rgb(BLUE)
    assert pixels.rgb(everything, 70, 30) == pixels.hex_rgb(BLUE)
    layer.display_filter.show_only(layer.data.index, [0, 2], "test: the left half")
    filtered = render_map(settings_for(layer))
    assert pixels.rgb(filtered, 20, 80) == pixels.hex_rgb(BLUE)  # box 0 drawn
    assert pixels.rgb(filtered, 20, 30) == pixels.hex_rgb(BLUE)  # point 2 drawn
    assert pixels.rgb(filtered, 70, 80) == WHITE  # box 1 hidden
    assert pixels.rgb(filtered, 70, 30) == WHITE  # point 3 hidden
    assert (pixels.painted(filtered)[:, 0] < 50).all()  # nothing at all on the right
    layer.display_filter.clear()
    again = render_map(settings_for(layer))
    assert pixels.rgb(again, 70, 80) == pixels.hex_rgb(BLUE)


def test_a_filter_that_shows_nothing_draws_nothing(pixels, settings_for, make_layer):
    layer = _boxes_and_points(make_layer)
    layer.display_filter.show_only(layer.data.index, [], "test: none")
    image = render_map(settings_for(layer))
    assert len(pixels.painted(image)) == 0


def test_a_hidden_selected_feature_stays_hidden(pixels, settings_for, make_layer):
    layer = _boxes_and_points(make_layer)
    layer.selection.apply([0, 1])  # both boxes selected
    layer.display_filter.show_only(layer.data.index, [0, 2, 3], "test")
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 20, 80) == pixels.hex_rgb(SELECTION_COLOR)
    assert pixels.rgb(image, 70, 80) == WHITE  # selected, but the filter hides it


def test_symbol_classes_draw_only_their_shown_features(pixels, settings_for, make_layer):
    layer = _boxes_and_points(make_layer)
    layer.data["kind"] = ["open", "closed", "open", "closed"]
    colors = {"open": "#ff0000", "closed": "#0000ff"}
    layer.symbology = categorize(layer.data, "kind", LayerStyle("#888888"), colors=colors)
    layer.display_filter.show_only(layer.data.index, [1, 2], "test")
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 20, 80) == WHITE  # open box hidden
    assert pixels.rgb(image, 70, 80) == (0, 0, 255)  # closed box shown
    assert pixels.rgb(image, 20, 30) == (255, 0, 0)  # open point shown
    assert pixels.rgb(image, 70, 30) == WHITE  # closed point hidden


def test_labels_only_for_shown_features(pixels, settings_for, make_layer):
    layer = make_layer([Point(25, 50), Point(75, 50)], fill_color=BLUE, marker_size=2.0)
    layer.data["name"] = ["West", "East"]
    layer.labels = LabelSettings("name", size=12.0, color="#000000")

    def dark_columns(image):
        array = pixels.as_array(image)[:, :, :3].astype(int)
        return np.nonzero((array.sum(axis=2) < 150).any(axis=0))[0]

    both = dark_columns(render_map(settings_for(layer)))
    assert (both < 50).any() and (both > 50).any()
    layer.display_filter.show_only(layer.data.index, [1], "test: east only")
    east = dark_columns(render_map(settings_for(layer)))
    assert len(east) and (east > 50).all()


def test_the_snapshot_carries_the_shown_rows(settings_for, make_layer):
    layer = _boxes_and_points(make_layer)
    assert settings_for(layer).layers[0].shown is None  # no filter: the fast path
    layer.display_filter.show_only(layer.data.index, [3, 1], "test")
    shown = settings_for(layer).layers[0].shown
    assert shown is not None and shown.tolist() == [1, 3]
    assert settings_for(layer).layers[0].shown is shown  # same array: caches hold


def test_features_added_after_the_filter_are_drawn(pixels, settings_for, make_layer):
    import geopandas as gpd
    import pandas as pd

    layer = _boxes_and_points(make_layer)
    layer.display_filter.show_only(layer.data.index, [0], "test")
    extra = gpd.GeoDataFrame({"fid": [9]}, geometry=[box(40, 60, 50, 70)], crs=layer.crs, index=[9])
    layer.replace_data(pd.concat([layer.data, extra]))
    image = render_map(settings_for(layer))
    assert pixels.rgb(image, 45, 35) == pixels.hex_rgb(BLUE)  # the new feature
    assert pixels.rgb(image, 70, 80) == WHITE  # still hidden


def test_a_pan_reuses_the_shown_rows_and_old_steps_are_let_go(settings_for, make_layer):
    """Playing a time slider makes a new filter per step: earlier steps' cached
    geometry must go with them, while one step's redraws share its arrays."""
    import gc

    from mapdesk.render import geometry
    from mapdesk.render.shown import shown_part

    layer = _boxes_and_points(make_layer)
    layer.selection.apply([0, 1, 2])
    for step in range(80):
        layer.display_filter.show_only(layer.data.index, [step % 4], f"step {step}")
        render_map(settings_for(layer))
    gc.collect()
    assert all(entry[1]() is not None for entry in geometry._SUBSETS.values())
    shown, selected = layer.shown_rows(), layer.selection.rows(layer.data.index)
    assert shown_part(selected, shown) is shown_part(selected, shown)
