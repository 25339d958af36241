"""Zipped shapefiles, read in place through GDAL's ``/vsizip/``.

Plain ``/vsizip/x.zip`` only finds shapefiles at the root of the archive, so
the members are listed with :mod:`zipfile` (reading only, never extracting)
and each shapefile is opened by its member path: that reaches a ``.shp`` in a
sub-folder (pyshp's ``REL.zip``) and keeps several shapefiles apart as
several layers. A zip with no shapefile may still hold one GIS file or a File
Geodatabase folder; GDAL then opens that member.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mapdesk.core.errors import UnsupportedFormatError
from mapdesk.io import messages, screening
from mapdesk.io.archives import refuse_nested

#: Single-file formats GDAL opens from inside a zip.
_INNER_EXTENSIONS = (
    ".gpkg", ".geojson", ".json", ".kml", ".fgb", ".gml", ".gpx", ".topojson", ".sqlite",
)  # fmt: skip


@dataclass(frozen=True)
class ZipMember:
    """One shapefile (or lone .dbf table) inside a zip."""

    name: str  # member path inside the zip, e.g. "REL/releaseArea.shp"
    gdal_path: str  # /vsizip/<zip>/<member>
    has_shx: bool
    has_prj: bool


@dataclass(frozen=True)
class ZipContents:
    """What a zip holds: shapefile members, or one other dataset GDAL can open."""

    members: tuple[ZipMember, ...]
    inner_gdal_path: str | None


def vsizip(zip_path: Path, member: str) -> str:
    """The GDAL path of ``member`` inside ``zip_path``."""
    return f"/vsizip/{zip_path.as_posix()}/{member}"


def _member_names(zip_path: Path) -> list[str]:
    # Hostile archives (zip slip, links, bombs, DTDs in a KML) are refused here.
    return screening.screen_archive(zip_path)


def _stem(member: str) -> str:
    return member.rsplit(".", 1)[0].lower()


def _shapefile_members(zip_path: Path, names: list[str]) -> list[ZipMember]:
    lower = {n.lower() for n in names}
    shp = [n for n in names if n.lower().endswith(".shp")]
    shp_stems = {_stem(n) for n in shp}
    # A .dbf without its .shp is still a table GDAL reads (shapefile-js noshp.zip).
    dbf = [n for n in names if n.lower().endswith(".dbf") and _stem(n) not in shp_stems]
    members = []
    for name in sorted(shp + dbf, key=str.lower):
        stem = _stem(name)
        has_shx = not name.lower().endswith(".shp") or f"{stem}.shx" in lower
        members.append(ZipMember(name, vsizip(zip_path, name), has_shx, f"{stem}.prj" in lower))
    return members


def _inner_dataset(zip_path: Path, names: list[str]) -> str | None:
    gdb = sorted({n.split(".gdb/")[0] + ".gdb" for n in names if ".gdb/" in n.lower()})
    if len(gdb) == 1:
        return vsizip(zip_path, gdb[0])
    files = [n for n in names if n.lower().endswith(_INNER_EXTENSIONS)]
    return vsizip(zip_path, files[0]) if len(files) == 1 else None


def open_zip(zip_path: Path) -> ZipContents:
    """List the layers a zip holds.

    Raises
    ------
    DataSourceError
        When the file is not a zip archive.
    UnsafeFileError
        When the archive is hostile: an entry escapes it, links elsewhere or is
        repeated, it is a zip bomb, a KML in it declares entities, or its only
        content is another archive (never opened).
    UnsupportedFormatError
        When it holds neither shapefiles nor exactly one other GIS file,
        naming what it does hold.
    """
    every = _member_names(zip_path)
    names = [n for n in every if not n.endswith("/")]
    members = _shapefile_members(zip_path, names)
    if members:
        return ZipContents(tuple(members), None)
    inner = _inner_dataset(zip_path, every)
    if inner is not None:
        return ZipContents((), inner)
    refuse_nested(zip_path, names)
    held = ", ".join(PurePosixPath(n).name for n in names[:8]) or "nothing"
    more = f" and {len(names) - 8} more" if len(names) > 8 else ""
    raise UnsupportedFormatError(
        f"{zip_path.name}: this zip holds no shapefile or other GIS file mapdesk can read "
        f"(it contains: {held}{more})"
    )


def find_member(zip_path: Path, contents: ZipContents, layer: str | None) -> ZipMember:
    """The member a layer name refers to: its member path, or its file stem.

    Raises
    ------
    LayerNotFoundError
        When ``layer`` is None and the zip holds several shapefiles, or when
        no member matches, listing the member names.
    """
    names = [m.name for m in contents.members]
    if layer is None:
        if len(contents.members) == 1:
            return contents.members[0]
        raise messages.choose_layer(zip_path.name, names)
    for matches in (
        lambda m: m.name == layer,
        lambda m: m.name.lower() == layer.lower(),
        lambda m: PurePosixPath(m.name).stem.lower() == layer.lower(),
    ):
        found = [m for m in contents.members if matches(m)]
        if len(found) == 1:
            return found[0]
    raise messages.layer_not_found(zip_path.name, layer, names)
