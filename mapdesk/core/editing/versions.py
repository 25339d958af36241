"""Row versions: what a shared source says each feature was when it was read.

A database that several people edit (PostGIS) gives every row a version
(PostgreSQL's ``xmin``); a save writes a feature only if its version is still
the one read, so nobody's changes are overwritten unseen. The versions ride
with the features in ``frame.attrs[ROW_VERSIONS]``: the edit session hands its
base frame to the writer, which reads them there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np

#: The key of the versions in a frame's ``attrs``.
ROW_VERSIONS = "row_versions"


class RowVersions(Mapping[Any, int]):
    """fid -> version, immutable.

    Equality is identity and a deep copy is the object itself: pandas copies
    and compares ``attrs`` on many operations, and a table of 200,000 versions
    must cost nothing there.

    Made from arrays (:meth:`from_arrays`), as a load reads them, the lookup
    table is built on first use: most loaded layers are never saved.
    """

    __slots__ = ("_arrays", "_table")

    def __init__(self, versions: Mapping[Any, int] | Iterable[tuple[Any, int]] = ()) -> None:
        self._table: dict[Any, int] | None = dict(versions)
        self._arrays: list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = []

    @classmethod
    def from_arrays(cls, fids: np.ndarray[Any, Any], versions: np.ndarray[Any, Any]) -> RowVersions:
        """The versions ``versions[i]`` of the features ``fids[i]``."""
        if len(fids) != len(versions):
            raise ValueError(f"{len(fids)} feature ids but {len(versions)} versions")
        made = cls()
        made._table, made._arrays = None, [(fids, versions)]
        return made

    @classmethod
    def joined(cls, parts: Sequence[RowVersions]) -> RowVersions:
        """The versions of all ``parts`` (of different features) as one."""
        made = cls()
        made._table = None
        for part in parts:
            if part._table is not None:
                keys = np.fromiter(part._table.keys(), dtype=object, count=len(part._table))
                values = np.fromiter(part._table.values(), dtype=np.int64, count=len(part._table))
                made._arrays.append((keys, values))
            else:
                made._arrays.extend(part._arrays)
        return made

    @property
    def _versions(self) -> dict[Any, int]:
        # The arrays are kept: two threads asking at once both build the whole
        # table (the same one), and neither sees arrays another has emptied.
        found = self._table
        if found is None:
            found = {}
            for fids, versions in self._arrays:
                found.update(zip(fids.tolist(), versions.tolist(), strict=True))
            self._table = found
        return found

    def __getitem__(self, fid: Any) -> int:
        return self._versions[fid]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._versions)

    def __len__(self) -> int:
        return len(self._versions)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> RowVersions:
        return self

    def updated(self, versions: Mapping[Any, int], removed: Iterable[Any] = ()) -> RowVersions:
        """A copy with ``versions`` set and the ``removed`` fids left out."""
        result = dict(self._versions)
        for fid in removed:
            result.pop(fid, None)
        result.update(versions)
        return RowVersions(result)


def row_versions(frame: gpd.GeoDataFrame) -> RowVersions | None:
    """The versions the source gave ``frame``'s features; None for sources without them."""
    found = frame.attrs.get(ROW_VERSIONS)
    return found if isinstance(found, RowVersions) else None


def with_row_versions(frame: gpd.GeoDataFrame, versions: RowVersions) -> gpd.GeoDataFrame:
    """``frame`` (itself) carrying ``versions``."""
    frame.attrs[ROW_VERSIONS] = versions
    return frame
