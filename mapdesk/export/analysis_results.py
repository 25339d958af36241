"""Radio coverage and boundary QA results as files: the layers' GeoPackage and the JSON report.

``mapdesk radio-coverage`` / ``mapdesk boundaries check`` and the Export…
buttons of the Analysis panels write through here, so the files are the same
whichever wrote them; the panels also add the same layers to the project
under the same names.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mapdesk.core.analysis.boundaries import BoundaryCheck
from mapdesk.core.analysis.boundaries.report import (
    boundary_report,
    candidates_frame,
    findings_frame,
)
from mapdesk.core.analysis.radio import RadioCoverage
from mapdesk.core.analysis.radio.report import radio_report
from mapdesk.export.result_layers import ResultLayer, write_report, write_result_layers

#: The layers of a radio coverage result.
AREAS_LAYER = "radio_coverage_areas"
ADDRESSES_LAYER = "uncovered_addresses"
ROADS_LAYER = "uncovered_roads"
#: The layers of a boundary check.
FINDINGS_LAYER = "boundary_findings"
CANDIDATES_LAYER = "misrouting_candidates"


def radio_layers(result: RadioCoverage) -> list[ResultLayer]:
    """The coverage areas, and the addresses and road pieces outside them (when measured)."""
    layers = [ResultLayer(AREAS_LAYER, result.areas, "MultiPolygon")]
    if result.uncovered_addresses is not None:
        layers.append(ResultLayer(ADDRESSES_LAYER, result.uncovered_addresses, "Point"))
    if result.uncovered_roads is not None:
        layers.append(ResultLayer(ROADS_LAYER, result.uncovered_roads, "MultiLineString"))
    return layers


def boundary_layers(check: BoundaryCheck) -> list[ResultLayer]:
    """The findings, and the misrouting candidates when addresses were checked against PSAPs."""
    layers = [ResultLayer(FINDINGS_LAYER, findings_frame(check), "MultiPolygon")]
    inputs = check.inputs
    if inputs.addresses is not None and "psap" in inputs.services:
        layers.append(ResultLayer(CANDIDATES_LAYER, candidates_frame(check), "Point"))
    return layers


def write_radio_results(
    result: RadioCoverage, output: Path, report: Path | None, inputs: Sequence[Path] = ()
) -> list[ResultLayer]:
    """Write the result's layers to ``output`` and its figures to ``report``; the layers written.

    Raises
    ------
    ExportError
        As :func:`~mapdesk.export.result_layers.write_result_layers` (``inputs``
        are never overwritten), or when the report cannot be written.
    """
    layers = radio_layers(result)
    write_result_layers(output, layers, inputs)
    write_report(report, radio_report(result))
    return layers


def write_boundary_results(
    check: BoundaryCheck, output: Path, report: Path | None, inputs: Sequence[Path] = ()
) -> list[ResultLayer]:
    """Write the check's layers to ``output`` and its findings to ``report``; the layers written.

    Raises
    ------
    ExportError
        As :func:`write_radio_results`.
    """
    layers = boundary_layers(check)
    write_result_layers(output, layers, inputs)
    write_report(report, boundary_report(check))
    return layers
