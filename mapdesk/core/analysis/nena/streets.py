"""Street names, addresses and feature labels put together from NENA's parts, per feature.

NENA splits a street name into up to eight parts and an address into number,
street and sub-address parts. Matching an address to its street, finding
duplicate addresses and naming a feature in a message all need them joined;
this is done once per layer, as arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from mapdesk.core.nena_address import NUMBER_PARTS, STREET_PARTS

#: Sub-address parts: two points differing only in these are different addresses.
SUBADDRESS_PARTS = (
    "Site",
    "SubSite",
    "Structure",
    "Wing",
    "Floor",
    "Unit",
    "UnitPreTyp",
    "UnitValue",
    "Room",
    "Section",
    "Row",
    "Seat",
)
SERVICE_LAYERS = frozenset({"PsapPolygon", "PolicePolygon", "FirePolygon", "EmsPolygon"})

Texts = npt.NDArray[np.object_]
TextsOf = Callable[[str], Texts]


def joined(parts: Sequence[Texts], separator: str = " ") -> Texts:
    """Each row's non-empty parts joined by ``separator``."""
    if not parts:
        return np.array([], dtype=object)
    out = np.asarray(parts[0], dtype=object).copy()
    for part in parts[1:]:
        has = part != ""
        both = has & (out != "")
        out[both] = out[both] + separator + part[both]
        alone = has & ~both
        out[alone] = part[alone]
    return out


def street_names(texts: TextsOf) -> Texts:
    """The full street name of each feature (``"North Main Street"``), ``""`` when none."""
    return joined([texts(part) for part in STREET_PARTS])


def street_keys(texts: TextsOf) -> Texts:
    """Street names for comparing: case and spacing ignored; ``""`` when no St_Name."""
    names = street_names(texts)
    keys = np.empty(len(names), dtype=object)
    keys[:] = [" ".join(name.casefold().split()) for name in names]
    keys[texts("St_Name") == ""] = ""
    return keys


def address_lines(texts: TextsOf) -> Texts:
    """``"389A Congress Street"`` per address point."""
    number = joined([texts(part) for part in NUMBER_PARTS], "")
    return joined([number, street_names(texts)])


def address_keys(texts: TextsOf) -> Texts:
    """What makes an address one: number, street, sub-address and A1-A3, compared loosely;
    ``""`` for points with neither number nor street."""
    number = joined([texts(part) for part in NUMBER_PARTS], "")
    parts = [number, street_keys(texts)]
    parts += [texts(part) for part in SUBADDRESS_PARTS]
    parts += [texts(level) for level in ("A3", "A2", "A1")]
    keys = np.empty(len(number), dtype=object)
    keys[:] = ["|".join(p.casefold() for p in row) for row in zip(*parts, strict=True)]
    keys[(number == "") & (parts[1] == "")] = ""
    return keys


def feature_labels(role: str, texts: TextsOf) -> Texts:
    """A short name for each feature of a NENA layer, for messages: the address, the
    street and town, the agency's display name, the A1-A5 name; ``""`` when unknown."""
    if role == "SiteStructureAddressPoint":
        sub = joined([texts(part) for part in SUBADDRESS_PARTS])
        return joined([address_lines(texts), sub, texts("A3")], ", ")
    if role == "RoadCenterLine":
        town = texts("A3_L")
        town = np.where(town == "", texts("A3_R"), town)
        return joined([street_names(texts), town], ", ")
    if role in SERVICE_LAYERS:
        names = texts("DsplayName")
        return np.where(names == "", texts("Agency_ID"), names)
    if len(role) == 9 and role.startswith("A") and role.endswith("Polygon"):
        return texts(role[:2])
    if role == "ProvisioningPolygon":
        return texts("DiscrpAgID")
    return np.full(len(texts("NGUID")), "", dtype=object)
