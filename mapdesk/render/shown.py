"""What a layer's display filter lets through, met with the rows each drawing step uses.

Symbol classes, the selection and labels are each drawn from arrays whose
costly half (shapely coordinates, label texts) is cached on the arrays'
identity. Under a display filter (``LayerSnapshot.shown``) each is limited to
the shown rows: that intersection is made here once per pair of inputs and
kept while both live, so a pan or zoom redraws from the same array, and so
from the same cached geometry, instead of building it again.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from mapdesk.core.labels import LabelCandidates

Rows = npt.NDArray[np.intp]
A = TypeVar("A")
T = TypeVar("T")

#: Pairs kept at most (a few layers' classes and selections, a label set each).
PAIRS_KEPT = 64


class _PairCache(Generic[A, T]):
    """``compute(item, shown)`` kept while both objects live (by identity).

    An entry goes as soon as either input is garbage: a time slider makes a
    new ``shown`` array at every step, and the old steps' results (and the
    geometry cached on them) must not pile up.
    """

    def __init__(self, compute: Callable[[A, Rows], T]) -> None:
        self._compute = compute
        self._lock = threading.RLock()  # re-entrant: see render.geometry._CACHE_LOCK
        self._entries: OrderedDict[tuple[int, int], tuple[Any, Any, T]] = OrderedDict()

    def __call__(self, item: A, shown: Rows) -> T:
        key = (id(item), id(shown))
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0]() is item and entry[1]() is shown:
                self._entries.move_to_end(key)
                return entry[2]
        found = self._compute(item, shown)
        forget = partial(self._forget, key)
        with self._lock:
            self._entries[key] = (weakref.ref(item, forget), weakref.ref(shown, forget), found)
            while len(self._entries) > PAIRS_KEPT:
                self._entries.popitem(last=False)
        return found

    def _forget(self, key: tuple[int, int], ref: weakref.ref[Any]) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and ref in (entry[0], entry[1]):
                del self._entries[key]


def _intersect(rows: Rows, shown: Rows) -> Rows:
    found = np.intersect1d(rows, shown, assume_unique=True).astype(np.intp)
    found.flags.writeable = False
    return found


def _candidates_among(candidates: LabelCandidates, shown: Rows) -> LabelCandidates:
    return candidates.among(shown)


_shown_rows: _PairCache[Rows, Rows] = _PairCache(_intersect)
_shown_candidates: _PairCache[LabelCandidates, LabelCandidates] = _PairCache(_candidates_among)


def shown_part(rows: Rows, shown: Rows | None) -> Rows:
    """The positions of ``rows`` (a class, the selection) among ``shown``; sorted.

    ``rows`` itself when nothing is filtered (``shown`` None).
    """
    return rows if shown is None else _shown_rows(rows, shown)


def shown_candidates(candidates: LabelCandidates, shown: Rows | None) -> LabelCandidates:
    """The label candidates of the shown features (all when ``shown`` is None)."""
    return candidates if shown is None else _shown_candidates(candidates, shown)
