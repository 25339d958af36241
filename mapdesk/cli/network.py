"""``mapdesk network cut-impact``: what a fibre cut takes off the network, headless.

Reads the node and span layers (and the city sites and radio towers when the
GeoPackage has them), builds the in-service network and prints which sites,
towers and whether the 9-1-1 centre lose every path to the core.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import geopandas as gpd

from mapdesk.core.analysis.network import CutImpact, NetworkPlace, build_network_graph, cut_impact
from mapdesk.core.errors import MapdeskError
from mapdesk.io.loader import load_layer
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
    names = {info.name for info in list_layers(path)}
    for needed in (NODE_LAYER, SPAN_LAYER):
        if needed not in names:
            raise MapdeskError(
                f"{path.name} has no {needed} layer (it has {', '.join(sorted(names))})"
            )
    sites, towers = (
        _frame(path, name) if name in names else None for name in (SITE_LAYER, TOWER_LAYER)
    )
    network = build_network_graph(
        _frame(path, NODE_LAYER), _frame(path, SPAN_LAYER), sites=sites, towers=towers
    )
    impact = cut_impact(network, span_ids)
    out.write(cut_report(impact, len(network.problems)))
    return 0


def _frame(path: Path, layer: str) -> gpd.GeoDataFrame:
    return load_layer(str(path), layer).data


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
        lines += ["", f"Note: the network data has {problem_count} connectivity problems."]
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
