"""``coverage_s``: ``mapdesk coverage`` end to end (read, analyse, write), in seconds.

- ``demo``: the Greater Portland demo's 3,442 road centrelines and its 13 fire
  stations, bands of 4 and 8 minutes, with its 10,218 address points, 5,000
  FixIt incidents and PSAP polygon counted: the command the user guide shows.
- ``segments_50k``: a generated network of as many segments as the
  benchmark's streets (50,000 at full scale): a jittered grid of 120 m blocks
  (curved, 2 inner vertices each) with Local/Secondary/Primary classes, 5 %
  one-way, 1 % without a speed limit; 40 stations; 2 address points per
  segment. Written once to ``DIR/coverage_network.gpkg`` from a fixed seed.

Each figure runs ``mapdesk.cli.main`` in this process (the parsing, reading,
analysis, GeoPackage and JSON writing a user waits for; not the interpreter's
start) and is the median of ``runs`` runs after one warm-up for the demo, and
of at most 3 runs (no warm-up: the demo's warmed the imports) for the network.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

CRS = "EPSG:26919"
CENTER = (398_000.0, 4_835_000.0)
BLOCK_M = 120.0
STATIONS = 40
ADDRESSES_PER_SEGMENT = 2
NETWORK_FILE = "coverage_network.gpkg"
SEED = 20_250


def coverage_figures(data: Path, runs: int) -> dict[str, float]:
    """Median seconds of ``mapdesk coverage`` on the demo and on the generated network."""
    from mapdesk.io.demo import demo_path

    demo = str(demo_path())
    network = network_file(data)
    with tempfile.TemporaryDirectory(prefix="mapdesk-coverage-bench-") as folder:
        out = Path(folder)
        demo_args = [
            "coverage",
            demo,
            demo,
            "--stations-where",
            "\"type\" = 'Fire'",
            "--addresses",
            demo,
            "--incidents",
            demo,
            "--psap",
            demo,
            "--minutes",
            "4,8",
            "-o",
            str(out / "demo.gpkg"),
            "--report",
            str(out / "demo.json"),
        ]
        net = str(network)
        network_args = [
            "coverage",
            net,
            net,
            "--roads-layer",
            "roads",
            "--stations-layer",
            "stations",
            "--addresses",
            net,
            "--addresses-layer",
            "addresses",
            "--minutes",
            "4,8",
            "-o",
            str(out / "network.gpkg"),
            "--report",
            str(out / "network.json"),
        ]
        demo_s = _median_run(demo_args, runs, warmups=1)
        network_s = _median_run(network_args, min(runs, 3), warmups=0)
    return {"demo": round(demo_s, 3), "segments_50k": round(network_s, 3)}


def _median_run(args: list[str], runs: int, warmups: int) -> float:
    from mapdesk.cli import main

    times = []
    for index in range(warmups + max(runs, 1)):
        errors = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(errors):
            status = main(args)
        if status != 0:
            raise RuntimeError(f"mapdesk {' '.join(args)} exited {status}: {errors.getvalue()}")
        if index >= warmups:
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def network_file(data: Path) -> Path:
    """``DIR/coverage_network.gpkg``, made first when missing: as many segments as
    ``DIR/streets.gpkg`` has streets (50,000 unless the data was scaled)."""
    path = data / NETWORK_FILE
    if path.exists():
        return path
    segments = int(pyogrio.read_info(data / "streets.gpkg", layer="streets")["features"])
    layers = make_network(segments)
    temp = path.with_name(f".{path.stem}.partial{path.suffix}")
    temp.unlink(missing_ok=True)
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, temp, layer=name, driver="GPKG")
    temp.replace(path)
    return path


def make_network(segments: int, seed: int = SEED) -> dict[str, gpd.GeoDataFrame]:
    """Roads (exactly ``segments``), stations and addresses of a jittered street grid."""
    rng = np.random.default_rng(seed)
    side = max(2, math.ceil((1 + math.sqrt(1 + 2 * segments)) / 2))
    nodes = _grid_nodes(rng, side)
    ends = _grid_edges(side)
    keep = np.sort(rng.choice(len(ends), size=min(segments, len(ends)), replace=False))
    ends = ends[keep]
    roads = _roads(rng, nodes, ends, side)
    return {
        "roads": roads,
        "stations": _stations(rng, nodes, side),
        "addresses": _addresses(rng, roads, ADDRESSES_PER_SEGMENT * len(roads)),
    }


def _grid_nodes(rng: np.random.Generator, side: int) -> np.ndarray:
    steps = (np.arange(side) - (side - 1) / 2) * BLOCK_M
    xs, ys = np.meshgrid(steps + CENTER[0], steps + CENTER[1])
    xy = np.column_stack([xs.ravel(), ys.ravel()])
    return xy + rng.normal(0, BLOCK_M * 0.1, xy.shape)


def _grid_edges(side: int) -> np.ndarray:
    index = np.arange(side * side).reshape(side, side)
    across = np.column_stack([index[:, :-1].ravel(), index[:, 1:].ravel()])
    up = np.column_stack([index[:-1, :].ravel(), index[1:, :].ravel()])
    return np.vstack([across, up])


def _roads(
    rng: np.random.Generator, nodes: np.ndarray, ends: np.ndarray, side: int
) -> gpd.GeoDataFrame:
    a, b = nodes[ends[:, 0]], nodes[ends[:, 1]]
    inner = [a + (b - a) * f + rng.normal(0, 3, a.shape) for f in (1 / 3, 2 / 3)]
    coords = np.stack([a, inner[0], inner[1], b], axis=1)
    lines = shapely.linestrings(coords)
    row, col = ends[:, 0] // side, ends[:, 0] % side
    same_row = ends[:, 1] - ends[:, 0] == 1
    line_no = np.where(same_row, row, col)
    road_class = np.where(
        line_no % 40 == 0, "Primary", np.where(line_no % 10 == 0, "Secondary", "Local")
    )
    speed = np.select([road_class == "Primary", road_class == "Secondary"], [45.0, 35.0], 25.0)
    speed[rng.random(len(speed)) < 0.01] = np.nan
    oneway = rng.choice(["B", "FT", "TF"], len(lines), p=[0.95, 0.025, 0.025])
    return gpd.GeoDataFrame(
        {
            "NGUID": [
                f"urn:emergency:uid:gis:RCL:{i + 1}:bench.example" for i in range(len(lines))
            ],
            "RoadClass": road_class,
            "SpeedLimit": speed,
            "OneWay": oneway,
        },
        geometry=lines,
        crs=CRS,
    )


def _stations(rng: np.random.Generator, nodes: np.ndarray, side: int) -> gpd.GeoDataFrame:
    columns = 8
    rows = math.ceil(STATIONS / columns)
    picks = []
    for i in range(STATIONS):
        r, c = divmod(i, columns)
        picks.append(
            int(((r + 0.5) / rows) * (side - 1)) * side + int(((c + 0.5) / columns) * (side - 1))
        )
    xy = nodes[np.array(picks)] + rng.normal(0, 10, (STATIONS, 2))
    return gpd.GeoDataFrame(
        {
            "station_id": [f"BS-{i + 1:02d}" for i in range(STATIONS)],
            "type": "Fire",
            "turnout_s": rng.integers(60, 121, STATIONS).astype("int32"),
        },
        geometry=shapely.points(xy),
        crs=CRS,
    )


def _addresses(rng: np.random.Generator, roads: gpd.GeoDataFrame, count: int) -> gpd.GeoDataFrame:
    lines = np.asarray(roads.geometry.array)[rng.integers(0, len(roads), count)]
    on_road = shapely.get_coordinates(
        shapely.line_interpolate_point(lines, rng.random(count), normalized=True)
    )
    angle = rng.uniform(0, 2 * np.pi, count)
    offset = rng.uniform(8, 30, count)
    xy = on_road + np.column_stack([np.cos(angle), np.sin(angle)]) * offset[:, None]
    return gpd.GeoDataFrame(
        {"Add_Number": rng.integers(1, 999, count).astype("int32")},
        geometry=shapely.points(xy),
        crs=CRS,
    )


def main(argv: list[str] | None = None) -> int:
    """``python benchmarks/drive_coverage.py --data DIR [--runs N]``: this figure alone, as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the benchmark data")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure")
    args = parser.parse_args(argv)
    import make_data

    make_data.make_all(args.data, log=lambda text: print(text, file=sys.stderr))
    print(json.dumps({"coverage_s": coverage_figures(args.data, args.runs)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
