"""Fuzz GeoJSON: byte mutants and JSON-tree mutants of a FeatureCollection (row 1)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from tests.io.fuzz.harness import FuzzTarget, feed_byte_mutants, feed_examples, inputs_wanted
from tests.io.fuzz.seeds import geojson_seed

pytestmark = pytest.mark.reliability

MAIN = "fuzz.geojson"
#: Written as a bare number token in the JSON text, where json.dumps cannot.
_RAW_NUMBERS = {"__huge__": "1e999", "__neg_huge__": "-1e999", "__long__": "9" * 400}

GEOMETRY_TYPES = [
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection", "Feature", "FeatureCollection", "Unknown", "",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, 2**53 + 1, 2**63, *_RAW_NUMBERS]),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["type", "coordinates", "geometries", "x"]), inner, max_size=3
        ),
    ),
    max_leaves=12,
)


def nested_collection(depth: int) -> dict[str, Any]:
    geometry: dict[str, Any] = {"type": "Point", "coordinates": [-70.25, 43.65]}
    for _ in range(depth):
        geometry = {"type": "GeometryCollection", "geometries": [geometry]}
    return geometry


mutation = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 10_000), values),
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.none()),
    st.tuples(st.just("retype"), st.integers(0, 10_000), st.sampled_from(GEOMETRY_TYPES)),
    st.tuples(st.just("nest"), st.integers(0, 10_000), st.integers(1, 300).map(nested_collection)),
    st.tuples(st.just("duplicate"), st.integers(0, 10_000), st.integers(1, 50)),
)


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index path in a JSON tree, the root excluded."""
    found: list[tuple[Any, ...]] = []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, child in items:
        found.append((*path, key))
        found.extend(_places(child, (*path, key)))
    return found


def mutate(tree: dict[str, Any], steps: list[tuple[str, int, Any]]) -> str:
    """The tree after ``steps`` (applied in turn), as JSON text."""
    tree = copy.deepcopy(tree)
    for op, pick, value in steps:
        places = _places(tree)
        if op == "retype":
            places = [p for p in places if p[-1] == "type"] or places
        if op == "nest":
            places = [p for p in places if p[-1] == "geometry"] or places
        *parent_path, key = places[pick % len(places)]
        parent = tree
        for part in parent_path:
            parent = parent[part]
        if op == "delete":
            del parent[key]
        elif op == "duplicate" and isinstance(parent, list):
            parent[key:key] = [copy.deepcopy(parent[key]) for _ in range(value)]
        elif op != "duplicate":
            parent[key] = value
    text = json.dumps(tree, allow_nan=True)
    for token, raw in _RAW_NUMBERS.items():
        text = text.replace(f'"{token}"', raw)
    return text


def test_geojson_survives_byte_and_tree_mutations(tmp_path: Path) -> None:
    wanted = inputs_wanted()
    target = FuzzTarget(tmp_path, MAIN)
    seed = geojson_seed()
    steps = st.lists(mutation, min_size=1, max_size=4)
    fed = feed_examples(target, steps, lambda s: {MAIN: mutate(seed, s).encode()}, wanted * 2 // 5)
    text = json.dumps(seed, indent=1).encode()
    feed_byte_mutants(target, [{MAIN: text}], ".geojson", wanted - fed, [0, 1, 9, 10], seed=1)
    target.tally.record_and_check("GeoJSON fuzz (built seeds)", wanted)


@pytest.mark.parametrize("depth", [1, 300])
def test_nested_collections_are_built(depth: int) -> None:
    assert json.dumps(nested_collection(depth)).count("GeometryCollection") == depth
