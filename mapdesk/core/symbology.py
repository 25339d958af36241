"""How a layer's features map to symbols: one symbol, categories, graduated classes, or a heatmap.

QGIS's three everyday renderers, and its Heatmap for point layers
(``core.heatmap``). A symbology is a frozen record (so a render
job can hold one while the user edits the next) that says, for a table, which
class each feature falls in; the renderer draws each class with its own
``LayerStyle``. Classes are built from the data with ``categorize`` (unique
values) and ``graduate`` (``core.classify``: quantiles, equal interval, natural
breaks, standard deviation).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from mapdesk.core import classify
from mapdesk.core.errors import MapdeskError
from mapdesk.core.heatmap import Heatmap, heatmap_from_dict
from mapdesk.core.style import LayerStyle

Rows = npt.NDArray[np.intp]
Method = Literal["quantiles", "equal_interval", "natural_breaks", "std_mean"]
METHODS: dict[str, str] = {
    "quantiles": "Quantile (equal count)",
    "equal_interval": "Equal interval",
    "natural_breaks": "Natural breaks (Jenks)",
    "std_mean": "Standard deviation",
}

#: Qualitative palettes for categories (ColorBrewer's Set1, Dark2, Paired).
PALETTES: dict[str, tuple[str, ...]] = {
    "Set1": ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#ffff33", "#a65628",
             "#f781bf", "#999999"),
    "Dark2": ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
              "#666666"),
    "Paired": ("#a6cee3", "#1f78b4", "#b2df8a", "#33a02c", "#fb9a99", "#e31a1c", "#fdbf6f",
               "#ff7f00", "#cab2d6", "#6a3d9a", "#ffff99", "#b15928"),
}  # fmt: skip
#: Sequential ramps for graduated classes, light to dark (ColorBrewer).
RAMPS: dict[str, tuple[str, ...]] = {
    "Reds": ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"),
    "Blues": ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    "Greens": ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"),
    "YlOrRd": ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    "Viridis": ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"),
}


@dataclass(frozen=True)
class SymbolClass:
    """One legend entry: its symbol, what it reads, and (for display) how many features."""

    style: LayerStyle
    label: str


@dataclass(frozen=True)
class SingleSymbol:
    """Every feature with the layer's style."""

    kind: Literal["single"] = "single"


@dataclass(frozen=True)
class Category(SymbolClass):
    value: Any = None  # None: the features whose value is NULL


@dataclass(frozen=True)
class Categorized:
    """A symbol per distinct value of a field (features with other values: ``other``)."""

    field: str
    categories: tuple[Category, ...]
    other: SymbolClass | None = None
    kind: Literal["categorized"] = "categorized"

    def classes(self) -> tuple[SymbolClass, ...]:
        return (*self.categories, *((self.other,) if self.other is not None else ()))


@dataclass(frozen=True)
class GraduatedClass(SymbolClass):
    lower: float = 0.0
    upper: float = 0.0


@dataclass(frozen=True)
class Graduated:
    """A symbol per range of a numeric field (upper bounds inclusive, as QGIS)."""

    field: str
    ranges: tuple[GraduatedClass, ...]
    method: str = "quantiles"
    kind: Literal["graduated"] = "graduated"

    def classes(self) -> tuple[SymbolClass, ...]:
        return tuple(self.ranges)


Symbology = SingleSymbol | Categorized | Graduated | Heatmap


def symbology_field(symbology: Symbology) -> str | None:
    """The field a symbology reads: the one it classifies by, or a heatmap's weight."""
    if isinstance(symbology, Categorized | Graduated):
        return symbology.field
    if isinstance(symbology, Heatmap):
        return symbology.weight_field
    return None


@dataclass(frozen=True)
class ClassRows:
    """Which rows fall in each class of a symbology (in legend order)."""

    classes: tuple[SymbolClass, ...]
    rows: tuple[Rows, ...] = field(default_factory=tuple)


def class_rows(symbology: Symbology, frame: pd.DataFrame) -> ClassRows:
    """Rows of ``frame`` in each class; rows in no class are not drawn (as in QGIS).

    Raises
    ------
    MapdeskError
        If the symbology's field is not in the table.
    """
    if isinstance(symbology, SingleSymbol | Heatmap):
        return ClassRows((), ())  # drawn whole: one symbol, or one density surface
    column = _field(frame, symbology.field)
    if isinstance(symbology, Categorized):
        return ClassRows(symbology.classes(), _categorized_rows(symbology, column))
    return ClassRows(symbology.classes(), _graduated_rows(symbology, column))


