from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from mapdesk import Project
from mapdesk.core.errors import MapdeskError, ProjectFileError
from mapdesk.core.identify import identify_at
from mapdesk.core.layer import VectorLayer


def test_first_layer_sets_the_project_crs(stations_26984: gpd.GeoDataFrame) -> None:
    project = Project()
    project.add_layer(VectorLayer(stations_26984, "Stations"))
    assert project.crs is not None and project.crs.to_epsg() == 26984


def test_layers_in_other_crss_overlay_on_the_fly(stations_26984: gpd.GeoDataFrame) -> None:
    project = Project(crs=26984)
    project.add_layer(VectorLayer(stations_26984, "maine west"))
    wgs = VectorLayer(stations_26984.to_crs(4326), "wgs84")
    utm = VectorLayer(stations_26984.to_crs(26919), "utm")
    project.add_layer(wgs)
    project.add_layer(utm)
    expected = project.layer_extent(project.layers.by_name("maine west"))
    assert expected is not None
    for layer in (wgs, utm):
        extent = project.layer_extent(layer)
        assert extent == pytest.approx(expected, abs=0.01)


def test_new_layers_go_on_top_with_unique_names(stations_26984: gpd.GeoDataFrame) -> None:
    project = Project()
    first = project.add_layer(VectorLayer(stations_26984, "Stations"))
    second = project.add_layer(VectorLayer(stations_26984, "Stations"))
    assert list(project.layers) == [second, first]
    assert second.name == "Stations (2)"
    assert [layer.name for layer in project.layers.visible_bottom_up()] == [
        "Stations",
        "Stations (2)",
    ]


def test_identify_finds_features_under_the_cursor(stations_26984: gpd.GeoDataFrame) -> None:
    project = Project(crs=4326)
    project.add_layer(VectorLayer(stations_26984, "Stations"))
    lon, lat = stations_26984.to_crs(4326).geometry.iloc[1].coords[0]
    [found] = identify_at(project.layers, project.crs, lon, lat, tolerance=1e-5)
    assert [h.attributes["name"] for h in found.hits] == ["Bramhall"]
    project.layers[0].visible = False
    assert identify_at(project.layers, project.crs, lon, lat, 1e-5) == []


def test_project_file_round_trip(tmp_path: Path, stations_26984: gpd.GeoDataFrame) -> None:
    data = tmp_path / "data" / "stations.geojson"
    data.parent.mkdir()
    stations_26984.to_file(data)
    project = Project(crs=26919)
    layer = project.add_layer(data)
    layer.name = "Fire stations"
    layer.visible = False
    layer.opacity = 0.4
    layer.sensitive = True  # e.g. callers' addresses: kept out of web maps
    layer.style = layer.style.with_changes(fill_color="#123456")
    project.save(tmp_path / "city.mapdesk")

    reopened = Project.open(tmp_path / "city.mapdesk")
    again = reopened.layers.by_name("Fire stations")
    assert reopened.crs is not None and reopened.crs.to_epsg() == 26919
    assert (again.visible, again.opacity, again.style.fill_color) == (False, 0.4, "#123456")
    assert again.sensitive is True
    assert again.feature_count == 3
    # Paths are stored relative to the project, so the folder can move.
    assert '"path": "data/stations.geojson"' in (tmp_path / "city.mapdesk").read_text()


def test_project_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.mapdesk"
    path.write_text('{"format": "mapdesk-project", "version": 99, "layers": []}')
    with pytest.raises(ProjectFileError, match="newer mapdesk"):
        Project.open(path)


def test_damaged_project_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.mapdesk"
    path.write_text("{not json")
    with pytest.raises(ProjectFileError, match=r"broken\.mapdesk"):
        Project.open(path)


