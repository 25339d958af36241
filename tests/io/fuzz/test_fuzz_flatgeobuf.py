"""Fuzz FlatGeobuf: byte mutants, and sizes and offsets of its header and features (row 1)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import strategies as st

from tests.io.fuzz.harness import FuzzTarget, feed_byte_mutants, feed_examples, inputs_wanted
from tests.io.fuzz.seeds import parcels, stations, written

pytestmark = pytest.mark.reliability

MAIN = "fuzz.fgb"
#: The magic bytes (version at 3 and 7), the header's size, and the flatbuffer's
#: root table offset and vtable fields just after it.
HEADER_OFFSETS = [3, 7, 8, 12, 16, 18, 20, 22, 24, 26, 28, 32]

sizes = st.one_of(
    st.sampled_from([0, 1, 4, 7, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]),
    st.integers(min_value=0, max_value=2**32 - 1),
)
#: (which size prefix: 0 is the header's, k the k-th feature's; a byte offset inside
#: that block; the 4-byte value written there).
patch = st.tuples(st.integers(0, 8), st.integers(0, 48), sizes)


def size_prefixes(data: bytes) -> list[int]:
    """Offsets of the header's and each feature's uint32 size (a file without an index)."""
    offsets = [8]
    at = 12 + struct.unpack_from("<I", data, 8)[0]
    while at + 4 <= len(data):
        offsets.append(at)
        at += 4 + struct.unpack_from("<I", data, at)[0]
    return offsets


def patched(seed: bytes, patches: list[tuple[int, int, int]]) -> bytes:
    """``seed`` with a size prefix, or a field a few bytes into its block, set to ``value``."""
    prefixes = size_prefixes(seed)
    data = bytearray(seed)
    for block, inside, value in patches:
        at = prefixes[block % len(prefixes)] + (inside if inside % 2 else 0)
        if at + 4 <= len(data):
            struct.pack_into("<I", data, at, value)
    return bytes(data)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Hydrant points without a spatial index (sizes to patch) and parcels with one."""
    folder = tmp_path_factory.mktemp("fgb-seeds")
    return [
        written(stations(), folder / "points", MAIN, SPATIAL_INDEX="NO")[MAIN],
        written(parcels(), folder / "polygons", MAIN)[MAIN],
    ]


def test_flatgeobuf_survives_byte_and_size_mutations(tmp_path: Path, seeds: list[bytes]) -> None:
    wanted = inputs_wanted()
    target = FuzzTarget(tmp_path, MAIN)
    examples = st.lists(patch, min_size=1, max_size=3)
    fed = feed_examples(target, examples, lambda p: {MAIN: patched(seeds[0], p)}, wanted * 2 // 5)
    pool = [{MAIN: data} for data in seeds]
    feed_byte_mutants(target, pool, ".fgb", wanted - fed, HEADER_OFFSETS, seed=6)
    target.tally.record_and_check("FlatGeobuf fuzz (built seeds)", wanted)


def test_size_prefixes_walk_every_feature(seeds: list[bytes]) -> None:
    assert len(size_prefixes(seeds[0])) == 1 + len(stations())
