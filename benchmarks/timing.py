"""Timing shared by run.py and qgis_render.py (stdlib only: qgis_render.py runs
under Debian's system interpreter, outside the project's virtualenv)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(action: Callable[[], object], runs: int, warmups: int = 1) -> float:
    """Median wall time of ``runs`` calls of ``action`` after ``warmups`` untimed calls."""
    for _ in range(warmups):
        action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