def test_in_memory_layers_cannot_be_saved_silently(
    tmp_path: Path, stations_26984: gpd.GeoDataFrame
) -> None:
    project = Project()
    project.add_layer(VectorLayer(stations_26984, "scratch"))
    with pytest.raises(MapdeskError, match="scratch"):
        project.save(tmp_path / "p.mapdesk")
    assert not (tmp_path / "p.mapdesk").exists()


def test_multi_layer_file_needs_a_layer_name(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326)
    frame.to_file(path, layer="one")
    frame.to_file(path, layer="two")
    project = Project()
    with pytest.raises(MapdeskError, match="one"):
        project.add_layer(path)
    assert project.add_layer(path, layer="two").name == "two"
    project.add_layers(path)
    # All layers of the file, on top, in the file's order.
    assert [layer.name for layer in project.layers] == ["one", "two (2)", "two"]


def test_layers_added_one_by_one_get_different_colours(
    stations_26984: gpd.GeoDataFrame,
) -> None:
    project = Project()
    first = project.add_layer(VectorLayer(stations_26984, "a"))
    second = project.add_layer(VectorLayer(stations_26984, "b"))
    assert first.style.fill_color != second.style.fill_color
    chosen = VectorLayer(stations_26984, "c", style=first.style)
    assert project.add_layer(chosen).style == first.style  # a chosen style is kept


def test_background_colour_is_validated_and_saved(
    tmp_path: Path, stations_26984: gpd.GeoDataFrame
) -> None:
    data = tmp_path / "s.geojson"
    stations_26984.to_file(data)
    project = Project()
    project.add_layer(data)
    with pytest.raises(MapdeskError, match="not a #rrggbb"):
        project.background = "sea blue"
    project.background = "#cfe2f0"
    project.save(tmp_path / "p.mapdesk")
    assert Project.open(tmp_path / "p.mapdesk").background == "#cfe2f0"


def test_zoom_full_on_a_lone_point_lands_at_street_scale() -> None:
    project = Project(crs=26984)
    one = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(892000, 91000)], crs=26984)
    project.add_layer(VectorLayer(one, "hydrant"))
    xmin, ymin, xmax, ymax = project.home_extent()
    assert xmax - xmin == pytest.approx(100.0) and ymax - ymin == pytest.approx(100.0)
    assert (xmin + xmax) / 2 == pytest.approx(892000)


def test_home_extent_uses_visible_layers_and_falls_back_to_all(
    stations_26984: gpd.GeoDataFrame,
) -> None:
    project = Project()
    far = stations_26984.copy()
    far.geometry = [Point(0, 0), Point(10, 10), Point(5, 5)]
    project.add_layer(VectorLayer(stations_26984, "near"))
    hidden = project.add_layer(VectorLayer(far, "far"))
    hidden.visible = False
    assert project.home_extent()[0] > 800_000  # the hidden layer is left out
    project.layers.by_name("near").visible = False
    assert project.home_extent()[0] < 1  # nothing visible: everything


def test_replace_contents_keeps_the_same_project_object(
    stations_26984: gpd.GeoDataFrame,
) -> None:
    shown = Project(crs=4326)
    shown.add_layer(VectorLayer(stations_26984, "old"))
    opened = Project(crs=26919)
    opened.background = "#cfe2f0"
    opened.add_layer(VectorLayer(stations_26984, "new"))
    removed: list[object] = []
    shown.layers.events.removed.connect(lambda *args: removed.append(args))
    shown.replace_contents(opened)
    assert [layer.name for layer in shown.layers] == ["new"]
    assert shown.crs.to_epsg() == 26919 and shown.background == "#cfe2f0"
    assert removed  # listeners saw the old layer go


def test_layer_list_slices_like_a_list(stations_26984: gpd.GeoDataFrame) -> None:
    project = Project()
    for name in ("a", "b", "c"):
        project.add_layer(VectorLayer(stations_26984, name))
    assert [layer.name for layer in project.layers[0:2]] == ["c", "b"]
    assert len(project.layers.copy()) == 3


