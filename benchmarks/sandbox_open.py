"""What the reader sandbox costs: opening a file in process vs in the sandbox's child.

``python benchmarks/sandbox_open.py [--points DIR/points.gpkg] [--runs N]``

Times, as the median of ``--runs`` after one warm-up, in seconds:

- ``small_in_process_s`` / ``small_sandbox_s``: a 100-feature GeoJSON read by
  :func:`mapdesk.io.read_layer` in this process, and by a warm sandbox child
  (what Add Layer does once the app has started);
- ``points_in_process_s`` / ``points_sandbox_s``: the same for the 1M-point
  GeoPackage of the PERFORMANCE.md data;
- ``cold_child_s``: a small read when no child is running yet (a child's
  start: Python, GDAL and the readers imported).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from timing import median_time


def sandbox_open_figures(points: Path | None, runs: int) -> dict[str, float]:
    """The figures of the module docstring (points ones only when ``points`` is given)."""
    import geopandas as gpd
    import shapely

    from mapdesk.io import read_layer
    from mapdesk.io.sandbox import ReaderSandbox

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "hydrants.geojson"
        gpd.GeoDataFrame(
            {"hydrant_id": [f"H{i:04d}" for i in range(100)], "flow_gpm": range(100)},
            geometry=shapely.points([(-70.26 + i * 1e-4, 43.66) for i in range(100)]),
            crs=4326,
        ).to_file(small)
        sandbox = ReaderSandbox()
        try:
            started = time.perf_counter()
            sandbox.read_layer(small)
            figures["cold_child_s"] = time.perf_counter() - started
            figures["small_in_process_s"] = median_time(lambda: read_layer(small), runs)
            figures["small_sandbox_s"] = median_time(lambda: sandbox.read_layer(small), runs)
            if points is not None:
                figures["points_in_process_s"] = median_time(lambda: read_layer(points), runs)
                figures["points_sandbox_s"] = median_time(lambda: sandbox.read_layer(points), runs)
        finally:
            sandbox.shutdown()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=Path, help="the 1M-point points.gpkg")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures = sandbox_open_figures(args.points, args.runs)
    json.dump({k: round(v, 3) for k, v in figures.items()}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    if "points_sandbox_s" in figures:
        ratio = figures["points_sandbox_s"] / figures["points_in_process_s"]
        sys.stdout.write(f"1M points: sandbox / in process = {ratio:.2f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
