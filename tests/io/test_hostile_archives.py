"""RELIABILITY.md row 19: hostile zip archives are refused before anything reads them.

Every archive is generated here with :mod:`zipfile`: zip slip (``../``, an
absolute path, a drive letter), a symbolic link, duplicate names, 10,000
entries, bombs (a ratio no data reaches, a declared size of 4 GB, entries
sharing their bytes), a nested zip, a KMZ with ``../``. Each must give an
``UnsafeFileError`` naming the archive and the entry, through the file
readers, the QGIS project reader and the CLI, and nothing may appear outside
the test's folder.
"""

from __future__ import annotations

import io
import struct
import tempfile
import uuid
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import fiona
import geopandas as gpd
import pytest
from shapely.geometry import Point

from mapdesk.cli import main as cli_main
from mapdesk.core.errors import MapdeskError, UnsafeFileError
from mapdesk.io import registry
from mapdesk.io.qgis_project import read_qgis_project
from tests.support.hostile import measure
from tests.support.reliability import record

pytestmark = pytest.mark.reliability

KML = (
    '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
    "<Document><Placemark><name>Fire station 1</name><Point><coordinates>-70.25,43.66"
    "</coordinates></Point></Placemark></Document></kml>"
)


@pytest.fixture(scope="module")
def shapefile_members(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files of a one-point shapefile, to put in archives."""
    folder = tmp_path_factory.mktemp("shp")
    frame = gpd.GeoDataFrame({"name": ["Hydrant 7"]}, geometry=[Point(-70.25, 43.66)], crs=4326)
    frame.to_file(folder / "hydrants.shp", engine="pyogrio")
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _zip(path: Path, members: dict[str, bytes], extra: Callable[[zipfile.ZipFile], None]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name" is the point
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
            extra(archive)
    return path


def _entry(name: str, data: bytes = b"x") -> Callable[[zipfile.ZipFile], None]:
    return lambda archive: archive.writestr(zipfile.ZipInfo(name), data)


def _symlink(archive: zipfile.ZipFile) -> None:
    info = zipfile.ZipInfo("hydrants.cpg")
    info.create_system = 3  # Unix, whose mode bits say "symbolic link"
    info.external_attr = 0o120777 << 16
    archive.writestr(info, "/etc/passwd")


def _many(archive: zipfile.ZipFile) -> None:
    for index in range(10_000):
        archive.writestr(f"tiles/{index}.txt", b"")


class _RepeatedZeros:
    """A deflater for a stream of identical zero blocks: each block, fully flushed,
    packs to the same bytes, so 1.2 GB is "packed" without deflating it."""

    def __init__(self, block: bytes) -> None:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.packed = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
        self.end = packer.flush()

    def compress(self, data: bytes) -> bytes:
        return self.packed

    def flush(self) -> bytes:
        return self.end


def _ratio_bomb(archive: zipfile.ZipFile) -> None:
    """A real, valid entry of 1.2 GB of zeros packed into 1.2 MB (1,000 : 1)."""
    block = bytes(4 << 20)
    info = zipfile.ZipInfo("padding.dbf")
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as entry:
        entry._compressor = _RepeatedZeros(block)  # type: ignore[attr-defined]
        for _ in range(300):
            entry.write(block)


def _nested(archive: zipfile.ZipFile) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as nested:
        nested.writestr("deeper.shp", b"")
    archive.writestr("inner.zip", inner.getvalue())


def _declared_bomb(path: Path, member: str = "huge.shp") -> Path:
    """42.zip in spirit: a small member whose headers declare 4 GB unpacked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, bytes(1_000_000))
    data = bytearray(buffer.getvalue())
    declared = struct.pack("<I", 0xFFFF_FFF0)
    data[22:26] = declared  # local header: uncompressed size
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = declared
    path.write_bytes(bytes(data))
    return path


