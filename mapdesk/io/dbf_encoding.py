"""Which text encoding a shapefile's DBF is in, checked before GDAL reads it.

GDAL decodes a DBF with the encoding its ``.cpg`` names, else the one its
language-driver byte (LDID, byte 29) gives, else ISO-8859-1. All three are
often wrong: a ``.cpg`` written by a tool that then wrote another code page,
LDID 0 on a Windows-1252 file from ArcView, GBK text with no declaration at
all. GDAL never fails on such a file: it returns mojibake ("DÃ¼sseldorf",
"Ìîñêâà", C1 control characters) that an analyst may not notice until it is
exported on to the 911 system.

This module reads the raw bytes of the DBF's text fields and checks them:
does the encoding GDAL would use decode them, and does the result look like
text (no U+FFFD, no control characters, no "Ã¼"/"â€“" patterns, no words
mixing scripts or made of accented letters only)? The answer is *sure*
(read with this encoding) or *unsure* (these candidates decode cleanly; here
are a few values in each, let the user choose). It only reads bytes: no GDAL,
no Qt.
"""

from __future__ import annotations

import itertools
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from mapdesk.core.errors import EncodingChoice, EncodingUncertainError

#: Encodings tried when the declared one does not fit, most likely first for
#: Portland's contractors: (Python codec, GDAL/iconv name, what the user sees).
CANDIDATES: tuple[tuple[str, str, str], ...] = (
    ("utf-8", "UTF-8", "UTF-8 (Unicode)"),
    ("cp1252", "CP1252", "Windows-1252 (Western European)"),
    ("cp850", "CP850", "DOS 850 (Western European, dBase)"),
    ("cp437", "CP437", "DOS 437 (US, dBase)"),
    ("iso-8859-15", "ISO-8859-15", "ISO-8859-15 (Western European with €)"),
    ("cp1250", "CP1250", "Windows-1250 (Central European)"),
    ("cp1251", "CP1251", "Windows-1251 (Cyrillic)"),
    ("koi8-r", "KOI8-R", "KOI8-R (Russian)"),
    ("gbk", "GBK", "GBK (Simplified Chinese)"),
    ("big5", "BIG5", "Big5 (Traditional Chinese)"),
    ("shift_jis", "SHIFT_JIS", "Shift-JIS (Japanese)"),
    ("euc-kr", "EUC-KR", "EUC-KR (Korean)"),
)
_GDAL_NAMES = {codec: gdal for codec, gdal, _label in CANDIDATES}
_LABELS = {codec: label for codec, _gdal, label in CANDIDATES}

#: GDAL's reading of the LDID byte (ogr/ogrsf_frmts/shape, ``ConvertCodePage``).
_LDID: dict[int, str] = {
    0x01: "cp437",
    0x02: "cp850",
    0x03: "cp1252",
    0x08: "cp865",
    0x09: "cp437",
    0x0A: "cp850",
    0x0B: "cp437",
    0x0D: "cp437",
    0x0E: "cp850",
    0x0F: "cp437",
    0x10: "cp850",
    0x11: "cp437",
    0x12: "cp850",
    0x13: "cp932",
    0x14: "cp850",
    0x15: "cp437",
    0x16: "cp850",
    0x17: "cp865",
    0x18: "cp437",
    0x19: "cp437",
    0x1A: "cp850",
    0x1B: "cp437",
    0x1C: "cp863",
    0x1D: "cp850",
    0x1F: "cp852",
    0x22: "cp852",
    0x23: "cp852",
    0x24: "cp860",
    0x25: "cp850",
    0x26: "cp866",
    0x37: "cp850",
    0x40: "cp852",
    0x4D: "gbk",
    0x4E: "cp949",
    0x4F: "big5",
    0x50: "cp874",
    0x57: "iso-8859-1",  # "ANSI": GDAL reads ISO-8859-1
    0x58: "cp1252",
    0x59: "cp1252",
    0x64: "cp852",
    0x65: "cp866",
    0x66: "cp865",
    0x67: "cp861",
    0x6A: "cp737",
    0x6B: "cp857",
    0x78: "big5",
    0x79: "cp949",
    0x7A: "gbk",
    0x7B: "cp932",
    0x7C: "cp874",
    0x86: "cp737",
    0x87: "cp852",
    0x88: "cp857",
    0xC8: "cp1250",
    0xC9: "cp1251",
    0xCA: "cp1254",
    0xCB: "cp1253",
    0xCC: "cp1257",
}
#: What GDAL uses when neither a .cpg nor an LDID says anything.
GDAL_DEFAULT = "iso-8859-1"
#: Non-ASCII text values (and their bytes) collected: enough to see a file's
#: code page, little enough to judge instantly. All-ASCII records are only
#: scanned (numpy), so an accented row after a million plain ones is found.
SAMPLE_RECORDS = 5000
SAMPLE_BYTES = 2_000_000
#: Values shown per candidate in the "choose the encoding" preview.
PREVIEW_VALUES = 5

