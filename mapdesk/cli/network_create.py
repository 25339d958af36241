"""``mapdesk network create``: empty network layers, ready for QGIS or mapdesk to edit."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from mapdesk.core.analysis.network.assets import ASSET_LAYERS
from mapdesk.core.crs import crs_label, parse_crs
from mapdesk.core.errors import LayerExistsError, MapdeskError
from mapdesk.io.network_gpkg import create_network_layers


def run_create(
    path: Path, crs_text: str, nodes: str, spans: str, replace: bool, out: TextIO
) -> int:
    """Write the node and span layers into ``path``; say what was written.

    Raises
    ------
    MapdeskError
        For a CRS that cannot be read, layers of those names already in the
        file (without ``replace``), or a file that cannot be written.
    """
    crs = parse_crs(crs_text)
    try:
        written = create_network_layers(path, crs, nodes, spans, replace)
    except LayerExistsError as exc:
        raise MapdeskError(
            f"{exc}; give --nodes/--spans other names, or --replace to replace them"
        ) from exc
    node_model, span_model = ASSET_LAYERS["node"], ASSET_LAYERS["span"]
    out.write(
        f"Created {written.nodes} (points: {', '.join(node_model.domains['type'].codes)}) "
        f"and {written.spans} (lines: {', '.join(span_model.domains['type'].codes)}) "
        f"in {path}, {crs_label(crs)}; status is one of "
        f"{', '.join(node_model.domains['status'].codes)}\n"
    )
    return 0
