"""What every NENA check works on: the layers in one metric CRS, their NENA columns,
feature labels for messages, per-feature exception flags, the provisioning area.

Checks stay small functions ``check(ctx) -> list[Draft]``; this module does the
shared work once (projection, column lookup, making geometries valid) so that
each check is only its rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from mapdesk.core.analysis.metric import metric_crs
from mapdesk.core.analysis.nena.findings import FEATURE_RULES, FeatureId, Finding, RoleMatch
from mapdesk.core.analysis.nena.layer_roles import column_named
from mapdesk.core.analysis.nena.schema import V3_FROM_V2, LayerSpec, NenaSchema
from mapdesk.core.analysis.nena.streets import feature_labels
from mapdesk.core.errors import MapdeskError

Rows = npt.NDArray[np.intp]


@dataclass(frozen=True)
class ValidationOptions:
    """Tolerances and choices of a validation (metres); the defaults suit city data.

    Attributes
    ----------
    country
        ``"US"`` or ``"CA"``: NENA leaves a few fields out per country.
    exception_field
        The per-feature flag field: rule ids it lists (comma, semicolon or
        space separated; ``*`` for all, ``road.*`` for a group) are not
        reported for that feature.
    snap_m
        Road ends closer than this meet.
    edge_m
        Slack at the provisioning boundary: a road with no more than this
        length outside it counts as inside, and a road end this close to it is
        no dangle (the road goes on in the neighbour's data).
    search_m
        How far from an address point its street's centreline is looked for.
    dangle_within_m
        When set, only dangles within this distance of another centreline
        (likely undershoots) are reported; dead-end streets farther away are not.
    min_area_m2
        The smallest overlap or gap reported (smaller ones are numeric noise).
    """

    country: str = "US"
    exception_field: str = "QA_Except"
    snap_m: float = 0.01
    edge_m: float = 1.0
    search_m: float = 200.0
    dangle_within_m: float | None = None
    min_area_m2: float = 1.0


#: A finding while the checks run: its x/y are still in the metric CRS of the
#: validation; :func:`~mapdesk.core.analysis.nena.validate.validate_nena` turns
#: them into longitude/latitude.
Draft = Finding


class NenaLayer:
    """One layer of the data in the part of one NENA layer, in the metric CRS."""

    def __init__(
        self, match: RoleMatch, spec: LayerSpec, frame: gpd.GeoDataFrame, options: ValidationOptions
    ) -> None:
        self.role = match.role
        self.name = match.layer
        self.spec = spec
        self.frame = frame
        self.options = options
        #: v3 field name -> the column holding it (its own name, another case, or a v2 name).
        self.columns = _columns(spec, frame)
        self.geometries: npt.NDArray[Any] = np.asarray(frame.geometry.array, dtype=object)
        self.fids: npt.NDArray[Any] = np.asarray(frame.index, dtype=object)
        self.notes: list[str] = []
        self._texts: dict[str, npt.NDArray[np.object_]] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def values(self, field_name: str) -> pd.Series | None:
        """The values of NENA field ``field_name``, None when the layer lacks it."""
        column = self.columns.get(field_name)
        return None if column is None else self.frame[column]

    def texts(self, field_name: str) -> npt.NDArray[np.object_]:
        """The field as stripped text, ``""`` for no value (or a missing field)."""
        if field_name not in self._texts:
            values = self.values(field_name)
            texts = np.full(len(self), "", dtype=object) if values is None else as_texts(values)
            self._texts[field_name] = texts
        return self._texts[field_name]

    @cached_property
    def nguids(self) -> npt.NDArray[np.object_]:
        nguids = self.texts("NGUID").copy()
        nguids[nguids == ""] = None
        return nguids

    @cached_property
    def labels(self) -> npt.NDArray[np.object_]:
        """A short name per feature for messages (an address, a street, a district)."""
        return feature_labels(self.role, self.texts)

    @cached_property
    def present(self) -> npt.NDArray[np.bool_]:
        """Features with a geometry to check in space."""
        present = ~shapely.is_missing(self.geometries) & ~shapely.is_empty(self.geometries)
        return np.asarray(present, dtype=bool)

    @cached_property
    def shapes(self) -> npt.NDArray[Any]:
        """The geometries made valid (None where missing), for the spatial checks."""
        shapes = self.geometries.copy()
        shapes[~self.present] = None
        broken = self.present & ~shapely.is_valid(shapes)
        if broken.any():
            shapes[broken] = shapely.make_valid(shapes[broken])
        return shapes

    @cached_property
    def _exceptions(self) -> list[frozenset[str]]:
        column = column_named(self.frame.columns, self.options.exception_field)
        if column is None:
            return []
        flags = [
            frozenset(re.split(r"[\s,;]+", t.strip())) - {""} for t in as_texts(self.frame[column])
        ]
        self._note_unknown(flags)
        return flags

    def _note_unknown(self, flags: list[frozenset[str]]) -> None:
        known = set(FEATURE_RULES) | {"*"} | {r.split(".")[0] + ".*" for r in FEATURE_RULES}
        for row, flag in enumerate(flags):
            for word in sorted(flag - known):
                self.notes.append(
                    f"{self.name} fid {self.fids[row]}: {self.options.exception_field} "
                    f"{word!r} names no rule that can be excepted; ignored"
                )

    def excepted(self, rule: str) -> npt.NDArray[np.bool_]:
        """Features whose exception flag silences ``rule``."""
        flags = self._exceptions
        if not flags:
            return np.zeros(len(self), dtype=bool)
        words = {rule, "*", rule.split(".")[0] + ".*"}
        return np.fromiter((bool(f & words) for f in flags), dtype=bool, count=len(flags))


def as_texts(values: pd.Series) -> npt.NDArray[np.object_]:
    """Values as stripped text, ``""`` for none; whole floats without ``.0`` (an
    integer field read as float because it has nulls)."""
    out = np.full(len(values), "", dtype=object)
    present = ~values.isna().to_numpy()
    if not present.any():
        return out
    kept = values[present]
    if pd.api.types.is_datetime64_any_dtype(kept.dtype):
        stamps = kept.to_numpy(dtype="datetime64[ms]")  # tz-aware ones in UTC
        texts = np.datetime_as_string(stamps, unit="s").astype(object)
    elif pd.api.types.is_float_dtype(kept.dtype):
        numbers = kept.to_numpy(dtype=float)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        texts = np.where(whole, [f"{v:.0f}" for v in numbers], kept.astype(str).to_numpy())
    else:
        texts = kept.astype(str).str.strip().to_numpy()
    out[present] = texts
    return out


def _columns(spec: LayerSpec, frame: gpd.GeoDataFrame) -> dict[str, str]:
    found: dict[str, str] = {}
    geometry = frame.geometry.name
    for spec_field in spec.fields:
        for name in (spec_field.name, *V3_FROM_V2.get(spec_field.name, ())):
            column = column_named(frame.columns, name)
            if column is not None and column != geometry:
                found[spec_field.name] = column
                break
    return found


@dataclass
class ValidationContext:
    """The layers being validated (by NENA layer name) and what the checks share."""

    schema: NenaSchema
    options: ValidationOptions
    layers: dict[str, NenaLayer]
    crs: CRS
    notes: list[str] = field(default_factory=list)
    provisioning: Any = None

    def layer(self, role: str) -> NenaLayer | None:
        return self.layers.get(role)

    def drafts(
        self,
        rule: str,
        layer: NenaLayer,
        rows: Sequence[int] | Rows,
        problems: Sequence[str],
        points: Sequence[tuple[float, float] | None] | None = None,
    ) -> list[Draft]:
        """Findings of ``rule`` on features ``rows`` of ``layer``, minus the excepted.

        ``problems`` says what is wrong with each (the value quoted); the
        message adds which feature it is. ``points`` (metric CRS) default to
        each feature's own place.
        """
        rows = np.asarray(rows, dtype=np.intp)
        if len(rows) == 0:
            return []
        kept = ~layer.excepted(rule)[rows]
        places = list(points) if points is not None else self.places(layer, rows)
        out = []
        for keep, row, problem, place in zip(kept, rows, problems, places, strict=True):
            if keep:
                out.append(self._draft(rule, layer, int(row), problem, place))
        return out

    def _draft(
        self, rule: str, layer: NenaLayer, row: int, problem: str, place: tuple[float, float] | None
    ) -> Draft:
        fid = _plain(layer.fids[row])
        label = layer.labels[row]
        where = f"{layer.name} fid {fid}" + (f" ({label})" if label else "")
        x, y = place if place is not None else (None, None)
        return Draft(rule, layer.name, fid, layer.nguids[row], f"{where}: {problem}", x, y)

    def places(self, layer: NenaLayer, rows: Rows) -> list[tuple[float, float] | None]:
        """A point on each feature (its vertex for points), None without a geometry."""
        shapes = layer.shapes[rows]
        out: list[tuple[float, float] | None] = [None] * len(rows)
        present = ~shapely.is_missing(shapes)
        if present.any():
            xy = shapely.get_coordinates(shapely.point_on_surface(shapes[present]))
            for slot, (x, y) in zip(np.flatnonzero(present), xy, strict=True):
                out[slot] = (float(x), float(y))
        return out


def _plain(fid: Any) -> FeatureId:
    """A fid as JSON can hold it: numpy integers become ints."""
    if isinstance(fid, np.integer | int):
        return int(fid)
    return str(fid)


def build_context(
    frames: Mapping[str, gpd.GeoDataFrame],
    roles: Mapping[str, RoleMatch],
    schema: NenaSchema,
    options: ValidationOptions,
) -> ValidationContext:
    """The layers that play a part, projected to one metric CRS.

    A layer without a CRS is read in the CRS of the first layer that has one
    (a shapefile that lost its ``.prj``), and a note says so.

    Raises
    ------
    MapdeskError
        When no layer has a CRS (distances and longitude/latitude need one).
    """
    chosen = {role: frames[match.layer] for role, match in roles.items()}
    with_crs = [(role, f) for role, f in chosen.items() if f.crs is not None and len(f)]
    if not with_crs:
        if any(len(f) for f in chosen.values()):
            names = ", ".join(m.layer for m in roles.values())
            raise MapdeskError(
                f"None of the layers validated has a coordinate reference system ({names}): "
                "set one first"
            )
        with_crs = [("", gpd.GeoDataFrame(geometry=[], crs=4326))]
    first_role, first = with_crs[0]
    xmin, ymin, xmax, ymax = first.total_bounds if len(first) else (0.0, 0.0, 0.0, 0.0)
    crs = metric_crs(CRS(first.crs), (xmin + xmax) / 2, (ymin + ymax) / 2)
    notes = [
        f"{roles[role].layer} has no CRS: read in {CRS(first.crs).name}, "
        f"the CRS of {roles[first_role].layer}"
        for role, frame in chosen.items()
        if frame.crs is None and len(frame)
    ]
    layers = {
        role: NenaLayer(
            roles[role], schema.layer(role), _to_crs(frame, CRS(first.crs), crs), options
        )
        for role, frame in chosen.items()
    }
    return ValidationContext(schema, options, layers, crs, notes)


def _to_crs(frame: gpd.GeoDataFrame, assumed: CRS, crs: CRS) -> gpd.GeoDataFrame:
    if frame.crs is None:
        frame = frame.set_crs(assumed, allow_override=True)
    if CRS(frame.crs) == crs:
        return frame
    return frame.to_crs(crs)
