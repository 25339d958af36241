"""Fuzz shapefiles: the .shp, .shx and .dbf each mutated alone, bytes and header fields (row 1)."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest
from hypothesis import strategies as st

from tests.io.fuzz.harness import FuzzTarget, feed_byte_mutants, feed_examples, inputs_wanted
from tests.io.fuzz.seeds import parcels, stations, written

pytestmark = pytest.mark.reliability

MAIN = "fuzz.shp"

#: (member, offset, struct format) of the fields a reader trusts for sizes, types and extents.
_MAIN_HEADER = [(0, ">I"), (24, ">I"), (28, "<I"), (32, "<I")] + [
    (36 + 8 * k, "<d") for k in range(8)
]
SHP_FIELDS = [
    *_MAIN_HEADER,
    (100, ">I"), (104, ">I"), (108, "<I"),  # first record: number, content length, shape type
    (112, "<d"), (120, "<d"), (128, "<d"), (136, "<d"),  # its x, y (points) or bbox (polygons)
    (144, "<I"), (148, "<I"), (152, "<I"),  # polygons: parts, points, first part index
]  # fmt: skip
SHX_FIELDS = [*_MAIN_HEADER, *[(100 + 8 * i + k, ">I") for i in range(3) for k in (0, 4)]]
DBF_FIELDS = [
    (0, "B"), (4, "<I"), (8, "<H"), (10, "<H"), (29, "B"),  # version, records, sizes, LDID
    *[(32 + 32 * i + k, "B") for i in range(4) for k in (11, 16, 17)],  # type, length, decimals
    *[(32 + 32 * i, "<I") for i in range(4)],  # the field name
]  # fmt: skip
FIELDS = {".shp": SHP_FIELDS, ".shx": SHX_FIELDS, ".dbf": DBF_FIELDS}

numbers = st.one_of(
    st.sampled_from(
        [0, 1, 3, 5, 8, 15, 0x0D, 0x20, 0x43, 0x4E, 0xFF, 0xFFFF, 0x7FFFFFFF, 2**32 - 1]
    ),
    st.integers(min_value=0, max_value=2**32 - 1),
)
doubles = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 0.0, -0.0, 5e-324]),
    st.floats(allow_nan=True, allow_infinity=True),
)
patch = st.sampled_from([".shp", ".shx", ".dbf"]).flatmap(
    lambda member: st.tuples(st.just(member), st.sampled_from(FIELDS[member]), numbers, doubles)
)


def patched(
    seed: dict[str, bytes], patches: list[tuple[str, tuple[int, str], int, float]]
) -> dict[str, bytes]:
    """The seed's members with each header field set to a hostile value."""
    members = dict(seed)
    for member, (offset, fmt), number, real in patches:
        name = f"fuzz{member}"
        data = bytearray(members[name])
        size = struct.calcsize(fmt)
        if offset + size <= len(data):
            value = real if fmt.endswith("d") else number & ((1 << (8 * size)) - 1)
            struct.pack_into(fmt, data, offset, value)
        members[name] = bytes(data)
    return members


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, bytes]]:
    """Hydrant points and parcel polygons (one with a hole), each a full file set."""
    folder = tmp_path_factory.mktemp("shp-seeds")
    return [
        written(stations(), folder / "points", MAIN, encoding="UTF-8"),
        written(parcels(), folder / "polygons", MAIN),
    ]


def test_shapefile_survives_member_and_header_mutations(
    tmp_path: Path, seeds: list[dict[str, bytes]]
) -> None:
    wanted = inputs_wanted()
    target = FuzzTarget(tmp_path, MAIN)
    examples = st.tuples(
        st.sampled_from(range(len(seeds))), st.lists(patch, min_size=1, max_size=3)
    )
    fed = feed_examples(target, examples, lambda e: patched(seeds[e[0]], e[1]), wanted * 2 // 5)
    share = -(-(wanted - fed) // 3)
    for number, member in enumerate((".shp", ".shx", ".dbf")):
        offsets = [offset for offset, _fmt in FIELDS[member]]
        feed_byte_mutants(target, seeds, member, share, offsets, seed=40 + number)
    target.tally.record_and_check("Shapefile fuzz (built seeds)", wanted)
