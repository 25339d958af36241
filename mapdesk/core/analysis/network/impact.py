"""Tracing the network and the impact of cutting spans."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mapdesk.core.analysis.network.model import NetworkGraph, NetworkPlace
from mapdesk.core.analysis.network.places import default_core, psap_place
from mapdesk.core.errors import MapdeskError


@dataclass(frozen=True)
class Trace:
    """What one node reaches through in-service spans and inside plant.

    Attributes
    ----------
    start
        The node traced from.
    node_ids
        The nodes reached (``start`` included).
    span_ids
        The in-service spans reached (the cut ones left out).
    cut_spans
        The spans taken as cut, as asked.
    length_m
        The drawn length of the spans reached, in metres (in the data's own
        units when it has no CRS); a span drawn twice counts twice.
    core
        The core nodes (City Hall's, see ``default_core``); empty when the
        data has no core.
    psap
        The 9-1-1 centre (None when the data has none).
    sites, towers
        The city sites and radio towers whose serving node is reached.
    """

    start: str
    node_ids: frozenset[str]
    span_ids: frozenset[str]
    cut_spans: tuple[str, ...]
    length_m: float
    core: tuple[str, ...]
    psap: NetworkPlace | None
    sites: tuple[NetworkPlace, ...]
    towers: tuple[NetworkPlace, ...]

    @property
    def core_reached(self) -> bool | None:
        """Whether the trace reaches the core (None when there is no core)."""
        return bool(self.node_ids & set(self.core)) if self.core else None

    @property
    def psap_reached(self) -> bool | None:
        """Whether the trace reaches the 9-1-1 centre (None without one)."""
        return None if self.psap is None else self.psap.node_id in self.node_ids


@dataclass(frozen=True)
class CutImpact:
    """What loses its path to the core when spans are cut.

    Attributes
    ----------
    cut_spans
        The spans cut, as asked.
    core
        The core node ids paths are counted to.
    lost_nodes
        Nodes connected to the core before the cut and not after it.
    kept_nodes
        Nodes still connected to the core (the core included).
    unserved_nodes
        Nodes with no path to the core even before the cut.
    lost_sites, kept_sites, lost_towers, kept_towers
        City sites and towers by their serving node.
    unserved_places
        Sites and towers with no path to the core even before the cut.
    psap
        The 9-1-1 centre (None when the data has none).
    psap_connected
        Whether the 9-1-1 centre still reaches the core (None without one).
    """

    cut_spans: tuple[str, ...]
    core: tuple[str, ...]
    lost_nodes: frozenset[str]
    kept_nodes: frozenset[str]
    unserved_nodes: frozenset[str]
    lost_sites: tuple[NetworkPlace, ...]
    kept_sites: tuple[NetworkPlace, ...]
    lost_towers: tuple[NetworkPlace, ...]
    kept_towers: tuple[NetworkPlace, ...]
    unserved_places: tuple[NetworkPlace, ...]
    psap: NetworkPlace | None
    psap_connected: bool | None

    @property
    def psap_cut_off(self) -> bool:
        """True when the 9-1-1 centre has no path to the core after the cut."""
        return self.psap_connected is False


def trace(network: NetworkGraph, node_id: str, cut_spans: Iterable[str] = ()) -> Trace:
    """The nodes and spans reachable from ``node_id`` through the in-service network.

    Parameters
    ----------
    network
        The built network.
    node_id
        The node traced from.
    cut_spans
        Spans taken as cut ("if these go, what does this node still reach?");
        every span with a duplicated id is cut.

    Returns
    -------
    Trace
        One connected-component search on the network minus the cut spans,
        with the core, the 9-1-1 centre, the sites and towers it reaches.

    Raises
    ------
    MapdeskError
        When ``node_id`` is not an in-service node, or a cut span is unknown
        or retired.
    """
    import networkx as nx

    _check_nodes(network, [node_id])
    asked = tuple(cut_spans)
    cut = _checked_spans(network, asked) if asked else ()
    hidden = [edge for span_id in cut for edge in network.span_edges[span_id]]
    view = nx.restricted_view(network.graph, (), hidden) if hidden else network.graph
    nodes = frozenset(nx.node_connected_component(view, node_id))
    spans = _spans_within(view, nodes)
    reached = tuple(place for place in network.places if place.node_id in nodes)
    return Trace(
        start=node_id,
        node_ids=nodes,
        span_ids=frozenset(spans),
        cut_spans=cut,
        length_m=sum(spans.values()),
        core=_core_or_none(network),
        psap=psap_place(network),
        sites=_of_kind(reached, "site"),
        towers=_of_kind(reached, "tower"),
    )


def _spans_within(view: Any, nodes: frozenset[str]) -> dict[str, float]:
    """The spans among ``nodes`` in ``view`` and their total drawn length (each edge once)."""
    lengths: dict[str, float] = {}
    for _, _, data in view.edges(nodes, data=True):
        span_id = data.get("span_id")
        if span_id is not None:
            lengths[span_id] = lengths.get(span_id, 0.0) + float(data.get("length", 0.0))
    return lengths


def _core_or_none(network: NetworkGraph) -> tuple[str, ...]:
    """The default core, or none when the data has no City Hall node."""
    try:
        return default_core(network)
    except MapdeskError:
        return ()


def cut_impact(
    network: NetworkGraph, span_ids: Iterable[str], core: Sequence[str] | None = None
) -> CutImpact:
    """Which nodes, sites, towers and the 9-1-1 centre lose every path to the core.

    Parameters
    ----------
    network
        The built network.
    span_ids
        The in-service spans cut (every span with a duplicated id is cut).
    core
        The core node ids; default: the nodes at City Hall (see ``default_core``).

    Returns
    -------
    CutImpact
        One connected-component search on the network minus the cut spans.

    Raises
    ------
    MapdeskError
        For an unknown or retired span id, or an unknown core node.
    """
    cut = _checked_spans(network, span_ids)
    core_ids = tuple(core) if core is not None else default_core(network)
    _check_nodes(network, core_ids)
    before = _reach_before(network, core_ids)
    hidden = [edge for span_id in cut for edge in network.span_edges[span_id]]
    after = _reachable(network, core_ids, hidden)
    unserved = network.node_ids - before
    places = _by_reach(network.places, after, before)
    psap = psap_place(network)
    return CutImpact(
        cut_spans=cut,
        core=core_ids,
        lost_nodes=before - after,
        kept_nodes=after,
        unserved_nodes=unserved,
        lost_sites=_of_kind(places["lost"], "site"),
        kept_sites=_of_kind(places["kept"], "site"),
        lost_towers=_of_kind(places["lost"], "tower"),
        kept_towers=_of_kind(places["kept"], "tower"),
        unserved_places=places["unserved"],
        psap=psap,
        psap_connected=None if psap is None else psap.node_id in after,
    )


def _reachable(
    network: NetworkGraph, core: Sequence[str], hidden: Sequence[tuple[str, str, str]]
) -> frozenset[str]:
    """The nodes joined to any core node once ``hidden`` edges are left out."""
    import networkx as nx

    view = nx.restricted_view(network.graph, (), hidden) if hidden else network.graph
    reached: set[str] = set()
    for node in core:
        if node not in reached:
            reached |= nx.node_connected_component(view, node)
    return frozenset(reached)


def _reach_before(network: NetworkGraph, core: tuple[str, ...]) -> frozenset[str]:
    """The uncut reach of ``core``, worked out once per core and kept with the network."""
    if core not in network._reach:
        network._reach[core] = _reachable(network, core, ())
    return network._reach[core]


def _by_reach(
    places: Sequence[NetworkPlace], after: frozenset[str], before: frozenset[str]
) -> dict[str, tuple[NetworkPlace, ...]]:
    groups: dict[str, list[NetworkPlace]] = {"lost": [], "kept": [], "unserved": []}
    for place in places:
        if place.node_id in after:
            groups["kept"].append(place)
        elif place.node_id in before:
            groups["lost"].append(place)
        else:
            groups["unserved"].append(place)
    return {group: tuple(found) for group, found in groups.items()}


def _of_kind(places: tuple[NetworkPlace, ...], kind: str) -> tuple[NetworkPlace, ...]:
    return tuple(place for place in places if place.kind == kind)


def _checked_spans(network: NetworkGraph, span_ids: Iterable[str]) -> tuple[str, ...]:
    cut = tuple(dict.fromkeys(span_ids))
    if not cut:
        raise MapdeskError("Name at least one span to cut")
    for span_id in cut:
        if span_id in network.span_edges:
            continue
        if span_id in network.retired_spans:
            raise MapdeskError(
                f"Span {span_id} is retired (not in service): cutting it changes nothing"
            )
        some = ", ".join(sorted(network.span_edges)[:5])
        raise MapdeskError(f"Span {span_id} is not in the network; its spans include {some}")
    return cut


def _check_nodes(network: NetworkGraph, node_ids: Sequence[str]) -> None:
    for node_id in node_ids:
        if node_id not in network.graph:
            some = ", ".join(sorted(network.graph.nodes)[:5])
            raise MapdeskError(
                f"Node {node_id} is not an in-service node of the network; its nodes include {some}"
            )
