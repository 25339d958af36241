"""Huge and odd inputs: what is not a file is refused, what is accepted is stored whole.

RELIABILITY.md row 9. Every file is generated here. A web address, a GDAL
virtual path or connection string, inline GeoJSON/XML or a path with a NUL
is refused at each door a path comes in by (the readers, the reader sandbox,
``mapdesk info``, a project's layer source), while real files with odd names
still open. GeoJSON above GDAL's limits (a feature larger than
``OGR_GEOJSON_MAX_OBJ_SIZE``, a value of 10,000,000 characters, nesting
10,000 deep) is a message naming the file and the limit; a value of almost
10 MB loads and comes back whole through the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from mapdesk.cli import main
from mapdesk.core.errors import DataSourceError, MapdeskError
from mapdesk.core.project import Project
from mapdesk.core.serialize import CURRENT_VERSION, FORMAT_NAME, read_project
from mapdesk.io import describe, list_layers, read_layer
from mapdesk.io.json_limits import MAX_OBJECT_ENV, MAX_PROPERTY_DEPTH
from mapdesk.io.loader import load_user_layer
from mapdesk.io.sandbox import ReaderSandbox, SandboxLimits
from tests.support.reliability import record

pytestmark = pytest.mark.reliability

#: What users paste or type, or a project carries, that is not a local file.
NOT_FILES = [
    "https://gis.portlandmaine.gov/arcgis/rest/services/parcels/query?f=geojson",
    "http://example.com/hydrants.zip",
    "HTTPS://EXAMPLE.COM/X.GEOJSON",
    "  https://example.com/leading-space.geojson",
    "ftp://ftp.maine.gov/gis/towns.shp",
    "s3://bucket/parcels.gpkg",
    "file:///etc/passwd",
    "/vsicurl/https://example.com/x.fgb",
    "/vsis3/bucket/parcels.gpkg",
    "/vsizip//tmp/x.zip/x.shp",
    "/vsimem/x.geojson",
    "/vsistdin/",
    "\\vsicurl\\https://example.com/x.fgb",
    "//vsicurl/https://example.com/x.fgb",
    "PG:dbname=gis host=db.portland.local",
    "WFS:https://example.com/wfs",
    "GPKG:/tmp/parcels.gpkg:parcels",
    "CSV:/tmp/hydrants.csv",
    "MSSQL:server=.;database=gis",
    '{"type": "FeatureCollection", "features": []}',
    '\ufeff{"type": "Feature", "geometry": null, "properties": {}}',
    '[{"type": "Feature"}]',
    "<kml xmlns='http://www.opengis.net/kml/2.2'><Document/></kml>",
    "<?xml version='1.0'?><gml:FeatureCollection/>",
    "name,lat,lon\nCentral,43.65,-70.26",
    "hydrants\x00.geojson",
    "/tmp/parcels.gpkg\x00https://example.com",
    "{" * 10_000,
    "x" * 5_000 + "\nline two",
]


def _shown(text: str) -> str:
    """The start of ``text`` as a refusal quotes it (one line, NUL as \\0)."""
    return " ".join(text.strip().lstrip("\ufeff").split()).replace("\x00", "\\0")[:20]


def _refused(read: Callable[[str], Any], text: str) -> bool:
    """True when reading ``text`` raised a MapdeskError quoting its start."""
    try:
        read(text)
    except MapdeskError as exc:
        return _shown(text) in str(exc)
    return False


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ReaderSandbox]:
    box = ReaderSandbox(SandboxLimits(seconds=120.0, memory_mb=2048))
    box.warm()
    yield box
    box.shutdown()


def _load_user(text: str) -> Any:
    return load_user_layer(text, None)


def _cli_refuses(text: str, capsys: pytest.CaptureFixture[str]) -> bool:
    status = main(["info", text])
    return status != 0 and _shown(text) in capsys.readouterr().err


def _project_refuses(folder: Path, text: str) -> bool:
    """A project whose one layer has ``text`` as its source opens with that layer
    flagged unavailable, the reason quoting the text."""
    path = folder / "odd.mapdesk"
    document = {
        "format": FORMAT_NAME,
        "version": CURRENT_VERSION,
        "crs": "EPSG:4326",
        "layers": [{"path": text, "name": "x"}],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    project = Project()
    read_project(project, path)
    [layer] = list(project.layers)
    return layer.data.empty and _shown(text) in str(layer.unavailable or "")


def test_non_file_paths_are_refused_at_every_door(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Add Layer, drops and command-line paths of the app are tests/ui/test_long_values.py's.
    doors: dict[str, Callable[[str], bool]] = {
        "read_layer": lambda t: _refused(read_layer, t),
        "list_layers": lambda t: _refused(list_layers, t),
        "describe": lambda t: _refused(describe, t),
        "load_user_layer (CLI export, network)": lambda t: _refused(_load_user, t),
        "mapdesk info": lambda t: _cli_refuses(t, capsys),
        "project source": lambda t: _project_refuses(tmp_path, t),
    }
    outcomes = {
        (door, text): refuses(text) for door, refuses in doors.items() for text in NOT_FILES
    }
    missed = sorted({f"{door}: {text[:30]!r}" for (door, text), ok in outcomes.items() if not ok})
    refused = sum(outcomes.values())
    record(9, "non-file paths (URL, /vsi, connection string, inline text, NUL) at 6 doors",
           inputs=len(outcomes), refused=refused, loaded=0, crashes=0, unhandled=0)  # fmt: skip
    assert refused == len(outcomes), f"not refused: {missed}"


def test_the_message_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="web addresses cannot be opened as files; download"):
        read_layer("https://example.com/x.geojson")
    with pytest.raises(DataSourceError, match=r"Add PostGIS Layer…, or give its address as post"):
        read_layer("PG:dbname=gis")
    with pytest.raises(DataSourceError, match="XML text \\(KML or GML\\), not a file path; save"):
        read_layer("<kml/>")
    with pytest.raises(DataSourceError, match=r"^'hydrants\\0\.geojson': a file path cannot"):
        read_layer("hydrants\x00.geojson")
    # A file manager's address names the local file to open instead.
    with pytest.raises(
        DataSourceError, match=r"file address, not a path; .*: /gis/My Data/x\.shp$"
    ):
        read_layer("file:///gis/My%20Data/x.shp")


def test_a_unc_server_whose_name_starts_with_vsi_is_a_path() -> None:
    from mapdesk.core.source_text import non_file_reason

    assert non_file_reason("\\\\vsifs01\\gis\\hydrants.shp") is None
    assert non_file_reason("\\vsizip\\data.zip") is not None


@pytest.fixture
def odd_names(
    tmp_path: Path, roads: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Real files whose names look like URLs, inline text or connection strings."""
    names = [
        "Portland roads 2024.geojson",
        "Rues de Portland – été ☃.geojson",
        "roads#1.geojson",
        "roads?.geojson",
        "http_data.geojson",
        "https___example.com.geojson",
        "[draft] roads.geojson",
        "{copy} roads.geojson",
        "<old> roads.geojson",
        "WFS:roads.geojson",
        "vsicurl roads.geojson",
    ]
    for name in names:
        roads.to_file(tmp_path / name, driver="GeoJSON", engine="pyogrio")
    monkeypatch.chdir(tmp_path)  # the relative names are files here
    return [*(str(tmp_path / n) for n in names), *names]


