"""How the result layers of a coverage run look on the map, so a planner reads them at once.

First-due zones in soft pastel fills, one per station (a station keeps its colour
through every what-if, as the colour follows its place in the station table); the
travel-time bands over them as washes and outlines, the smallest band darkest;
gaps in red; the stations on top, labelled with their ids as the Coverage panel
names them. The detail layers (roads by arrival, each address, each station's own
areas) are added hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mapdesk.core.analysis.coverage import layers as names
from mapdesk.core.analysis.coverage.fractiles import band_key
from mapdesk.core.labels import LabelSettings
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import Categorized, Category, SingleSymbol, Symbology

#: Soft fills of first-due zones (ColorBrewer Set3, and Pastel1 after it).
ZONE_COLOURS = (
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69",
    "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f", "#fbb4ae", "#b3cde3",
    "#decbe4", "#fed9a6", "#e5d8bd", "#f2f2f2",
)  # fmt: skip
#: Band colours from the smallest band (darkest) to the largest.
BAND_COLOURS = ("#08306b", "#2171b5", "#6baed6", "#9ecae1")
GAP_RED = "#e31a1c"
#: Drawn bottom first: zones, then the bands over them ... the stations on top.
DRAW_ORDER = (
    names.ZONES,
    names.STATION_BANDS,
    names.OVERALL,
    names.ROADS,
    names.GAPS,
    names.ADDRESSES,
    names.GAP_ADDRESSES,
    names.STATIONS,
)


@dataclass(frozen=True)
class ResultLook:
    """How one result layer is named and drawn.

    Attributes
    ----------
    title
        The layer's name in the project (``Coverage: ...``).
    style
        Its symbol (the base of its categories when it has some).
    symbology
        One symbol or categories.
    visible
        Shown when added (the detail layers are not).
    labels
        Its labels, if any.
    """

    title: str
    style: LayerStyle
    symbology: Symbology
    visible: bool = True
    labels: LabelSettings | None = None


def result_looks(
    stations: Sequence[tuple[str, str]],
    minutes: Sequence[float],
    station_type: str | None = None,
) -> dict[str, ResultLook]:
    """The look of each result layer, by layer name, in :data:`DRAW_ORDER`.

    ``stations`` are all the study's stations (id, name) in table order, so a
    station's colour stays the same whichever are disabled; ``station_type``
    (``Fire``) goes into the zones' title.
    """
    largest = f"{minutes[-1]:g}"
    bands = "/".join(f"{m:g}" for m in minutes)
    kind = f"{station_type} " if station_type else ""
    looks = {
        names.ZONES: _zones(stations, f"Coverage: {kind}first-due zones"),
        names.STATION_BANDS: _station_bands(f"Coverage: {bands}-minute areas per station"),
        names.OVERALL: _bands(minutes, f"Coverage: {bands}-minute areas"),
        names.ROADS: _roads(minutes, "Coverage: roads by arrival"),
        names.GAPS: _gaps(f"Coverage: gaps (over {largest} min)"),
        names.ADDRESSES: _addresses(minutes, "Coverage: addresses"),
        names.GAP_ADDRESSES: _gap_addresses(f"Coverage: addresses over {largest} min"),
        names.STATIONS: _stations("Coverage: stations"),
    }
    return {name: looks[name] for name in DRAW_ORDER}


def zone_colour(row: int) -> str:
    """The fill of the first-due zone of the ``row``-th station of the study."""
    return ZONE_COLOURS[row % len(ZONE_COLOURS)]


def band_colour(index: int) -> str:
    """The colour of the ``index``-th band, smallest first (darkest)."""
    return BAND_COLOURS[min(index, len(BAND_COLOURS) - 1)]


def _zones(stations: Sequence[tuple[str, str]], title: str) -> ResultLook:
    base = LayerStyle(fill_color="#d9d9d9", stroke_color="#ffffff", stroke_width=0.8)
    base = base.with_changes(fill_opacity=0.75)
    categories = tuple(
        Category(base.with_changes(fill_color=zone_colour(row)), f"{station} {name}", station)
        for row, (station, name) in enumerate(stations)
    )
    return ResultLook(title, base, Categorized("station_id", categories))


def _bands(minutes: Sequence[float], title: str) -> ResultLook:
    """Washes over the zones, the smallest band darkest and on top (the first category is
    drawn on top); thin outlines, as the areas follow every block of the streets."""
    categories = []
    for index, m in enumerate(minutes):
        colour = band_colour(index)
        style = LayerStyle(
            fill_color=colour,
            stroke_color=colour,
            stroke_width=0.6 if index == 0 else 0.4,
            fill_opacity=0.4 if index == 0 else 0.15,
        )
        categories.append(Category(style, f"within {m:g} min of the alert", float(m)))
    return ResultLook(title, categories[0].style, Categorized("minutes", tuple(categories)))


def _station_bands(title: str) -> ResultLook:
    style = LayerStyle(
        fill_color="#2171b5", stroke_color="#2171b5", stroke_width=1.0, fill_opacity=0.0
    )
    return ResultLook(title, style, SingleSymbol(), visible=False)


def _roads(minutes: Sequence[float], title: str) -> ResultLook:
    base = LayerStyle(fill_color="#2171b5", stroke_color="#2171b5", stroke_width=2.0)
    base = base.with_changes(fill_opacity=0.0)
    categories = [
        Category(
            base.with_changes(fill_color=band_colour(i), stroke_color=band_colour(i)),
            f"within {m:g} min",
            float(m),
        )
        for i, m in enumerate(minutes)
    ]
    beyond = base.with_changes(fill_color=GAP_RED, stroke_color=GAP_RED)
    categories.append(Category(beyond, f"over {minutes[-1]:g} min, or not reached", None))
    return ResultLook(title, base, Categorized("within_min", tuple(categories)), visible=False)


def _gaps(title: str) -> ResultLook:
    style = LayerStyle(
        fill_color=GAP_RED, stroke_color="#a50f15", stroke_width=0.6, fill_opacity=0.7
    )
    return ResultLook(title, style, SingleSymbol())


def _addresses(minutes: Sequence[float], title: str) -> ResultLook:
    field = names.band_field("within", minutes[-1])
    base = LayerStyle(fill_color="#1b7837", stroke_color="#ffffff", stroke_width=0.4)
    base = base.with_changes(marker_size=4.0)
    categories = (
        Category(base.with_changes(fill_color=GAP_RED), f"over {band_key(minutes[-1])} min", False),
        Category(base, f"within {band_key(minutes[-1])} min", True),
    )
    return ResultLook(title, base, Categorized(field, categories), visible=False)


def _gap_addresses(title: str) -> ResultLook:
    style = LayerStyle(fill_color=GAP_RED, stroke_color="#ffffff", stroke_width=0.5)
    return ResultLook(title, style.with_changes(marker_size=5.0), SingleSymbol(), visible=False)


def _stations(title: str) -> ResultLook:
    base = LayerStyle(
        fill_color="#000000",
        stroke_color="#ffffff",
        stroke_width=1.2,
        marker_size=9.0,
        marker_shape="square",
    )
    categories = (
        Category(base, "in service", "in service"),
        Category(
            base.with_changes(fill_color="#ffffff", stroke_color="#424242", stroke_width=2.0),
            "disabled (what-if)",
            "disabled",
        ),
        Category(
            base.with_changes(fill_color="#ff7f00", marker_shape="triangle"),
            "too far from a road",
            "off network",
        ),
    )
    labels = LabelSettings("station_id", size=10.0, color="#111111")
    return ResultLook(title, base, Categorized("status", categories), labels=labels)


def used_categories(symbology: Symbology, values: Sequence[object]) -> Symbology:
    """``symbology`` without the categories no feature has (a shorter legend)."""
    if not isinstance(symbology, Categorized):
        return symbology
    present = set(np.asarray(values, dtype=object).tolist())
    kept = tuple(c for c in symbology.categories if c.value in present or c.value is None)
    return Categorized(symbology.field, kept, symbology.other)
