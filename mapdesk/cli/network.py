"""``mapdesk network cut-impact`` and ``trace``: the city network, headless.

Reads the node and span layers (and the city sites and radio towers when the
GeoPackage has them) and builds the in-service network. ``cut-impact`` prints
which sites, towers and whether the 9-1-1 centre lose every path to the core;
``trace`` prints what one node reaches (optionally with spans cut).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import geopandas as gpd

from mapdesk.core.analysis.network import (
    CutImpact,
    NetworkGraph,
    NetworkPlace,
    Trace,
    build_network_graph,
    cut_impact,
    trace,
)
from mapdesk.core.analysis.network.places import node_label
from mapdesk.core.errors import MapdeskError
from mapdesk.core.measure import format_length
from mapdesk.io.loader import load_user_layer
from mapdesk.io.registry import list_layers

NODE_LAYER = "network_nodes"
SPAN_LAYER = "fibre_spans"
SITE_LAYER = "city_sites"
TOWER_LAYER = "radio_towers"


def run_cut_impact(path: Path, span_ids: list[str], out: TextIO) -> int:
    """Print the impact of cutting ``span_ids`` in the network of GeoPackage ``path``.

    Parameters
    ----------
    path
        A GeoPackage with ``network_nodes`` and ``fibre_spans`` layers
        (``city_sites`` and ``radio_towers`` are used when present).
    span_ids
        The asset ids of the spans cut.
    out
        Where the report goes.

    Returns
    -------
    int
        The exit status (0).

    Raises
    ------
    MapdeskError
        When a layer is missing or a span id is unknown (naming valid ones).
    """
    network = read_network(path)
    impact = cut_impact(network, span_ids)
    out.write(cut_report(impact, len(network.problems)))
    return 0


def read_network(path: Path) -> NetworkGraph:
    """The in-service network of GeoPackage ``path``.

    Raises
    ------
    MapdeskError
        When the node or span layer is missing (naming the layers there are).
    """
    names = {info.name for info in list_layers(path)}
    for needed in (NODE_LAYER, SPAN_LAYER):
        if needed not in names:
            raise MapdeskError(
                f"{path.name} has no {needed} layer (it has {', '.join(sorted(names))})"
            )
    sites, towers = (
        _frame(path, name) if name in names else None for name in (SITE_LAYER, TOWER_LAYER)
    )
    return build_network_graph(
        _frame(path, NODE_LAYER), _frame(path, SPAN_LAYER), sites=sites, towers=towers
    )


def run_trace(
    path: Path, node_id: str, cut_spans: list[str], out: TextIO, as_json: bool = False
) -> int:
    """Print what ``node_id`` reaches in the network of GeoPackage ``path``.

    Parameters
    ----------
    path
        A GeoPackage with ``network_nodes`` and ``fibre_spans`` layers.
    node_id
        The node traced from.
    cut_spans
        Spans taken as cut (none: the network as it is).
    out
        Where the report goes.
    as_json
        A JSON object instead of text.

    Returns
    -------
    int
        The exit status (0).

    Raises
    ------
    MapdeskError
        When a layer is missing, the node is not in service or a cut span is
        unknown or retired (naming valid ones).
    """
    network = read_network(path)
    found = trace(network, node_id, cut_spans)
    label = node_label(network, node_id)
    if as_json:
        json.dump(trace_dict(found, label, len(network.problems)), out, indent=2)
        out.write("\n")
    else:
        out.write(trace_report(found, label, len(network.problems)))
    return 0


def _frame(path: Path, layer: str) -> gpd.GeoDataFrame:
    return load_user_layer(str(path), layer).data


def cut_report(impact: CutImpact, problem_count: int = 0) -> str:
    """The impact as plain text for a person."""
    lines = [f"Spans cut: {', '.join(impact.cut_spans)}"]
    lines += [f"Core: {', '.join(impact.core)}", ""]
    lines += [_psap_line(impact), ""]
    lines += _place_lines("Sites lost", impact.lost_sites)
    lines += _place_lines("Towers lost", impact.lost_towers)
    lines.append(
        f"Still connected: {len(impact.kept_sites)} sites, {len(impact.kept_towers)} towers, "
        f"{len(impact.kept_nodes)} nodes ({len(impact.lost_nodes)} nodes lost)"
    )
    if impact.unserved_places:
        lines += ["", *_place_lines("Not connected even before the cut", impact.unserved_places)]
    if problem_count:
        lines += [
            "",
            f"Note: the network data has {problem_count} problems (connectivity or codes).",
        ]
    return "\n".join(lines) + "\n"


def _psap_line(impact: CutImpact) -> str:
    if impact.psap is None:
        return "9-1-1 centre: none found in the data"
    state = "CUT OFF from the core" if impact.psap_cut_off else "still connected"
    return f"9-1-1 centre ({impact.psap.place_id} {impact.psap.name}): {state}"


def _place_lines(title: str, places: tuple[NetworkPlace, ...]) -> list[str]:
    if not places:
        return [f"{title}: none"]
    return [f"{title} ({len(places)}):", *(f"  {p.place_id}  {p.name}" for p in places)]


def trace_report(found: Trace, start_label: str, problem_count: int = 0) -> str:
    """The trace as plain text for a person."""
    lines = [f"Traced from {start_label}"]
    if found.cut_spans:
        lines.append(f"Spans cut: {', '.join(found.cut_spans)}")
    psap = found.psap
    lines += [
        "",
        f"Reached: {_count(len(found.node_ids), 'node')}, {_count(len(found.span_ids), 'span')} "
        f"({format_length(found.length_m, 'km')} of span)",
        _reach_line("Core", ", ".join(found.core), found.core_reached),
        _reach_line(
            "9-1-1 centre", f"{psap.place_id} {psap.name}" if psap else "", found.psap_reached
        ),
        "",
        *_place_lines("Sites reached", found.sites),
        *_place_lines("Towers reached", found.towers),
        "",
        *_id_lines("Nodes reached", found.node_ids),
        *_id_lines("Spans reached", found.span_ids),
    ]
    if problem_count:
        lines += [
            "",
            f"Note: the network data has {problem_count} problems (connectivity or codes).",
        ]
    return "\n".join(lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _reach_line(what: str, which: str, reached: bool | None) -> str:
    if reached is None:
        return f"{what}: none found in the data"
    return f"{what} ({which}): {'reached' if reached else 'NOT reached'}"


def _id_lines(title: str, ids: Iterable[str]) -> list[str]:
    listed = sorted(ids)
    if not listed:
        return [f"{title}: none"]
    text = ", ".join(listed)
    return [
        f"{title} ({len(listed)}):",
        *textwrap.wrap(text, 88, initial_indent="  ", subsequent_indent="  "),
    ]


def trace_dict(found: Trace, start_label: str, problem_count: int = 0) -> dict[str, Any]:
    """The trace as JSON-ready data (ids sorted, length in metres)."""
    return {
        "start": found.start,
        "start_label": start_label,
        "cut_spans": list(found.cut_spans),
        "node_count": len(found.node_ids),
        "span_count": len(found.span_ids),
        "length_m": round(found.length_m, 1),
        "core": list(found.core),
        "core_reached": found.core_reached,
        "psap": None if found.psap is None else _place_dict(found.psap),
        "psap_reached": found.psap_reached,
        "sites": [_place_dict(place) for place in found.sites],
        "towers": [_place_dict(place) for place in found.towers],
        "nodes": sorted(found.node_ids),
        "spans": sorted(found.span_ids),
        "problem_count": problem_count,
    }


def _place_dict(place: NetworkPlace) -> dict[str, Any]:
    return {
        "id": place.place_id,
        "name": place.name,
        "category": place.category,
        "node": place.node_id,
    }
