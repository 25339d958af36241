"""Spatial bookmarks: kept with the project, shown in whatever CRS the map is in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyproj import CRS

from mapdesk import Project
from mapdesk.core.bookmarks import Bookmark
from mapdesk.core.errors import MapdeskError, ProjectFileError

UTM19 = CRS.from_epsg(26919)
PENINSULA = (396_500.0, 4_834_000.0, 399_500.0, 4_836_500.0)  # Portland's peninsula, metres


def test_bookmarks_are_saved_with_the_project_and_reopen(tmp_path: Path) -> None:
    project = Project(crs=UTM19)
    project.bookmarks.append(Bookmark("Peninsula", PENINSULA, UTM19.to_wkt()))
    project.bookmarks.append(Bookmark("Cape shore", (400_000, 4_822_000, 402_000, 4_824_000)))
    project.save(tmp_path / "dispatch.mapdesk")
    reopened = Project.open(tmp_path / "dispatch.mapdesk")
    assert list(reopened.bookmarks) == list(project.bookmarks)


def test_a_bookmark_shows_the_same_ground_in_another_crs() -> None:
    peninsula = Bookmark("Peninsula", PENINSULA, UTM19.to_wkt())
    lon_min, lat_min, lon_max, lat_max = peninsula.extent_in(CRS.from_epsg(4326))
    assert -70.30 < lon_min < lon_max < -70.22
    assert 43.64 < lat_min < lat_max < 43.68
    assert peninsula.extent_in(UTM19) == PENINSULA
    assert peninsula.extent_in(None) == PENINSULA


def test_bad_bookmarks_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(MapdeskError, match="needs a name"):
        Bookmark("  ", PENINSULA)
    with pytest.raises(MapdeskError, match=r"'Harbour'.*is not an extent"):
        Bookmark("Harbour", (10.0, 5.0, 0.0, 0.0))
    path = tmp_path / "damaged.mapdesk"
    Project(crs=UTM19).save(path)
    document = json.loads(path.read_text())
    document["bookmarks"] = [{"name": "Harbour", "extent": [1, 2, 3]}]
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectFileError, match=r"damaged\.mapdesk: a bookmark is damaged"):
        Project.open(path)


def test_older_project_files_without_bookmarks_open_with_none() -> None:
    fixture = Path(__file__).parent / "fixtures" / "projects" / "v1" / "city.mapdesk"
    assert "bookmarks" not in json.loads(fixture.read_text())
    assert list(Project.open(fixture).bookmarks) == []
