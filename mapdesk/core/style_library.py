"""The city's style library: the colours Portland's GIS, 9-1-1 and IT staff expect.

Boundaries as the dispatch centre draws them (PSAP purple, police blue, fire
red, EMS green), FixIt statuses from "needs action" red to "done" grey, and
the network and public-safety asset symbols. The demo opens with these, and
they are there to reuse on the city's own layers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import Categorized, categorize

#: Named styles, by what the layer holds.
LIBRARY: dict[str, LayerStyle] = {
    "PSAP boundary": LayerStyle("#000000", "#6a0dad", fill_opacity=0.0, stroke_width=2.5),
    "Police boundaries": LayerStyle(
        "#0000ff", "#1f3fbf", fill_opacity=0.0, stroke_width=1.2, dashed=True
    ),
    "Fire districts": LayerStyle(
        "#ff0000", "#d62728", fill_opacity=0.0, stroke_width=1.2, dashed=True
    ),
    "EMS boundaries": LayerStyle(
        "#00aa00", "#2ca02c", fill_opacity=0.0, stroke_width=1.2, dashed=True
    ),
    "Municipal boundaries": LayerStyle("#f2efe6", "#404040", stroke_width=1.8),
    "Parcels": LayerStyle("#fffbe6", "#d9cfa6", stroke_width=0.5),
    "Road centrelines": LayerStyle("#ffffff", "#8c8c8c", stroke_width=1.2),
    "Address points": LayerStyle("#bfbfbf", "#808080", marker_size=3.0),
    "FixIt incidents": LayerStyle(
        "#f58231", "#5a2a00", stroke_width=0.6, marker_size=4.0, fill_opacity=0.9
    ),
    "Radio towers": LayerStyle("#911eb4", "#ffffff", marker_size=11.0, marker_shape="triangle"),
    "Stations": LayerStyle("#e6194b", "#ffffff", marker_size=10.0, marker_shape="square"),
    "City sites": LayerStyle("#4363d8", "#ffffff", marker_size=9.0, marker_shape="diamond"),
    "Network nodes": LayerStyle("#42d4f4", "#004d5c", marker_size=5.0),
    "Fibre spans": LayerStyle("#00a3a3", "#00a3a3", stroke_width=2.0),
}

#: FixIt (SeeClickFix / Open311) statuses: what still needs action stands out.
FIXIT_STATUS_COLORS: dict[str, str] = {
    "open": "#d7191c",
    "acknowledged": "#fdae61",
    "in progress": "#fee08b",
    "closed": "#9e9e9e",
    "archived": "#d0d0d0",
}


def fixit_status_symbology(
    frame: pd.DataFrame, field: str = "status", base: LayerStyle | None = None
) -> Categorized:
    """FixIt reports coloured by status (any capitalisation), open ones on top."""
    values = frame[field].dropna().unique().tolist()
    colors: dict[Any, str] = {}
    order = []
    for name in FIXIT_STATUS_COLORS:
        for value in values:
            if str(value).strip().lower() == name:
                colors[value] = FIXIT_STATUS_COLORS[name]
                order.append(value)
    style = base or LIBRARY["FixIt incidents"]
    return categorize(frame, field, style, palette="Dark2", colors=colors, order=tuple(order))
