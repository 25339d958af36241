from __future__ import annotations

import pytest

from mapdesk.core.crs import crs_label, parse_crs, search_crs, transform_xy
from mapdesk.core.errors import CrsError


def test_parse_accepts_codes_and_strings() -> None:
    assert parse_crs(26984).to_epsg() == 26984
    assert parse_crs("26919").to_epsg() == 26919
    assert parse_crs("EPSG:4326").to_epsg() == 4326


def test_parse_rejects_nonsense_with_the_value_named() -> None:
    with pytest.raises(CrsError, match="EPSG:999999"):
        parse_crs("EPSG:999999")


def test_transform_is_lon_lat_order() -> None:
    # Portland City Hall area: lon first, whatever EPSG:4326's axis order says.
    x, y = transform_xy([-70.2568], [43.6591], parse_crs(4326), parse_crs(26919))
    assert 395_000 < x[0] < 402_000
    assert 4_830_000 < y[0] < 4_840_000


def test_search_by_name_and_code() -> None:
    by_name = [i.srs_id for i in search_crs("maine west")]
    assert "EPSG:26984" in by_name
    assert search_crs("26919")[0].srs_id == "EPSG:26919"
    assert search_crs("   ") == []


def test_label() -> None:
    assert crs_label(parse_crs(26984)) == "EPSG:26984 NAD83 / Maine West"
    assert crs_label(None) == "Unknown CRS"
