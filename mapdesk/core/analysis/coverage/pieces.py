"""Parts of lines, cut by fractions of their length, all at once.

shapely's ``substring`` cuts one line per Python call; a station's band has
hundreds of part-reached roads, a what-if run thousands, so the cutting is
done here over arrays: every kept vertex and both cut points of every piece,
sorted along its line, made into lines in one call.
"""

from __future__ import annotations

import numpy as np
import shapely

from mapdesk.core.analysis.coverage.model import Floats, Geometries, Ints


def line_pieces(lines: Geometries, line: Ints, start: Floats, stop: Floats) -> Geometries:
    """The part of ``lines[line[i]]`` from fraction ``start[i]`` to ``stop[i]`` of its length.

    A piece of no length is its point (its area is then a disc).
    """
    count = len(line)
    if not count:
        return np.empty(0, dtype=object)
    chosen = lines[line]
    first = shapely.line_interpolate_point(chosen, start, normalized=True)
    last = shapely.line_interpolate_point(chosen, stop, normalized=True)
    inner_xy, inner_piece, inner_at = _inner_vertices(chosen, start, stop)
    xy = np.vstack([shapely.get_coordinates(first), inner_xy, shapely.get_coordinates(last)])
    piece = np.concatenate([np.arange(count), inner_piece, np.arange(count)])
    at = np.concatenate([start, inner_at, stop])
    # Cut points sort before (start) and after (stop) any vertex at the same fraction.
    rank = np.concatenate([np.zeros(count), np.ones(len(inner_piece)), np.full(count, 2.0)])
    order = np.lexsort((rank, at, piece))
    pieces = shapely.linestrings(xy[order], indices=piece[order])
    points = (stop - start) <= 0
    pieces[points] = first[points]
    return np.asarray(pieces)


def _inner_vertices(lines: Geometries, start: Floats, stop: Floats) -> tuple[Floats, Ints, Floats]:
    """Vertices strictly between each piece's cut points: coordinates, piece, fraction."""
    xy, owner = shapely.get_coordinates(lines, return_index=True)
    step = np.zeros(len(xy))
    same = owner[1:] == owner[:-1]
    step[1:][same] = np.hypot(*(xy[1:] - xy[:-1])[same].T)
    walked = np.cumsum(step)
    first_of = np.flatnonzero(np.r_[True, ~same])
    walked -= np.repeat(walked[first_of], np.diff(np.r_[first_of, len(xy)]))
    length = shapely.length(lines)
    at = walked / np.where(length > 0, length, 1.0)[owner]
    keep = (at > start[owner]) & (at < stop[owner])
    return xy[keep], owner[keep], at[keep]