def _field(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        raise MapdeskError(f'The style classifies by the field "{name}", which the layer lacks')
    return frame[name]


def _categorized_rows(symbology: Categorized, column: pd.Series) -> tuple[Rows, ...]:
    missing = np.asarray(column.isna(), dtype=bool)
    claimed = np.zeros(len(column), dtype=bool)
    found = []
    for category in symbology.categories:
        if category.value is None:
            hits = missing
        else:
            hits = np.asarray(column.eq(category.value).fillna(False), dtype=bool)
        hits = hits & ~claimed
        claimed |= hits
        found.append(np.flatnonzero(hits).astype(np.intp))
    if symbology.other is not None:
        found.append(np.flatnonzero(~claimed).astype(np.intp))
    return tuple(found)


def _graduated_rows(symbology: Graduated, column: pd.Series) -> tuple[Rows, ...]:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    found = []
    for index, entry in enumerate(symbology.ranges):
        low_ok = values >= entry.lower if index == 0 else values > entry.lower
        found.append(np.flatnonzero(low_ok & (values <= entry.upper)).astype(np.intp))
    return tuple(found)


def categorize(
    frame: pd.DataFrame,
    field: str,
    base: LayerStyle,
    palette: str = "Set1",
    colors: dict[Any, str] | None = None,
    limit: int = 100,
    order: tuple[Any, ...] = (),
) -> Categorized:
    """A category per distinct value of ``field`` (most frequent first), NULL last.

    ``colors`` fixes the colour of some values (a city style library); the
    others take the palette's colours in turn. Values in ``order`` come
    first, in that order (the top of the legend is drawn on top).

    Raises
    ------
    MapdeskError
        If the field is missing or has more than ``limit`` distinct values.
    """
    column = _field(frame, field)
    counts = column.value_counts(dropna=True)
    if len(counts) > limit:
        raise MapdeskError(
            f'"{field}" has {len(counts):,} distinct values; categories are for at most '
            f"{limit} (try a graduated style for numbers)"
        )
    chosen = colors or {}
    cycle = _palette(palette)
    categories = []
    values = counts.index.tolist()
    rank = {value: index for index, value in enumerate(order)}
    values.sort(key=lambda v: rank.get(v, len(rank)))  # stable: frequency otherwise
    for index, value in enumerate(values):
        color = chosen.get(value, cycle[index % len(cycle)])
        categories.append(Category(_recolored(base, color), str(value), _plain(value)))
    if column.isna().any():
        categories.append(Category(_recolored(base, chosen.get(None, "#bdbdbd")), "NULL", None))
    return Categorized(field, tuple(categories))


def graduate(
    frame: pd.DataFrame,
    field: str,
    base: LayerStyle,
    method: str = "quantiles",
    classes: int = 5,
    ramp: str = "Reds",
) -> Graduated:
    """Ranges of a numeric field by a classification method, coloured along a ramp.

    Raises
    ------
    MapdeskError
        If the field is missing or not numeric, has no values, or the
        method is unknown.
    """
    column = _field(frame, field)
    values = pd.to_numeric(column, errors="coerce").dropna().to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(column.dtype) or len(values) == 0:
        raise MapdeskError(f'"{field}" holds no numbers to classify')
    if method not in METHODS:
        raise MapdeskError(f"Unknown classification '{method}' (use one of {', '.join(METHODS)})")
    bounds = _breaks(values, method, max(1, classes))
    colors = _ramp_colors(ramp, len(bounds))
    lower = float(values.min())
    ranges = []
    for upper, color in zip(bounds, colors, strict=True):
        label = f"{_number(lower)} – {_number(upper)}"
        ranges.append(GraduatedClass(_recolored(base, color), label, lower, float(upper)))
        lower = float(upper)
    return Graduated(field, tuple(ranges), method)


#: Values natural breaks are computed from (a random sample above this).
JENKS_SAMPLE = 500


def _breaks(values: npt.NDArray[np.float64], method: str, classes: int) -> list[float]:
    """Upper bounds of the classes (the last is the maximum)."""
    distinct = np.unique(values)
    if len(distinct) <= classes:
        return [float(v) for v in distinct]
    schemes = {
        "quantiles": lambda: classify.quantile_bounds(values, classes),
        "equal_interval": lambda: classify.equal_interval_bounds(values, classes),
        # Jenks is quadratic: a fixed-seed sample of 500 values (with the extremes),
        # so the same data always gives the same classes.
        "natural_breaks": lambda: classify.natural_breaks(_jenks_sample(values), classes),
        "std_mean": lambda: classify.std_mean_bounds(values),
    }
    bins = schemes[method]()
    # Standard-deviation bins may fall outside the data: keep those inside,
    # and always end at the maximum.
    bins = np.unique(bins[(bins > values.min()) & (bins < values.max())])
    return [*(float(b) for b in bins), float(values.max())]


def _jenks_sample(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    if len(values) <= JENKS_SAMPLE:
        return values
    sample = np.random.default_rng(0).choice(values, JENKS_SAMPLE - 2, replace=False)
    return np.concatenate([sample, [values.min(), values.max()]])


def _palette(name: str) -> tuple[str, ...]:
    if name not in PALETTES:
        raise MapdeskError(f"Unknown palette '{name}' (use one of {', '.join(PALETTES)})")
    return PALETTES[name]


def _ramp_colors(name: str, count: int) -> list[str]:
    """``count`` colours spread along a ramp (interpolated between its stops)."""
    if name not in RAMPS:
        raise MapdeskError(f"Unknown colour ramp '{name}' (use one of {', '.join(RAMPS)})")
    stops = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in RAMPS[name]], float)
    where = np.linspace(0, len(stops) - 1, max(count, 1))
    colors = []
    for t in where:
        low = int(np.floor(t))
        high = min(low + 1, len(stops) - 1)
        rgb = stops[low] + (stops[high] - stops[low]) * (t - low)
        colors.append("#" + "".join(f"{round(v):02x}" for v in rgb))
    return colors


