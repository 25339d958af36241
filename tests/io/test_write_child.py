"""Big whole-file writes run in the sandbox's child process (issue 10, row 23).

GDAL holds the GIL for the whole write, so exports and saves of a big layer
are written and read back by the reader sandbox's child. These tests force
every write through the child (``MAPDESK_WRITE_CHILD_MIN_FEATURES=0``) and
check that it writes what the in-process writer writes, for every whole-file
format; that a writer crash (a real SIGSEGV in the child) is a clear failed
save with the file unchanged and no temporary file; and that a cancelled
write stops its child and leaves the target as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from mapdesk.core.editing.saving import SaveError
from mapdesk.export.formats import ExportError
from mapdesk.export.vector import export_vector
from mapdesk.io.edit_writer import save_as_geopackage
from mapdesk.io.sandbox import FAULT_ENV, shared_sandbox
from mapdesk.io.whole_file import WRITE_CHILD_ENV, save_whole_file
from tests.support.reliability import record

pytestmark = pytest.mark.reliability

IN_CHILD = "0"
IN_PROCESS = str(10**9)
SUFFIXES = [".shp", ".geojson", ".fgb", ".kml", ".gpkg"]
DRIVERS = {".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".fgb": "FlatGeobuf"}


@pytest.fixture
def sandbox_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("MAPDESK_SANDBOX", raising=False)
    monkeypatch.delenv(FAULT_ENV, raising=False)
    yield


def _parcels(kind: str) -> gpd.GeoDataFrame:
    """Twelve features with the field types a city layer has, NULLs included."""
    rng = np.random.default_rng(10)
    x, y = 396_000 + rng.random(12) * 900, 88_000 + rng.random(12) * 900
    if kind == "points":
        geometry = shapely.points(x, y)
    else:
        geometry = shapely.buffer(shapely.points(x, y), 12.0, quad_segs=2)
    owners = [f"Owner {i} – Munjoy Hill" if i % 4 else None for i in range(12)]
    return gpd.GeoDataFrame(
        {
            "parcel_id": np.arange(1, 13, dtype=np.int64),
            "units": pd.array([i if i % 3 else None for i in range(12)], dtype="Int32"),
            "owner": pd.Series(owners, dtype=object),
            "assessed": rng.random(12) * 500_000,
            "recorded": [dt.datetime(2024, 1, 1 + i, 9, 30) for i in range(12)],
        },
        geometry=geometry,
        crs="EPSG:26984",
    )


def _written(path: Path) -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(path)


@pytest.mark.parametrize("kind", ["points", "polygons"])
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_an_export_through_the_child_writes_what_the_app_writes(
    sandbox_on: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, suffix: str, kind: str
) -> None:
    parcels = _parcels(kind)
    files = {}
    for where in (IN_CHILD, IN_PROCESS):
        monkeypatch.setenv(WRITE_CHILD_ENV, where)
        folder = tmp_path / where
        folder.mkdir()
        result = export_vector(parcels, folder / f"parcels{suffix}")
        assert result.features == 12
        files[where] = sorted(p.name for p in folder.iterdir())
    assert files[IN_CHILD] == files[IN_PROCESS]  # side files too, and no temporary file
    child = _written(tmp_path / IN_CHILD / f"parcels{suffix}")
    here = _written(tmp_path / IN_PROCESS / f"parcels{suffix}")
    assert len(child) == 12
    assert_geodataframe_equal(child, here)


@pytest.mark.parametrize("suffix", [".shp", ".geojson", ".fgb"])
def test_saving_edits_through_the_child_saves_what_the_app_saves(
    sandbox_on: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, suffix: str
) -> None:
    edited = _parcels("polygons")
    edited.loc[3, "owner"] = "City of Portland"
    edited = edited.drop(index=5)
    saved = {}
    for where in (IN_CHILD, IN_PROCESS):
        monkeypatch.setenv(WRITE_CHILD_ENV, IN_PROCESS)
        path = tmp_path / where / f"parcels{suffix}"
        path.parent.mkdir()
        pyogrio.write_dataframe(_parcels("polygons"), path)
        monkeypatch.setenv(WRITE_CHILD_ENV, where)
        saved[where] = save_whole_file(path, DRIVERS[suffix], None, edited)
    assert len(saved[IN_CHILD]) == 11
    assert_geodataframe_equal(saved[IN_CHILD], saved[IN_PROCESS])  # the layer reloads these
    assert_geodataframe_equal(
        _written(tmp_path / IN_CHILD / f"parcels{suffix}"),
        _written(tmp_path / IN_PROCESS / f"parcels{suffix}"),
    )


def test_save_as_geopackage_through_the_child_saves_what_the_app_saves(
    sandbox_on: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rules = {"units": {"range": (0, 500)}}
    saved = {}
    for where in (IN_CHILD, IN_PROCESS):
        monkeypatch.setenv(WRITE_CHILD_ENV, where)
        saved[where] = save_as_geopackage(
            tmp_path / f"parcels_{where}.gpkg", "parcels", _parcels("points"), rules
        )
    assert_geodataframe_equal(saved[IN_CHILD], saved[IN_PROCESS])
    domains = [
        pyogrio.read_info(tmp_path / f"parcels_{where}.gpkg")["fields"].tolist()
        for where in (IN_CHILD, IN_PROCESS)
    ]
    assert domains[0] == domains[1]


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_a_writer_crash_is_a_failed_save_with_the_file_unchanged(
    sandbox_on: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(WRITE_CHILD_ENV, IN_CHILD)
    parcels = _parcels("points")
    export_target = tmp_path / "export.geojson"
    export_target.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    edited = tmp_path / "edited.shp"
    pyogrio.write_dataframe(parcels.iloc[:3], edited)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    messages = []

    monkeypatch.setenv(FAULT_ENV, f"write-segv:{export_target}")
    with pytest.raises(ExportError) as exported:
        export_vector(parcels, export_target)
    messages.append(str(exported.value))
    monkeypatch.setenv(FAULT_ENV, f"write-segv:{edited}")
    with pytest.raises(SaveError) as saving:
        save_whole_file(edited, "ESRI Shapefile", None, parcels)
    messages.append(str(saving.value))

    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    unchanged = int(after == before)  # same files, same bytes: no temporary file either
    monkeypatch.delenv(FAULT_ENV)
    export_vector(parcels, export_target)  # the next write gets a fresh child
    record(
        24,
        "writer crashed (SIGSEGV) during an export and a save",
        inputs=2,
        contained=sum("the writer crashed (signal SIGSEGV)" in m for m in messages),
        crashes=0,
        source_changes=1 - unchanged,
        lost_edits=0,
    )
    crashed = "export.geojson could not be written: the writer crashed (signal SIGSEGV)"
    assert crashed in messages[0]
    assert "earlier file of that name is unchanged" in messages[0]
    assert "edited.shp could not be written: the writer crashed" in messages[1]
    assert "your edits are kept and the file is unchanged" in messages[1]
    assert unchanged, _leftovers(tmp_path, set(before))
    assert len(_written(export_target)) == 12


class Cancelled(Exception):
    """What a cancelled worker's check raises (the UI's WorkCancelled)."""


@pytest.mark.timeout(60)
def test_a_cancelled_write_stops_its_child_and_leaves_the_target(
    sandbox_on: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(WRITE_CHILD_ENV, IN_CHILD)
    target = tmp_path / "parcels.fgb"
    pyogrio.write_dataframe(_parcels("points").iloc[:2], target)
    before = target.read_bytes()
    monkeypatch.setenv(FAULT_ENV, f"write-hang:{target}")  # the child writes, then hangs
    busy: list[int] = []

    def check() -> None:
        busy[:] = shared_sandbox().busy_pids()
        if busy:
            raise Cancelled

    with pytest.raises(Cancelled):  # through as it is, not as a failed export
        export_vector(_parcels("points"), target, check=check)
    assert busy  # it was cancelled while the child was writing
    assert not shared_sandbox().busy_pids()
    assert target.read_bytes() == before
    assert _leftovers(tmp_path, {"parcels.fgb"}) == []


def test_a_wrong_threshold_setting_is_named(
    sandbox_on: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(WRITE_CHILD_ENV, "lots")
    with pytest.raises(ExportError, match=f"{WRITE_CHILD_ENV}=lots is not a whole number"):
        export_vector(_parcels("points"), tmp_path / "parcels.geojson")
    assert list(tmp_path.iterdir()) == []
