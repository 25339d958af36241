"""The demo as the app opens it: every layer, styled, aligned across CRSs."""

from __future__ import annotations

import math

import pytest

from mapdesk.core.layer import VectorLayer
from mapdesk.io.demo import DEMO_LAYERS, open_demo_project

# Features the demo generator co-locates on purpose, in layers stored in
# different CRSs (data/README.md): (layer title, key field, key) pairs.
CONTROL_PAIRS = [
    (("Radio towers", "site_id", "TWR-01"), ("City sites", "site_id", "CS-911")),
    (
        ("Radio towers", "site_id", "TWR-02"),
        ("Fire / police / EMS stations", "station_id", "ST-F01"),
    ),
    (("FixIt incidents", "service_request_id", "16600389"), ("City sites", "site_id", "CS-001")),
]


@pytest.fixture(scope="module")
def demo():
    return open_demo_project()


def _map_xy(demo, title: str, field: str, key: str) -> tuple[float, float]:
    layer: VectorLayer = demo.layers.by_name(title)
    rows = [i for i, value in enumerate(layer.data[field]) if value == key]
    assert len(rows) == 1, (title, key)
    point = layer.projected(demo.crs).geometries[rows[0]]
    return point.x, point.y


def test_demo_opens_with_every_layer_in_panel_order(demo) -> None:
    assert [layer.name for layer in demo.layers] == [title for _, title, _, _ in DEMO_LAYERS]
    assert demo.crs.to_epsg() == 26984
    assert all(layer.feature_count > 0 and not layer.crs_missing for layer in demo.layers)
    assert {layer.crs.to_epsg() for layer in demo.layers} == {26984, 26919, 4326}


@pytest.mark.parametrize(("a", "b"), CONTROL_PAIRS)
def test_layers_in_different_crss_align_within_a_metre(demo, a, b) -> None:
    ax, ay = _map_xy(demo, *a)
    bx, by = _map_xy(demo, *b)
    assert demo.layers.by_name(a[0]).crs != demo.layers.by_name(b[0]).crs
    assert math.hypot(ax - bx, ay - by) < 1.0


def test_alignment_holds_in_another_map_crs(demo) -> None:
    demo.crs = "EPSG:3857"  # web mercator: every layer reprojects on the fly
    try:
        for a, b in CONTROL_PAIRS:
            ax, ay = _map_xy(demo, *a)
            bx, by = _map_xy(demo, *b)
            # 1 m on the ground is ~1.38 Web Mercator units at 43.6 N.
            assert math.hypot(ax - bx, ay - by) < 1.38
    finally:
        demo.crs = "EPSG:26984"
