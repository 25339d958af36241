"""Text given as a layer's source that is not the path of a local file.

A path reaches mapdesk from the Add Layer dialog, a drop, the command line
or a project file. GDAL would take much more than a path: a web address, a
``/vsicurl/`` virtual path, a connection string (``WFS:``, ``PG:``) or the
GeoJSON text itself, and would then fetch from the network or parse text the
user never meant to open (RELIABILITY.md, row 9). :func:`non_file_reason`
says why such text is not a file, in words that name the text and say what to
do instead; :func:`mapdesk.io.paths.check_local_path` refuses it with that
message, and a project keeps it as written so the same message reaches the
layer's "unavailable" flag.

``postgresql://`` addresses are PostGIS tables and are not judged here: the
readers send them to :mod:`mapdesk.io.postgis` before any path check.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlparse

#: A web or other address (``https://``, ``ftp://``, ``s3://``, ``file://``).
_ADDRESS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: A GDAL connection string or driver prefix (``PG:``, ``WFS:``, ``GPKG:``);
#: two characters at least, so that a Windows drive (``C:``) is not one.
_CONNECTION = re.compile(r"^([A-Za-z][A-Za-z0-9_]+):")
#: How much of the text a message quotes.
_QUOTED_CHARS = 60


def quoted(text: str) -> str:
    """``text`` as a message quotes it: on one line, control characters shown, cut at 60."""
    shown = "".join(_visible(c) for c in " ".join(text.split()))
    if len(shown) > _QUOTED_CHARS:
        shown = shown[: _QUOTED_CHARS - 3] + "..."
    return f"'{shown}'"


def _visible(char: str) -> str:
    if char == "\x00":
        return "\\0"
    return char if char.isprintable() else f"\\x{ord(char):02x}"


def names_existing_file(text: str) -> bool:
    """True when ``text`` is the name of something on disk (never raises).

    ``os.path.exists`` answers False for text too long to be a path or with a
    NUL in it, where :meth:`pathlib.Path.exists` raises.
    """
    return os.path.exists(os.path.expanduser(text))


def non_file_reason(text: str) -> str | None:
    """Why ``text`` cannot be opened as a local file, or None when it may be a path.

    Parameters
    ----------
    text : str
        What the user typed, dropped or a project saved as a layer's source.

    Returns
    -------
    str or None
        A message that quotes the text and says what to do instead. Inline text
        and connection strings that happen to name an existing file (a file
        really called ``[draft] roads.geojson``) are paths, and get None.

    Examples
    --------
    >>> non_file_reason("/data/parcels.gpkg") is None
    True
    >>> non_file_reason("https://gis.example.org/parcels.geojson")[:40]
    "'https://gis.example.org/parcels.geojson"
    """
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        return "No file was given: choose a file to open"
    shown = quoted(stripped)
    if "\x00" in text:
        return (
            f"{shown}: a file path cannot contain a NUL character; choose the file with "
            "Layer ▸ Add Layer… instead of pasting its name"
        )
    if stripped.lower().startswith("file:"):
        local = unquote(urlparse(stripped).path)
        return f"{shown}: this is a file address, not a path; open the file itself" + (
            f": {local}" if local.strip("/\\") else ""
        )
    if _ADDRESS.match(stripped):
        return (
            f"{shown}: web addresses cannot be opened as files; download the data and "
            "open the downloaded file"
        )
    # A UNC path (\\\\server\\share) whose server happens to start with "vsi" is a file.
    unc = re.match(r"^\\\\[^\\/]", stripped) is not None
    if not unc and re.sub(r"^[/\\]+", "/", stripped).replace("\\", "/").lower().startswith("/vsi"):
        return (
            f"{shown}: GDAL virtual paths (/vsi...) are not accepted; open the file itself "
            "(mapdesk opens zip files directly)"
        )
    if names_existing_file(text):
        return None
    return _inline_text_reason(stripped, shown) or _connection_reason(stripped, shown)


def _inline_text_reason(stripped: str, shown: str) -> str | None:
    if stripped.startswith(("{", "[")):
        return (
            f"{shown}: this is GeoJSON text, not a file path; save it as a .geojson file "
            "and open that file"
        )
    if stripped.startswith("<"):
        return (
            f"{shown}: this is XML text (KML or GML), not a file path; save it as a file "
            "and open that file"
        )
    if "\n" in stripped or "\r" in stripped:
        return (
            f"{shown}: this is several lines of text, not a file path; save the data as a "
            "file and open that file"
        )
    return None


def _connection_reason(stripped: str, shown: str) -> str | None:
    prefix = _CONNECTION.match(stripped)
    if prefix is None:
        return None
    if prefix.group(1).upper() in {"PG", "POSTGRESQL"}:
        return (
            f"{shown}: GDAL connection strings are not accepted; add a PostGIS table with "
            "Layer ▸ Add PostGIS Layer…, or give its address as "
            "postgresql://user@host/database?table=schema.table"
        )
    return (
        f"{shown}: GDAL connection strings ({prefix.group(1)}:...) are not accepted; "
        "open a local file (for a web service, download the data first)"
    )
