"""RELIABILITY.md row 20: XML with entities or a DTD is refused, and nothing is fetched.

Six payloads (XXE on a local file and on /etc/passwd, a parameter entity
fetching a web address, billion laughs, quadratic blow-up, an external DTD)
in each XML format mapdesk reads: KML, GML and GPX through GDAL (plain, in a
KMZ, in a zip), Open311 GeoReport XML and QGIS projects through defusedxml.
Each must be refused with an ``UnsafeFileError`` naming the file, within
2 s and 100 MB, without opening the trap file or connecting to the trap port.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pyogrio
import pytest

from mapdesk.core.errors import MapdeskError, UnsafeFileError
from mapdesk.io import registry
from mapdesk.io.georeport import decode_service_requests
from mapdesk.io.qgis_project import read_qgis_project
from tests.support.hostile import SECRET, Trap, access_trap, measure
from tests.support.reliability import record

pytestmark = pytest.mark.reliability

BODIES = {
    "kml": '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>{ref}</name>'
    "<Point><coordinates>-70.25,43.66</coordinates></Point></Placemark></Document></kml>",
    "gml": '<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" '
    'xmlns:gml="http://www.opengis.net/gml"><gml:featureMember><ogr:hydrants fid="h.0">'
    "<ogr:geometryProperty><gml:Point><gml:coordinates>-70.25,43.66</gml:coordinates>"
    "</gml:Point></ogr:geometryProperty><ogr:name>{ref}</ogr:name></ogr:hydrants>"
    "</gml:featureMember></ogr:FeatureCollection>",
    "gpx": '<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
    '<wpt lat="43.66" lon="-70.25"><name>{ref}</name></wpt></gpx>',
    "georeport": "<service_requests><request><service_request_id>1</service_request_id>"
    "<description>{ref}</description></request></service_requests>",
    "qgs": '<qgis version="3.34.0" projectname="{ref}"><projectlayers/></qgis>',
}
_LAUGHS = '<!ENTITY a0 "lol">' + "".join(
    f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
)


def _payloads(trap: Trap) -> dict[str, tuple[str, str]]:
    """name -> (DOCTYPE, the reference placed in a text value)."""
    return {
        "xxe file": (f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{trap.file}">]>', "&x;"),
        "xxe passwd": ('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
        "parameter entity": (f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{trap.url}"> %p;]>', "x"),
        "billion laughs": (f"<!DOCTYPE r [{_LAUGHS}]>", "&a9;"),
        "quadratic": (f'<!DOCTYPE r [<!ENTITY q "{"x" * 50_000}">]>', "&q;" * 20_000),
        "external dtd": (f'<!DOCTYPE r SYSTEM "{trap.url}">', "&sec;"),
    }


def _document(kind: str, doctype: str, ref: str) -> bytes:
    body = BODIES[kind].format(ref=ref)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{body}'.encode()


def _write(folder: Path, kind: str, where: str, data: bytes) -> Path:
    suffix = {"georeport": "xml"}.get(kind, kind)
    if where == "file":
        path = folder / f"payload.{suffix}"
        path.write_bytes(data)
        return path
    path = folder / ("payload.kmz" if where == "kmz" else "payload.zip")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("doc.kml" if where == "kmz" else f"inner/payload.{suffix}", data)
    return path


def _reader(kind: str) -> Callable[[Path], object]:
    if kind == "georeport":
        return lambda path: decode_service_requests(path.read_bytes(), "xml", path.name)
    if kind == "qgs":
        return read_qgis_project
    layer = "waypoints" if kind == "gpx" else None
    return lambda path: registry.read_layer(path, layer)


PLACES = [
    ("kml", "file"), ("gml", "file"), ("gpx", "file"), ("kml", "kmz"), ("gml", "zip"),
    ("georeport", "file"), ("qgs", "file"),
]  # fmt: skip
PAYLOADS = ["xxe file", "xxe passwd", "parameter entity", "billion laughs", "quadratic",
            "external dtd"]  # fmt: skip


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize(("kind", "where"), PLACES)
def test_hostile_xml_is_refused_without_touching_anything(
    kind: str, where: str, payload: str, tmp_path: Path
) -> None:
    with access_trap(tmp_path) as trap:
        doctype, ref = _payloads(trap)[payload]
        if kind in ("georeport", "qgs") and payload == "external dtd":
            pytest.skip("covered by test_an_external_dtd_is_never_fetched_by_defusedxml")
        path = _write(tmp_path, kind, where, _document(kind, doctype, ref))
        cost, error = measure(lambda: _reader(kind)(path))
    leaked = "root:" in str(error) or SECRET in str(error)
    record(
        20,
        f"{kind} ({where}): {payload}",
        inputs=1,
        refused=int(isinstance(error, UnsafeFileError) and path.name in str(error)),
        unhandled=int(error is not None and not isinstance(error, MapdeskError)),
        files_or_addresses_opened=len(trap.opened) + int(leaked),
        seconds=cost.seconds,
        rss_growth_mb=cost.rss_growth_mb,
    )
    assert isinstance(error, UnsafeFileError), f"{kind}/{where}/{payload}: {error!r}"
    assert path.name in str(error)
    assert "root:" not in str(error) and SECRET not in str(error)
    assert trap.opened == []
    assert cost.seconds <= 2.0 and cost.rss_growth_mb < 100, cost


@pytest.mark.parametrize("kind", ["georeport", "qgs"])
def test_an_external_dtd_is_never_fetched_by_defusedxml(kind: str, tmp_path: Path) -> None:
    """defusedxml allows a DOCTYPE (QGIS writes one) but never fetches it: the
    entity it would define stays undefined (GeoReport: refused as malformed;
    QGIS: left unexpanded)."""
    with access_trap(tmp_path) as trap:
        data = _document(kind, f'<!DOCTYPE r SYSTEM "{trap.url}">', "&sec;")
        path = _write(tmp_path, kind, "file", data)
        _cost, error = measure(lambda: _reader(kind)(path))
        harmless = _document(kind, f'<!DOCTYPE r SYSTEM "{trap.url}">', "Main St")
        path.write_bytes(harmless)
        _reader(kind)(path)  # loads: the DTD is ignored, not fetched
    assert error is None or path.name in str(error)
    assert trap.opened == []


def test_gdal_alone_expands_entities_in_gml(tmp_path: Path) -> None:
    """Why mapdesk screens GML/GPX itself: GDAL substitutes internal entities."""
    path = tmp_path / "hydrants.gml"
    path.write_bytes(_document("gml", '<!DOCTYPE r [<!ENTITY hi "expanded">]>', "&hi;"))
    assert pyogrio.read_dataframe(path)["name"].tolist() == ["expanded"]
    with pytest.raises(UnsafeFileError, match=r"hydrants\.gml.*entity \('hi'\)"):
        registry.read_layer(path)


def test_ordinary_xml_files_still_open(tmp_path: Path) -> None:
    kml = tmp_path / "stations.kml"
    comment = "<!-- exported by the county -->\n"
    kml.write_bytes(_document("kml", comment, "Fire station 1"))
    assert registry.read_layer(kml).frame["Name"].tolist() == ["Fire station 1"]
    qgs = tmp_path / "plan.qgs"
    qgs.write_bytes(
        _document("qgs", "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>", "plan")
    )
    assert read_qgis_project(qgs).layers == ()


def test_blank_lines_before_the_doctype_do_not_hide_it(tmp_path: Path) -> None:
    """GDAL's GPX driver opens a file that starts with blank lines, and expands its entities."""
    path = tmp_path / "track.gpx"
    body = _document("gpx", '<!DOCTYPE r [<!ENTITY hi "expanded">]>', "&hi;").split(b"\n", 1)[1]
    path.write_bytes(b"\n" * 100 + body)
    assert pyogrio.read_dataframe(path, layer="waypoints")["name"].tolist() == ["expanded"]
    with pytest.raises(UnsafeFileError, match=r"track\.gpx.*entity \('hi'\)"):
        registry.read_layer(path, "waypoints")
