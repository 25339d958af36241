"""The user's municipality → PSAP table: read as Excel and editors write it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapdesk.core.analysis.boundaries import PsapAssignment
from mapdesk.core.errors import MapdeskError
from mapdesk.io.psap_table import read_psap_table


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "expected.csv"
    path.write_text(text, encoding=encoding)
    return path


def test_an_excel_csv_with_a_bom_and_extra_columns(tmp_path: Path) -> None:
    text = "Notes,PSAP,Municipality\nx,Regional PSAP,Portland\n\n,Regional PSAP,Cape Elizabeth\n"
    table = read_psap_table(write(tmp_path, text, "utf-8-sig"))
    assert table == (
        PsapAssignment(2, "Portland", "Regional PSAP"),
        PsapAssignment(4, "Cape Elizabeth", "Regional PSAP"),
    )


def test_semicolons_as_a_european_excel_writes_them(tmp_path: Path) -> None:
    table = read_psap_table(write(tmp_path, "municipality;psap\nSouth Portland;PSAP, South\n"))
    assert table == (PsapAssignment(2, "South Portland", "PSAP, South"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "town,psap\nPortland,A\n",
            r"needs the columns municipality and psap \(its header is town, psap\)",
        ),
        ("municipality,psap\nPortland,\n", r"expected.csv line 2: no psap"),
        ("municipality,psap\nPortland,A\nportland,B\n", r"line 3: 'portland' is already on line 2"),
        ("", r"expected.csv is empty"),
    ],
)
def test_a_bad_table_names_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MapdeskError, match=message):
        read_psap_table(write(tmp_path, text))


def test_a_table_that_is_not_utf8_or_missing(tmp_path: Path) -> None:
    with pytest.raises(MapdeskError, match="is not UTF-8"):
        read_psap_table(write(tmp_path, "municipality,psap\nSão Paulo,A\n", "utf-16"))
    with pytest.raises(MapdeskError, match="Cannot read"):
        read_psap_table(tmp_path / "absent.csv")
