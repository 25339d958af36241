"""NENA validation: every rule over a dataset's layers, with progress and cancel.

Plain Python on GeoDataFrames, so the CLI runs it on a file and the app in a
worker on the layers it has open. Each rule is a small function in a
``check_*`` module; this module runs them in order, reports progress between
them, and turns every finding's place into longitude/latitude.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import geopandas as gpd
import numpy as np

from mapdesk.core.analysis.metric import WGS84
from mapdesk.core.analysis.nena import (
    check_addresses,
    check_geometry,
    check_nguid,
    check_ranges,
    check_roads,
    check_schema,
    check_values,
)
from mapdesk.core.analysis.nena.context import (
    Draft,
    ValidationContext,
    ValidationOptions,
    build_context,
)
from mapdesk.core.analysis.nena.findings import RULES, Finding, RoleMatch, ValidationResult
from mapdesk.core.analysis.nena.layer_roles import candidate_from_frame, resolve_roles
from mapdesk.core.analysis.nena.schema import NenaSchema, load_schema
from mapdesk.core.crs import transform_xy

#: Called as ``progress(percent, message)`` between steps (as the app's workers expect).
Progress = Callable[[int, str], None]
IsCancelled = Callable[[], bool]
Check = Callable[[ValidationContext], list[Draft]]

#: The checks in the order they run, each with what the progress line says.
CHECKS: tuple[tuple[str, Check], ...] = (
    ("required layers and fields", lambda ctx: [
        *check_schema.missing_layers(ctx), *check_schema.missing_fields(ctx)
    ]),
    ("required values", check_schema.required_nulls),
    ("field types and domains", check_values.domain_values),
    ("NGUIDs", lambda ctx: [
        *check_nguid.nguid_formats(ctx), *check_nguid.nguid_duplicates(ctx)
    ]),
    ("geometries", check_geometry.invalid_geometries),
    ("polygon overlaps", check_geometry.overlaps),
    ("polygon gaps", check_geometry.gaps),
    ("road ends", check_roads.dangles),
    ("roads in the provisioning area", check_roads.roads_outside),
    ("addresses in the provisioning area", check_addresses.addresses_outside),
    ("addresses against A1-A5 polygons", check_addresses.municipality_mismatches),
    ("addresses against road centrelines", check_addresses.road_matches),
    ("address ranges", check_ranges.range_overlaps),
    ("duplicate addresses", check_addresses.duplicates),
)  # fmt: skip


def validate_nena(
    frames: Mapping[str, gpd.GeoDataFrame],
    roles: Mapping[str, RoleMatch] | None = None,
    options: ValidationOptions | None = None,
    progress: Progress | None = None,
    is_cancelled: IsCancelled | None = None,
    schema: NenaSchema | None = None,
) -> ValidationResult:
    """Validate a dataset against mapdesk's NENA v3 definition.

    Parameters
    ----------
    frames
        The dataset's layers by name (index = fid). They are not changed.
    roles
        Which layer plays which NENA layer (see
        :func:`~mapdesk.core.analysis.nena.layer_roles.resolve_roles`);
        found from the layers themselves when omitted.
    options
        Tolerances, the exception field, the country.
    progress
        Told ``(percent, step)`` before each check.
    is_cancelled
        Polled between checks; when it returns True the result so far comes
        back with ``cancelled=True``.

    Returns
    -------
    ValidationResult
        Findings in rule order with places in longitude/latitude, the roles
        used, and notes on how the checks ran.

    Raises
    ------
    MapdeskError
        When no layer validated has a CRS.
    """
    schema = schema or load_schema()
    options = options or ValidationOptions()
    if roles is None:
        candidates = [candidate_from_frame(name, frame) for name, frame in frames.items()]
        roles = resolve_roles(candidates, schema=schema)
    report = progress or (lambda percent, step: None)
    stop = is_cancelled or (lambda: False)
    report(0, "Preparing the layers")
    ctx = build_context(frames, roles, schema, options)
    ctx.provisioning, note = check_geometry.provisioning_area(ctx)
    if note:
        ctx.notes.append(note)
    drafts: list[Draft] = []
    for step, (what, check) in enumerate(CHECKS):
        if stop():
            return _result(ctx, drafts, roles, cancelled=True)
        report(int(100 * step / len(CHECKS)), f"Checking {what}")
        drafts += check(ctx)
    report(100, "Done")
    return _result(ctx, drafts, roles, cancelled=False)


def _result(
    ctx: ValidationContext,
    drafts: list[Draft],
    roles: Mapping[str, RoleMatch],
    cancelled: bool,
) -> ValidationResult:
    notes = [*ctx.notes, *(n for layer in ctx.layers.values() for n in layer.notes)]
    return ValidationResult(
        findings=tuple(sorted(_in_lon_lat(ctx, drafts), key=_report_order)),
        roles=dict(roles),
        notes=tuple(dict.fromkeys(notes)),
        cancelled=cancelled,
    )


_RULE_ORDER = {rule: index for index, rule in enumerate(RULES)}


def _report_order(finding: Finding) -> tuple[int, str, int, str, str]:
    fid = finding.fid
    numeric = -1 if fid is None else (fid if isinstance(fid, int) else 0)
    return (_RULE_ORDER[finding.rule], finding.layer, numeric, str(fid or ""), finding.message)


def _in_lon_lat(ctx: ValidationContext, drafts: list[Draft]) -> list[Finding]:
    xs = np.array([np.nan if d.x is None else d.x for d in drafts], dtype=float)
    ys = np.array([np.nan if d.y is None else d.y for d in drafts], dtype=float)
    lon, lat = transform_xy(xs, ys, ctx.crs, WGS84) if drafts else (xs, ys)
    return [
        Finding(d.rule, d.layer, d.fid, d.nguid, d.message, *_place(x, y))
        for d, x, y in zip(drafts, lon.tolist(), lat.tolist(), strict=True)
    ]


def _place(lon: float, lat: float) -> tuple[float | None, float | None]:
    if np.isfinite(lon) and np.isfinite(lat):
        return lon, lat
    return None, None