def restyle(symbology: Symbology, base: LayerStyle, lines: bool = False) -> Symbology:
    """The same classes with ``base``'s width, size, shape, dashes and opacity.

    Each class keeps its colour (and, for ``lines``, its line colour, which
    is the class colour); the outline colour of points and polygons follows
    the base. Changing the symbol never reclassifies: custom colours and
    classes from a style file or the city library survive.
    """
    if isinstance(symbology, SingleSymbol | Heatmap):
        return symbology

    def look(style: LayerStyle) -> LayerStyle:
        return style.with_changes(
            stroke_width=base.stroke_width,
            marker_size=base.marker_size,
            marker_shape=base.marker_shape,
            fill_opacity=base.fill_opacity,
            dashed=base.dashed,
            stroke_color=style.stroke_color if lines else base.stroke_color,
        )

    if isinstance(symbology, Categorized):
        other = symbology.other
        return replace(
            symbology,
            categories=tuple(replace(c, style=look(c.style)) for c in symbology.categories),
            other=replace(other, style=look(other.style)) if other is not None else None,
        )
    return replace(
        symbology, ranges=tuple(replace(r, style=look(r.style)) for r in symbology.ranges)
    )


def _recolored(base: LayerStyle, color: str) -> LayerStyle:
    """The base symbol in another colour: fill for polygons and points, line colour for lines."""
    return base.with_changes(fill_color=color, stroke_color=_outline_for(base, color))


def _outline_for(base: LayerStyle, color: str) -> str:
    # Lines draw with the stroke: it takes the class colour. Outlines of
    # points and polygons keep the base's (usually dark or white) colour.
    return color if base.fill_opacity == 0 else base.stroke_color


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"


def symbology_to_dict(symbology: Symbology) -> dict[str, Any]:
    """A JSON-ready dict (project files, style files)."""
    from dataclasses import asdict

    return asdict(symbology)


def symbology_from_dict(data: dict[str, Any]) -> Symbology:
    """The inverse of ``symbology_to_dict``.

    Raises
    ------
    MapdeskError
        If the dict is not a symbology mapdesk wrote.
    """
    try:
        kind = data.get("kind", "single")
        if kind == "single":
            return SingleSymbol()
        if kind == "categorized":
            other = data.get("other")
            return Categorized(
                field=str(data["field"]),
                categories=tuple(_category(c) for c in data["categories"]),
                other=SymbolClass(LayerStyle(**other["style"]), other["label"]) if other else None,
            )
        if kind == "graduated":
            return Graduated(
                field=str(data["field"]),
                ranges=tuple(_range(r) for r in data["ranges"]),
                method=str(data.get("method", "quantiles")),
            )
        if kind == "heatmap":
            return heatmap_from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise MapdeskError(f"This style is damaged: {exc}") from exc
    raise MapdeskError(f"Unknown kind of style '{kind}'")


def _category(data: dict[str, Any]) -> Category:
    return Category(LayerStyle(**data["style"]), str(data["label"]), data.get("value"))


def _range(data: dict[str, Any]) -> GraduatedClass:
    return GraduatedClass(
        LayerStyle(**data["style"]), str(data["label"]), float(data["lower"]), float(data["upper"])
    )
