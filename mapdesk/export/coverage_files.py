"""The files of a drive-time coverage run: its layers as one GeoPackage and its report as JSON.

Written the same way by ``mapdesk coverage -o OUT.gpkg --report R.json`` and by the
Coverage panel's Export…, so the two give the same files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd

from mapdesk.core.serialize import write_text_atomically
from mapdesk.export.formats import ExportError
from mapdesk.export.layer_set import write_layer_set


def write_coverage_files(
    layers: dict[str, gpd.GeoDataFrame],
    output: Path,
    report: dict[str, Any],
    report_path: Path | None,
    sources: Iterable[Path] = (),
) -> None:
    """Write ``layers`` to the new GeoPackage ``output`` and ``report`` to ``report_path``.

    The GeoPackage is written first: a report never describes layers that
    failed to be written. Each file replaces an earlier one whole or not at all.

    Raises
    ------
    ExportError
        When ``output`` is not a ``.gpkg``, is one of ``sources``, or either file
        cannot be written.
    """
    write_layer_set(layers, output, sources)
    if report_path is not None:
        text = json.dumps(report, indent=2, ensure_ascii=False)
        try:
            write_text_atomically(report_path, text + "\n")
        except OSError as exc:
            raise ExportError(f"Cannot write {report_path}: {exc.strerror or exc}") from exc


def report_path_beside(output: Path) -> Path:
    """Where the GUI writes the report of ``coverage.gpkg``: ``coverage.json`` beside it."""
    return output.with_suffix(".json")