def test_real_files_with_odd_names_still_load(
    odd_names: list[str], roads: gpd.GeoDataFrame
) -> None:
    loaded = 0
    for name in odd_names:  # in process, and through the reader sandbox as the app reads
        for frame in (read_layer(name).frame, load_user_layer(name, None).data):
            loaded += list(frame["name"]) == list(roads["name"])
    attempts = 2 * len(odd_names)
    record(9, "local files with odd names (spaces, unicode, #, ?, 'http_', '[', ':')",
           inputs=attempts, loaded=loaded, refused=attempts - loaded,
           crashes=0, unhandled=0)  # fmt: skip
    assert loaded == attempts


def test_postgis_addresses_still_go_to_postgis() -> None:
    # Port 1 refuses at once: the error is PostGIS's, not a refusal of the text.
    with pytest.raises(MapdeskError) as caught:
        read_layer("postgresql://nobody@127.0.0.1:1/city?table=public.parcels")
    assert "web address" not in str(caught.value)
    assert "connection string" not in str(caught.value)


# ---------------------------------------------------------------- GeoJSON limits


def _feature_collection(path: Path, properties: str, features: int = 1) -> Path:
    feature = (
        '{"type":"Feature","properties":' + properties + ","
        '"geometry":{"type":"Point","coordinates":[-70.2553,43.6591]}}'
    )
    path.write_text(
        '{"type":"FeatureCollection","features":[' + ",".join([feature] * features) + "]}",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def limited_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReaderSandbox]:
    """A sandbox whose child starts with OGR_GEOJSON_MAX_OBJ_SIZE=1 (MB) in its environment."""
    monkeypatch.setenv(MAX_OBJECT_ENV, "1")
    box = ReaderSandbox(SandboxLimits(seconds=120.0, memory_mb=2048))
    yield box
    box.shutdown()