def _overlapping_bomb(path: Path) -> Path:
    """Two central-directory entries pointing at the same compressed bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("aaaaaaaa.dbf", bytes(5_000_000))
    data = buffer.getvalue()
    central = data.rindex(b"PK\x01\x02")
    end = data.rindex(b"PK\x05\x06")
    record = data[central:end]
    twin = record.replace(b"aaaaaaaa.dbf", b"bbbbbbbb.dbf")
    tail = bytearray(data[end:])
    struct.pack_into("<HHI", tail, 8, 2, 2, len(record) * 2)  # entries, size of the directory
    path.write_bytes(data[:end] + twin + bytes(tail))
    return path


def _cases(tag: str) -> dict[str, tuple[Callable[[Path], Path], str]]:
    """name -> (how to build it in a folder, the entry the message must name)."""
    slip = f"../evil-{tag}.shp"
    absolute = f"/tmp/x-{tag}.shp"

    def plain(extra: Callable[[zipfile.ZipFile], None]) -> Callable[[Path], Path]:
        return lambda folder: _zip(folder / "data.zip", {}, extra)

    return {
        "dotdot": (plain(_entry(slip)), slip),
        "absolute": (plain(_entry(absolute)), absolute),
        "drive letter": (plain(_entry("C:\\x.shp")), "C:\\x.shp"),
        "backslash dotdot": (plain(_entry("..\\..\\evil.shp")), "..\\..\\evil.shp"),
        "symlink": (plain(_symlink), "hydrants.cpg"),
        "duplicate": (plain(_entry("hydrants.dbf")), "hydrants.dbf"),
        "10,000 entries": (plain(_many), "10,005 entries"),
        "ratio bomb": (plain(_ratio_bomb), "padding.dbf"),
        "declared 4 GB": (lambda folder: _declared_bomb(folder / "data.zip"), "huge.shp"),
        "overlapping entries": (
            lambda folder: _overlapping_bomb(folder / "data.zip"),
            "bbbbbbbb.dbf",
        ),
        "nested zip": (plain(_nested), "inner.zip"),
        "kmz dotdot": (
            lambda folder: _zip(
                folder / "stations.kmz", {"doc.kml": KML.encode()}, _entry(slip, KML.encode())
            ),
            slip,
        ),
    }


CASES = list(_cases("x"))


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tempfile's folder, private to the test, to see that nothing is left there."""
    folder = tmp_path / "tempdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setenv("CPL_TMPDIR", str(folder))
    return folder


