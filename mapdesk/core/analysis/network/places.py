"""City sites, radio towers, the core and the 9-1-1 centre, as the data names them.

How the Greater Portland data links them (and so the defaults here):

- a city site names its node in ``network_node`` (CS-001 City Hall -> NN-0001);
  the site's switches and router are further nodes at the same spot with the
  same ``site_id``, joined to it as inside plant;
- a radio tower is a node of type ``tower`` whose ``site_id`` is the tower's
  (TWR-03 -> NN-0065); the Radio towers layer only adds its name;
- the core is City Hall (the site of type ``City Hall``, else CS-001): every
  in-service node with its ``site_id`` (the site node, its switches and the
  core router). The fibre ring starts and ends there;
- the 9-1-1 centre is site CS-911, else a ``Public Safety`` site whose name
  says 9-1-1, 911 or PSAP.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import geopandas as gpd

from mapdesk.core.analysis.network.frames import in_service, text_column
from mapdesk.core.analysis.network.model import NetworkGraph, NetworkPlace
from mapdesk.core.errors import MapdeskError

CORE_SITE_TYPE = "City Hall"
CORE_SITE_ID = "CS-001"
PSAP_SITE_ID = "CS-911"
PSAP_SITE_TYPE = "Public Safety"
_PSAP_NAME = re.compile(r"9-1-1|\b911\b|\bpsap\b", re.IGNORECASE)


def network_places(
    nodes: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None, towers: gpd.GeoDataFrame | None
) -> tuple[NetworkPlace, ...]:
    """The city sites (by ``network_node``) and towers (by tower node ``site_id``)."""
    return _site_places(sites) + _tower_places(nodes, towers)


def _site_places(sites: gpd.GeoDataFrame | None) -> tuple[NetworkPlace, ...]:
    if sites is None:
        return ()
    columns = (text_column(sites, name) for name in ("site_id", "name", "network_node", "type"))
    return tuple(
        NetworkPlace("site", site_id, name or site_id, node or None, category)
        for site_id, name, node, category in zip(*columns, strict=True)
        if site_id
    )


def _tower_places(
    nodes: gpd.GeoDataFrame, towers: gpd.GeoDataFrame | None
) -> tuple[NetworkPlace, ...]:
    names: dict[str, str] = {}
    if towers is not None:
        names = dict(zip(text_column(towers, "site_id"), text_column(towers, "name"), strict=True))
    node_of: dict[str, str] = {}
    rows = zip(
        text_column(nodes, "asset_id"),
        text_column(nodes, "type"),
        text_column(nodes, "site_id"),
        in_service(nodes),
        strict=True,
    )
    for node_id, kind, site_id, ok in rows:
        if kind.lower() == "tower" and site_id and ok:
            node_of.setdefault(site_id, node_id)
    tower_ids = sorted(set(node_of) | {site_id for site_id in names if site_id})
    return tuple(
        NetworkPlace("tower", tid, names.get(tid) or tid, node_of.get(tid), "tower")
        for tid in tower_ids
    )


def default_core(network: NetworkGraph) -> tuple[str, ...]:
    """The core: the in-service nodes at City Hall (see the module notes).

    Raises
    ------
    MapdeskError
        When no node is at City Hall, so the core must be named.
    """
    hall = _find_site(network, lambda p: p.category == CORE_SITE_TYPE) or _find_site(
        network, lambda p: p.place_id == CORE_SITE_ID
    )
    site_id = hall.place_id if hall else CORE_SITE_ID
    core = sorted(n for n, at in network.graph.nodes(data="site_id") if at == site_id)
    if not core and hall and hall.node_id in network.graph:
        core = [hall.node_id]
    if not core:
        raise MapdeskError(
            f"No core found: no network node is at City Hall ({site_id}); name the core node(s)"
        )
    return tuple(core)


def psap_place(network: NetworkGraph) -> NetworkPlace | None:
    """The 9-1-1 centre (site CS-911, else a Public Safety site named 9-1-1), None if none."""
    return _find_site(network, lambda p: p.place_id == PSAP_SITE_ID) or _find_site(
        network, lambda p: p.category == PSAP_SITE_TYPE and bool(_PSAP_NAME.search(p.name))
    )


def _find_site(
    network: NetworkGraph, wanted: Callable[[NetworkPlace], bool]
) -> NetworkPlace | None:
    return next((place for place in network.sites() if wanted(place)), None)


def node_label(network: NetworkGraph, node_id: str) -> str:
    """A node as network staff name it: ``NN-0045 (site, CS-016 Peaks Island School)``.

    The place is the site or tower the node serves, else the one whose
    ``site_id`` the node carries (a switch in a site's room).
    """
    attributes = network.graph.nodes[node_id]
    site_id = attributes.get("site_id") or ""
    place = next((p for p in network.places if p.node_id == node_id), None) or next(
        (p for p in network.places if site_id and p.place_id == site_id), None
    )
    where = ""
    if place is not None:
        named = "" if place.name == place.place_id else f" {place.name}"
        where = f", {place.place_id}{named}"
    return f"{node_id} ({attributes.get('type') or 'no type'}{where})"
