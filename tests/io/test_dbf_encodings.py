"""Shapefile text encodings (RELIABILITY.md row 3): correct text or a question, never mojibake.

DBFs are written in six encodings, each with no ``.cpg``, the right one and a
wrong one (18 cases). Reading each must give exactly the Unicode written, or
raise EncodingUncertainError with the right encoding among its candidates;
no value may hold U+FFFD or the "Ã¼"/"â€“" patterns of a wrong guess.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from mapdesk.core.errors import EncodingUncertainError, MapdeskError
from mapdesk.core.project import Project
from mapdesk.core.serialize import write_project
from mapdesk.export.vector import export_vector
from mapdesk.io.dbf_encoding import check_dbf, cpg_encoding
from mapdesk.io.loader import load_user_layer
from mapdesk.io.registry import read_layer
from tests.support.reliability import record

pytestmark = pytest.mark.reliability

#: Values each encoding can hold; the last is plain ASCII, as most of a real file is.
TEXTS = {
    "utf-8": ["Düsseldorf – Ñandú – Œuvre", "北京市朝阳区", "Москва", "Forest Ave"],
    "cp1252": ["Düsseldorf – Ñandú – Œuvre", "Café Müller", "Forest Ave"],
    "cp850": ["Müller Straße", "Ñandú, Genève", "Forest Ave"],
    "gbk": ["北京市朝阳区", "上海市浦东新区", "Forest Ave"],
    "shift_jis": ["東京都千代田区", "大阪市北区梅田", "Forest Ave"],
    "cp1251": ["Москва, улица Ленина", "Санкт-Петербург", "Forest Ave"],
}
#: What a .cpg says in each case ("wrong": what exporters commonly claim instead).
CPG = {
    "utf-8": ("UTF-8", "1252"),
    "cp1252": ("1252", "UTF-8"),
    "cp850": ("850", "1252"),
    "gbk": ("GBK", "1252"),
    "shift_jis": ("SHIFT_JIS", "UTF-8"),
    "cp1251": ("1251", "1252"),
}
CPG_CASES = ("none", "correct", "wrong")
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|â€|\ufffd|[\u0080-\u009f]")


def write_shapefile(folder: Path, encoding: str, cpg: str, texts: list[str] | None = None) -> Path:
    """roads.shp with ``texts`` in ``encoding``; its .cpg absent, correct or wrong."""
    folder.mkdir(parents=True, exist_ok=True)
    values = texts or TEXTS[encoding]
    frame = gpd.GeoDataFrame(
        {"name": values},
        geometry=[shapely.Point(-70.26 + i / 100, 43.66) for i in range(len(values))],
        crs=4326,
    )
    path = folder / "roads.shp"
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    sidecar = path.with_suffix(".cpg")
    if cpg == "none":
        sidecar.unlink(missing_ok=True)
    else:
        sidecar.write_text(CPG[encoding][0 if cpg == "correct" else 1])
    return path


def _garbled(values: list[str]) -> list[str]:
    return [v for v in values if _MOJIBAKE.search(v)]


def test_eighteen_encoding_cases_give_the_text_or_a_question(tmp_path: Path) -> None:
    loaded = prompted = wrong = mojibake = unhandled = source_changes = 0
    for encoding, texts in TEXTS.items():
        for cpg in CPG_CASES:
            path = write_shapefile(tmp_path / f"{encoding}-{cpg}", encoding, cpg)
            before = path.with_suffix(".dbf").read_bytes()
            try:
                values = list(read_layer(path).frame["name"])
            except EncodingUncertainError as exc:
                prompted += 1
                offered = [choice.codec for choice in exc.candidates]
                if encoding not in offered:
                    wrong += 1
                    continue
                values = list(read_layer(path, encoding=encoding).frame["name"])
            except Exception:
                unhandled += 1
                continue
            else:
                loaded += 1
            mojibake += len(_garbled(values))
            wrong += values != texts
            source_changes += path.with_suffix(".dbf").read_bytes() != before

    record(
        3,
        "DBF encodings",
        inputs=18,
        loaded=loaded,
        refused=prompted,
        crashes=0,
        unhandled=unhandled,
        source_changes=source_changes,
        mojibake=mojibake,
        wrong_text=wrong,
    )
    assert loaded + prompted == 18
    assert (unhandled, mojibake, wrong, source_changes) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("encoding", "cpg"),
    [("cp1252", "wrong"), ("cp1251", "wrong"), ("utf-8", "wrong"), ("gbk", "wrong")],
)
def test_a_wrong_cpg_asks_with_a_preview_naming_the_file(
    tmp_path: Path, encoding: str, cpg: str
) -> None:
    path = write_shapefile(tmp_path, encoding, cpg)
    with pytest.raises(EncodingUncertainError) as raised:
        read_layer(path)
    error = raised.value
    assert error.file_name == "roads.shp"
    assert "roads.shp" in str(error)
    assert error.candidates[0].codec == encoding
    assert TEXTS[encoding][0] in error.candidates[0].preview


def test_text_without_a_cpg_that_only_one_encoding_reads_is_read(tmp_path: Path) -> None:
    path = write_shapefile(tmp_path, "gbk", "none")
    result = read_layer(path)
    assert list(result.frame["name"]) == TEXTS["gbk"]
    assert result.source.encoding == "gbk"
    assert any("GBK" in note for note in result.warnings)


def test_ldid_0x57_without_cpg_reads_windows_1252(tmp_path: Path) -> None:
    path = write_shapefile(tmp_path, "cp1252", "none")
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0x57
    dbf.write_bytes(bytes(data))
    check = check_dbf(path)
    # GDAL alone reads ISO-8859-1: the en dash and Œ become C1 control characters.
    assert _gdal_source_encoding(path) == "ISO-8859-1"
    assert _garbled(list(pyogrio.read_dataframe(path)["name"]))
    assert (check.gdal_encoding, check.declared_by) == ("iso-8859-1", "ldid")
    assert list(read_layer(path).frame["name"]) == TEXTS["cp1252"]


def _gdal_source_encoding(path: Path) -> str:
    import fiona

    with fiona.open(path) as layer:
        return str(layer.tags(ns="SHAPEFILE")["SOURCE_ENCODING"])


@pytest.mark.parametrize(
    ("encoding", "cpg"),
    [("utf-8", "correct"), ("cp1251", "correct"), ("cp850", "correct"), ("cp1252", "none")],
)
def test_the_encoding_gdal_would_use_is_gdals(tmp_path: Path, encoding: str, cpg: str) -> None:
    path = write_shapefile(tmp_path, encoding, cpg)
    gdal = _gdal_source_encoding(path) or "ISO-8859-1"  # empty: GDAL's default
    assert check_dbf(path).gdal_encoding == cpg_encoding(gdal.replace("ISO", "").strip("-"))


def test_a_prj_with_a_utf8_bom_is_read(tmp_path: Path) -> None:
    path = write_shapefile(tmp_path, "utf-8", "correct")
    prj = path.with_suffix(".prj")
    prj.write_bytes(b"\xef\xbb\xbf" + prj.read_bytes())
    result = read_layer(path)
    assert result.frame.crs is not None and result.frame.crs.to_epsg() == 4326
    assert list(result.frame["name"]) == TEXTS["utf-8"]


def test_an_unknown_codec_is_a_clear_error(tmp_path: Path) -> None:
    path = write_shapefile(tmp_path, "cp1252", "none")
    with pytest.raises(MapdeskError, match=r"roads\.shp: 'klingon' is not a text encoding"):
        read_layer(path, encoding="klingon")


def test_import_export_import_keeps_the_text_and_writes_utf8_cpg(tmp_path: Path) -> None:
    source = write_shapefile(tmp_path / "in", "cp1252", "wrong")
    read = read_layer(source, encoding="cp1252")
    for suffix in (".shp", ".gpkg"):
        output = tmp_path / "out" / f"roads{suffix}"
        output.parent.mkdir(exist_ok=True)
        export_vector(read.frame, output)
        if suffix == ".shp":
            assert output.with_suffix(".cpg").read_text().strip() == "UTF-8"
        again = read_layer(output)
        assert list(again.frame["name"]) == TEXTS["cp1252"]


def test_the_error_crosses_the_reader_sandbox_and_the_choice_is_kept(tmp_path: Path) -> None:
    path = write_shapefile(tmp_path, "cp1251", "wrong")
    error = pickle.loads(pickle.dumps(EncodingUncertainError("m", "a.shp", "cp1252", ())))
    assert (str(error), error.file_name, error.gdal_encoding) == ("m", "a.shp", "cp1252")

    with pytest.raises(EncodingUncertainError) as raised:
        load_user_layer(str(path), None)
    assert raised.value.file_name == "roads.shp"
    assert raised.value.candidates[0].codec == "cp1251"
    assert TEXTS["cp1251"][0] in raised.value.candidates[0].preview

    layer = load_user_layer(str(path), None, encoding="cp1251")
    assert list(layer.data["name"]) == TEXTS["cp1251"]
    assert layer.origin is not None and layer.origin.encoding == "cp1251"


def test_a_project_reopens_a_shapefile_with_the_chosen_encoding(tmp_path: Path) -> None:
    path = write_shapefile(tmp_path, "cp1252", "wrong")
    project = Project()
    project.add_layer(path, encoding="cp1252")
    write_project(project, tmp_path / "map.mapdesk")

    reopened = Project.open(tmp_path / "map.mapdesk")
    layer = reopened.layers[0]
    assert layer.unavailable is None
    assert list(layer.data["name"]) == TEXTS["cp1252"]
    assert layer.origin is not None and layer.origin.encoding == "cp1252"


def test_the_cli_names_the_candidates_and_takes_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mapdesk.cli import main

    source = write_shapefile(tmp_path / "in", "cp1252", "wrong")
    output = tmp_path / "roads.gpkg"
    assert main(["export", "vector", str(source), "-o", str(output)]) != 0
    said = capsys.readouterr().err
    assert "roads.shp: the text encoding is uncertain" in said
    assert "--encoding CODEC, one of: cp1252" in said
    assert not output.exists()

    assert main(["export", "vector", str(source), "-o", str(output), "--encoding", "cp1252"]) == 0
    assert list(read_layer(output).frame["name"]) == TEXTS["cp1252"]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_accents_after_thousands_of_plain_rows_are_read(tmp_path: Path, encoding: str) -> None:
    # Most of an address file is ASCII; the accented street may come last.
    late = "Rue de l’Église – Café Müller" if encoding == "cp1252" else "Düsseldorf 北京"
    texts = ["Forest Ave"] * 6000 + [late]
    path = write_shapefile(tmp_path, encoding, "none", texts)
    result = read_layer(path)
    assert result.frame["name"].iloc[-1] == late
    assert result.source.encoding == encoding


def _zipped(shapefile: Path, zip_path: Path) -> Path:
    with zipfile.ZipFile(zip_path, "w") as archive:
        for member in sorted(shapefile.parent.iterdir()):
            archive.write(member, f"data/{member.name}")
    return zip_path


def test_a_zipped_shapefile_is_checked_like_one_on_disk(tmp_path: Path) -> None:
    plain = _zipped(write_shapefile(tmp_path / "a", "gbk", "none"), tmp_path / "a.zip")
    result = read_layer(plain)
    assert list(result.frame["name"]) == TEXTS["gbk"]
    assert result.source.encoding == "gbk"

    wrong = _zipped(write_shapefile(tmp_path / "b", "cp1251", "wrong"), tmp_path / "b.zip")
    with pytest.raises(EncodingUncertainError) as raised:
        read_layer(wrong)
    assert "b.zip (data/roads.shp)" in str(raised.value)
    assert raised.value.file_name == "data/roads.shp"
    assert raised.value.candidates[0].codec == "cp1251"
    chosen = read_layer(wrong, encoding="cp1251")
    assert list(chosen.frame["name"]) == TEXTS["cp1251"]
    assert (chosen.source.layer, chosen.source.encoding) == ("data/roads.shp", "cp1251")


@pytest.mark.parametrize(
    "texts",
    [
        ["Гренада", "கிரெனடா"],  # Tamil vowel signs are combining marks, not symbols
        ["\U00018cd6 (a character newer than Python's tables)"],
        ["Ελληνικά", "Forest Ave", "北京"],  # several scripts in one field
    ],
)
def test_a_utf8_cpg_that_decodes_is_trusted_in_any_script(tmp_path: Path, texts: list[str]) -> None:
    # Found by the corpus (fiona's gre.shp) and the export round trip: valid
    # UTF-8 under a .cpg saying so was asked about, as if it might be garbled.
    path = write_shapefile(tmp_path, "utf-8", "correct", texts)
    assert check_dbf(path.with_suffix(".dbf")).encoding == "utf-8"
    assert list(read_layer(path).frame["name"]) == texts
