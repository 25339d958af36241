"""What fuzzing found, kept as plain regression tests of the production read path."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapdesk.io.loader import load_user_layer
from tests.io.fuzz.seeds import stations

pytestmark = pytest.mark.reliability


def test_a_dbf_naming_two_fields_alike_loads_with_the_second_renamed(tmp_path: Path) -> None:
    # A field descriptor copied over another (a damaged .dbf) gave pandas one
    # name for two columns, and the sandbox's Arrow transfer raised AttributeError.
    path = tmp_path / "hydrants.shp"
    stations()[["name", "flow_gpm", "geometry"]].to_file(path)
    dbf = bytearray((tmp_path / "hydrants.dbf").read_bytes())
    second = 32 + 32  # the second field descriptor holds its name in bytes 0-10
    dbf[second : second + 11] = dbf[32 : 32 + 11]
    (tmp_path / "hydrants.dbf").write_bytes(bytes(dbf))

    layer = load_user_layer(str(path), None)

    assert list(layer.data.columns) == ["name", "name_2", "geometry"]
    # GDAL's Arrow reader gives a repeated name the first field's type (text):
    # the values all arrive, as the text of the numbers.
    flows = [str(value) for value in layer.data["name_2"]]
    assert flows == ["1000", "750", "1250", "500", "900", "1100"]
    assert any("two fields are named 'name'" in w for w in layer.warnings)