# UTF-8 read as a single-byte code page: "Ã¼", "Ã©", "â€“", "Â ".
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|â€|Ã[\u0080-\u00ff]")
_ORDINARY_PUNCTUATION = set("–—‘’‚“”„«»·…•€£¥°§¶×÷¿¡ªº½¼¾¢©®™±µ")


@dataclass(frozen=True)
class EncodingCheck:
    """What the check found for one DBF.

    Attributes
    ----------
    gdal_encoding : str
        The encoding GDAL would use on its own (its ``SOURCE_ENCODING``),
        as a Python codec name.
    declared_by : str
        ``"cpg"``, ``"ldid"`` or ``"default"``: where ``gdal_encoding`` came from.
    encoding : str or None
        The encoding to read with when the check is sure (a Python codec);
        None when unsure.
    candidates : tuple of EncodingChoice
        When unsure: the encodings that decode the text cleanly, most
        plausible first, each with a preview of values.
    """

    gdal_encoding: str
    declared_by: str
    encoding: str | None
    candidates: tuple[EncodingChoice, ...] = ()

    @property
    def sure(self) -> bool:
        return self.encoding is not None


def gdal_name(codec: str) -> str:
    """The name GDAL's recoder (iconv) knows ``codec`` by."""
    return _GDAL_NAMES.get(codec, codec.upper().replace("_", "-"))


def label(codec: str) -> str:
    """``codec`` as the encoding dialog names it."""
    return _LABELS.get(codec, codec.upper())


# ------------------------------------------------------------------ declared


def cpg_encoding(text: str) -> str | None:
    """The codec a ``.cpg`` names, read as GDAL reads it ("1252", "UTF-8", "ANSI 1251"…)."""
    value = text.strip().lstrip("\ufeff").strip().upper()
    if not value:
        return None
    if value in {"UTF-8", "UTF8", "65001"}:
        return "utf-8"
    if value.startswith("8859"):  # "88591" is ISO-8859-1
        part = value[4:].lstrip("-_")
        return f"iso-8859-{part}" if part.isdigit() else None
    digits = value.removeprefix("ANSI").removeprefix("OEM").removeprefix("CP").strip()
    if digits.isdigit():
        return _codec_or_none(f"cp{digits}")
    return _codec_or_none(value.lower())


def _codec_or_none(name: str) -> str | None:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _sidecar_text(dbf: Path, suffix: str) -> str | None:
    for candidate in (dbf.with_suffix(suffix), dbf.with_suffix(suffix.upper())):
        try:
            return _cpg_text(candidate.read_bytes())
        except OSError:
            continue
    return None


def _cpg_text(data: bytes) -> str:
    return data[:200].decode("ascii", errors="ignore")


def declared_encoding(dbf: Path, ldid: int) -> tuple[str, str]:
    """What GDAL would decode ``dbf`` with, and what said so (cpg/ldid/default)."""
    return _declared(_sidecar_text(dbf, ".cpg"), ldid)


def _declared(cpg: str | None, ldid: int) -> tuple[str, str]:
    if cpg is not None and (codec := cpg_encoding(cpg)) is not None:
        return codec, "cpg"
    if ldid in _LDID:
        return _LDID[ldid], "ldid"
    return GDAL_DEFAULT, "default"


# ------------------------------------------------------------------ raw text

#: Bytes of records scanned at a time for non-ASCII text.
_CHUNK_BYTES = 4_000_000


