"""Byte mutants of small real files from the shared corpus, per format (row 1).

The code-built seeds of the other modules fuzz every format where the corpus
is absent; these add the quirks of files made by other software (QGIS, ArcGIS,
OSM exports, other libraries' test suites). Only this module skips without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import corpus_path
from tests.io.fuzz.harness import FuzzTarget, feed_byte_mutants, inputs_wanted
from tests.io.fuzz.seeds import CORPUS_SEEDS, corpus_seed
from tests.io.fuzz.test_fuzz_flatgeobuf import HEADER_OFFSETS
from tests.io.fuzz.test_fuzz_gpkg import SQLITE_HEADER

pytestmark = pytest.mark.reliability

#: format -> (the file handed to the loader, the members mutated in turn, header offsets).
FORMATS = {
    "shapefile": ("fuzz.shp", (".shp", ".shx", ".dbf"), [0, 24, 32, 36, 100, 104, 108]),
    "geojson": ("fuzz.geojson", (".geojson",), []),
    "kml": ("fuzz.kml", (".kml",), []),
    "csv": ("fuzz.csv", (".csv",), []),
    "gpkg": ("fuzz.gpkg", (".gpkg",), SQLITE_HEADER),
    "flatgeobuf": ("fuzz.fgb", (".fgb",), HEADER_OFFSETS),
}


LABELS = {
    "shapefile": "Shapefile", "geojson": "GeoJSON", "kml": "KML",
    "csv": "CSV", "gpkg": "GeoPackage", "flatgeobuf": "FlatGeobuf",
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_corpus_seeds_survive_byte_mutations(tmp_path: Path, kind: str) -> None:
    corpus = corpus_path()
    main, members, offsets = FORMATS[kind]
    target = FuzzTarget(tmp_path, main)
    seeds = [corpus_seed(corpus, relative) for relative in CORPUS_SEEDS[kind]]
    share = max(inputs_wanted() // 5 // len(members), 30)
    for number, member in enumerate(members):
        feed_byte_mutants(target, seeds, member, share, offsets, seed=100 + number)
    target.tally.record_and_check(f"{LABELS[kind]} fuzz (corpus seeds)", share * len(members))
