"""Chosen layers (and files) read into the inputs of radio coverage and boundary QA.

The command line picks the layers from data files, the Analysis menu's
dialogs from the project; both hand them here, so the analysis CRS, the
tower ranges, the rasters' window and the PSAP table are read one way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pyproj import CRS

from mapdesk.core.analysis.boundaries import DEFAULT_SLIVER_M2, BoundaryInputs, PsapAssignment
from mapdesk.core.analysis.input_layers import analysis_crs, frame_of, measured_bounds
from mapdesk.core.analysis.radio import RadioInputs, RangeRule, SignalArea, tower_sites
from mapdesk.core.analysis.service_areas import service_areas
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

#: Called with a few words on what is being read ("reading coverage.tif").
StepCallback = Callable[[str], None]


@dataclass(frozen=True)
class RadioLayers:
    """The layers a radio coverage run reads (None: not used)."""

    towers: VectorLayer | None = None
    psap: VectorLayer | None = None
    addresses: VectorLayer | None = None
    roads: VectorLayer | None = None


@dataclass(frozen=True)
class SignalRasters:
    """Predicted-signal rasters and the least value that covers (in their unit)."""

    paths: tuple[Path, ...] = ()
    threshold: float | None = None
    band: int = 1


def read_radio_inputs(
    layers: RadioLayers,
    rule: RangeRule,
    include_planned: bool = False,
    rasters: SignalRasters = SignalRasters(),
    step: StepCallback | None = None,
) -> RadioInputs:
    """The inputs of :func:`~mapdesk.core.analysis.radio.radio_coverage`.

    Raises
    ------
    MapdeskError
        When there are neither addresses nor roads, nothing to cover with
        (no towers, no raster), rasters without a threshold, or a layer or
        raster that cannot be used (the message names it).
    """
    measured = [x for x in (layers.psap, layers.addresses, layers.roads) if x is not None]
    if layers.addresses is None and layers.roads is None:
        raise MapdeskError("Radio coverage needs address points or road centrelines to measure")
    if layers.towers is None and not rasters.paths:
        raise MapdeskError("Radio coverage needs a tower layer or a predicted-signal raster")
    crs = analysis_crs(measured[0])
    towers = layers.towers
    psap, addresses, roads = layers.psap, layers.addresses, layers.roads
    return RadioInputs(
        crs=crs,
        towers=tower_sites(frame_of(towers), towers.name, rule, include_planned)
        if towers is not None
        else None,
        signals=_signal_areas(rasters, measured, crs, step),
        psaps=service_areas(frame_of(psap), psap.name, crs) if psap else None,
        addresses=(addresses.name, frame_of(addresses)) if addresses else None,
        roads=(roads.name, frame_of(roads)) if roads else None,
    )


def _signal_areas(
    rasters: SignalRasters, measured: list[VectorLayer], crs: CRS, step: StepCallback | None
) -> tuple[SignalArea, ...]:
    """Each raster's covered area, read over the data measured only."""
    if not rasters.paths:
        return ()
    if rasters.threshold is None:
        raise MapdeskError("A signal raster needs a threshold: the least signal that covers")
    from mapdesk.io.signal_raster import read_signal_area

    bounds = measured_bounds(measured, crs)
    areas = []
    for path in rasters.paths:
        if step is not None:
            step(f"reading {path.name}")
        areas.append(read_signal_area(path, rasters.threshold, rasters.band, bounds, crs))
    return tuple(areas)


def read_boundary_inputs(
    services: Mapping[str, VectorLayer],
    municipalities: VectorLayer | None = None,
    addresses: VectorLayer | None = None,
    sliver_m2: float | None = None,
    expected_table: Path | None = None,
) -> BoundaryInputs:
    """The inputs of :func:`~mapdesk.core.analysis.boundaries.boundary_check`.

    ``services`` are the service boundary layers by role (``psap``,
    ``police``, ``fire``, ``ems``); ``expected_table`` a municipality → PSAP
    CSV (None: each municipality's majority PSAP).

    Raises
    ------
    MapdeskError
        When there is no service layer, a table without both a PSAP and a
        municipal layer, or a layer or table that cannot be used.
    """
    if not services:
        raise MapdeskError("The boundary check needs a PSAP, police, fire or EMS layer")
    if expected_table is not None and ("psap" not in services or municipalities is None):
        raise MapdeskError("An expected-PSAP table needs both a PSAP layer and a municipal layer")
    crs = analysis_crs(next(iter(services.values())))
    table, table_name = _table(expected_table)
    munis = municipalities
    return BoundaryInputs(
        crs=crs,
        services={k: service_areas(frame_of(x), x.name, crs) for k, x in services.items()},
        municipalities=service_areas(frame_of(munis), munis.name, crs) if munis else None,
        addresses=(addresses.name, frame_of(addresses)) if addresses else None,
        sliver_m2=DEFAULT_SLIVER_M2 if sliver_m2 is None else sliver_m2,
        expected_table=table,
        table_name=table_name,
    )


def _table(path: Path | None) -> tuple[tuple[PsapAssignment, ...], str]:
    if path is None:
        return (), "the table"
    from mapdesk.io.psap_table import read_psap_table

    return read_psap_table(path), path.name
