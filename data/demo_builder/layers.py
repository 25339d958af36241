"""Attribute tables: turn the generated objects into GeoDataFrames (local frame).

Column names follow NENA NG9-1-1 (v3 names: A1/A2/A3...), Open311 GeoReport v2 and the
network-asset model described in shared/DOMAIN.md. Every layer has an integer `objectid`.
"""

from __future__ import annotations

import math
from collections import defaultdict

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from .assets import CitySite, NetNode, Span
from .common import DATE_UPDATE, EFFECTIVE, PSAP_AGENCY, TOWN_AGENCY, nguid
from .fixit import Incident, iso
from .geography import PENINSULA_AXIS_DEG
from .lots import Lot, zip_code, zone_style
from .safety import ServiceArea, Station, Tower
from .streets import RoadNetwork

POPULATION = {"Portland": 68408, "South Portland": 26498, "Cape Elizabeth": 9535}
SERVICE_URN = {
    "psap": "urn:emergency:service:sos.psap",
    "police": "urn:emergency:service:responder.police",
    "fire": "urn:emergency:service:responder.fire",
    "ems": "urn:emergency:service:responder.ems",
}
LAYER_INDICATOR = {"psap": "Psap", "police": "Pol", "fire": "Fire", "ems": "Ems"}


def frame(records: list[dict[str, object]], geoms: list[object]) -> gpd.GeoDataFrame:
    df = pd.DataFrame.from_records(records)
    df.insert(0, "objectid", np.arange(1, len(df) + 1, dtype="int64"))
    return gpd.GeoDataFrame(df, geometry=list(geoms), crs=None)


def nena_common(layer: str, local_id: object, agency: str) -> dict[str, object]:
    return {
        "DiscrpAgID": agency,
        "DateUpdate": DATE_UPDATE,
        "Effective": EFFECTIVE,
        "Expire": pd.NaT,
        "NGUID": nguid(layer, local_id, agency),
    }


