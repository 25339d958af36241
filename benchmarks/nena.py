"""``nena_validate_s``: NENA validation of the Greater Portland demo, as the CLI runs it.

The app's own path (``mapdesk nena validate``, reports aside): the demo
GeoPackage's NENA layers found and read by ``read_nena_dataset`` (10,218
address points, 3,442 road centrelines, the PSAP, police, fire, EMS and
municipal polygons), then every rule run by ``validate_nena``. The median of
``runs`` after one warm-up, in seconds; the target is a few seconds.
"""

from __future__ import annotations

from pathlib import Path

from timing import median_time

DEMO = Path(__file__).resolve().parents[1] / "data" / "greater_portland_demo.gpkg"


def nena_validate_s(runs: int, demo: Path = DEMO) -> float:
    """Median seconds to read and validate the demo's NENA layers."""
    from mapdesk.core.analysis.nena import validate_nena
    from mapdesk.io.nena_dataset import read_nena_dataset

    def validate() -> int:
        dataset = read_nena_dataset(demo)
        return len(validate_nena(dataset.frames, dataset.roles).findings)

    return round(median_time(validate, max(runs, 1)), 6)
