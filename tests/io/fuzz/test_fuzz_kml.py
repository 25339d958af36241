"""Fuzz KML: byte mutants and element-level mutants of a Placemark document (row 1)."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import strategies as st

from tests.io.fuzz.harness import FuzzTarget, feed_byte_mutants, feed_examples, inputs_wanted
from tests.io.fuzz.seeds import KML_SEED

pytestmark = pytest.mark.reliability

MAIN = "fuzz.kml"
KML_NS = "http://www.opengis.net/kml/2.2"

junk_text = st.one_of(
    st.sampled_from(
        [
            "", "nan,nan", "inf,-inf,0", "1e999,1e999", "-70.25", "-70.25,43.65,0,9,9",
            "-70.25,43.65 " * 200, ",,,,", "a,b", "-70.25;43.65", "0x10,0x20",
            "-70.25,43.65\n\n-70.26", "\u2028", "&lt;Point&gt;", "9" * 400,
        ]
    ),
    st.text(max_size=30),
)  # fmt: skip
mutation = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, 10_000), st.none()),
    st.tuples(st.just("duplicate"), st.integers(0, 10_000), st.integers(1, 20)),
    st.tuples(st.just("text"), st.integers(0, 10_000), junk_text),
    st.tuples(st.just("move"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(st.just("rename"), st.integers(0, 10_000), st.sampled_from(
        ["Point", "LineString", "Polygon", "MultiGeometry", "Placemark", "Folder", "coordinates",
         "LinearRing", "outerBoundaryIs", "Document", "Track", "Model", "x"])),
)  # fmt: skip


def mutate(steps: list[tuple[str, int, object]]) -> bytes:
    """The seed document after ``steps`` (drop, duplicate, retext, move, rename an element)."""
    root = ET.fromstring(KML_SEED)
    for op, pick, value in steps:
        pairs = [(parent, child) for parent in root.iter() for child in parent]
        if not pairs:
            break
        parent, child = pairs[pick % len(pairs)]
        if op == "drop":
            parent.remove(child)
        elif op == "duplicate":
            at = list(parent).index(child)
            for _ in range(int(str(value))):
                parent.insert(at, copy.deepcopy(child))
        elif op == "text":
            child.text = str(value)
        elif op == "move":
            parent.remove(child)
            others = list(root.iter())
            others[int(str(value)) % len(others)].append(child)
        else:
            child.tag = f"{{{KML_NS}}}{value}"
    ET.register_namespace("", KML_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def test_kml_survives_byte_and_element_mutations(tmp_path: Path) -> None:
    wanted = inputs_wanted()
    target = FuzzTarget(tmp_path, MAIN)
    steps = st.lists(mutation, min_size=1, max_size=5)
    fed = feed_examples(target, steps, lambda s: {MAIN: mutate(s)}, wanted * 2 // 5)
    feed_byte_mutants(target, [{MAIN: KML_SEED.encode()}], ".kml", wanted - fed, [], seed=2)
    target.tally.record_and_check("KML fuzz (built seeds)", wanted)
