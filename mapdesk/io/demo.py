"""The bundled Greater Portland demo: where it is and how it is styled.

The demo is a fictional but plausible map of Portland, South Portland and
Cape Elizabeth (see data/README.md). Its styles are chosen so that a newcomer
reads the map at once: boundaries as outlines, roads grey, assets bright.
"""

from __future__ import annotations

import os
from pathlib import Path

from mapdesk.core.errors import DataSourceError
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle

DEMO_FILE = "greater_portland_demo.gpkg"
DEMO_CRS = "EPSG:26984"
#: The demo has no water layer: the sea and the harbour are the background.
DEMO_WATER = "#cfe2f0"

#: Demo layers top to bottom as the layer panel shows them, with their styles.
DEMO_LAYERS: tuple[tuple[str, str, LayerStyle, bool], ...] = (
    (
        "fixit_incidents",
        "FixIt incidents",
        LayerStyle("#f58231", "#a04a00", stroke_width=0.6, marker_size=4.0, fill_opacity=0.85),
        True,
    ),
    (
        "radio_towers",
        "Radio towers",
        LayerStyle("#911eb4", "#ffffff", marker_size=11.0, marker_shape="triangle"),
        True,
    ),
    (
        "stations",
        "Fire / police / EMS stations",
        LayerStyle("#e6194b", "#ffffff", marker_size=10.0, marker_shape="square"),
        True,
    ),
    (
        "city_sites",
        "City sites",
        LayerStyle("#4363d8", "#ffffff", marker_size=9.0, marker_shape="diamond"),
        True,
    ),
    ("network_nodes", "Network nodes", LayerStyle("#42d4f4", "#004d5c", marker_size=5.0), False),
    ("fibre_spans", "Fibre spans", LayerStyle("#00a3a3", "#00a3a3", stroke_width=2.0), True),
    ("address_points", "Address points", LayerStyle("#bfbfbf", "#808080", marker_size=3.0), False),
    (
        "road_centerlines",
        "Road centrelines",
        LayerStyle("#ffffff", "#8c8c8c", stroke_width=1.2),
        True,
    ),
    ("parcels", "Parcels", LayerStyle("#fffbe6", "#d9cfa6", stroke_width=0.5), True),
    (
        "fire_boundaries",
        "Fire districts",
        LayerStyle("#ff0000", "#d62728", fill_opacity=0.0, stroke_width=1.2, dashed=True),
        False,
    ),
    (
        "police_boundaries",
        "Police boundaries",
        LayerStyle("#0000ff", "#1f3fbf", fill_opacity=0.0, stroke_width=1.2, dashed=True),
        False,
    ),
    (
        "ems_boundaries",
        "EMS boundaries",
        LayerStyle("#00aa00", "#2ca02c", fill_opacity=0.0, stroke_width=1.2, dashed=True),
        False,
    ),
    (
        "psap_boundary",
        "PSAP boundary",
        LayerStyle("#000000", "#6a0dad", fill_opacity=0.0, stroke_width=2.5),
        True,
    ),
    (
        "municipal_boundaries",
        "Municipal boundaries",
        LayerStyle("#f2efe6", "#404040", stroke_width=1.8),
        True,
    ),
)


def demo_path() -> Path:
    """The demo GeoPackage: ``$MAPDESK_DEMO_DATA`` or the repository's ``data/``."""
    override = os.environ.get("MAPDESK_DEMO_DATA")
    candidates = [Path(override)] if override else []
    package_root = Path(__file__).resolve().parents[1]
    candidates += [
        package_root / "resources" / "demo" / DEMO_FILE,
        package_root.parent / "data" / DEMO_FILE,
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise DataSourceError(
        f"The demo data ({DEMO_FILE}) is missing; looked in: "
        + ", ".join(str(c) for c in candidates)
    )


def open_demo_project() -> Project:
    """A project with every demo layer, styled and ordered for reading."""
    path = demo_path()
    project = Project(crs=DEMO_CRS)
    project.background = DEMO_WATER
    for table, title, style, visible in reversed(DEMO_LAYERS):
        layer = project.add_layer(path, layer=table)
        layer.name = title
        layer.style = style
        layer.visible = visible
    return project
