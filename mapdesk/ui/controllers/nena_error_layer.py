"""The NENA error-location layer in the project: a point per error, coloured by rule.

The same points as ``mapdesk nena validate --errors`` writes (``error_frame``:
EPSG:4326, fields ``rule``, ``layer``, ``feature_fid``, ``nguid``,
``message``; "fid" is a GeoPackage's own id, so the validated feature's id
goes beside it). A new validation replaces the layer in place: the user
never collects "NENA errors (2)", (3)...
"""

from __future__ import annotations

from collections.abc import Iterable

from mapdesk.core.analysis.nena import RULES, ValidationResult
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import categorize
from mapdesk.export.nena_report import error_frame

ERROR_LAYER_NAME = "NENA errors"
_FIELDS = frozenset({"rule", "layer", "feature_fid", "nguid", "message"})

#: A colour per rule, fixed so that a rule looks the same after every run. The
#: map-reading rules get the strong colours; value and schema rules, often by
#: the thousand, the quieter ones.
RULE_COLORS = {
    "schema.missing_layer": "#6a3d9a",
    "schema.missing_field": "#cab2d6",
    "value.required_null": "#b15928",
    "domain.value": "#a6cee3",
    "nguid.format": "#fdbf6f",
    "nguid.duplicate": "#ff7f00",
    "geometry.invalid": "#000000",
    "polygon.overlap": "#e7298a",
    "polygon.gap": "#f781bf",
    "road.dangle": "#e41a1c",
    "road.outside_provisioning": "#377eb8",
    "address.outside_provisioning": "#1f78b4",
    "address.municipality_mismatch": "#4daf4a",
    "address.no_matching_road": "#984ea3",
    "address.range_mismatch": "#a65628",
    "road.range_overlap": "#66a61e",
    "address.duplicate": "#e6ab02",
}
_BASE = LayerStyle(fill_color="#e41a1c", stroke_color="#ffffff", stroke_width=1.0, marker_size=8)


def error_layer(result: ValidationResult) -> VectorLayer:
    """The findings as a new in-memory point layer, categorized by rule.

    The rules later in the report (roads, addresses) are drawn on top: they
    are few and each is a place to look at; value errors come by the
    thousand.
    """
    frame = error_frame(result)
    layer = VectorLayer(frame, ERROR_LAYER_NAME)
    layer.style = _BASE
    layer.symbology = categorize(
        frame, "rule", _BASE, colors=dict(RULE_COLORS), order=tuple(reversed(list(RULES)))
    )
    return layer


def is_error_layer(layer: VectorLayer) -> bool:
    """True for a NENA error layer made by the app (not one read from a file)."""
    return (
        layer.origin is None
        and layer.name.startswith(ERROR_LAYER_NAME)
        and {name for name, _ in layer.fields} >= _FIELDS
    )


def replace_error_layer(
    project: Project, layer: VectorLayer, previous: Iterable[VectorLayer] = ()
) -> VectorLayer:
    """Put ``layer`` in the project in place of the previous error layer(s).

    ``previous``: the layer the last run added (it may have been renamed);
    any other app-made error layer goes too. The new layer takes the old
    one's place in the layer panel, or the top when there was none.
    """
    old = [x for x in project.layers if x in set(previous) or is_error_layer(x)]
    position = project.layers.index(old[0]) if old else 0
    visible = old[0].visible if old else True
    for stale in old:
        project.remove_layer(stale)
    project.add_layer(layer)  # at the top, with a free name
    layer.visible = visible
    if position:
        project.layers.move(0, position + 1)  # psygnal: moved before the item at dest
    return layer
