"""The selected features of one layer, kept as feature ids (fids).

Fids, not row positions: an edit that inserts or deletes rows leaves the
selection pointing at the same features. Stored as a sorted numpy array, so
selecting half of a million features stays cheap.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from psygnal import Signal

from mapdesk.core.errors import MapdeskError


class SelectionMode(Enum):
    """How a new set of features combines with the current selection (as in QGIS)."""

    REPLACE = "replace"
    ADD = "add"
    REMOVE = "remove"
    INTERSECT = "intersect"
    TOGGLE = "toggle"

    @classmethod
    def parse(cls, value: SelectionMode | str) -> SelectionMode:
        if isinstance(value, SelectionMode):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise MapdeskError(f"Unknown selection mode '{value}' (use one of {names})") from None


class FeatureSelection:
    """Selected fids of one layer.

    Signals
    -------
    changed(numpy.ndarray)
        The fids now selected, after every change that changed something.
    """

    changed = Signal(object)

    def __init__(self) -> None:
        self._fids: npt.NDArray[Any] = np.empty(0, dtype=np.int64)
        # rows() for the last index asked: every render of the map asks.
        self._rows: tuple[pd.Index, npt.NDArray[np.intp]] | None = None

    @property
    def fids(self) -> npt.NDArray[Any]:
        """Selected fids, sorted (a read-only view)."""
        view = self._fids.view()
        view.flags.writeable = False
        return view

    @property
    def count(self) -> int:
        return len(self._fids)

    def apply(self, fids: npt.ArrayLike, mode: SelectionMode | str = SelectionMode.REPLACE) -> int:
        """Combine ``fids`` with the selection; the number selected afterwards."""
        chosen = np.unique(np.asarray(fids))
        current = self._fids
        combined = {
            SelectionMode.REPLACE: lambda: chosen,
            SelectionMode.ADD: lambda: np.union1d(current, chosen),
            SelectionMode.REMOVE: lambda: np.setdiff1d(current, chosen),
            SelectionMode.INTERSECT: lambda: np.intersect1d(current, chosen),
            SelectionMode.TOGGLE: lambda: np.setxor1d(current, chosen),
        }[SelectionMode.parse(mode)]()
        self._set(combined)
        return self.count

    def clear(self) -> None:
        self._set(np.empty(0, dtype=self._fids.dtype))

    def rows(self, index: pd.Index) -> npt.NDArray[np.intp]:
        """Positions in ``index`` (a layer's fids) of the selected features.

        The same (read-only) array is returned until the selection or the
        index changes, so callers may cache work on its identity.
        """
        cached = self._rows
        if cached is not None and cached[0] is index:
            return cached[1]
        if self.count == 0:
            rows = np.empty(0, dtype=np.intp)
        else:
            rows = np.flatnonzero(index.isin(self._fids)).astype(np.intp)
        rows.flags.writeable = False
        self._rows = (index, rows)
        return rows

    def keep_only(self, index: pd.Index) -> None:
        """Forget fids no longer in the layer (after its data was replaced)."""
        if self.count:
            self._set(self._fids[np.isin(self._fids, index.to_numpy())])

    def _set(self, fids: npt.NDArray[Any]) -> None:
        if len(fids) == len(self._fids) and np.array_equal(fids, self._fids):
            return
        self._fids = fids
        self._rows = None
        self.changed.emit(self.fids)
