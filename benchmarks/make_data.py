"""Generate the benchmark data set described in shared PERFORMANCE.md.

``python benchmarks/make_data.py DIR [--scale S]`` writes, into DIR:

- ``points.gpkg`` (layer ``points``): 1,000,000 incident points, 70% in ~40
  Gaussian hot spots and 30% uniform; fields id (int64), category (12
  strings), status (4 strings), reported_at (datetime), priority (int32).
- ``parcels.gpkg`` (layer ``parcels``): 200,000 parcels 20-40 m across, quads
  and hexagons, 8 fields.
- ``streets.gpkg`` (layer ``streets``): 50,000 streets of 5-20 vertices, 4
  fields.

All in a 15 km square centred on (398000, 4835000), EPSG:26919 (Portland,
Maine), from fixed seeds, so every machine benchmarks the same bytes. Files
that already exist are skipped. ``--scale`` multiplies every count (the smoke
test uses a tiny scale).

Everything is vectorised: numpy for coordinates, shapely 2's array
constructors for geometries, and pyogrio's Arrow writer.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

CRS = "EPSG:26919"
CENTER = (398_000.0, 4_835_000.0)
SIDE = 15_000.0
XMIN, YMIN = CENTER[0] - SIDE / 2, CENTER[1] - SIDE / 2
XMAX, YMAX = CENTER[0] + SIDE / 2, CENTER[1] + SIDE / 2

N_POINTS = 1_000_000
N_PARCELS = 200_000
N_STREETS = 50_000
N_HOTSPOTS = 40
HOTSPOT_SHARE = 0.70

#: (file stem == layer name, full-scale count) in drawing order, bottom first.
DATASETS = {"parcels": N_PARCELS, "streets": N_STREETS, "points": N_POINTS}

CATEGORIES = [
    "Pothole",
    "Streetlight Out",
    "Graffiti",
    "Illegal Dumping",
    "Sidewalk Repair",
    "Traffic Signal",
    "Snow Removal",
    "Tree Down",
    "Noise Complaint",
    "Abandoned Vehicle",
    "Water Main Break",
    "Missed Trash Pickup",
]
STATUSES = ["Open", "Assigned", "In Progress", "Closed"]
LAND_USES = ["Residential", "Commercial", "Industrial", "Institutional", "Open Space", "Mixed"]
ZONES = ["R-1", "R-2", "R-3", "R-4", "B-1", "B-2", "I-L", "OS"]
ROAD_CLASSES = ["Local", "Collector", "Minor Arterial", "Principal Arterial"]
STREET_NAMES = [
    "Congress",
    "Forest",
    "Washington",
    "Brighton",
    "Stevens",
    "Commercial",
    "Fore",
    "Baxter",
    "Allen",
    "Ocean",
    "Riverside",
    "Warren",
    "Deering",
    "Woodford",
    "Canco",
    "Outer Congress",
]
STREET_SUFFIXES = ["St", "Ave", "Rd", "Blvd", "Ln", "Way"]


def _clip_xy(xy: np.ndarray) -> np.ndarray:
    xy[:, 0] = np.clip(xy[:, 0], XMIN, XMAX)
    xy[:, 1] = np.clip(xy[:, 1], YMIN, YMAX)
    return xy


def _uniform_xy(rng: np.random.Generator, n: int, margin: float = 0.0) -> np.ndarray:
    x = rng.uniform(XMIN + margin, XMAX - margin, n)
    y = rng.uniform(YMIN + margin, YMAX - margin, n)
    return np.column_stack([x, y])


def make_points(n: int = N_POINTS, seed: int = 20_241) -> gpd.GeoDataFrame:
    """``n`` incident points: 70% in ~40 Gaussian hot spots, 30% uniform."""
    rng = np.random.default_rng(seed)
    n_hot = round(n * HOTSPOT_SHARE)
    centres = _uniform_xy(rng, N_HOTSPOTS, margin=1_000.0)
    sigmas = rng.uniform(120.0, 700.0, N_HOTSPOTS)
    weights = rng.uniform(0.3, 1.0, N_HOTSPOTS)
    which = rng.choice(N_HOTSPOTS, size=n_hot, p=weights / weights.sum())
    hot = centres[which] + rng.standard_normal((n_hot, 2)) * sigmas[which, None]
    xy = _clip_xy(np.concatenate([hot, _uniform_xy(rng, n - n_hot)]))
    xy = xy[rng.permutation(n)]
    start = np.datetime64("2023-01-01T00:00:00", "s")
    seconds = rng.integers(0, 2 * 365 * 86_400, n)
    data = {
        "id": np.arange(1, n + 1, dtype=np.int64),
        "category": pd.Categorical.from_codes(rng.integers(0, 12, n), CATEGORIES).astype(str),
        "status": pd.Categorical.from_codes(rng.integers(0, 4, n), STATUSES).astype(str),
        "reported_at": (start + seconds.astype("timedelta64[s]")).astype("datetime64[ms]"),
        "priority": rng.integers(1, 6, n).astype(np.int32),
    }
    return gpd.GeoDataFrame(data, geometry=shapely.points(xy), crs=CRS)


def _rings(centres: np.ndarray, radii: np.ndarray, angles: np.ndarray, sides: int) -> np.ndarray:
    """Closed rings of regular ``sides``-gons, shape (n, sides + 1, 2)."""
    steps = np.arange(sides + 1) * (2 * np.pi / sides)
    theta = angles[:, None] + steps[None, :]
    x = centres[:, 0, None] + radii[:, None] * np.cos(theta)
    y = centres[:, 1, None] + radii[:, None] * np.sin(theta)
    ring = np.stack([x, y], axis=-1)
    ring[:, -1] = ring[:, 0]  # exactly closed
    return ring


def make_parcels(n: int = N_PARCELS, seed: int = 20_242) -> gpd.GeoDataFrame:
    """``n`` parcels 20-40 m across: about 60% quads, 40% hexagons, 8 fields."""
    rng = np.random.default_rng(seed)
    centres = _uniform_xy(rng, n, margin=25.0)
    across = rng.uniform(20.0, 40.0, n)
    angles = rng.uniform(0.0, np.pi, n)
    is_quad = rng.random(n) < 0.6
    geoms = np.empty(n, dtype=object)
    for sides, mask in ((4, is_quad), (6, ~is_quad)):
        rings = _rings(centres[mask], across[mask] / 2, angles[mask], sides)
        geoms[mask] = shapely.polygons(rings)
    area = shapely.area(geoms)
    data = {
        "parcel_id": np.arange(1, n + 1, dtype=np.int64),
        "map_lot": [f"{a:03d}-{b:03d}" for a, b in rng.integers(1, 999, (n, 2))],
        "land_use": pd.Categorical.from_codes(rng.integers(0, 6, n), LAND_USES).astype(str),
        "zoning": pd.Categorical.from_codes(rng.integers(0, 8, n), ZONES).astype(str),
        "area_m2": np.round(area, 1),
        "assessed_value": (area * rng.uniform(800.0, 4_000.0, n)).round().astype(np.int64),
        "year_built": rng.integers(1850, 2024, n).astype(np.int32),
        "last_sale": (
            np.datetime64("1990-01-01", "D") + rng.integers(0, 12_000, n).astype("timedelta64[D]")
        ).astype("datetime64[ms]"),
    }
    return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)


def make_streets(n: int = N_STREETS, seed: int = 20_243) -> gpd.GeoDataFrame:
    """``n`` gently curving streets of 5-20 vertices (20-80 m apart), 4 fields."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(5, 21, n)
    total = int(counts.sum())
    owner = np.repeat(np.arange(n), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    heading = rng.uniform(0.0, 2 * np.pi, n)[owner] + np.cumsum(rng.normal(0.0, 0.25, total))
    step = rng.uniform(20.0, 80.0, total)
    dx, dy = step * np.cos(heading), step * np.sin(heading)
    dx[first], dy[first] = 0.0, 0.0  # each street starts at its own start point
    # A cumulative sum per street: the global cumsum minus the value at the street's start.
    cx, cy = np.cumsum(dx), np.cumsum(dy)
    start = _uniform_xy(rng, n, margin=200.0)
    x = start[owner, 0] + cx - cx[first][owner]
    y = start[owner, 1] + cy - cy[first][owner]
    xy = _clip_xy(np.column_stack([x, y]))
    geoms = shapely.linestrings(xy, indices=owner)
    names = np.array([f"{s} {t}" for s in STREET_NAMES for t in STREET_SUFFIXES])
    data = {
        "street_id": np.arange(1, n + 1, dtype=np.int64),
        "name": names[rng.integers(0, len(names), n)],
        "road_class": pd.Categorical.from_codes(rng.integers(0, 4, n), ROAD_CLASSES).astype(str),
        "speed_limit": rng.choice(np.array([25, 30, 35, 45], dtype=np.int32), n),
    }
    return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)


MAKERS: dict[str, Callable[..., gpd.GeoDataFrame]] = {
    "points": make_points,
    "parcels": make_parcels,
    "streets": make_streets,
}


def write_layer(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write one layer to a new GeoPackage (via a temporary name, so no half files)."""
    temp = path.with_name(f".{path.stem}.partial{path.suffix}")
    temp.unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, temp, layer=layer, driver="GPKG", use_arrow=True)
    temp.replace(path)


def make_all(
    directory: str | Path, scale: float = 1.0, log: Callable[[str], None] | None = None
) -> dict[str, Path]:
    """Write the three GeoPackages into ``directory``; existing files are kept.

    Returns
    -------
    dict
        Layer name -> path, for every dataset (made now or before).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, count in DATASETS.items():
        path = out / f"{name}.gpkg"
        paths[name] = path
        if path.exists():
            continue
        started = time.perf_counter()
        frame = MAKERS[name](max(1, round(count * scale)))
        write_layer(frame, path, name)
        if log is not None:
            log(f"wrote {path} ({len(frame):,} features, {time.perf_counter() - started:.1f} s)")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every count")
    args = parser.parse_args(argv)
    make_all(args.directory, args.scale, log=lambda text: print(text, file=sys.stderr))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
