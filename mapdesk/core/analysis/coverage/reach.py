"""When each station reaches any point of the network, and which parts it reaches in time.

A point part-way along a segment is reached by driving along the segment in
a direction it may be driven: from its first node (time there + the part
driven), from its last node, or, on the station's own segment, straight from
the station. Arrival counts from the alert: the station's turnout plus the
drive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from mapdesk.core.analysis.coverage.model import Floats, Ints, Mask
from mapdesk.core.analysis.coverage.network import RoadNetwork
from mapdesk.core.analysis.coverage.positions import NetworkPositions
from mapdesk.core.analysis.coverage.routing import station_node_seconds

#: Places handled at once (bounds the memory of the stations x places times).
CHUNK = 20_000


@dataclass(frozen=True)
class ReachedPieces:
    """Reached parts of segments: ``segment[i]`` from fraction ``start[i]`` to ``stop[i]``."""

    segment: Ints
    start: Floats
    stop: Floats

    @property
    def whole(self) -> Mask:
        """True for pieces that are the whole segment."""
        return (self.start <= 0) & (self.stop >= 1)

    @property
    def length_m(self) -> Floats:
        """Per piece, its share of its segment (multiply by the segment's length)."""
        return self.stop - self.start

    @classmethod
    def whole_segments(cls, segments: Ints) -> ReachedPieces:
        """The whole of each of ``segments``."""
        return cls(segments, np.zeros(len(segments)), np.ones(len(segments)))

    @classmethod
    def union(cls, pieces: list[ReachedPieces]) -> ReachedPieces:
        """All of ``pieces`` (several stations' reach), overlapping pieces merged."""
        if not pieces:
            return cls(np.empty(0, np.intp), np.empty(0), np.empty(0))
        segment = np.concatenate([p.segment for p in pieces])
        start = np.concatenate([p.start for p in pieces])
        stop = np.concatenate([p.stop for p in pieces])
        if not len(segment):
            return cls(segment, start, stop)
        order = np.lexsort((start, segment))
        segment, start, stop = segment[order], start[order], stop[order]
        # Fractions are 0..1, so 4 x segment + stop keeps segments apart in a running maximum.
        reach = np.maximum.accumulate(segment * 4.0 + stop) - segment * 4.0
        first = np.ones(len(segment), dtype=bool)
        first[1:] = (segment[1:] != segment[:-1]) | (start[1:] > reach[:-1])
        heads = np.flatnonzero(first)
        return cls(segment[heads], start[heads], np.maximum.reduceat(stop, heads))


@dataclass(frozen=True, eq=False)
class StationReach:
    """Drive times from a set of in-service stations over the open network.

    Attributes
    ----------
    network, open_segments
        The network and which of its segments may be driven.
    at
        Where each station enters the network.
    turnout_s
        Per station, seconds from alert to leaving.
    node_seconds
        Drive seconds from each station to each node (stations x nodes).
    """

    network: RoadNetwork
    open_segments: Mask
    at: NetworkPositions
    turnout_s: Floats
    node_seconds: Floats

    @classmethod
    def compute(
        cls, network: RoadNetwork, open_segments: Mask, at: NetworkPositions, turnout_s: Floats
    ) -> StationReach:
        """Runs the shortest-path search from every station."""
        seconds = station_node_seconds(network, open_segments, at)
        return cls(network, open_segments, at, np.asarray(turnout_s, float), seconds)

    @property
    def station_count(self) -> int:
        """How many stations respond."""
        return len(self.turnout_s)

    def arrival_s(self, places: NetworkPositions) -> Floats:
        """Seconds from alert to arrival of every station at every place (stations x places).

        Infinite where a station cannot reach the place, and for places off
        the network or on a closed segment.
        """
        out = np.full((self.station_count, len(places)), np.inf)
        on = places.on_network & self.open_segments[np.maximum(places.segment, 0)]
        if not on.any() or not self.station_count:
            return out
        k, t = places.segment[on], places.fraction[on]
        drive = self._via_nodes(k, t)
        self._along_own_segment(drive, k, t)
        out[:, on] = drive + self.turnout_s[:, None]
        return out

    def fastest(self, places: NetworkPositions) -> tuple[Ints, Floats]:
        """The first-due station of every place (-1: none reaches it) and its arrival seconds."""
        station = np.full(len(places), -1, dtype=np.intp)
        seconds = np.full(len(places), np.inf)
        for rows in chunks(len(places)):
            arrival = self.arrival_s(places.take(rows))
            if not len(arrival):
                continue
            best = np.argmin(arrival, axis=0)
            best_s = arrival[best, np.arange(arrival.shape[1])]
            reached = np.isfinite(best_s)
            station[rows] = np.where(reached, best, -1)
            seconds[rows] = best_s
        return station, seconds

    def reached(self, station: int, budget_s: float) -> ReachedPieces:
        """The parts of the open network ``station`` reaches within ``budget_s`` of the alert."""
        travel = budget_s - self.turnout_s[station]
        if travel < 0:
            return ReachedPieces(np.empty(0, np.intp), np.empty(0), np.empty(0))
        net, times = self.network, self.node_seconds[station]
        # Fractions of each segment driven from its first and from its last node.
        ahead = np.where(
            self.open_segments & net.forward, (travel - times[net.start]) / net.seconds, -np.inf
        )
        back = np.where(
            self.open_segments & net.backward, (travel - times[net.end]) / net.seconds, -np.inf
        )
        own = int(self.at.segment[station])
        ahead[own] = back[own] = -np.inf  # its own segment is pieced together below
        pieces = _pieces(ahead, back)
        return _with_own_segment(pieces, own, self._own_intervals(station, travel))

    def _via_nodes(self, k: Ints, t: Floats) -> Floats:
        net, times = self.network, self.node_seconds
        # A segment's end node is a point of it whichever way it may be driven.
        w = net.seconds[k]
        from_start = np.where(net.forward[k] | (t <= 0), times[:, net.start[k]] + t * w, np.inf)
        from_end = np.where(net.backward[k] | (t >= 1), times[:, net.end[k]] + (1 - t) * w, np.inf)
        return np.asarray(np.minimum(from_start, from_end))

    def _along_own_segment(self, drive: Floats, k: Ints, t: Floats) -> None:
        """Lowers ``drive`` where a place is on a station's own segment, ahead or behind it."""
        net = self.network
        for station in range(self.station_count):
            own = int(self.at.segment[station])
            mask = k == own
            if not mask.any():
                continue
            t0, w = self.at.fraction[station], net.seconds[own]
            gap = t[mask] - t0
            direct = np.full(len(gap), np.inf)
            direct[(gap >= 0) & net.forward[own]] = 0
            direct[(gap <= 0) & net.backward[own]] = 0
            direct += np.abs(gap) * w
            drive[station, mask] = np.minimum(drive[station, mask], direct)

    def _own_intervals(self, station: int, travel: float) -> list[tuple[float, float]]:
        """Reached intervals of the station's own segment: from the station, and from its ends."""
        net = self.network
        own = int(self.at.segment[station])
        t0, w, times = self.at.fraction[station], net.seconds[own], self.node_seconds[station]
        span = travel / w
        lo = max(0.0, t0 - span) if net.backward[own] else t0
        hi = min(1.0, t0 + span) if net.forward[own] else t0
        intervals = [(lo, hi)]
        if net.forward[own] and times[net.start[own]] <= travel:
            intervals.append((0.0, min(1.0, (travel - times[net.start[own]]) / w)))
        if net.backward[own] and times[net.end[own]] <= travel:
            intervals.append((max(0.0, 1 - (travel - times[net.end[own]]) / w), 1.0))
        return intervals


def _pieces(ahead: Floats, back: Floats) -> ReachedPieces:
    """Reached parts from each segment's two ends: [0, ahead] and [1 - back, 1]."""
    whole = (ahead >= 1) | (back >= 1) | ((ahead >= 0) & (back >= 0) & (ahead + back >= 1))
    from_start = ~whole & (ahead >= 0)
    from_end = ~whole & (back >= 0)
    segments = [np.flatnonzero(whole), np.flatnonzero(from_start), np.flatnonzero(from_end)]
    starts = [np.zeros(len(segments[0])), np.zeros(len(segments[1])), 1 - back[from_end]]
    stops = [np.ones(len(segments[0])), ahead[from_start], np.ones(len(segments[2]))]
    return ReachedPieces(np.concatenate(segments), np.concatenate(starts), np.concatenate(stops))


def _with_own_segment(
    pieces: ReachedPieces, own: int, intervals: list[tuple[float, float]]
) -> ReachedPieces:
    merged: list[tuple[float, float]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return ReachedPieces(
        np.concatenate([pieces.segment, np.full(len(merged), own, dtype=np.intp)]),
        np.concatenate([pieces.start, [lo for lo, _ in merged]]),
        np.concatenate([pieces.stop, [hi for _, hi in merged]]),
    )


def chunks(count: int) -> Iterator[slice]:
    """Slices of at most :data:`CHUNK` of ``count`` places, in order."""
    for first in range(0, count, CHUNK):
        yield slice(first, min(first + CHUNK, count))
