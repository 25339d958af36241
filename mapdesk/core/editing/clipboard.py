"""Copying features from one layer and pasting them into another, reprojected.

Attributes go to the fields of the same name (letter case aside); a value
that does not fit the target field is left empty and reported, never forced;
fields the target does not have are reported as dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pyproj import CRS

from mapdesk.core.crs import same_crs, transformer
from mapdesk.core.errors import MapdeskError

if TYPE_CHECKING:
    from mapdesk.core.layer import VectorLayer


@dataclass(frozen=True)
class CopiedFeatures:
    """Features on the clipboard: attributes, geometries and the CRS they are in."""

    source_name: str
    records: tuple[dict[str, Any], ...]
    geometries: tuple[Any, ...]
    crs: CRS | None

    def __len__(self) -> int:
        return len(self.records)


@dataclass(frozen=True)
class PasteReport:
    """What a paste did: the new fids, fields left behind, values refused."""

    fids: list[int]
    dropped_fields: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def summary(self) -> str:
        noun = "feature" if len(self.fids) == 1 else "features"
        parts = [f"{len(self.fids)} {noun} pasted"]
        if self.dropped_fields:
            parts.append(f"fields not in this layer: {', '.join(self.dropped_fields)}")
        if self.refused:
            parts.append(f"values left empty: {'; '.join(self.refused[:5])}")
        return "; ".join(parts)


def copy_features(layer: VectorLayer, fids: Sequence[Any]) -> CopiedFeatures:
    """The features ``fids`` of ``layer`` (virtual fields left out: they are computed)."""
    if not fids:
        raise MapdeskError(f'Select the features of "{layer.name}" to copy first')
    rows = layer.data.loc[list(fids)]
    names = [c for c in rows.columns if c != rows.geometry.name and c not in layer.virtual_fields]
    records = tuple(
        {name: _plain(value) for name, value in zip(names, values, strict=True)}
        for values in rows[names].itertuples(index=False, name=None)
    )
    return CopiedFeatures(layer.name, records, tuple(rows.geometry.array), layer.crs)


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value.item() if isinstance(value, np.generic) else value


def paste_features(layer: VectorLayer, copied: CopiedFeatures) -> PasteReport:
    """Add the copied features to ``layer`` (in edit mode), reprojected, in one undo step."""
    session = layer.edit_session
    if session is None:
        raise MapdeskError(f'Layer "{layer.name}" is not in edit mode: switch on Toggle Editing')
    targets = {name.lower(): name for name, _kind in layer.fields}
    targets = {k: v for k, v in targets.items() if v not in layer.virtual_fields}
    copied_names = {name for record in copied.records for name in record}
    dropped = sorted(n for n in copied_names if n.lower() not in targets)
    refused: list[str] = []
    records = []
    for number, record in enumerate(copied.records, start=1):
        values: dict[str, Any] = {}
        for name, value in record.items():
            target = targets.get(name.lower())
            if target is None:
                continue
            try:
                values.update(session.checked_values({target: value}))
            except MapdeskError:
                refused.append(f"{target} of feature {number} ({value!r})")
        records.append(values)
    geometries = _reprojected(copied.geometries, copied.crs, layer.crs)
    text = "Paste feature" if len(records) == 1 else f"Paste {len(records)} features"
    fids = session.add_features(geometries, records, text=text)
    return PasteReport(fids, dropped, refused)


def _reprojected(geometries: Sequence[Any], source: CRS | None, target: CRS | None) -> list[Any]:
    array = np.asarray(geometries, dtype=object)
    if source is None or target is None or same_crs(source, target):
        return list(array)
    return list(reprojected_keeping_z(array, transformer(source, target)))


def reprojected_keeping_z(geometries: Any, forward: Any) -> Any:
    """``geometries`` through ``forward`` (a pyproj Transformer), heights kept as they are."""

    def xyz(coords: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        x, y = forward.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y, coords[:, 2]])

    return shapely.transform(geometries, xyz, include_z=True)
