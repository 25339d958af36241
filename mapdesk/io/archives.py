"""Refusing zip archives built to harm, before anything reads a member.

mapdesk never extracts an archive: zipped shapefiles, KMZ and zipped File
Geodatabases are read in place through GDAL's ``/vsizip/``, and a ``.qgz``
project is read member by member into memory. Even so, an archive from
outside the city is checked first (RELIABILITY.md, row 19), because:

- entry names with ``..``, an absolute path or a drive letter ("zip slip")
  would reach outside the archive in a ``/vsizip/`` path or in any tool that
  later extracts it, and a symbolic-link entry points at a file of the
  reader's choosing;
- two entries with the same name mean the entry that was checked need not be
  the entry that is read;
- a "zip bomb" (a few kilobytes that unpack to gigabytes, through a
  compression ratio no real data reaches, entries that share their
  compressed bytes, or archives nested in archives) would take minutes and
  all the memory to read;
- tens of thousands of entries make listing alone slow, and no GIS dataset
  needs them.

Only the central directory is read here (names, sizes, offsets): a refused
archive is never decompressed.
"""

from __future__ import annotations

import itertools
import stat
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from mapdesk.core.errors import UnsafeFileError

#: More entries than any GIS dataset needs: a File Geodatabase of hundreds of
#: feature classes, or a thousand shapefile tiles, is a few thousand files.
MAX_ENTRIES = 9_999
#: The most an archive may unpack to in all.
MAX_UNPACKED_BYTES = 20_000_000_000
#: Deflate cannot pack real data much tighter than this; a bomb's entries
#: come close to its limit of about 1,030 : 1.
MAX_RATIO = 200
#: Entries smaller than this unpacked are never called a bomb, whatever their ratio:
#: honest data reaches ratios of several hundred (a shapefile's .dbf of blank
#: 254-character text fields, as ArcGIS exports them, packs over 300 times), and
#: below this an entry costs no more to read than an honest file of its size.
RATIO_FLOOR_BYTES = 1_000_000_000
#: Archive formats: one inside another is never opened (the "42.zip" bomb nests them).
ARCHIVE_SUFFIXES = (
    ".zip", ".kmz", ".qgz", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".zst",
)  # fmt: skip
_LOCAL_HEADER = 30  # bytes of a zip local file header before its name


def _problem(archive: Path, entry: str, what: str) -> UnsafeFileError:
    return UnsafeFileError(
        f"{archive.name}: refused, nothing was read from it: its entry '{entry}' {what}"
    )


def _name_problem(name: str) -> str | None:
    """Why an entry name could reach outside the archive, or None."""
    text = name.replace("\\", "/")
    if "\x00" in text:
        return "has a NUL character in its name"
    if text.startswith("/"):
        return "is an absolute path (it would be written outside the archive's folder)"
    if len(text) >= 2 and text[1] == ":" and text[0].isalpha():
        return "starts with a drive letter (it would be written outside the archive's folder)"
    if ".." in PurePosixPath(text).parts:
        return "climbs out of the archive with '..' (a 'zip slip' attack)"
    return None


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _check_entries(archive: Path, infos: Sequence[zipfile.ZipInfo]) -> None:
    seen: set[str] = set()
    for info in infos:
        problem = _name_problem(info.filename)
        if problem is None and _is_symlink(info):
            problem = "is a symbolic link (it could point at any file on this computer)"
        key = info.filename.replace("\\", "/").rstrip("/")
        if problem is None and key in seen:
            problem = "appears twice (the copy that is checked need not be the copy that is read)"
        if problem is not None:
            raise _problem(archive, info.filename, problem)
        seen.add(key)


def _check_sizes(archive: Path, infos: Sequence[zipfile.ZipInfo]) -> None:
    total = 0
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            raise _problem(
                archive,
                info.filename,
                f"unpacks to {info.file_size / 1e6:,.0f} MB from "
                f"{info.compress_size / 1e6:,.2f} MB ({ratio:,.0f} times smaller), a ratio "
                "real data never reaches: this is a zip bomb",
            )
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise _problem(
                archive,
                info.filename,
                f"brings the unpacked size to over {MAX_UNPACKED_BYTES / 1e9:,.0f} GB, more "
                "than mapdesk reads from one archive",
            )


def _check_overlaps(archive: Path, infos: Sequence[zipfile.ZipInfo]) -> None:
    """Refuse entries that share compressed bytes (how a 42 KB file claims 4 GB)."""
    spans = sorted(infos, key=lambda i: i.header_offset)
    for here, after in itertools.pairwise(spans):
        # The name as stored: UTF-8 when flagged, else code page 437.
        name_bytes = len(here.orig_filename.encode("utf-8" if here.flag_bits & 0x800 else "cp437"))
        end = here.header_offset + _LOCAL_HEADER + name_bytes + here.compress_size
        if end > after.header_offset:
            raise _problem(
                archive,
                after.filename,
                f"overlaps the data of '{here.filename}' (entries that share their "
                "compressed bytes are a zip bomb)",
            )


def refuse_nested(archive: Path, names: Sequence[str]) -> None:
    """Refuse an archive whose data could only come from an archive inside it.

    mapdesk never opens an archive inside an archive (nested archives are how
    the worst zip bombs are built, "42.zip"); one beside readable data is
    simply left alone, so only a caller that found nothing else calls this.

    Raises
    ------
    UnsafeFileError
        Naming the first nested archive.
    """
    nested = [n for n in names if n.lower().rstrip("/").endswith(ARCHIVE_SUFFIXES)]
    if nested:
        raise _problem(
            archive,
            nested[0],
            "is an archive inside the archive, which mapdesk does not open (nested "
            "archives are how the worst zip bombs are built); extract it and open it on "
            "its own",
        )


def check_archive(archive: Path) -> list[zipfile.ZipInfo]:
    """Check a zip's central directory and return its entries, in archive order.

    Parameters
    ----------
    archive : Path
        A ``.zip``, ``.kmz``, ``.gdb.zip`` or ``.qgz`` file.

    Raises
    ------
    UnsafeFileError
        When an entry escapes the archive, is a symbolic link, a duplicate,
        or part of a zip bomb, or when there are more than
        :data:`MAX_ENTRIES` entries; the message names the archive and the entry.
    zipfile.BadZipFile, OSError
        When the file is not a readable zip; the caller says so in its terms.
    """
    with zipfile.ZipFile(archive) as opened:
        infos = opened.infolist()
    if len(infos) > MAX_ENTRIES:
        raise UnsafeFileError(
            f"{archive.name}: refused, nothing was read from it: it holds {len(infos):,} "
            f"entries, more than the {MAX_ENTRIES:,} any GIS dataset needs"
        )
    _check_entries(archive, infos)
    _check_sizes(archive, infos)
    _check_overlaps(archive, infos)
    return infos
