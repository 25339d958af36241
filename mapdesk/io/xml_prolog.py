"""Refusing XML that declares entities or a DTD, before GDAL parses it.

GDAL reads KML, GML, GPX and OSM files with its own copy of expat. Measured
with GDAL 3.12 (tests/io/test_hostile_xml.py keeps these true):

- KML (LIBKML and KML drivers) stops at the first entity declaration;
- GML, GPX and OSM expand internal entities into attribute values, and only
  expat's own amplification limit (or, for GPX, a "million laughs" check)
  stops a billion-laughs file; a quadratic blow-up hides the root element
  from GDAL's format detection;
- none fetches an external entity or DTD, but nothing in GDAL promises that.

A GIS file never needs a DTD, so mapdesk reads only the file's prolog (the
part before the first element, bounded by :data:`MAX_PROLOG_BYTES`) with
expat, which reports a DOCTYPE and each entity declaration *before* anything
is expanded or fetched, and refuses the file when it has either. The scan
stops at the root element, so it costs microseconds on a real file.
"""

from __future__ import annotations

import xml.parsers.expat
from collections.abc import Iterator
from typing import IO

from mapdesk.core.errors import UnsafeFileError

#: No GIS file has more than a few hundred bytes before its root element.
MAX_PROLOG_BYTES = 1_000_000
_CHUNK = 16_384
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class _RootReached(Exception):
    """The prolog is over: the first element has started."""


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def looks_like_xml(head: bytes) -> bool:
    """True when a file's first bytes are XML (any encoding expat detects)."""
    for bom in _BOMS:
        if head.startswith(bom):
            return bom != _BOMS[0] or head[len(bom) :].lstrip().startswith(b"<")
    return head.lstrip().startswith(b"<") or head.startswith((b"\x00<", b"<\x00"))


class _PrologWatch:
    """expat handlers that stop at the first DTD, entity or element."""

    def __init__(self) -> None:
        self.subset = False

    def doctype(self, name: str, system_id: str | None, public_id: str | None, subset: int) -> None:
        if system_id or public_id:
            raise _Refused(
                f"its DOCTYPE refers to an external DTD ('{system_id or public_id}'), which "
                "a GIS file never needs; reading it could make the reader fetch a file or a "
                "web address (an XXE attack)"
            )
        self.subset = bool(subset)

    def doctype_end(self) -> None:
        # Reached only when the internal DTD declared no entity (those stop earlier).
        if self.subset:
            raise _Refused(
                "it declares a DTD, which a GIS file never needs; DTD entities can read "
                "files on this computer (XXE) or expand to gigabytes (billion laughs)"
            )

    @staticmethod
    def entity(name: str, is_parameter: int, *rest: object) -> None:
        kind = "a parameter entity" if is_parameter else "an entity"
        raise _Refused(
            f"it declares {kind} ('{name}'), which a GIS file never needs; entities can "
            "read files on this computer (XXE) or expand to gigabytes (billion laughs)"
        )

    @staticmethod
    def external(*args: object) -> int:
        raise _Refused("it refers to an external entity (an XXE attack)")

    @staticmethod
    def element(*args: object) -> None:
        raise _RootReached


def _parser() -> xml.parsers.expat.XMLParserType:
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    watch = _PrologWatch()
    parser.StartDoctypeDeclHandler = watch.doctype
    parser.EndDoctypeDeclHandler = watch.doctype_end
    parser.EntityDeclHandler = watch.entity
    parser.ExternalEntityRefHandler = watch.external
    parser.StartElementHandler = watch.element
    return parser


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    read = 0
    while read < MAX_PROLOG_BYTES:
        chunk = stream.read(min(_CHUNK, MAX_PROLOG_BYTES - read))
        if not chunk:
            return
        read += len(chunk)
        yield chunk


def _fallback(head: bytes) -> str | None:
    """What a byte scan sees when expat cannot read the prolog (an odd encoding)."""
    for marker in (b"<!DOCTYPE", b"<!ENTITY", b"<\x00!\x00D\x00", b"\x00<\x00!\x00D"):
        if marker in head:
            return "it declares a DTD, which a GIS file never needs"
    return None


def _scan(stream: IO[bytes]) -> str | None:
    """Why the XML in ``stream`` is refused, or None when its prolog is harmless."""
    parser = _parser()
    head = b""
    read = 0
    try:
        for chunk in _chunks(stream):
            if len(head) < _CHUNK:
                head += chunk[: _CHUNK - len(head)]
            read += len(chunk)
            parser.Parse(chunk, False)
        if read >= MAX_PROLOG_BYTES:
            return (
                f"its first {MAX_PROLOG_BYTES // 1_000_000} MB hold no XML element, which no "
                "GIS file looks like"
            )
        parser.Parse(b"", True)
    except _RootReached:
        return None
    except _Refused as refused:
        return refused.reason
    except xml.parsers.expat.ExpatError:
        # Damaged or in an encoding expat lacks: GDAL will say what is wrong,
        # but never let a DOCTYPE through unseen.
        return _fallback(head)
    return None


def check_xml_stream(stream: IO[bytes], name: str) -> None:
    """Refuse the XML in ``stream`` if its prolog has a DTD or entities.

    Parameters
    ----------
    stream : binary file
        Positioned at the start of the document; at most
        :data:`MAX_PROLOG_BYTES` are read from it.
    name : str
        What to call the file in the message, e.g. ``parcels.kml`` or
        ``parcels.kmz (doc.kml)``.

    Raises
    ------
    UnsafeFileError
        Naming the file and what it declares.
    """
    reason = _scan(stream)
    if reason is not None:
        raise UnsafeFileError(f"{name}: refused, it was not read: {reason}")