def test_table_names_with_dots_are_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "zones.gpkg"
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326)
    frame.to_file(path, layer="Zones v1.2")
    assert Project().add_layer(path).name == "Zones v1.2"
    assert Project().add_layer(path).origin.layer == "Zones v1.2"


def test_identify_lists_the_nearest_first_and_counts_the_rest() -> None:
    # 60 hydrants on a line 1 m apart; a click near the 40th with a wide tolerance.
    frame = gpd.GeoDataFrame(
        {"hydrant": [f"H{i}" for i in range(60)]},
        geometry=[Point(i, 0) for i in range(60)],
        crs=26984,
    )
    project = Project()
    project.add_layer(VectorLayer(frame, "Hydrants"))
    [found] = identify_at(project.layers, project.crs, 40.2, 0, tolerance=100, limit=5)
    assert found.total == 60
    assert [h.attributes["hydrant"] for h in found.hits] == ["H40", "H41", "H39", "H42", "H38"]


def test_an_empty_layer_has_no_extent_and_does_not_break_zoom_full(
    stations_26984: gpd.GeoDataFrame,
) -> None:
    project = Project(crs=26984)
    empty = project.add_layer(VectorLayer(stations_26984.iloc[0:0], "empty"))
    assert project.layer_extent(empty) is None
    assert project.home_extent() is None
    project.add_layer(VectorLayer(stations_26984, "stations"))
    assert project.home_extent() is not None


def test_categorized_style_is_saved_and_a_vanished_field_is_reported(
    tmp_path: Path, stations_26984: gpd.GeoDataFrame
) -> None:
    from mapdesk.core.symbology import SingleSymbol, categorize

    data = tmp_path / "stations.geojson"
    stations_26984.to_file(data)
    project = Project(crs=26984)
    layer = project.add_layer(data)
    layer.symbology = categorize(layer.data, "name", layer.style)
    project.save(tmp_path / "p.mapdesk")
    reopened = Project.open(tmp_path / "p.mapdesk").layers[0]
    assert reopened.symbology == layer.symbology
    # The field disappears from the data: the project still opens, and says why.
    stations_26984.drop(columns=["name"]).to_file(data)
    damaged = Project.open(tmp_path / "p.mapdesk").layers[0]
    assert isinstance(damaged.symbology, SingleSymbol)
    assert any('field "name"' in warning for warning in damaged.warnings)


def test_a_style_by_a_date_field_saves_and_reopens(tmp_path: Path) -> None:
    import pandas as pd

    from mapdesk.core.symbology import categorize

    frame = gpd.GeoDataFrame(
        {"inspected": pd.to_datetime(["2024-05-01", "2024-06-01", "2024-05-01"])},
        geometry=[Point(i, i) for i in range(3)],
        crs=26984,
    )
    data = tmp_path / "hydrants.gpkg"
    frame.to_file(data, layer="hydrants")
    project = Project(crs=26984)
    layer = project.add_layer(data, layer="hydrants")
    layer.symbology = categorize(layer.data, "inspected", layer.style)
    project.save(tmp_path / "p.mapdesk")  # dates in categories used to break the save
    reopened = Project.open(tmp_path / "p.mapdesk").layers[0]
    rows = [r.tolist() for r in reopened.symbol_classes().rows]
    assert rows == [r.tolist() for r in layer.symbol_classes().rows] == [[0, 2], [1]]