def test_a_feature_above_the_object_limit_names_file_and_limit(
    tmp_path: Path, limited_sandbox: ReaderSandbox
) -> None:
    # One 1.3 MB LineString: above the 1 MB the test sets, far below GDAL's 200 MB default.
    coordinates = [[-70.3 + i * 1e-6, 43.6] for i in range(60_000)]
    path = tmp_path / "eastern promenade.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "trail"},
                        "geometry": {"type": "LineString", "coordinates": coordinates},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    before = path.read_bytes()
    pattern = (
        r"^eastern promenade\.geojson: a feature in this GeoJSON file is larger than the 1 MB "
        r"GDAL reads as one object .*OGR_GEOJSON_MAX_OBJ_SIZE"
    )
    refused = 0
    for read in (read_layer, limited_sandbox.read_layer):
        with pytest.raises(DataSourceError, match=pattern):
            read(path)
        refused += 1
    record(9, "a feature above OGR_GEOJSON_MAX_OBJ_SIZE (1 MB in the test)", inputs=2,
           refused=refused, loaded=0, crashes=0, unhandled=0,
           source_changes=int(path.read_bytes() != before))  # fmt: skip
    assert path.read_bytes() == before


def _long_text(length: int) -> str:
    sentence = "Congress St water main, 1889 cast iron; replaced 2024 (job #4471). "
    return (sentence * (length // len(sentence) + 1))[:length]


def test_an_almost_10_mb_value_loads_whole_through_the_sandbox(
    tmp_path: Path, sandbox: ReaderSandbox
) -> None:
    # GDAL reads text values of up to 9,999,999 characters; this is the longest it takes.
    value = _long_text(9_999_000)
    path = _feature_collection(
        tmp_path / "main notes.geojson", json.dumps({"asset": "WM-1889", "notes": value})
    )
    frame = sandbox.read_layer(path).frame
    whole = frame["notes"].iloc[0] == value
    record(9, "one 9,999,000-character value (GDAL's longest) through the sandbox",
           inputs=1, loaded=int(whole), refused=0, crashes=0, unhandled=0,
           value_chars=len(frame["notes"].iloc[0]))  # fmt: skip
    assert whole


def test_a_value_of_10_million_characters_is_a_clear_message(tmp_path: Path) -> None:
    path = _feature_collection(
        tmp_path / "too long.geojson", json.dumps({"notes": _long_text(10_000_000)})
    )
    with pytest.raises(
        DataSourceError,
        match=r"^too long\.geojson: a value in this file is 10,000,000 characters long or longer",
    ):
        read_layer(path)


def _nested(depth: int) -> str:
    return '{"level":' * depth + '"bottom"' + "}" * depth


def test_deeply_nested_properties_never_raise_recursion_errors(
    tmp_path: Path, sandbox: ReaderSandbox
) -> None:
    outcomes = {}
    for depth in (10, MAX_PROPERTY_DEPTH + 1, 500, 1000, 10_000):
        path = _feature_collection(
            tmp_path / f"nested {depth}.geojson", '{"id_text":"a","deep":' + _nested(depth) + "}"
        )
        try:
            value = sandbox.read_layer(path).frame["deep"].iloc[0]
        except DataSourceError as exc:
            assert str(exc).startswith(f"nested {depth}.geojson: "), exc
            assert "recursion" not in str(exc).lower()
            outcomes[depth] = "refused"
            continue
        # Shallow values are objects; deep ones stay JSON text, whole.
        if isinstance(value, str):
            assert "".join(value.split()) == _nested(depth)
            outcomes[depth] = "text"
        else:
            for _ in range(depth):
                value = value["level"]
            assert value == "bottom"
            outcomes[depth] = "object"
    loaded = sum(o != "refused" for o in outcomes.values())
    record(9, "a property nested 10 to 10,000 deep", inputs=len(outcomes), loaded=loaded,
           refused=len(outcomes) - loaded, crashes=0, unhandled=0)  # fmt: skip
    assert outcomes == {
        10: "object",
        MAX_PROPERTY_DEPTH + 1: "text",
        500: "text",
        1000: "text",
        10_000: "refused",  # GDAL reads 1,024 levels at most: the message says so
    }
