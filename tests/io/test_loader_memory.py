"""A big layer's geometries stay out of Python's full garbage collections (row 23)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from mapdesk.core.collector import FREEZE_FROM as FREEZE_FROM_FEATURES
from mapdesk.io.loader import load_layer


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test run collects as usual


def _points(path: Path, count: int) -> Path:
    rng = np.random.default_rng(23)
    frame = gpd.GeoDataFrame(
        {"request_id": np.arange(count)},
        geometry=gpd.points_from_xy(rng.random(count) * 1000, rng.random(count) * 1000),
        crs="EPSG:26919",
    )
    frame.to_file(path)
    return path


def test_a_big_layers_geometries_are_not_scanned_and_still_freed(
    tmp_path: Path, unfrozen: None
) -> None:
    # A full collection scanning a million geometries froze the UI for up to 0.9 s.
    layer = load_layer(str(_points(tmp_path / "fixit.gpkg", FREEZE_FROM_FEATURES)), None)
    frozen = gc.get_freeze_count()
    assert frozen >= FREEZE_FROM_FEATURES
    del layer
    # Reference counting still frees them with the layer.
    assert gc.get_freeze_count() <= frozen - FREEZE_FROM_FEATURES


def test_a_small_layer_is_left_to_the_collector(tmp_path: Path, unfrozen: None) -> None:
    load_layer(str(_points(tmp_path / "few.gpkg", 100)), None)
    assert gc.get_freeze_count() == 0
