"""Screening a file before GDAL opens it: hostile archives and XML are refused.

GDAL chooses its driver by the file's content, not its name, so the
screening does too: a file that starts like a zip (``PK``) is checked as an
archive (:mod:`mapdesk.io.archives`) and the XML entries GDAL would parse in
it (the ``doc.kml`` of a KMZ) are checked as XML; a file that starts like XML
is checked as XML (:mod:`mapdesk.io.xml_prolog`). Everything else (GeoPackage,
shapefile, FlatGeobuf, GeoJSON...) costs one read of a few bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from mapdesk.core.errors import DataSourceError, UnsafeFileError
from mapdesk.io.archives import check_archive
from mapdesk.io.xml_prolog import MAX_PROLOG_BYTES, check_xml_stream, looks_like_xml

#: Entries GDAL parses as XML when it reads them: datasets and GML's schema
#: sidecars. Metadata (``.shp.xml``, old FGDC files with a DOCTYPE) is never
#: parsed, so never checked.
XML_SUFFIXES = (".kml", ".gml", ".gpx", ".osm", ".gfs", ".xsd")
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_HEAD = 64
_UTF8_BOM = b"\xef\xbb\xbf"
#: How much XML prolog one archive's entries may make mapdesk read in all.
_ARCHIVE_XML_BUDGET = 4 * MAX_PROLOG_BYTES


def _not_a_zip(archive: Path) -> DataSourceError:
    return DataSourceError(
        f"{archive.name}: this is not a valid zip archive (it is damaged or another kind "
        "of file renamed)"
    )


def check_zip_xml(archive: Path, entries: Sequence[str]) -> None:
    """Refuse the archive if one of ``entries`` (XML inside it) declares a DTD or entities.

    Raises
    ------
    UnsafeFileError
        Naming the archive and the entry.
    DataSourceError
        When the archive cannot be read.
    """
    budget = _ARCHIVE_XML_BUDGET
    try:
        with zipfile.ZipFile(archive) as opened:
            for entry in entries:
                if budget <= 0:
                    raise UnsafeFileError(
                        f"{archive.name}: refused, it was not read: its XML entries hold "
                        "more text before their first element than any GIS archive"
                    )
                budget -= _check_entry(opened, archive, entry)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise _not_a_zip(archive) from exc


def _check_entry(opened: zipfile.ZipFile, archive: Path, entry: str) -> int:
    """Check one XML entry; return how many bytes of it were read."""
    try:
        with opened.open(entry) as stream:
            check_xml_stream(stream, f"{archive.name} ({entry})")
            return stream.tell()
    except RuntimeError as exc:  # zipfile's word for a password-protected entry
        raise DataSourceError(
            f"{archive.name}: its entry '{entry}' is password-protected; mapdesk cannot "
            "read encrypted archives"
        ) from exc


def xml_entries(names: Sequence[str]) -> list[str]:
    """The entries of an archive that GDAL would parse as XML."""
    return [n for n in names if n.lower().endswith(XML_SUFFIXES)]


def screen_archive(archive: Path) -> list[str]:
    """Check an archive and the XML in it; return its entry names.

    Raises
    ------
    UnsafeFileError
        When the archive or an XML entry is hostile (see :mod:`mapdesk.io.archives`).
    DataSourceError
        When the file is not a readable zip.
    """
    try:
        infos = check_archive(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _not_a_zip(archive) from exc
    names = [i.filename for i in infos if not i.is_dir()]
    check_zip_xml(archive, xml_entries(names))
    return [i.filename for i in infos]


def _starts_like_xml(handle: IO[bytes], head: bytes) -> bool:
    """True when the file's first bytes past any leading blank lines are XML.

    GDAL's GPX driver opens a file that starts with blank lines and then
    expands the entities it declares, so the blank run is skipped (at most
    :data:`MAX_PROLOG_BYTES` of it: beyond that the file is screened as XML,
    and refused as one whose prolog is too long).
    """
    rest = head[len(_UTF8_BOM) :] if head.startswith(_UTF8_BOM) else head
    read = len(head)
    while rest and not rest.strip():
        if read >= MAX_PROLOG_BYTES:
            return True
        rest = handle.read(_HEAD)
        read += len(rest)
    return looks_like_xml(head if rest is head else rest)


def screen_for_gdal(path: Path) -> None:
    """Refuse ``path`` before GDAL opens it if it is a hostile archive or XML file.

    A File Geodatabase folder and other non-files pass unchecked.

    Raises
    ------
    UnsafeFileError
        Naming the file (and the archive entry) and what is wrong.
    """
    if not path.is_file():
        return
    if path.suffix.lower() == ".gml":  # GDAL reads a GML's schema sidecars too
        for sidecar in (path.with_suffix(".xsd"), path.with_suffix(".gfs")):
            screen_for_gdal(sidecar)
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
        if _starts_like_xml(handle, head):
            handle.seek(0)
            check_xml_stream(handle, path.name)
    if head.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        screen_archive(path)
