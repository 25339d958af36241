"""The bundled Greater Portland demo: where it is and how it is styled.

The demo is a fictional but plausible map of Portland, South Portland and
Cape Elizabeth (see data/README.md). Its styles are chosen so that a newcomer
reads the map at once: boundaries as outlines, roads grey, assets bright.
"""

from __future__ import annotations

import os
from pathlib import Path

from mapdesk.core.errors import DataSourceError
from mapdesk.core.labels import LabelSettings
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.core.style_library import LIBRARY, fixit_status_symbology

DEMO_FILE = "greater_portland_demo.gpkg"
DEMO_CRS = "EPSG:26984"
#: The demo has no water layer: the sea and the harbour are the background.
DEMO_WATER = "#cfe2f0"

#: Demo layers top to bottom as the layer panel shows them, with their styles
#: from the city style library.
DEMO_LAYERS: tuple[tuple[str, str, LayerStyle, bool], ...] = (
    ("fixit_incidents", "FixIt incidents", LIBRARY["FixIt incidents"], True),
    ("radio_towers", "Radio towers", LIBRARY["Radio towers"], True),
    ("stations", "Fire / police / EMS stations", LIBRARY["Stations"], True),
    ("city_sites", "City sites", LIBRARY["City sites"], True),
    ("network_nodes", "Network nodes", LIBRARY["Network nodes"], False),
    ("fibre_spans", "Fibre spans", LIBRARY["Fibre spans"], True),
    ("address_points", "Address points", LIBRARY["Address points"], False),
    ("road_centerlines", "Road centrelines", LIBRARY["Road centrelines"], True),
    ("parcels", "Parcels", LIBRARY["Parcels"], True),
    ("fire_boundaries", "Fire districts", LIBRARY["Fire districts"], False),
    ("police_boundaries", "Police boundaries", LIBRARY["Police boundaries"], False),
    ("ems_boundaries", "EMS boundaries", LIBRARY["EMS boundaries"], False),
    ("psap_boundary", "PSAP boundary", LIBRARY["PSAP boundary"], True),
    ("municipal_boundaries", "Municipal boundaries", LIBRARY["Municipal boundaries"], True),
)


#: Street names on the demo's road centrelines, from 1:12,000 in.
STREET_LABELS = LabelSettings("FullName", size=10.0, color="#3a3a3a", min_scale=12_000)


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
        if table == "fixit_incidents":  # the library's status colours, open on top
            layer.symbology = fixit_status_symbology(layer.data, base=style)
        if table == "road_centerlines":  # street names from neighbourhood scale in
            layer.labels = STREET_LABELS
    return project
