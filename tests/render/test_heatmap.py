"""Heatmaps: the density QGIS's quartic kernel gives, and the picture drawn from it.

Views are 100 x 100 px at 1 map unit a pixel centred on (50, 50) (see
conftest): map (x, y) lands on pixel (x, 100 - y).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter
from shapely.geometry import MultiPoint, Point

from mapdesk.core.heatmap import HEAT_RAMPS, ColorRamp, Heatmap
from mapdesk.core.view import ViewState
from mapdesk.render import MapSettings, render_map
from mapdesk.render.density import cell_size, kernel_density, quartic
from mapdesk.render.draw import RenderError
from mapdesk.render.heatmap import colorize, prepare_heatmap
from mapdesk.render.painting import paint_map
from mapdesk.render.settings import LayerSnapshot

#: Black (transparent) to white (opaque): a pixel's grey level reads its density.
GREY = ColorRamp("grey", ((0.0, "#00000000"), (1.0, "#ffffff")))
RED = HEAT_RAMPS["Yellow-Orange-Red"].stops[-1][1]


def _brute_force(x, y, w, width, height, radius):
    """QGIS's loop: every pixel within the radius of each point's pixel."""
    rows, columns = np.mgrid[0:height, 0:width]
    total = np.zeros((height, width))
    for px, py, weight in zip(np.floor(x), np.floor(y), w, strict=True):
        distance = np.hypot(columns - px, rows - py)
        total += weight * np.where(distance <= radius, (1 - (distance / radius) ** 2) ** 2, 0.0)
    return total


def test_density_of_two_points_as_worked_out_by_hand() -> None:
    # One point on pixel (5, 5); one of weight 2 on pixel (8, 5); radius 4 px.
    grid = kernel_density(
        np.array([5.3, 8.9]), np.array([5.7, 5.2]), np.array([1.0, 2.0]), 12, 10, 4.0, cell=1
    )
    values = grid.values
    assert values.shape == (10, 12) and (grid.left, grid.top) == (0, 0)
    # (5, 5): the first point's own pixel (1), and 3 px from the second: 2 * (1 - 9/16)^2.
    assert values[5, 5] == pytest.approx(1 + 2 * (7 / 16) ** 2)
    # (7, 5): 2 px from the first, (1 - 1/4)^2; 1 px from the second, 2 * (1 - 1/16)^2.
    assert values[5, 7] == pytest.approx(0.75**2 + 2 * (15 / 16) ** 2)
    # (5, 9): 4 px from the first (the radius: nothing), 5 px from the second.
    assert values[9, 5] == 0.0
    assert values[5, 0] == 0.0  # beyond both


def test_density_matches_qgis_loop_over_points_pixel_by_pixel() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-12, 72, 80), rng.uniform(-12, 52, 80)
    weights = rng.uniform(0.2, 3.0, 80)
    grid = kernel_density(x, y, weights, 60, 40, 9.5, cell=1)
    assert grid.values == pytest.approx(_brute_force(x, y, weights, 60, 40, 9.5), abs=1e-9)


def test_points_outside_the_view_within_the_radius_warm_its_edge() -> None:
    # 3 px left of the view: reaches column 0 at 3 px; 7 px above: out of reach.
    grid = kernel_density(np.array([-3.0, 10.0]), np.array([5.0, -7.0]), None, 20, 10, 6.0, cell=1)
    assert grid.values[5, 0] == pytest.approx((1 - 0.25) ** 2)
    assert grid.values[5, 2] == pytest.approx((1 - (5 / 6) ** 2) ** 2)
    assert grid.values[0, 10] == 0.0


def test_a_coarser_grid_stays_close_to_the_exact_density() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(100, 30, 3000), rng.normal(60, 20, 3000)
    exact = kernel_density(x, y, None, 200, 120, 48.0, cell=1).values
    coarse = kernel_density(x, y, None, 200, 120, 48.0)
    assert coarse.cell == cell_size(48.0, 200, 120) == 3
    centres = exact[1::3, 1::3]  # cell (i, j) stands for pixel (3i + 1, 3j + 1)
    inner = coarse.in_view()[: centres.shape[0], : centres.shape[1]]
    assert inner == pytest.approx(centres, rel=0.03, abs=0.01 * exact.max())


def test_the_grid_stays_small_on_big_images() -> None:
    assert cell_size(10.0, 1920, 1080) == 1
    assert cell_size(10.0, 7680, 4320) > 1  # a 300 dpi page or an 8K screen
    assert cell_size(400.0, 1920, 1080) == 25


def test_quartic_kernel_is_qgis_s() -> None:
    assert quartic(np.array([0.0, 5.0, 10.0, 12.0]), 10.0).tolist() == [1.0, 0.5625, 0.0, 0.0]


def test_colours_run_from_transparent_to_the_ramp_top_at_the_maximum() -> None:
    words = colorize(np.array([[0.0, 1.0, 2.0, 9.0]]), 2.0, GREY)
    alpha = (words >> 24) & 0xFF
    assert alpha.tolist() == [[0, 128, 255, 255]]  # 0, half, the maximum, beyond it


def _heat_settings(settings_for, layer, heatmap, **options):
    layer.symbology = heatmap
    return settings_for(layer, background=options.pop("background", "#00000000"), **options)


def _alpha(pixels, image):
    return pixels.as_array(image)[:, :, 3].astype(int)


def test_one_point_peaks_on_its_pixel_and_fades_to_nothing_at_the_radius(
    make_layer, settings_for, pixels
) -> None:
    layer = make_layer([Point(50.5, 49.5)])
    settings = _heat_settings(settings_for, layer, Heatmap(10, "px", GREY))
    alpha = _alpha(pixels, render_map(settings))
    assert alpha[50, 50] == 255  # the densest (only) place: the top of the ramp
    assert alpha[50, 55] == pytest.approx(255 * 0.75**2, abs=2)  # 5 px away
    assert alpha[50, 60] == 0 and alpha[40, 50] == 0  # the radius
    assert alpha[:, :39].max() == 0  # nothing beyond it


def test_no_points_draw_nothing(make_layer, settings_for, pixels) -> None:
    layer = make_layer([Point(500, 500)])  # far outside the view
    settings = _heat_settings(settings_for, layer, Heatmap(10, "px"))
    assert prepare_heatmap(settings.layers[0], settings) is None
    assert _alpha(pixels, render_map(settings)).max() == 0


def test_the_rows_given_are_the_only_points_counted(make_layer, settings_for) -> None:
    layer = make_layer([Point(20, 50), Point(80, 50), Point(50, 20)])
    settings = _heat_settings(settings_for, layer, Heatmap(5, "px", GREY))
    snapshot = settings.layers[0]
    everything = prepare_heatmap(snapshot, settings)
    chosen = prepare_heatmap(snapshot, settings, rows=np.array([1], dtype=np.intp))
    assert everything is not None and chosen is not None
    assert (everything.pixels[50, 20] >> 24) == 255
    assert (chosen.pixels[50, 20] >> 24) == 0 and (chosen.pixels[50, 80] >> 24) == 255
    assert prepare_heatmap(snapshot, settings, rows=np.array([], dtype=np.intp)) is None


def test_every_multipoint_part_counts_with_its_feature_s_weight(
    make_layer, settings_for, pixels
) -> None:
    # The missing geometry first: parts must find their own feature's weight.
    layer = make_layer([None, MultiPoint([(30, 50), (70, 50)]), Point(50, 80)])
    layer.replace_data(layer.data.assign(calls=[9.0, 2.0, 1.0]))
    heatmap = Heatmap(5, "px", GREY, weight_field="calls")
    alpha = _alpha(pixels, render_map(_heat_settings(settings_for, layer, heatmap)))
    assert alpha[50, 30] == alpha[50, 70] == 255  # both parts weigh 2: the maximum
    assert alpha[20, 50] == 128  # the point of weight 1: half


def test_an_empty_point_counts_nothing(make_layer, settings_for, pixels) -> None:
    # A report with no location, as a GeoPackage keeps it (POINT EMPTY).
    layer = make_layer([Point(), Point(50.5, 49.5)])
    alpha = _alpha(pixels, render_map(_heat_settings(settings_for, layer, Heatmap(10, "px", GREY))))
    assert alpha[50, 50] == 255 and alpha[50, 55] == pytest.approx(255 * 0.75**2, abs=2)
    assert alpha[:, :39].max() == 0


def test_a_weight_field_removed_since_is_named_when_the_heatmap_cannot_draw(
    make_layer, settings_for
) -> None:
    # A virtual field the heatmap was weighted by, removed later.
    layer = make_layer([Point(50, 50)])
    layer.replace_data(layer.data.assign(calls=[3.0]))
    settings = _heat_settings(settings_for, layer, Heatmap(5, "px", weight_field="calls"))
    layer.replace_data(layer.data.drop(columns=["calls"]))
    with pytest.raises(RenderError, match='weighs points by the field "calls", which the layer'):
        render_map(settings)


def test_the_points_of_an_edited_layer_s_old_projection_are_let_go(
    make_layer, settings_for
) -> None:
    """Each edit gives the layer a new projection: the points kept for the old
    one (and its geometries) must go with it, not pile up 8 deep."""
    import gc

    from mapdesk.render import heatmap

    layer = make_layer([Point(50, 50), Point(60, 50)])
    render_map(_heat_settings(settings_for, layer, Heatmap(5, "px")))
    for step in range(3):
        layer.replace_data(layer.data.assign(fid=step))  # an edit: a new projection
        render_map(settings_for(layer))
    gc.collect()
    assert all(owner() is not None for owner, _, _ in heatmap._CACHE.values())


def test_a_fixed_maximum_keeps_colours_from_view_to_view(make_layer, settings_for, pixels) -> None:
    layer = make_layer([Point(50, 50)])
    heatmap = Heatmap(5, "px", GREY, maximum=4.0)
    alpha = _alpha(pixels, render_map(_heat_settings(settings_for, layer, heatmap)))
    assert alpha[50, 50] == 64  # density 1 of 4


def _width(pixels, image) -> int:
    """How many columns the heatmap colours (a radius r shows as ~2r - 1)."""
    return int((_alpha(pixels, image).max(axis=0) > 0).sum())


def test_a_radius_in_metres_grows_as_the_map_zooms_in(make_layer, settings_for, pixels) -> None:
    layer = make_layer([Point(50, 50)])
    near = ViewState(center_x=50, center_y=50, resolution=0.5, width=100, height=100)
    heatmap = Heatmap(10, "m", GREY)
    far = render_map(_heat_settings(settings_for, layer, heatmap))
    close = render_map(_heat_settings(settings_for, layer, heatmap, view=near))
    assert _width(pixels, far) == pytest.approx(19, abs=1)  # 10 m at 1 m a pixel
    assert _width(pixels, close) == pytest.approx(39, abs=1)  # 10 m at 0.5 m a pixel


def test_hidpi_keeps_the_radius_on_screen(make_layer, settings_for, pixels) -> None:
    layer = make_layer([Point(50, 50)])
    image = render_map(
        _heat_settings(settings_for, layer, Heatmap(10, "px", GREY), device_pixel_ratio=2.0)
    )
    assert (image.width(), image.height()) == (200, 200)
    assert _width(pixels, image) == pytest.approx(39, abs=1)  # 10 logical px = 20 device px
    assert _alpha(pixels, image)[100, 100] == 255


def test_layer_opacity_fades_the_heatmap(make_layer, settings_for, pixels) -> None:
    layer = make_layer([Point(50.5, 49.5)])
    layer.opacity = 0.5
    alpha = _alpha(pixels, render_map(_heat_settings(settings_for, layer, Heatmap(8, "px", GREY))))
    assert alpha[50, 50] == pytest.approx(128, abs=1)


def test_selected_points_are_drawn_over_the_heatmap(make_layer, settings_for, pixels) -> None:
    layer = make_layer([Point(30, 50), Point(70, 50)])
    layer.selection.apply(layer.data.index[[1]])
    image = render_map(_heat_settings(settings_for, layer, Heatmap(10, "px"), background="#ffffff"))
    assert pixels.rgb(image, 70, 50) == (255, 255, 0)  # QGIS's selection yellow
    assert pixels.rgb(image, 30, 50) == pixels.hex_rgb(RED)


def test_bands_draw_the_same_picture_as_one_painter(
    make_layer, settings_for, pixels, monkeypatch: Any
) -> None:
    rng = np.random.default_rng(11)
    points = [Point(x, y) for x, y in rng.normal(50, 120, (2000, 2))]
    layer = make_layer(points)
    view = ViewState(center_x=50, center_y=50, resolution=0.5, width=300, height=600)
    settings = _heat_settings(settings_for, layer, Heatmap(40, "px"), view=view)
    monkeypatch.setattr("mapdesk.render.job.band_count", lambda height: 3)
    banded = render_map(settings)
    whole = QImage(300, 600, QImage.Format.Format_ARGB32_Premultiplied)
    whole.fill(0)
    painter = QPainter(whole)
    assert paint_map(painter, settings, lambda: False)
    painter.end()
    assert np.array_equal(pixels.as_array(banded), pixels.as_array(whole))
    assert _alpha(pixels, banded).min() > 0  # points all round: no edge left cold


def test_half_a_million_points_draw(make_layer, settings_for, pixels) -> None:
    rng = np.random.default_rng(2)
    xy = rng.normal(50, 25, (500_000, 2))
    import geopandas as gpd

    from mapdesk.core.layer import VectorLayer

    layer = VectorLayer(
        gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:26984"), "many"
    )
    settings = _heat_settings(settings_for, layer, Heatmap(4, "px", GREY))
    prepared = prepare_heatmap(settings.layers[0], settings)
    assert prepared is not None
    expected = kernel_density(*_device_xy(xy, settings), None, 100, 100, 4.0).in_view().max()
    assert prepared.maximum == pytest.approx(expected)
    alpha = _alpha(pixels, render_map(settings))
    assert alpha[50, 50] > 200 and alpha[2, 2] < alpha[50, 50]


def _device_xy(xy, settings: MapSettings):
    return settings.device_view.to_screen(xy[:, 0], xy[:, 1])


def test_a_heatmap_on_a_layer_without_points_in_its_snapshot_fails_clearly(
    make_layer, settings_for
) -> None:
    layer = make_layer([Point(50, 50)])
    settings = settings_for(layer)
    with pytest.raises(TypeError, match="not drawn as a heatmap"):
        prepare_heatmap(LayerSnapshot.of(layer), settings)


def test_a_display_filter_heats_only_the_reports_shown(make_layer, settings_for, pixels) -> None:
    # The incident time slider hides other reports: the density view must
    # then be the density of the shown ones, not of every report.
    layer = make_layer([Point(20, 50), Point(80, 50)])
    layer.display_filter.show_only(layer.data.index, [1], "time slider step")
    alpha = _alpha(pixels, render_map(_heat_settings(settings_for, layer, Heatmap(5, "px", GREY))))
    assert alpha[50, 20] == 0 and alpha[50, 80] == 255
