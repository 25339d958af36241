"""A location dossier as readable sections: a title and (label, value) rows each."""

from __future__ import annotations

from dataclasses import dataclass

from mapdesk.core.analysis.dossier import (
    Dossier,
    NearbyIncidents,
    NearestAddress,
    NearestNode,
    TowerCoverage,
    ZoneFinding,
)

NO_LAYER = "no layer"


@dataclass(frozen=True)
class DossierSection:
    """One part of the dossier: a title, what it says in short, and detail rows."""

    title: str
    summary: str
    rows: tuple[tuple[str, str], ...] = ()


def dossier_sections(dossier: Dossier) -> list[DossierSection]:
    """The dossier in reading order: zones, address, incidents, network node, radio."""
    return [
        *(_zone_section(zone) for zone in dossier.zones),
        _address_section(dossier.address),
        _incident_section(dossier.incidents),
        _node_section(dossier.node),
        _tower_section(dossier.towers),
    ]


def format_distance(metres: float) -> str:
    """``"13 m"``, ``"1.35 km"``."""
    return f"{metres:,.0f} m" if metres < 1000 else f"{metres / 1000:,.2f} km"


def _zone_section(zone: ZoneFinding) -> DossierSection:
    if zone.layer is None:
        return DossierSection(zone.title, NO_LAYER)
    summary = " / ".join(zone.names) if zone.names else "outside every zone"
    return DossierSection(zone.title, summary, (("Layer", zone.layer),))


def _address_section(found: NearestAddress) -> DossierSection:
    title = "Nearest address"
    if found.layer is None:
        return DossierSection(title, NO_LAYER)
    if not found.address and found.distance_m != found.distance_m:  # NaN: no points
        return DossierSection(title, "no address points", (("Layer", found.layer),))
    rows = (("Distance", format_distance(found.distance_m)), ("Layer", found.layer))
    return DossierSection(title, found.address or "(no address)", rows)


def _incident_section(found: NearbyIncidents) -> DossierSection:
    title = f"Open incidents ({found.radius_m:,.0f} m)"
    if found.layer is None:
        return DossierSection(title, NO_LAYER)
    summary = "none" if found.count == 0 else f"{found.count}"
    rows = tuple(
        (
            format_distance(incident.distance_m),
            f"{incident.category or '(no category)'} — {incident.status} (#{incident.request_id})",
        )
        for incident in found.nearest
    )
    if found.count > len(found.nearest):
        rows += (("…", f"{found.count - len(found.nearest)} more"),)
    return DossierSection(title, summary, (*rows, ("Layer", found.layer)))


def _node_section(found: NearestNode) -> DossierSection:
    title = "Nearest network node"
    if found.layer is None:
        return DossierSection(title, NO_LAYER)
    if not found.asset_id and found.distance_m != found.distance_m:
        return DossierSection(title, "no nodes", (("Layer", found.layer),))
    summary = f"{found.asset_id} ({found.asset_type})" if found.asset_type else found.asset_id
    rows = (("Distance", format_distance(found.distance_m)), ("Layer", found.layer))
    return DossierSection(title, summary, rows)


def _tower_section(found: TowerCoverage) -> DossierSection:
    title = "Radio coverage"
    if found.layer is None:
        return DossierSection(title, NO_LAYER)
    count = len(found.covering)
    summary = "no tower covers this spot" if count == 0 else f"{count} towers cover it"
    if count == 1:
        summary = "1 tower covers it"
    rows = tuple(
        (
            format_distance(tower.distance_m),
            f"{tower.name or tower.site_id} (range {tower.coverage_km:g} km"
            + (f", {tower.status})" if tower.status and tower.status != "active" else ")"),
        )
        for tower in found.covering
    )
    return DossierSection(title, summary, (*rows, ("Layer", found.layer)))