def test_a_moved_file_leaves_its_layer_flagged_and_repairable(
    tmp_path: Path, stations_26984: gpd.GeoDataFrame
) -> None:
    import json

    from mapdesk.core.serialize import read_repaired
    from mapdesk.core.symbology import categorize

    stations = tmp_path / "stations.geojson"
    roads = tmp_path / "roads.geojson"
    stations_26984.to_file(stations)
    stations_26984.to_file(roads)
    project = Project(crs=26984)
    kept = project.add_layer(roads)
    moved = project.add_layer(stations)
    moved.name = "Fire stations"
    moved.symbology = categorize(moved.data, "name", moved.style)
    project.save(tmp_path / "city.mapdesk")
    saved_entry = json.loads((tmp_path / "city.mapdesk").read_text())["layers"][0]
    elsewhere = tmp_path / "archive" / "stations.geojson"
    elsewhere.parent.mkdir()
    stations.rename(elsewhere)

    reopened = Project.open(tmp_path / "city.mapdesk")  # opens: one layer is flagged
    flagged, fine = reopened.layers
    assert flagged.name == "Fire stations" and flagged.feature_count == 0
    assert flagged.unavailable is not None and "stations.geojson" in flagged.unavailable
    assert fine.unavailable is None and fine.feature_count == kept.feature_count
    # Saving keeps everything about the missing layer, symbology included.
    reopened.save(tmp_path / "city.mapdesk")
    assert json.loads((tmp_path / "city.mapdesk").read_text())["layers"][0] == saved_entry

    repaired = read_repaired(reopened, flagged, elsewhere)
    reopened.layers[0] = repaired
    assert repaired.unavailable is None and repaired.feature_count == 3
    assert repaired.name == "Fire stations" and repaired.symbology == moved.symbology
    reopened.save(tmp_path / "city.mapdesk")
    assert '"path": "archive/stations.geojson"' in (tmp_path / "city.mapdesk").read_text()
    with pytest.raises(MapdeskError, match=r"nowhere\.geojson"):
        read_repaired(reopened, flagged, tmp_path / "nowhere.geojson")


#: Project files as each format version wrote them, kept forever: every one must
#: go on opening (through the migrations) with what it held.
FIXTURES = Path(__file__).parent / "fixtures" / "projects"


def test_version_1_project_file_still_opens_as_saved() -> None:
    from mapdesk.core.symbology import Categorized

    project = Project.open(FIXTURES / "v1" / "city.mapdesk")
    assert [layer.name for layer in project.layers] == ["Stations", "PSAP zone"]
    stations, zone = project.layers
    assert project.crs is not None and project.crs.to_epsg() == 26984
    assert project.background == "#e6f0f8"
    assert stations.feature_count == 3 and zone.feature_count == 1
    assert zone.opacity == 0.5
    assert isinstance(stations.symbology, Categorized)
    assert [c.value for c in stations.symbology.categories] == ["fire", "police"]
    assert all(layer.unavailable is None for layer in project.layers)


def test_every_format_version_has_a_fixture() -> None:
    from mapdesk.core.serialize import CURRENT_VERSION

    for version in range(1, CURRENT_VERSION + 1):
        assert (FIXTURES / f"v{version}").is_dir(), f"keep a project written by version {version}"


def test_saving_over_a_project_keeps_the_old_version_in_the_backups(
    tmp_path: Path, stations_26984: gpd.GeoDataFrame
) -> None:
    from mapdesk.core.backups import BACKUPS_KEPT, backup_folder

    data = tmp_path / "stations.geojson"
    stations_26984.to_file(data)
    project = Project(crs=26984)
    layer = project.add_layer(data)
    path = tmp_path / "city.mapdesk"
    project.save(path)  # new file: nothing to keep
    assert not backup_folder(path).exists()
    for opacity in [0.1 * n for n in range(1, BACKUPS_KEPT + 3)]:
        layer.opacity = opacity
        project.save(path)
    versions = sorted(backup_folder(path).iterdir())
    assert len(versions) == BACKUPS_KEPT
    newest = json.loads((versions[-1] / "city.mapdesk").read_text())
    assert newest["layers"][0]["opacity"] == pytest.approx(0.1 * (BACKUPS_KEPT + 1))
    assert json.loads(path.read_text())["layers"][0]["opacity"] == pytest.approx(
        0.1 * (BACKUPS_KEPT + 2)
    )
