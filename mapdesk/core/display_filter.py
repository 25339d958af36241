"""A layer's display filter: which of its features the map draws, for now.

QGIS's temporal controller and its layer filters show part of a layer without
touching the data; so does this. A display filter is transient (never saved
in a project), carries a short reason the layer panel shows ("Incident
Analysis time slider: January 2026"), and emits ``changed`` so the canvas
redraws. The attribute table and exports of the data ignore it: it changes
what is drawn and what a click on the map can pick, nothing else.

The filter keeps the fids it **hides**, not those it shows: a feature added
after the filter was set (digitized, or read again from the file) is drawn
until whoever set the filter sets it again, rather than vanishing as the user
adds it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from psygnal import Signal

Rows = npt.NDArray[np.intp]


class DisplayFilter:
    """The features of one layer the map leaves out; inactive until ``show_only``.

    Signals
    -------
    changed(str | None)
        The filter's reason after it changed, None when it was cleared.
    """

    changed = Signal(object)

    def __init__(self) -> None:
        self._hidden: npt.NDArray[Any] | None = None
        self._reason = ""
        # rows() for the last index asked: every render of the map asks.
        self._rows: tuple[pd.Index, Rows] | None = None

    @property
    def active(self) -> bool:
        """True while the filter hides (or may hide) features."""
        return self._hidden is not None

    @property
    def reason(self) -> str:
        """Why features are hidden, for the layer panel ("" when inactive)."""
        return self._reason

    def show_only(self, index: pd.Index, rows: npt.ArrayLike, reason: str) -> None:
        """Draw only the features at positions ``rows`` of ``index`` (the layer's fids).

        Parameters
        ----------
        index
            The layer's fids (``layer.data.index``) the positions refer to.
        rows
            Positions of the features to draw; every other feature is hidden.
        reason
            A short phrase for the layer panel: who filters, and to what.
        """
        wanted = np.asarray(rows, dtype=np.intp)
        keep = np.zeros(len(index), dtype=bool)
        keep[wanted[(wanted >= 0) & (wanted < len(index))]] = True
        shown = np.flatnonzero(keep).astype(np.intp)
        shown.flags.writeable = False
        self._hidden = np.asarray(index.to_numpy()[~keep])
        self._reason = str(reason).strip() or "Display filter"
        self._rows = (index, shown)
        self.changed.emit(self._reason)

    def clear(self) -> None:
        """Draw every feature again (no signal when nothing was filtered)."""
        if self._hidden is None:
            return
        self._hidden, self._reason, self._rows = None, "", None
        self.changed.emit(None)

    def rows(self, index: pd.Index) -> Rows | None:
        """Sorted positions in ``index`` of the features drawn; None: all of them.

        The same (read-only) array is returned until the filter or the index
        changes, so the renderer may cache work on its identity, as it does
        for the selection's rows.
        """
        # Read once: a worker (print preview) may call this while the UI thread
        # clears the filter between two reads.
        hidden = self._hidden
        if hidden is None:
            return None
        cached = self._rows
        if cached is not None and cached[0] is index:
            return cached[1]
        shown = np.flatnonzero(~index.isin(hidden)).astype(np.intp)
        shown.flags.writeable = False
        self._rows = (index, shown)
        return shown

    def describe(self, index: pd.Index) -> str:
        """The reason and how many features show, e.g. "... (204 of 5,000 shown)"."""
        shown = self.rows(index)
        if shown is None:
            return ""
        return f"{self._reason} ({len(shown):,} of {len(index):,} shown)"


def among_shown(rows: Rows, shown: Rows | None) -> Rows:
    """The positions of ``rows`` that a filter showing ``shown`` (sorted) draws.

    For a few rows (a click's hits) against many shown ones: a binary search
    per row, never a pass over the whole layer.
    """
    if shown is None:
        return rows
    if len(shown) == 0 or len(rows) == 0:
        return rows[:0]
    where = np.minimum(np.searchsorted(shown, rows), len(shown) - 1)
    found: Rows = rows[shown[where] == rows]
    return found
