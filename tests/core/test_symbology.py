"""Categorized and graduated styles: which features get which symbol."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import (
    METHODS,
    Categorized,
    SingleSymbol,
    categorize,
    class_rows,
    graduate,
    symbology_from_dict,
    symbology_to_dict,
)

BASE = LayerStyle("#888888", "#222222")


@pytest.fixture
def reports() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "status": ["open", "closed", "closed", None, "acknowledged", "closed"],
            "days": [3.0, 40.0, 12.0, np.nan, 7.0, 90.0],
        }
    )


def test_categories_by_frequency_with_fixed_city_colours_and_null_last(reports):
    styled = categorize(reports, "status", BASE, colors={"open": "#d7191c"})
    labels = [c.label for c in styled.categories]
    assert labels == ["closed", "open", "acknowledged", "NULL"]
    assert styled.categories[1].style.fill_color == "#d7191c"
    assert styled.categories[1].style.stroke_color == BASE.stroke_color  # outline kept
    rows = class_rows(styled, reports).rows
    assert [r.tolist() for r in rows] == [[1, 2, 5], [0], [4], [3]]


def test_too_many_categories_is_refused_with_advice():
    many = pd.DataFrame({"id": range(500)})
    with pytest.raises(MapdeskError, match=r"500 distinct values.*graduated"):
        categorize(many, "id", BASE)


def test_graduated_ranges_cover_the_values_once(reports):
    for method in METHODS:
        styled = graduate(reports, "days", BASE, method, classes=3, ramp="Blues")
        rows = class_rows(styled, reports).rows
        every = np.sort(np.concatenate(rows))
        assert every.tolist() == [0, 1, 2, 4, 5], method  # NULL in no class
        assert styled.ranges[0].lower == 3.0 and styled.ranges[-1].upper == 90.0
    colors = [r.style.fill_color for r in graduate(reports, "days", BASE, classes=3).ranges]
    assert len(set(colors)) == len(colors)  # light to dark along the ramp


def test_graduating_text_or_an_unknown_method_says_why(reports):
    with pytest.raises(MapdeskError, match="no numbers"):
        graduate(reports, "status", BASE)
    with pytest.raises(MapdeskError, match="Unknown classification"):
        graduate(reports, "days", BASE, method="magic")
    with pytest.raises(MapdeskError, match='field "nope"'):
        class_rows(Categorized("nope", ()), reports)


def test_symbologies_survive_json(reports):
    for styled in (
        SingleSymbol(),
        categorize(reports, "status", BASE),
        graduate(reports, "days", BASE, "natural_breaks", 3),
    ):
        assert symbology_from_dict(symbology_to_dict(styled)) == styled
    with pytest.raises(MapdeskError, match="damaged"):
        symbology_from_dict({"kind": "categorized"})


def test_layer_symbology_is_checked_and_its_classes_cached(reports):
    frame = gpd.GeoDataFrame(reports, geometry=[Point(i, i) for i in range(6)], crs=26919)
    layer = VectorLayer(frame, "reports")
    changes = []
    layer.symbology_changed.connect(changes.append)
    styled = categorize(frame, "status", BASE)
    layer.symbology = styled
    assert changes == [styled]
    first = layer.symbol_classes()
    assert layer.symbol_classes() is first  # cached until the data or style changes
    layer.replace_data(frame.iloc[:3])
    assert [r.tolist() for r in layer.symbol_classes().rows] == [[1, 2], [0], [], []]
    with pytest.raises(MapdeskError, match='no field "days2"'):
        layer.symbology = graduate(frame, "days", BASE).__class__("days2", ())
