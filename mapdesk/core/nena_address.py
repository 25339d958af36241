"""A NENA address point's full address, put together from its parts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: NENA-STA-006 address number and street name parts, in reading order.
NUMBER_PARTS = ("AddNum_Pre", "Add_Number", "AddNum_Suf")
STREET_PARTS = (
    "St_PreMod",
    "St_PreDir",
    "St_PreTyp",
    "St_PreSep",
    "St_Name",
    "St_PosTyp",
    "St_PosDir",
    "St_PosMod",
)
#: Fields that already hold the whole address, for layers without the parts.
_WHOLE_FIELDS = ("FullAddr", "fulladdr", "full_address", "address", "Address", "ADDRESS")
#: The municipality: NENA v3, then v2.
_PLACE_FIELDS = ("A3", "Inc_Muni")


def full_address(attributes: Mapping[str, Any]) -> str:
    """``"389 Congress St, Unit 2, Portland"`` from an address point's attributes.

    Built from the NENA parts when the street name is there, else taken from
    a full-address field; the unit and municipality are added when known.
    """
    street = _joined(attributes, STREET_PARTS)
    if _part(attributes, "St_Name"):
        number = "".join(_part(attributes, name) for name in NUMBER_PARTS)
        line = f"{number} {street}".strip()
    else:
        line = next((v for f in _WHOLE_FIELDS if (v := _part(attributes, f))), "")
    unit = _part(attributes, "Unit")
    place = next((v for f in _PLACE_FIELDS if (v := _part(attributes, f))), "")
    extras = [f"Unit {unit}" if unit and not unit[0].isalpha() else unit, place]
    return ", ".join(part for part in (line, *extras) if part)


def _joined(attributes: Mapping[str, Any], names: tuple[str, ...]) -> str:
    return " ".join(text for name in names if (text := _part(attributes, name)))


def _part(attributes: Mapping[str, Any], name: str) -> str:
    value = attributes.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return "" if text in ("<NA>", "nan", "NaT") else text
