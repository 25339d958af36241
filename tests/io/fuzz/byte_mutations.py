"""Byte-level mutations of a seed file, reproducible from a seed number.

The kinds GDAL's OSS-Fuzz harnesses and AFL apply: bit flips, truncation at
a random offset, inserted and deleted runs, a copied chunk, and "interesting"
integers (0, 0xFF, 0x7FFFFFFF, -1, …) written over the header fields a
reader trusts for sizes and offsets.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterator, Sequence

#: Values that break size and offset arithmetic, as 4-byte little and big endian.
INTERESTING = (0, 1, 0xFF, 0x7F, 0x80, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def flip_bits(data: bytes, rng: random.Random, offsets: Sequence[int]) -> bytes:
    """Flip 1-8 random bits anywhere."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(data: bytes, rng: random.Random, offsets: Sequence[int]) -> bytes:
    """Cut the file at a random offset (a download or copy that stopped)."""
    return data[: rng.randrange(len(data))]


def insert_run(data: bytes, rng: random.Random, offsets: Sequence[int]) -> bytes:
    """Insert 1-64 random or repeated bytes at a random offset."""
    at = rng.randrange(len(data) + 1)
    size = rng.randint(1, 64)
    run = rng.choice([bytes([rng.randrange(256)]) * size, rng.randbytes(size)])
    return data[:at] + run + data[at:]


def delete_run(data: bytes, rng: random.Random, offsets: Sequence[int]) -> bytes:
    """Delete 1-64 bytes at a random offset."""
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 64) :]


def copy_chunk(data: bytes, rng: random.Random, offsets: Sequence[int]) -> bytes:
    """Copy a chunk of the file over another place in it (records pointing at records)."""
    size = rng.randint(1, min(256, len(data)))
    start, to = rng.randrange(len(data) - size + 1), rng.randrange(len(data) - size + 1)
    out = bytearray(data)
    out[to : to + size] = data[start : start + size]
    return bytes(out)


def interesting_value(data: bytes, rng: random.Random, offsets: Sequence[int]) -> bytes:
    """Write an interesting integer (1, 2 or 4 bytes, either endianness) at a header offset."""
    at = rng.choice(offsets) if offsets and rng.random() < 0.8 else rng.randrange(len(data))
    value = rng.choice(INTERESTING)
    width = rng.choice((1, 2, 4))
    value &= (1 << (8 * width)) - 1
    packed = struct.pack(
        {1: "<B", 2: rng.choice("<>") + "H", 4: rng.choice("<>") + "I"}[width], value
    )
    out = bytearray(data)
    out[at : at + width] = packed
    return bytes(out)


Mutator = Callable[[bytes, random.Random, Sequence[int]], bytes]
MUTATORS: tuple[Mutator, ...] = (
    flip_bits,
    truncate,
    insert_run,
    delete_run,
    copy_chunk,
    interesting_value,
    interesting_value,  # header fields are where readers trust sizes: twice the weight
)


def byte_mutants(
    seeds: Sequence[tuple[str, bytes]], count: int, offsets: Sequence[int], seed: int
) -> Iterator[tuple[str, bytes]]:
    """``count`` mutants of the seeds in turn, each labelled so it can be rebuilt.

    One to three mutations are stacked per input; the label names the seed,
    the input's random seed and the mutations, e.g. ``"poly.shp #17 flip_bits+truncate"``.
    """
    for index in range(count):
        name, data = seeds[index % len(seeds)]
        rng = random.Random(seed * 1_000_003 + index)
        steps = [rng.choice(MUTATORS) for _ in range(rng.choice((1, 1, 2, 3)))]
        for step in steps:
            data = step(data, rng, offsets) if data else data
        yield f"{name} #{index} {'+'.join(s.__name__ for s in steps)}", data