def with_expire_tz(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    gdf["Expire"] = pd.Series(pd.NaT, index=gdf.index, dtype="datetime64[ms, UTC]")
    for col in ("DateUpdate", "Effective"):
        gdf[col] = gdf[col].astype("datetime64[ms, UTC]")
    return gdf


# --------------------------------------------------------------------------- NENA polygons


def municipal_layer(towns: list[ServiceArea]) -> gpd.GeoDataFrame:
    recs = []
    for i, a in enumerate(towns, start=1):
        recs.append(
            {
                **nena_common("A3", i, TOWN_AGENCY[a.town]),
                "Country": "US",
                "A1": "ME",
                "A2": "Cumberland",
                "A3": a.town,
                "population": POPULATION[a.town],
                "area_km2": round(a.geom.area / 1e6, 3),
            }
        )
    return with_expire_tz(frame(recs, [a.geom for a in towns]))


def service_layer(kind: str, areas: list[ServiceArea]) -> gpd.GeoDataFrame:
    recs = []
    for a in areas:
        agency = PSAP_AGENCY if kind == "psap" else a.agency_id
        service = "sos" if kind == "psap" else f"sos.{kind}"
        recs.append(
            {
                **nena_common(LAYER_INDICATOR[kind], a.local_id, agency),
                "State": "ME",
                "Agency_ID": a.agency_id,
                "ServiceURI": f"sip:{service}@{a.agency_id}",
                "ServiceURN": SERVICE_URN[kind],
                "ServiceNum": "911" if kind == "psap" else "",
                "AVcard_URI": f"https://{a.agency_id}/vcard/{a.local_id}.vcf",
                "DsplayName": a.display_name,
            }
        )
    return with_expire_tz(frame(recs, [a.geom for a in areas]))


# --------------------------------------------------------------------------- roads


def road_layer(net: RoadNetwork) -> gpd.GeoDataFrame:
    recs = []
    for i, seg in enumerate(net.segments, start=1):
        st = seg.street
        ranged = seg.from_l > 0
        town = seg.a3_l or seg.a3_r or "Portland"
        recs.append(
            {
                **nena_common("RCL", i, TOWN_AGENCY[town]),
                "St_PreDir": st.pre_dir,
                "St_Name": st.name,
                "St_PosTyp": st.pos_type,
                "St_PosDir": st.pos_dir,
                "FullName": st.full_name,
                "FromAddr_L": seg.from_l,
                "ToAddr_L": seg.to_l,
                "FromAddr_R": seg.from_r,
                "ToAddr_R": seg.to_r,
                "Parity_L": "O" if ranged else "Z",
                "Parity_R": "E" if ranged else "Z",
                "A3_L": seg.a3_l,
                "A3_R": seg.a3_r,
                "RoadClass": st.road_class,
                "OneWay": st.one_way,
                "SpeedLimit": seg.speed,
            }
        )
    gdf = with_expire_tz(frame(recs, [s.geom for s in net.segments]))
    for col in ("FromAddr_L", "ToAddr_L", "FromAddr_R", "ToAddr_R", "SpeedLimit"):
        gdf[col] = gdf[col].astype("int32")
    return gdf


# --------------------------------------------------------------------------- addresses


def unit_points(lot: Lot) -> list[tuple[str, Point]]:
    if lot.units == 1:
        return [("", lot.point)]
    c = np.asarray(lot.quad.exterior.coords)
    tangent = (c[1] - c[0]) / np.hypot(*(c[1] - c[0]))
    first = -(lot.units - 1) / 2
    return [
        (f"Unit {k + 1}", Point(np.asarray(lot.point.coords[0]) + tangent * 1.5 * (first + k)))
        for k in range(lot.units)
    ]


def address_layer(lots: list[Lot], net: RoadNetwork) -> gpd.GeoDataFrame:
    recs, geoms = [], []
    for lot in lots:
        st = net.segments[lot.segment].street
        for unit, pt in unit_points(lot):
            base = lot.full_address(net.segments[lot.segment])
            recs.append(
                {
                    **nena_common("SSAP", len(recs) + 1, TOWN_AGENCY[lot.town]),
                    "Country": "US",
                    "A1": "ME",
                    "A2": "Cumberland",
                    "A3": lot.town,
                    "A5": lot.zone.name,
                    "Add_Number": lot.number,
                    "St_PreDir": st.pre_dir,
                    "St_Name": st.name,
                    "St_PosTyp": st.pos_type,
                    "St_PosDir": st.pos_dir,
                    "FullAddr": f"{base} {unit}" if unit else base,
                    "Unit": unit,
                    "Zip": zip_code(lot),
                    "Place_Type": lot.place_type,
                    "Placement": "Structure",
                }
            )
            geoms.append(pt)
    gdf = with_expire_tz(frame(recs, geoms))
    gdf["Add_Number"] = gdf["Add_Number"].astype("int32")
    return gdf


# --------------------------------------------------------------------------- parcels

LAND_VALUE_PER_M2 = {"peninsula": 650, "urban": 260, "suburban": 130, "rural": 110}
BUILDING_VALUE = {
    "Residential": (180_000, 650_000),
    "Commercial": (400_000, 3_000_000),
    "Industrial": (300_000, 2_200_000),
    "Institutional": (900_000, 12_000_000),
    "Open Space": (0, 0),
}
BUILT = {
    "peninsula": (1850, 1935),
    "urban": (1895, 1975),
    "suburban": (1940, 2015),
    "rural": (1950, 2023),
}


def zoning(lot: Lot) -> str:
    style, use = zone_style(lot.zone), lot.land_use
    if lot.town == "South Portland":
        return {
            "Residential": "RA" if style == "urban" else "RG",
            "Commercial": "CA",
            "Industrial": "IL",
            "Institutional": "G",
            "Open Space": "CON",
        }[use]
    if lot.town == "Cape Elizabeth":
        return {
            "Residential": "RA" if style == "rural" else "RC",
            "Commercial": "TC",
            "Industrial": "BB",
            "Institutional": "TC",
            "Open Space": "RP1",
        }[use]
    if lot.zone.name == "Peaks Island":
        return {"Residential": "IR-2", "Commercial": "IB", "Industrial": "IB"}.get(use, "ROS")
    if use == "Residential":
        return {"peninsula": "R6", "urban": "R5"}.get(style, "R3")
    if use == "Commercial":
        if style != "peninsula":
            return "B2" if style == "urban" else "B1"
        t = math.radians(PENINSULA_AXIS_DEG)
        along = lot.point.x * math.cos(t) + lot.point.y * math.sin(t)
        return "B3" if abs(along) < 900 else "B2b"
    return {
        "Industrial": "IR-1" if style == "suburban" else "IM",
        "Institutional": "IS",
        "Open Space": "ROS",
    }[use]


def parcel_key(pt: Point) -> tuple[int, str]:
    col, row = int((pt.x + 8000) // 1000), int((8000 - pt.y) // 1000)
    sub = int(((pt.x + 8000) % 1000) // 250) + 4 * int(((8000 - pt.y) % 1000) // 250)
    return row * 17 + col + 1, "ABCDEFGHJKLMNPQR"[sub]


def parcel_layer(
    lots: list[Lot],
    net: RoadNetwork,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    recs = []
    seq: dict[tuple[int, str], int] = defaultdict(int)
    for lot in lots:
        style = zone_style(lot.zone)
        area = lot.quad.area
        bmin, bmax = BUILDING_VALUE[lot.land_use]
        building = float(rng.uniform(bmin, bmax)) * (1.6 if lot.units > 1 else 1.0)
        value = int(round((area * LAND_VALUE_PER_M2[style] + building) / 100.0) * 100)
        if lot.land_use == "Open Space" or rng.random() < 0.03:
            year = None
        else:
            lo, hi = BUILT[style]
            year = int(rng.integers(lo, hi + 1))
        if lot.site_name == "City Hall":
            year, value = 1912, 48_500_000
        mapno, block = parcel_key(lot.point)
        seq[(mapno, block)] += 1
        recs.append(
            {
                "parcel_id": f"{mapno:03d}-{block}-{seq[(mapno, block)]:03d}",
                "owner_type": lot.owner_type,
                "land_use": lot.land_use,
                "zoning": zoning(lot),
                "acreage": round(area / 4046.8564224, 3),
                "assessed_value": value,
                "year_built": year,
                "address": lot.full_address(net.segments[lot.segment]),
                "town": lot.town,
            }
        )
    gdf = frame(recs, [lot.quad for lot in lots])
    gdf["year_built"] = gdf["year_built"].astype("Int32")
    gdf["assessed_value"] = gdf["assessed_value"].astype("int64")
    return gdf


# --------------------------------------------------------------------------- points


def station_layer(stations: list[Station]) -> gpd.GeoDataFrame:
    recs = [
        {
            "station_id": s.station_id,
            "name": s.name,
            "type": s.kind,
            "agency": s.agency,
            "address": s.address,
            "town": s.town,
            "apparatus": s.apparatus,
            "staffed": s.staffed,
            "turnout_s": s.turnout_s,
        }
        for s in stations
    ]
    gdf = frame(recs, [s.point for s in stations])
    gdf["turnout_s"] = gdf["turnout_s"].astype("int32")
    return gdf


def tower_layer(towers: list[Tower]) -> gpd.GeoDataFrame:
    recs = [
        {
            "site_id": t.site_id,
            "name": t.name,
            "owner": t.owner,
            "height_m": t.height_m,
            "purpose": t.purpose,
            "coverage_km": t.coverage_km,
            "status": t.status,
        }
        for t in towers
    ]
    return frame(recs, [t.point for t in towers])


def city_site_layer(sites: list[CitySite]) -> gpd.GeoDataFrame:
    recs = [
        {
            "site_id": s.site_id,
            "name": s.name,
            "type": s.kind,
            "address": s.address,
            "town": s.town,
            "users": s.users,
            "network_node": s.node_id,
        }
        for s in sites
    ]
    gdf = frame(recs, [s.point for s in sites])
    gdf["users"] = gdf["users"].astype("int32")
    return gdf


def node_layer(nodes: list[NetNode]) -> gpd.GeoDataFrame:
    recs = [
        {
            "asset_id": n.asset_id,
            "type": n.kind,
            "status": n.status,
            "owner": n.owner,
            "install_date": n.install_date,
            "model": n.model,
            "site_id": n.site_id,
        }
        for n in nodes
    ]
    return frame(recs, [n.point for n in nodes])


def span_layer(spans: list[Span]) -> gpd.GeoDataFrame:
    recs = [
        {
            "asset_id": s.asset_id,
            "type": s.kind,
            "status": s.status,
            "owner": s.owner,
            "install_date": s.install_date,
            "strand_count": s.strand_count,
            "from_node": s.from_node,
            "to_node": s.to_node,
            "length_m": round(s.geom.length, 1),
        }
        for s in spans
    ]
    gdf = frame(recs, [s.geom for s in spans])
    gdf["strand_count"] = gdf["strand_count"].astype("Int32")
    return gdf


def incident_layer(
    incidents: list[Incident],
    lonlat: list[tuple[float, float]],
) -> gpd.GeoDataFrame:
    recs = []
    for inc, (lon, lat) in zip(incidents, lonlat, strict=True):
        media = ""
        if inc.request_id.endswith("7"):
            media = f"https://fixit.portlandmaine.gov/media/{inc.request_id}.jpg"
        recs.append(
            {
                "service_request_id": inc.request_id,
                "status": inc.status,
                "status_notes": inc.status_notes,
                "service_name": inc.service_name,
                "service_code": inc.service_code,
                "description": inc.description,
                "agency_responsible": inc.agency,
                "service_notice": "",
                "requested_datetime": iso(inc.requested),
                "updated_datetime": iso(inc.updated),
                "expected_datetime": iso(inc.expected),
                "address": inc.address,
                "zipcode": inc.zipcode,
                "lat": lat,
                "long": lon,
                "media_url": media,
            }
        )
    recs[len(recs) // 3]["media_url"] = "javascript:alert('media')"
    return frame(recs, [Point(lon, lat) for lon, lat in lonlat])
