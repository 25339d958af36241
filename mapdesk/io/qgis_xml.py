"""Pieces of QGIS's project XML that symbols, renderers and colour ramps share.

Colours are ``r,g,b,a`` text; properties come as an ``<Option type="Map">``
(QGIS 3.x) and as the older ``<prop k v>`` elements, either of which may be
all a file has.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET


def rgba(text: str, opacity: float = 1.0) -> str:
    """``#rrggbb[aa]`` as QGIS's ``r,g,b,a``, its alpha multiplied by ``opacity``."""
    red, green, blue = (int(text[i : i + 2], 16) for i in (1, 3, 5))
    alpha = int(text[7:9], 16) if len(text) == 9 else 255
    return f"{red},{green},{blue},{round(alpha * min(max(opacity, 0.0), 1.0))}"


def rgba_channels(text: str) -> tuple[int, int, int, int]:
    """QGIS's ``r,g,b[,a]`` as four bytes (alpha 255 when absent).

    Raises
    ------
    ValueError
        If ``text`` is not such a colour.
    """
    parts = [int(float(p)) for p in text.split(",")[:4]]
    if len(parts) < 3:
        raise ValueError(f"'{text}' is not an r,g,b,a colour")
    red, green, blue = (min(max(v, 0), 255) for v in parts[:3])
    alpha = min(max(parts[3], 0), 255) if len(parts) == 4 else 255
    return red, green, blue, alpha


def hex_and_alpha(text: str) -> tuple[str, float]:
    """QGIS's ``r,g,b,a`` as ``#rrggbb`` and an opacity 0-1 (two decimals, which
    is what eight bits of alpha hold)."""
    red, green, blue, alpha = rgba_channels(text)
    return f"#{red:02x}{green:02x}{blue:02x}", round(alpha / 255, 2)


def hex_color(text: str) -> str:
    """QGIS's ``r,g,b,a`` as ``#rrggbb``, or ``#rrggbbaa`` when not opaque (alpha exact)."""
    red, green, blue, alpha = rgba_channels(text)
    color = f"#{red:02x}{green:02x}{blue:02x}"
    return color if alpha == 255 else f"{color}{alpha:02x}"


def option_props(element: ET.Element) -> dict[str, str]:
    """An element's properties: its ``<Option type="Map">`` or older ``<prop k v>``."""
    props = {p.get("k", ""): p.get("v", "") for p in element.findall("prop")}
    options = element.find("Option")
    if options is not None:
        props.update({o.get("name", ""): o.get("value", "") for o in options.findall("Option")})
    return props