def _text_values(handle: IO[bytes]) -> tuple[int, list[bytes]]:
    """The LDID byte and the raw, non-ASCII-bearing text values of the DBF.

    Field names count too: GDAL decodes them with the same encoding. Records
    are scanned in chunks with numpy until :data:`SAMPLE_RECORDS` values or
    :data:`SAMPLE_BYTES` of them are found, so a file whose first thousands
    of rows are plain ASCII is still judged by the accented rows further on,
    without holding the file in memory.
    """
    header = handle.read(32)
    if len(header) < 32:
        return 0, []
    records, header_size, record_size = struct.unpack("<IHH", header[4:12])
    descriptors = handle.read(max(header_size - 32, 0))
    fields: list[tuple[int, int]] = []
    names: list[bytes] = []
    offset = 1  # the deletion flag
    for start in range(0, len(descriptors) - 31, 32):
        block = descriptors[start : start + 32]
        if block[0] == 0x0D:
            break
        size = block[16]
        names.append(block[:11].split(b"\0", 1)[0])
        if block[11:12] in (b"C", b"M") and offset + size <= record_size:
            fields.append((offset, size))
        offset += size
    values = [name for name in names if not name.isascii()]
    if not fields or not record_size or header_size < 32:
        return header[29], values
    columns = np.concatenate([np.arange(start, start + size) for start, size in fields])
    per_chunk = max(1, _CHUNK_BYTES // record_size)
    remaining, found = records, 0
    while remaining > 0 and len(values) < SAMPLE_RECORDS and found < SAMPLE_BYTES:
        body = handle.read(min(per_chunk, remaining) * record_size)
        rows = len(body) // record_size
        if not rows:
            break
        remaining -= rows
        table = np.frombuffer(body, np.uint8, rows * record_size).reshape(rows, record_size)
        for row in np.flatnonzero((table[:, columns] >= 0x80).any(axis=1)):
            record = body[row * record_size : (row + 1) * record_size]
            for start, size in fields:
                value = record[start : start + size].rstrip(b" \0")
                if value and not value.isascii():
                    values.append(value)
                    found += len(value)
            if len(values) >= SAMPLE_RECORDS or found >= SAMPLE_BYTES:
                break
    return header[29], values


# ------------------------------------------------------------------ plausibility


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH KATAKANA", "IDEOGRAPHIC")):
        return "CJK"
    return name.split(" ", 1)[0]


def oddities(text: str) -> int:
    """How many things in ``text`` real text does not contain (0 for clean text).

    Control and unassigned characters, U+FFFD, box drawing, the "Ã¼"/"â€“"
    patterns of UTF-8 read as a single-byte code page, and words that mix
    scripts, change to upper case mid-word, hold a symbol between letters or
    are made mostly of accented Latin letters (Cyrillic or GBK read as Latin).
    """
    odd = len(_MOJIBAKE.findall(text))
    for char in text:
        category = unicodedata.category(char)
        control = category in {"Cc", "Co", "Cn"} and char not in "\t\r\n"
        if char == "\ufffd" or control or "\u2500" <= char <= "\u259f":  # box drawing
            odd += 1
    for word in re.findall(r"\w+", text):
        odd += _odd_word(word)
    for before, char, after in zip(text, text[1:], text[2:], strict=False):
        combining = unicodedata.category(char).startswith("M")  # vowel signs, accents
        if char.isascii() or char in _ORDINARY_PUNCTUATION or char.isalnum() or combining:
            continue
        if before.isalpha() and after.isalpha():
            odd += 1
    return odd


def _odd_word(word: str) -> int:
    letters = [c for c in word if c.isalpha()]
    if not letters or word.isascii():
        return 0
    odd = 0
    scripts = {_script(c) for c in letters}
    if len(scripts) > 1:
        odd += 1
    if scripts == {"LATIN"} and len(letters) >= 3:
        accented = sum(1 for c in letters if not c.isascii())
        if accented * 2 > len(letters):
            odd += 1
    for before, char in itertools.pairwise(word):
        if before.islower() and char.isupper() and not char.isascii():
            odd += 1
            break
    if any(unicodedata.category(c) == "No" for c in word):
        odd += 1  # "D³sseldorf": a superscript inside a word
    return odd


def _decoded(values: list[bytes], codec: str) -> list[str] | None:
    try:
        return [value.decode(codec) for value in values]
    except UnicodeDecodeError:
        return None


def _plausible(texts: list[str]) -> bool:
    non_ascii = sum(1 for text in texts for c in text if not c.isascii())
    odd = sum(oddities(text) for text in texts)
    # A stray odd value in thousands is data; in a handful it is the encoding.
    return odd == 0 or odd * 50 <= non_ascii


def _reading_codec(codec: str, values: list[bytes]) -> str:
    """ISO-8859-1 read as Windows-1252 when that decodes: 0x80–0x9F are never C1
    controls in real text (browsers do the same for the latin-1 label)."""
    if codec == "iso-8859-1" and _decoded(values, "cp1252") is not None:
        return "cp1252"
    return codec


# ------------------------------------------------------------------ the check


def check_dbf(dbf: str | Path) -> EncodingCheck:
    """Check the text encoding of ``dbf`` (a ``.dbf``, or the ``.shp`` beside it).

    Sure when the text is ASCII, or the declared encoding (.cpg or LDID)
    decodes it plausibly, or nothing is declared and exactly one candidate
    reads it plausibly (UTF-8 first: other code pages almost never form valid
    UTF-8). Unsure otherwise, with the candidates that decode it.
    """
    path = _dbf_of(Path(dbf))
    if path is None:
        declared, declared_by = declared_encoding(Path(dbf), 0)
        return EncodingCheck(declared, declared_by, declared)
    with path.open("rb") as handle:
        ldid, values = _text_values(handle)
    return _judge(_sidecar_text(path, ".cpg"), ldid, values)


def check_zipped_dbf(zip_path: Path, member: str) -> EncodingCheck:
    """Check the text encoding of the DBF of ``member`` (a ``.shp`` or ``.dbf``) in a zip.

    Read as :func:`check_dbf` reads a file, streaming the member out of the
    archive (never extracting it).
    """
    stem = member.rsplit(".", 1)[0].lower()
    with zipfile.ZipFile(zip_path) as archive:
        names = {name.lower(): name for name in archive.namelist()}
        cpg = names.get(f"{stem}.cpg")
        cpg_text = _cpg_text(archive.read(cpg)) if cpg is not None else None
        dbf = names.get(f"{stem}.dbf")
        if dbf is None:
            return _judge(cpg_text, 0, [])
        with archive.open(dbf) as handle:
            ldid, values = _text_values(handle)
    return _judge(cpg_text, ldid, values)


def _judge(cpg: str | None, ldid: int, values: list[bytes]) -> EncodingCheck:
    declared, declared_by = _declared(cpg, ldid)
    if not values:
        return EncodingCheck(declared, declared_by, declared)
    reading = _reading_codec(declared, values)
    texts = _decoded(values, reading)
    if declared_by != "default" and texts is not None and _plausible(texts):
        return EncodingCheck(declared, declared_by, reading)
    if declared == "utf-8" and declared_by != "default" and texts is not None:
        # Text in another code page is almost never valid UTF-8, so a .cpg
        # saying UTF-8 that decodes is right, whatever the script (Tamil's
        # vowel signs, characters newer than Python's Unicode tables).
        return EncodingCheck(declared, declared_by, reading)
    choices, plausible = _ranked_choices(values)
    # Nothing declared: UTF-8 that decodes is UTF-8 (other code pages almost
    # never form valid UTF-8); else one plausible reading is the reading.
    one_reading = plausible == 1 or (plausible > 0 and choices[0].codec == "utf-8")
    if declared_by == "default" and one_reading:
        return EncodingCheck(declared, declared_by, choices[0].codec)
    return EncodingCheck(declared, declared_by, None, choices)


def _dbf_of(path: Path) -> Path | None:
    for suffix in (".dbf", ".DBF"):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


#: At most this many candidates are offered (columns of the preview).
MAX_CHOICES = 5


def _ranked_choices(values: list[bytes]) -> tuple[tuple[EncodingChoice, ...], int]:
    """Candidates that decode every value, one per distinct reading, and how many
    of them read plausibly (those come first: the others are offered too, in
    case the check misjudged a rare script)."""
    scored: list[tuple[bool, int, int, EncodingChoice]] = []
    seen: set[tuple[str, ...]] = set()
    for rank, (codec, _gdal, name) in enumerate(CANDIDATES):
        texts = _decoded(values, codec)
        if texts is None or tuple(texts) in seen:
            continue
        seen.add(tuple(texts))
        odd = sum(oddities(text) for text in texts)
        choice = EncodingChoice(codec, name, tuple(_preview(texts)))
        scored.append((not _plausible(texts), odd, rank, choice))
    scored.sort(key=lambda item: item[:3])
    plausible = sum(1 for item in scored if not item[0])
    return tuple(item[3] for item in scored[:MAX_CHOICES]), plausible


def _preview(texts: list[str]) -> list[str]:
    shown: list[str] = []
    for text in texts:
        if text not in shown:
            shown.append(text)
        if len(shown) == PREVIEW_VALUES:
            break
    return shown


_DECLARED = {"cpg": "its .cpg says", "ldid": "its DBF header says", "default": "GDAL would use"}


def reading_note(check: EncodingCheck) -> str:
    """The layer warning when the text is read with another encoding than GDAL's own."""
    return (
        f"Text read as {label(str(check.encoding))}: {_DECLARED[check.declared_by]} "
        f"{label(check.gdal_encoding)}, which does not read it cleanly"
    )


def uncertain_error(
    name: str, check: EncodingCheck, file_name: str | None = None
) -> EncodingUncertainError:
    """The error that asks the user to choose, naming the file and the candidates.

    ``file_name``: the shapefile the dialog names when ``name`` is not one
    (a zip member, "parcels.zip (parcels.shp)").
    """
    names = ", ".join(choice.label for choice in check.candidates) or "none"
    return EncodingUncertainError(
        f"{name}: the text encoding is uncertain ({_DECLARED[check.declared_by]} "
        f"{label(check.gdal_encoding)}, but that does not read the text cleanly). "
        f"Choose one of: {names}",
        file_name=file_name or name,
        gdal_encoding=check.gdal_encoding,
        candidates=check.candidates,
    )
