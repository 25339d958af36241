"""What a built network holds: its graph, its places (sites, towers) and its problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pyproj import CRS

#: The status values that take a node or span out of service. Everything else
#: (active, planned, blank) is in service: a planned span is drawn and costed
#: as if it were there, which is what a "what if" cut analysis wants.
OUT_OF_SERVICE = frozenset({"retired"})

#: The key of an edge that joins nodes at one spot (a site's switch and router,
#: a rooftop tower on a site building): equipment in one room, joined by patch
#: cords rather than by a span, so no cut can part them.
INSIDE_PLANT = "inside plant"

Location = tuple[float, float]


def location_of(geometry: Any) -> Location | None:
    """A point on ``geometry`` to zoom to (None for a missing or empty one)."""
    if geometry is None or geometry.is_empty:
        return None
    point = geometry.representative_point()
    return float(point.x), float(point.y)


class ProblemKind(StrEnum):
    """The kinds of problem the network check reports (connectivity and coded values)."""

    DANGLING_SPAN = "dangling span"
    ISOLATED_NODE = "isolated node"
    DUPLICATE_ID = "duplicate id"
    ENDPOINT_MISMATCH = "from/to mismatch"
    UNKNOWN_NODE = "unknown node"
    MISSING_ID = "no asset_id"
    OUT_OF_DOMAIN = "value outside its domain"


@dataclass(frozen=True)
class NetworkProblem:
    """One connectivity problem of the network's data.

    Attributes
    ----------
    kind
        What is wrong (a :class:`ProblemKind`).
    asset_id
        The node or span at fault.
    message
        One sentence for a GIS analyst, naming the asset and the fault.
    location
        Where to look, in the network's CRS (None when there is no one place).
    """

    kind: ProblemKind
    asset_id: str
    message: str
    location: Location | None = None


@dataclass(frozen=True)
class NetworkPlace:
    """A city site or a radio tower, and the network node that serves it.

    Attributes
    ----------
    kind
        ``"site"`` (a City sites feature) or ``"tower"`` (a tower node).
    place_id
        The site's or tower's ``site_id`` (``CS-001``, ``TWR-03``).
    name
        Its name (the id again when no name is known).
    node_id
        The node serving it (None when its node is not in the network).
    category
        The site's ``type`` (``Public Safety``, ``School``...); ``tower`` for towers.
    """

    kind: str
    place_id: str
    name: str
    node_id: str | None
    category: str = ""


@dataclass(frozen=True)
class NetworkGraph:
    """The in-service network as a graph, with what is known about its places.

    Build it with :func:`mapdesk.core.analysis.network.build_network_graph`.

    Attributes
    ----------
    graph
        A networkx ``MultiGraph``: nodes are node asset ids, edges are spans
        (attributes ``span_id`` and ``length``, drawn length in metres) or
        inside-plant links (``span_id`` None).
    crs
        The projected CRS the snapping was done in (metres).
    tolerance_m
        How far a span's end may be from a node and still meet it.
    span_edges
        Every in-service span id and its graph edges ``(u, v, key)``; empty
        for a span whose ends do not both meet a node.
    retired_spans
        Span ids that are out of service (not in the graph).
    places
        City sites and towers with their serving node.
    problems
        What the connectivity check found.
    """

    graph: Any
    crs: CRS | None
    tolerance_m: float
    span_edges: dict[str, tuple[tuple[str, str, str], ...]]
    retired_spans: frozenset[str]
    places: tuple[NetworkPlace, ...]
    problems: tuple[NetworkProblem, ...]
    _reach: dict[tuple[str, ...], frozenset[str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def node_ids(self) -> frozenset[str]:
        """The in-service node ids."""
        return frozenset(self.graph.nodes)

    def sites(self) -> tuple[NetworkPlace, ...]:
        """The city sites."""
        return tuple(place for place in self.places if place.kind == "site")

    def towers(self) -> tuple[NetworkPlace, ...]:
        """The radio towers."""
        return tuple(place for place in self.places if place.kind == "tower")
