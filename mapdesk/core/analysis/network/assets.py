"""The city network's asset model: its two layers, their fields and coded domains.

No open standard covers a city's inside and outside plant (DOMAIN.md, "Network
assets"), so this is the practical model the Greater Portland data follows:
**nodes** (points: sites, switches, routers, splice closures, handholes,
towers, cameras) and **spans** (lines: fibre cables, conduits, microwave
links), each with an ``asset_id``, a coded ``type`` and ``status`` and who
owns it. The codes are what the files store; the descriptions are what a
form shows. A GeoPackage keeps them as data column constraints (``enum``),
which QGIS reads as value maps and mapdesk as coded values.

A layer is recognised by its fields, not its name (users rename layers):
spans are lines with ``from_node`` and ``to_node``, nodes are points with
``asset_id`` and ``type``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from pyproj import CRS

AssetKind = Literal["node", "span"]
FieldKind = Literal["text", "integer", "real", "date"]


@dataclass(frozen=True)
class CodedDomain:
    """A field's allowed values: code -> description.

    Attributes
    ----------
    name
        The constraint's name in a GeoPackage (``gpkg_data_column_constraints``).
    description
        What the codes classify, for people.
    codes
        The values a feature may hold, in the order a list shows them.
    """

    name: str
    description: str
    codes: Mapping[str, str]


@dataclass(frozen=True)
class AssetField:
    """One attribute of a network layer: its name, storage kind and domain."""

    name: str
    kind: FieldKind
    title: str
    domain: CodedDomain | None = None


@dataclass(frozen=True)
class AssetLayer:
    """What a network layer holds: its geometry, fields and asset ids.

    Attributes
    ----------
    kind
        ``"node"`` or ``"span"``.
    name
        The table name a new layer gets (the demo's).
    title
        The layer's name in the Layers panel.
    geometry_type
        The geometry a new layer declares.
    id_prefix
        How asset ids of a new layer start (``NN-0001``, ``FS-0001``).
    fields
        The attributes, in table order.
    """

    kind: AssetKind
    name: str
    title: str
    geometry_type: str
    id_prefix: str
    fields: tuple[AssetField, ...]
    domains: Mapping[str, CodedDomain] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        domains = {f.name: f.domain for f in self.fields if f.domain is not None}
        object.__setattr__(self, "domains", MappingProxyType(domains))


#: The width of the number in a new layer's asset ids (NN-0001).
ID_DIGITS = 4

NODE_TYPES = CodedDomain(
    "network_node_type",
    "Kind of network node",
    MappingProxyType(
        {
            "site": "City site (building on the network)",
            "switch": "Switch",
            "router": "Router",
            "splice_closure": "Splice closure",
            "handhole": "Handhole",
            "tower": "Radio tower",
            "camera": "Camera",
        }
    ),
)
SPAN_TYPES = CodedDomain(
    "network_span_type",
    "Kind of network span",
    MappingProxyType(
        {
            "fibre_cable": "Fibre optic cable",
            "conduit": "Conduit (duct for cable)",
            "microwave_link": "Microwave radio link",
        }
    ),
)
#: ``retired`` takes an asset out of service (see ``model.OUT_OF_SERVICE``).
STATUSES = CodedDomain(
    "network_status",
    "Service status of a network asset",
    MappingProxyType(
        {
            "planned": "Planned (not built yet; counted as in service)",
            "active": "Active (in service)",
            "retired": "Retired (out of service)",
        }
    ),
)

_ASSET_ID = AssetField("asset_id", "text", "Asset id")
#: The fields after ``type`` that nodes and spans share (each layer has its own type codes).
_SHARED = (
    AssetField("status", "text", "Status", STATUSES),
    AssetField("owner", "text", "Owner"),
    AssetField("install_date", "date", "Installed on"),
)

NODE_LAYER = AssetLayer(
    "node",
    "network_nodes",
    "Network nodes",
    "Point",
    "NN-",
    (
        _ASSET_ID,
        AssetField("type", "text", "Node type", NODE_TYPES),
        *_SHARED,
        AssetField("model", "text", "Make and model"),
        AssetField("site_id", "text", "City site or tower id"),
    ),
)
SPAN_LAYER = AssetLayer(
    "span",
    "fibre_spans",
    "Fibre spans",
    "LineString",
    "FS-",
    (
        _ASSET_ID,
        AssetField("type", "text", "Span type", SPAN_TYPES),
        *_SHARED,
        AssetField("strand_count", "integer", "Fibre strands"),
        AssetField("from_node", "text", "From node (asset id)"),
        AssetField("to_node", "text", "To node (asset id)"),
        AssetField("length_m", "real", "Length (m)"),
    ),
)
ASSET_LAYERS: Mapping[AssetKind, AssetLayer] = MappingProxyType(
    {"node": NODE_LAYER, "span": SPAN_LAYER}
)


def asset_kind(field_names: Iterable[str], geometry_kind: str | None) -> AssetKind | None:
    """Which network layer a layer is, by its fields and geometry (None: neither).

    Parameters
    ----------
    field_names
        The layer's fields.
    geometry_kind
        ``"point"``, ``"line"`` or ``"polygon"`` (see ``core.style.geometry_kind``).
    """
    names = set(field_names)
    if geometry_kind == "line" and {"from_node", "to_node"} <= names:
        return "span"
    if geometry_kind == "point" and {"asset_id", "type"} <= names:
        return "node"
    return None


def holds_network_types(kind: AssetKind, types: Iterable[Any], codes: Iterable[str] = ()) -> bool:
    """Whether a layer's ``type`` field can be the network's, not another kind of asset's.

    ``asset_id`` and ``type`` are what half a city's point layers have
    (streetlights, hydrants, signs): a layer whose declared ``codes`` (else
    its ``types``, the values it holds) share none of the model's codes, even
    in other capitals, holds something else. A layer with no types yet may be
    the network's.
    """
    model = {code.lower() for code in ASSET_LAYERS[kind].domains["type"].codes}
    held = list(codes) or [value for value in types if not is_blank(value)]
    return not held or any(str(value).strip().lower() in model for value in held)


def is_blank(value: Any) -> bool:
    """True for a NULL, NaN or empty value (a coded field may be NULL)."""
    return value is None or (isinstance(value, float) and value != value) or str(value) == ""


#: The CRS new network layers get when the map's is not a metric one: NAD83 /
#: UTM zone 19N, the state 9-1-1 data's.
DEFAULT_CRS = "EPSG:26919"


def network_crs(map_crs: CRS | None, where: tuple[float, float] | None = None) -> CRS:
    """The CRS to propose for new network layers: the map's when it measures metres.

    Snapping tolerances and span lengths are in metres, so a projected CRS in
    metres (ground metres near ``where``, a point in ``map_crs``: not Web
    Mercator) is kept; anything else gives :data:`DEFAULT_CRS`.
    """
    from mapdesk.core.analysis.metric import is_metric

    if map_crs is not None and map_crs.is_projected:
        metres = all(axis.unit_conversion_factor == 1.0 for axis in map_crs.axis_info[:2])
        if metres and (where is None or is_metric(map_crs, *where)):
            return map_crs
    return CRS.from_user_input(DEFAULT_CRS)
