"""The wide-area network as a graph: connectivity checks, tracing and cut impact.

Build a :class:`NetworkGraph` from a node layer and a span layer with
:func:`build_network_graph`, then read its ``problems``, :func:`trace` a node,
or ask :func:`cut_impact` what a cut would take off the network. Only nodes
and spans whose ``status`` is not ``retired`` are in service (planned ones
count). networkx is imported only when a graph is built or searched.
"""

from mapdesk.core.analysis.network.build import DEFAULT_TOLERANCE_M, build_network_graph
from mapdesk.core.analysis.network.impact import CutImpact, Trace, cut_impact, trace
from mapdesk.core.analysis.network.model import (
    INSIDE_PLANT,
    OUT_OF_SERVICE,
    NetworkGraph,
    NetworkPlace,
    NetworkProblem,
    ProblemKind,
)
from mapdesk.core.analysis.network.places import default_core, psap_place

__all__ = [
    "DEFAULT_TOLERANCE_M",
    "INSIDE_PLANT",
    "OUT_OF_SERVICE",
    "CutImpact",
    "NetworkGraph",
    "NetworkPlace",
    "NetworkProblem",
    "ProblemKind",
    "Trace",
    "build_network_graph",
    "cut_impact",
    "default_core",
    "psap_place",
    "trace",
]
