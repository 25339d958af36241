"""A span's two ends: the nodes they meet, checked against from_node/to_node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mapdesk.core.analysis.network.model import Location, NetworkProblem, ProblemKind
from mapdesk.core.analysis.network.snapping import NodeSnapper, end_points, nearest

_ENDS = (("start", "from_node"), ("end", "to_node"))


@dataclass(frozen=True)
class SpanRecord:
    """One span feature as the builder reads it."""

    span_id: str
    geometry: Any
    from_node: str
    to_node: str


@dataclass(frozen=True)
class SpanEnds:
    """The nodes a span's ends meet (None: that end dangles) and what was wrong."""

    start: str | None
    end: str | None
    problems: tuple[NetworkProblem, ...]


def resolve_span(span: SpanRecord, snapper: NodeSnapper, known_nodes: frozenset[str]) -> SpanEnds:
    """Snap both ends of ``span`` to nodes and check them against its attributes.

    An end meets the node named by its attribute when that node is within the
    tolerance (so co-located equipment never reads as a mismatch), else the
    nearest node in service. A span drawn the other way round (start at
    ``to_node``) is not a mismatch: connectivity has no direction.
    """
    xys = end_points(span.geometry)
    found = (snapper.candidates(xys[0]), snapper.candidates(xys[1]))
    refs = (span.from_node, span.to_node)
    problems = _unknown_refs(span, refs, xys, known_nodes)
    problems += _dangling_ends(span, found, xys, snapper.tolerance_m)
    if _fits(refs, found):
        return SpanEnds(*_chosen(refs, found), problems)
    if _fits(refs[::-1], found):
        return SpanEnds(*_chosen(refs[::-1], found), problems)
    chosen = _chosen(refs, found)
    problems += _mismatches(span, refs, chosen, xys, known_nodes)
    return SpanEnds(*chosen, problems)


def _fits(refs: tuple[str, str], found: tuple[dict[str, float], dict[str, float]]) -> bool:
    return all(not ref or ref in near for ref, near in zip(refs, found, strict=True))


def _chosen(
    refs: tuple[str, str], found: tuple[dict[str, float], dict[str, float]]
) -> tuple[str | None, str | None]:
    start, end = (
        ref if ref in near else nearest(near) for ref, near in zip(refs, found, strict=True)
    )
    return start, end


def _unknown_refs(
    span: SpanRecord,
    refs: tuple[str, str],
    xys: tuple[Location | None, Location | None],
    known_nodes: frozenset[str],
) -> tuple[NetworkProblem, ...]:
    return tuple(
        NetworkProblem(
            ProblemKind.UNKNOWN_NODE,
            span.span_id,
            f"Span {span.span_id}: {field} {ref} is not in the node layer",
            xy,
        )
        for (_, field), ref, xy in zip(_ENDS, refs, xys, strict=True)
        if ref and ref not in known_nodes
    )


def _dangling_ends(
    span: SpanRecord,
    found: tuple[dict[str, float], dict[str, float]],
    xys: tuple[Location | None, Location | None],
    tolerance_m: float,
) -> tuple[NetworkProblem, ...]:
    return tuple(
        NetworkProblem(
            ProblemKind.DANGLING_SPAN,
            span.span_id,
            f"Span {span.span_id}: its {which} is not within {tolerance_m:g} m "
            "of any node in service",
            xy,
        )
        for (which, _), near, xy in zip(_ENDS, found, xys, strict=True)
        if not near
    )


def _mismatches(
    span: SpanRecord,
    refs: tuple[str, str],
    chosen: tuple[str | None, str | None],
    xys: tuple[Location | None, Location | None],
    known_nodes: frozenset[str],
) -> tuple[NetworkProblem, ...]:
    return tuple(
        NetworkProblem(
            ProblemKind.ENDPOINT_MISMATCH,
            span.span_id,
            f"Span {span.span_id}: {field} is {ref} but its {which} meets {node}",
            xy,
        )
        for (which, field), ref, node, xy in zip(_ENDS, refs, chosen, xys, strict=True)
        if ref in known_nodes and node is not None and node != ref
    )
