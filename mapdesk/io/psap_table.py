"""A user's table of the PSAP expected to serve each municipality (CSV).

Two columns, ``municipality`` and ``psap`` (any case; other columns are
ignored), one row per municipality, comma- or semicolon-separated, UTF-8
with or without a byte-order mark (Excel writes one)::

    municipality,psap
    Portland,Greater Portland Regional 9-1-1 PSAP
    Cape Elizabeth,Greater Portland Regional 9-1-1 PSAP

A municipality is named as its polygon's name field says (``A3``, ``name``),
a PSAP by its ``DsplayName``, ``Agency_ID`` or ``NGUID``; the boundary check
says which names it does not know.
"""

from __future__ import annotations

import csv
from pathlib import Path

from mapdesk.core.analysis.boundaries import PsapAssignment
from mapdesk.core.errors import DataSourceError, MapdeskError

_COLUMNS = ("municipality", "psap")


def read_psap_table(path: Path) -> tuple[PsapAssignment, ...]:
    """The rows of the table at ``path`` (line numbers as a text editor counts them).

    Raises
    ------
    MapdeskError
        When the file cannot be read, lacks a column, has an empty cell or
        names a municipality twice (naming the file, line and value).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataSourceError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataSourceError(f"{path.name} is not UTF-8 text ({exc.reason})") from exc
    lines = text.splitlines()
    if not lines:
        raise MapdeskError(f"{path.name} is empty: it needs a municipality,psap header")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    columns = _columns(path, rows[0])
    table: list[PsapAssignment] = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = [cells[i].strip() if i < len(cells) else "" for i in columns]
        missing = [name for name, value in zip(_COLUMNS, values, strict=True) if not value]
        if missing:
            raise MapdeskError(f"{path.name} line {line}: no {' or '.join(missing)}")
        municipality, psap = values
        key = municipality.lower()
        if key in seen:
            raise MapdeskError(
                f"{path.name} line {line}: {municipality!r} is already on line {seen[key]}"
            )
        seen[key] = line
        table.append(PsapAssignment(line, municipality, psap))
    return tuple(table)


def _columns(path: Path, header: list[str]) -> tuple[int, int]:
    names = [cell.strip().lower() for cell in header]
    found = [names.index(wanted) for wanted in _COLUMNS if wanted in names]
    if len(found) != len(_COLUMNS):
        raise MapdeskError(
            f"{path.name} needs the columns municipality and psap (its header is "
            f"{', '.join(header) or 'empty'})"
        )
    return found[0], found[1]