def _tree(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_archive_is_refused_before_anything_is_written(
    case: str,
    tmp_path: Path,
    private_tmp: Path,
    shapefile_members: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tag = uuid.uuid4().hex
    build, entry = _cases(tag)[case]
    folder = tmp_path / "inbox" / "from-contractor"
    folder.mkdir(parents=True)
    for name, data in shapefile_members.items():  # the good shapefile beside the bad entry
        (folder / name).write_bytes(data)
    archive = folder / "data.zip" if case != "kmz dotdot" else folder / "stations.kmz"
    build(folder)
    # (Rewriting the ratio bomb would unpack its 1.2 GB.)
    skip = ("declared 4 GB", "overlapping entries", "kmz dotdot", "nested zip", "ratio bomb")
    if case not in skip:
        _add_good_members(archive, shapefile_members)
    monkeypatch.chdir(folder)
    before = _tree(tmp_path)

    reads = (registry.list_layers, registry.describe, registry.read_layer)
    outcomes = [measure(lambda read=read: read(archive)) for read in reads]  # type: ignore[misc]
    refused = [
        isinstance(error, UnsafeFileError) and archive.name in str(error) and entry in str(error)
        for _, error in outcomes
    ]
    written = _tree(tmp_path) ^ before
    record(
        19,
        f"archive: {case}",
        inputs=len(reads),
        refused=sum(refused),
        unhandled=sum(not isinstance(error, MapdeskError) for _, error in outcomes),
        source_changes=len(written),
        slowest_s=max(cost.seconds for cost, _ in outcomes),
        largest_rss_growth_mb=max(cost.rss_growth_mb for cost, _ in outcomes),
    )
    for read, (cost, error) in zip(reads, outcomes, strict=True):
        assert isinstance(error, UnsafeFileError), f"{case}: {read.__name__} gave {error!r}"
        assert archive.name in str(error) and entry in str(error)
        assert cost.seconds <= 2.0 and cost.rss_growth_mb < 100, cost

    assert not written
    assert not list(private_tmp.iterdir())
    for escaped in (tmp_path / "inbox" / f"evil-{tag}.shp", Path(f"/tmp/x-{tag}.shp")):
        assert not escaped.exists()


def _add_good_members(archive: Path, members: dict[str, bytes]) -> None:
    """Put the shapefile first, so the hostile entry hides behind readable data."""
    with zipfile.ZipFile(archive) as old:
        rest = [(info, old.read(info)) for info in old.infolist()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as new:
            for name, data in members.items():
                new.writestr(name, data)
            for info, data in rest:
                new.writestr(info, data)


def test_the_cli_exits_non_zero_naming_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _zip(tmp_path / "parcels.zip", {}, _entry("../../etc/cron.d/evil"))
    status = cli_main(["info", str(archive)])
    assert status != 0
    err = capsys.readouterr().err
    assert "parcels.zip" in err and "../../etc/cron.d/evil" in err and "Traceback" not in err


def test_a_qgz_with_a_slip_entry_is_refused(tmp_path: Path) -> None:
    project = '<qgis version="3.34"><projectlayers/></qgis>'
    qgz = _zip(tmp_path / "plan.qgz", {"plan.qgs": project.encode()}, _entry("../plan.qgd"))
    with pytest.raises(UnsafeFileError, match=r"plan\.qgz.*\.\./plan\.qgd"):
        read_qgis_project(qgz)


def test_a_qgz_bomb_is_refused_in_time(tmp_path: Path) -> None:
    qgz = _declared_bomb(tmp_path / "plan.qgz", "plan.qgs")
    cost, error = measure(lambda: read_qgis_project(qgz))
    assert isinstance(error, MapdeskError) and "plan.qgz" in str(error)
    assert "plan.qgs unpacks to 4,295 MB" in str(error)
    assert cost.seconds <= 2.0 and cost.rss_growth_mb < 100, cost


def test_a_nested_zip_beside_a_shapefile_is_left_unopened(
    tmp_path: Path, shapefile_members: dict[str, bytes]
) -> None:
    archive = _zip(tmp_path / "hydrants.zip", shapefile_members, _nested)
    assert registry.read_layer(archive).frame["name"].tolist() == ["Hydrant 7"]
    assert [i.name for i in registry.list_layers(archive)] == ["hydrants.shp"]


def test_ordinary_archives_still_open(tmp_path: Path, shapefile_members: dict[str, bytes]) -> None:
    archive = _zip(
        tmp_path / "hydrants.zip",
        {f"GIS/{n}": d for n, d in shapefile_members.items()},
        lambda a: None,
    )
    assert registry.read_layer(archive).frame["name"].tolist() == ["Hydrant 7"]
    kmz = _zip(
        tmp_path / "stations.kmz",
        {"doc.kml": KML.encode(), "files/icon.png": b"\x89PNG"},
        lambda a: None,
    )
    assert registry.read_layer(kmz).frame["Name"].tolist() == ["Fire station 1"]


def test_a_zip_of_6000_files_beside_a_shapefile_still_opens(
    tmp_path: Path, shapefile_members: dict[str, bytes]
) -> None:
    # A thousand shapefile tiles, or a File Geodatabase of many feature classes,
    # is thousands of files; only 10,000 and more is refused.
    def tiles(archive: zipfile.ZipFile) -> None:
        for index in range(6_000):
            archive.writestr(f"tiles/t{index}.txt", b"")

    archive = _zip(tmp_path / "hydrants.zip", shapefile_members, tiles)
    assert registry.read_layer(archive).frame["name"].tolist() == ["Hydrant 7"]


def test_a_shapefile_with_blank_padded_text_fields_is_not_a_bomb(tmp_path: Path) -> None:
    """ArcGIS exports text fields 254 characters wide; mostly blank, a .dbf packs
    over 300 times (12 MB here) and must still open."""
    blank = {f"NOTE{i}": "str:254" for i in range(12)}
    schema = {"geometry": "Point", "properties": {"FACILITYID": "str:20", **blank}}
    folder = tmp_path / "export"
    with fiona.open(
        folder, "w", driver="ESRI Shapefile", schema=schema, crs="EPSG:4326", layer="hydrants"
    ) as sink:
        sink.writerecords(
            {
                "geometry": {"type": "Point", "coordinates": (-70.25 + i / 1e5, 43.66)},
                "properties": {"FACILITYID": f"HYD-{i:06d}", **dict.fromkeys(blank, "")},
            }
            for i in range(4_000)
        )
    archive = _zip(
        tmp_path / "hydrants.zip",
        {p.name: p.read_bytes() for p in folder.iterdir()},
        lambda a: None,
    )
    dbf = zipfile.ZipFile(archive).getinfo("hydrants.dbf")
    assert dbf.file_size > 10_000_000 and dbf.file_size / dbf.compress_size > 200
    frame = registry.read_layer(archive).frame
    assert len(frame) == 4_000 and frame["FACILITYID"].iloc[-1] == "HYD-003999"
