"""The arithmetic of a map layout: pages, boxes, scale bars, north, legend rows."""

from __future__ import annotations

import math

import pytest
from pyproj import CRS

from mapdesk.core.symbology import Categorized, Category
from mapdesk.export.formats import ExportError
from mapdesk.export.layout.north import true_north_angle
from mapdesk.export.layout.page import MARGIN, PAGE_SIZES, Page, layout_boxes, parse_page
from mapdesk.export.layout.scale_bar import choose_scale_bar, printed_scale, round_down

MAINE_WEST = CRS.from_epsg(26984)  # central meridian 70°10' W, metres


@pytest.mark.parametrize(
    ("text", "width", "height"),
    [
        ("letter", 792, 612),
        ("letter-portrait", 612, 792),
        ("tabloid", 1224, 792),
        ("a4-portrait", 595, 842),
        ("A3-landscape", 1191, 842),
    ],
)
def test_pages_have_their_paper_size(text: str, width: float, height: float) -> None:
    page = parse_page(text)
    assert (page.width, page.height) == pytest.approx((width, height))


@pytest.mark.parametrize("text", ["b5", "letter-sideways", "", "a4-"])
def test_unknown_pages_are_refused_with_the_choices(text: str) -> None:
    if text == "a4-":  # a trailing dash means the default orientation
        assert parse_page(text).orientation == "landscape"
        return
    with pytest.raises(ExportError, match=r"letter|portrait or landscape"):
        parse_page(text)


@pytest.mark.parametrize("size", list(PAGE_SIZES))
@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_layout_boxes_stay_inside_the_margins_and_apart(size: str, orientation: str) -> None:
    page = Page(size, orientation)  # type: ignore[arg-type]
    boxes = layout_boxes(page)
    assert boxes.legend is not None
    parts = [boxes.title, boxes.map, boxes.legend, boxes.footer]
    for x, y, w, h in parts:
        assert w > 0 and h > 0
        assert x >= MARGIN - 1e-6 and y >= MARGIN - 1e-6
        assert x + w <= page.width - MARGIN + 1e-6 and y + h <= page.height - MARGIN + 1e-6
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            apart_x = a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0]
            apart_y = a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
            assert apart_x or apart_y, f"{a} overlaps {b}"
    # The map gets most of the page.
    assert boxes.map[2] * boxes.map[3] > 0.45 * page.width * page.height


def test_without_a_legend_the_map_takes_the_width() -> None:
    page = Page("letter", "landscape")
    boxes = layout_boxes(page, with_legend=False)
    assert boxes.legend is None
    assert boxes.map[2] == pytest.approx(page.width - 2 * MARGIN)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), (1.9, 1), (2, 2), (4.99, 2), (5, 5), (9.9, 5), (10, 10), (0.37, 0.2), (2600, 2000)],
)
def test_scale_bar_lengths_are_one_two_or_five(value: float, expected: float) -> None:
    assert round_down(value) == pytest.approx(expected)


@pytest.mark.parametrize("metres_per_point", [0.05, 0.4, 3.0, 30.0, 300.0, 3000.0])
@pytest.mark.parametrize("units", ["imperial", "metric"])
def test_scale_bar_fits_and_is_long_enough(metres_per_point: float, units: str) -> None:
    bar = choose_scale_bar(metres_per_point, 150.0, units)  # type: ignore[arg-type]
    # 1-2-5 steps: the longest round bar is more than 2/5 of the room.
    assert 150.0 * 0.4 - 1e-6 <= bar.width <= 150.0 + 1e-6
    unit_metres = {"ft": 0.3048, "mi": 1609.344, "m": 1.0, "km": 1000.0}[bar.unit]
    assert bar.length * unit_metres / metres_per_point == pytest.approx(bar.width)
    assert (bar.unit in ("ft", "mi")) == (units == "imperial")


def test_scale_bar_switches_to_miles_and_kilometres_for_long_bars() -> None:
    assert choose_scale_bar(30.0, 150, "imperial").unit == "mi"
    assert choose_scale_bar(1.0, 150, "imperial").unit == "ft"
    assert choose_scale_bar(30.0, 150, "metric").unit == "km"
    assert choose_scale_bar(1.0, 150, "metric").unit == "m"
    assert choose_scale_bar(30.0, 150, "metric").tick_labels() == [
        "0",
        "1",
        "2 km",
    ]  # 4.5 km of room
    assert choose_scale_bar(1.0, 150, "imperial").tick_labels() == [
        "0",
        "100",
        "200 ft",
    ]  # 492 ft of room


def test_printed_scale_is_ground_over_paper() -> None:
    # One inch of paper (72 points) covering 24,000 inches on the ground.
    metres_per_point = 24_000 * 0.0254 / 72
    assert printed_scale(metres_per_point) == pytest.approx(24_000)


def test_true_north_leans_towards_the_central_meridian() -> None:
    on_meridian = MAINE_WEST.geodetic_crs
    assert on_meridian is not None
    from mapdesk.core.crs import transform_xy

    x, y = transform_xy([-70.1667], [43.66], on_meridian, MAINE_WEST)
    assert true_north_angle(MAINE_WEST, float(x[0]), float(y[0])) == pytest.approx(0, abs=0.02)
    east, ye = transform_xy([-69.0], [43.66], on_meridian, MAINE_WEST)
    west, yw = transform_xy([-71.0], [43.66], on_meridian, MAINE_WEST)
    east_angle = true_north_angle(MAINE_WEST, float(east[0]), float(ye[0]))
    west_angle = true_north_angle(MAINE_WEST, float(west[0]), float(yw[0]))
    # Transverse Mercator: convergence = dlon * sin(lat), about 0.8 degrees here.
    expected = math.degrees(math.radians(1.1667) * math.sin(math.radians(43.66)))
    assert -east_angle == pytest.approx(expected, abs=0.05)
    assert west_angle == pytest.approx(math.degrees(math.radians(0.8333) * 0.69), abs=0.05)


def test_true_north_is_up_on_longitude_latitude_and_unknown_maps() -> None:
    assert true_north_angle(CRS.from_epsg(4326), -70.2, 43.6) == 0.0
    assert true_north_angle(None, 5.0, 5.0) == 0.0


def test_legend_rows_follow_the_map_top_first(demo_settings: object) -> None:
    from mapdesk.export.layout.legend import legend_rows
    from mapdesk.render.settings import MapSettings

    assert isinstance(demo_settings, MapSettings)
    rows = legend_rows(demo_settings.layers)
    headings = [row.text for row in rows if row.heading]
    drawn = [s.layer.name for s in reversed(demo_settings.layers)]
    assert headings == drawn
    assert "Address points" not in headings  # hidden in the demo
    fixit = demo_settings.layers[-1]
    assert isinstance(fixit.symbology, Categorized)
    classes = [row.text for row in rows[1 : 1 + len(fixit.symbology.categories)]]
    assert classes == [c.label for c in fixit.symbology.categories]
    assert all(isinstance(c, Category) for c in fixit.symbology.categories)
    assert rows[0].style is None and all(r.style is not None for r in rows[1:])
