"""Labels: texts from fields or expressions, anchors, scale range, no overlaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from mapdesk.core.errors import ExpressionError, MapdeskError
from mapdesk.core.labels import (
    LabelCandidates,
    LabelSettings,
    label_anchors,
    label_texts,
    place_labels,
)


def test_texts_from_a_field_or_an_expression_empty_ones_skipped():
    frame = pd.DataFrame({"name": ["Congress St", None, ""], "speed": [25.0, 30.0, 35.0]})
    assert label_texts(LabelSettings("name"), frame) == ["Congress St", None, None]
    assert label_texts(LabelSettings("upper(name) || ' ' || speed"), frame) == [
        "CONGRESS ST 25",
        None,  # NULL || anything is NULL
        " 35",  # an empty name is text, not NULL
    ]
    with pytest.raises(ExpressionError):
        label_texts(LabelSettings("nmae"), frame)


def test_anchors_points_at_the_point_lines_in_the_middle_polygons_inside():
    x, y = label_anchors([Point(1, 2), LineString([(0, 0), (10, 0)]), box(0, 0, 4, 4)])
    assert (x[0], y[0]) == (1, 2)
    assert (x[1], y[1]) == (5, 0)
    assert 0 < x[2] < 4 and 0 < y[2] < 4


def test_an_empty_geometry_has_no_anchor_rather_than_failing():
    # A GeoPackage keeps a point with no location as POINT EMPTY.
    x, y = label_anchors([Point(), Point(1, 2), LineString()])
    assert np.isnan(x[[0, 2]]).all() and np.isnan(y[[0, 2]]).all()
    assert (x[1], y[1]) == (1, 2)


def test_scale_range():
    streets = LabelSettings("name", min_scale=12_000)
    assert streets.visible_at(5_000) and not streets.visible_at(50_000)
    close = LabelSettings("name", max_scale=1_000)
    assert not close.visible_at(500) and close.visible_at(2_000)
    with pytest.raises(MapdeskError):
        LabelSettings("  ")
    with pytest.raises(MapdeskError):
        LabelSettings("name", size=200)


def test_placed_labels_never_overlap_and_earlier_ones_win():
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 300, (400, 2))
    texts = tuple(f"label {i}" for i in range(400))
    candidates = LabelCandidates(texts, xy[:, 0], xy[:, 1], np.arange(400))
    identity = lambda x, y: (x, y)  # noqa: E731 (map units are pixels here)
    placed = place_labels(candidates, identity, 300, 300, lambda t: (40.0, 12.0))
    assert 0 < len(placed) < 400
    for i, a in enumerate(placed):
        assert a.left >= 0 and a.left + a.width <= 300 and a.top >= 0 and a.top + a.height <= 300
        for b in placed[i + 1 :]:
            apart = (
                a.left + a.width <= b.left
                or b.left + b.width <= a.left
                or a.top + a.height <= b.top
                or b.top + b.height <= a.top
            )
            assert apart, (a, b)
    # The first candidate inside the image always gets its label.
    assert placed[0].text == "label 0"
    # A layer above has taken the middle: nothing goes there.
    taken = [(100.0, 100.0, 100.0, 100.0)]
    under = place_labels(candidates, identity, 300, 300, lambda t: (40.0, 12.0), taken)
    assert all(
        p.left + p.width <= 100 or p.left >= 200 or p.top + p.height <= 100 or p.top >= 200
        for p in under
    )


def test_a_street_name_is_not_repeated_on_every_block():
    x = np.arange(0.0, 1000.0, 50.0)  # one street in 20 segments along y = 100
    candidates = LabelCandidates(
        ("Congress St",) * len(x), x, np.full(len(x), 100.0), np.arange(len(x))
    )
    placed = place_labels(candidates, lambda a, b: (a, b), 1000, 200, lambda t: (60.0, 12.0))
    assert 2 <= len(placed) <= 1000 / 250 + 1
