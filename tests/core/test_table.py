"""Attribute-table logic without Qt: rows shown, their order, column facts, cell text."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from mapdesk.core.layer import VectorLayer
from mapdesk.core.table import column_statistics, display_text, filter_rows, sorted_rows


def test_sorting_is_stable_with_nulls_last():
    column = pd.Series(["b", None, "a", "b", "a"], dtype="string")
    rows = np.arange(5, dtype=np.intp)
    assert sorted_rows(column, rows).tolist() == [2, 4, 0, 3, 1]
    assert sorted_rows(column, rows, descending=True).tolist() == [0, 3, 2, 4, 1]
    assert sorted_rows(column, np.array([4, 1, 0])).tolist() == [4, 0, 1]


def test_values_that_do_not_compare_sort_by_their_text_with_nulls_last():
    """GeoJSON arrays and objects, or numbers mixed with text, sort as the table shows them."""
    arrays = pd.Series([np.array(["c"]), None, np.array(["a", "b"]), np.array(["b"])])
    rows = np.arange(4, dtype=np.intp)
    assert sorted_rows(arrays, rows).tolist() == [2, 3, 0, 1]
    assert sorted_rows(arrays, rows, descending=True).tolist() == [0, 3, 2, 1]
    objects = pd.Series([{"x": 2}, {"x": 1}, None], dtype=object)
    assert sorted_rows(objects, np.arange(3)).tolist() == [1, 0, 2]
    mixed = pd.Series([10, "b", np.nan, 2.5, "a"], dtype=object)
    assert sorted_rows(mixed, np.arange(5)).tolist() == [0, 3, 4, 1, 2]  # "10" < "2.5" < "a"


def test_statistics_over_the_rows_shown():
    column = pd.Series([3.0, np.nan, 1.0, 5.0, 1.0])
    stats = column_statistics(column)
    assert (stats.count, stats.nulls, stats.unique) == (5, 1, 3)
    assert (stats.minimum, stats.maximum, stats.mean) == (1.0, 5.0, 2.5)
    shown = column_statistics(column, np.array([0, 1]))
    assert (shown.count, shown.nulls, shown.mean) == (2, 1, 3.0)
    text = column_statistics(pd.Series(["x", "y", None], dtype="string"))
    assert (text.minimum, text.maximum, text.mean) == ("x", "y", None)


def test_cells_read_as_in_qgis():
    assert display_text(None) == "NULL"
    assert display_text(float("nan")) == "NULL"
    assert display_text(3.0) == "3"
    assert display_text(2.5) == "2.5"
    assert display_text(True) == "true"
    assert display_text(dt.datetime(2024, 11, 1, 14, 14, 31)) == "2024-11-01 14:14:31"


def test_filter_combines_expression_and_selection():
    frame = gpd.GeoDataFrame(
        {"priority": [1, 2, 3, 4]}, geometry=[Point(i, i) for i in range(4)], crs=26919
    )
    layer = VectorLayer(frame, "t")
    layer.select_by_expression("priority <= 3")
    assert filter_rows(layer, "priority >= 2").tolist() == [1, 2, 3]
    assert filter_rows(layer, "priority >= 2", selected_only=True).tolist() == [1, 2]
    assert filter_rows(layer, "", selected_only=True).tolist() == [0, 1, 2]
