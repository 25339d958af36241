"""Layer styles as files (``.mapdesk-style.json``), to reuse on other layers and share.

A style file holds the symbol and the symbology (categories or classes); it
is written atomically and read back only if it is a style mapdesk wrote.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.serialize import json_value, write_text_atomically
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import symbology_from_dict, symbology_to_dict

STYLE_SUFFIX = ".mapdesk-style.json"
STYLE_FORMAT = 1


def save_style(layer: VectorLayer, path: str | Path) -> Path:
    """Write ``layer``'s style to ``path``; the path written.

    Raises
    ------
    MapdeskError
        If the file cannot be written (the message names it).
    """
    target = Path(path)
    document = {
        "mapdesk_style": STYLE_FORMAT,
        "style": asdict(layer.style),
        "symbology": symbology_to_dict(layer.symbology),
    }
    try:
        write_text_atomically(target, json.dumps(document, indent=2, default=json_value))
    except OSError as exc:
        raise MapdeskError(f"{target}: could not save the style ({exc.strerror})") from exc
    return target


def load_style(layer: VectorLayer, path: str | Path) -> None:
    """Apply the style in ``path`` to ``layer`` (its categories need the same field).

    Raises
    ------
    MapdeskError
        If the file is missing, not a mapdesk style, from a newer mapdesk, or
        classifies by a field the layer lacks; the layer is then unchanged.
    """
    source = Path(path)
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MapdeskError(f"{source}: could not read the style ({exc.strerror})") from exc
    except ValueError as exc:
        raise MapdeskError(f"{source}: not a style file (invalid JSON: {exc})") from exc
    if not isinstance(document, dict) or "mapdesk_style" not in document:
        raise MapdeskError(f"{source}: not a mapdesk style file")
    if document["mapdesk_style"] > STYLE_FORMAT:
        raise MapdeskError(f"{source}: made by a newer mapdesk; update mapdesk to use it")
    try:
        style = LayerStyle(**document["style"])
        symbology = symbology_from_dict(document.get("symbology") or {"kind": "single"})
    except (TypeError, KeyError) as exc:
        raise MapdeskError(f"{source}: this style is damaged ({exc})") from exc
    except MapdeskError as exc:
        raise MapdeskError(f"{source}: {exc}") from exc
    previous = layer.style
    layer.style = style
    try:
        layer.symbology = symbology
    except MapdeskError as exc:
        layer.style = previous
        raise MapdeskError(f"{source}: {exc}") from exc
