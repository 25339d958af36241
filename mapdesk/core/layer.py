"""VectorLayer: one layer of features held in memory, with evented properties.

Setters validate, store, then emit, so the UI (or any other listener) only
ever sees valid state. The model never calls the UI.
"""

from __future__ import annotations

import math
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
from psygnal import Signal
from pyproj import CRS

from mapdesk.core.attributes import ColumnReader, column_reader
from mapdesk.core.crs import crs_label, crs_wkt, parse_crs
from mapdesk.core.display_filter import DisplayFilter
from mapdesk.core.editing.layer_edits import LayerEditing
from mapdesk.core.errors import MapdeskError
from mapdesk.core.expression import matches
from mapdesk.core.heatmap import Heatmap, check_heatmap
from mapdesk.core.labels import LabelSettings, label_texts
from mapdesk.core.selection import FeatureSelection, SelectionMode
from mapdesk.core.spatial import ProjectedGeometry, dominant_geometry_type, project_geometry
from mapdesk.core.style import LayerStyle, default_style
from mapdesk.core.symbology import (
    ClassRows,
    SingleSymbol,
    Symbology,
    class_rows,
    symbology_field,
)
from mapdesk.core.view import Extent


@dataclass(frozen=True)
class LayerOrigin:
    """Where a layer's features were read from (shown in its properties).

    ``encoding`` is the text encoding a shapefile was read with when it was not
    the one the file declares (the user's choice or a detected one), so a
    reopened project reads it the same way.
    """

    path: str
    layer: str | None = None
    driver: str = ""
    reader: str = ""
    encoding: str | None = None


class VectorLayer(LayerEditing):
    """A vector layer: a GeoDataFrame plus how to show it.

    Parameters
    ----------
    data
        The features. Its CRS may be None when the file declared none; the
        layer is then flagged (``crs_missing``) and the user is asked.
    name
        The name shown in the layer panel.
    origin
        The file and sub-layer the features came from, if any.
    style
        How to draw it; a default by geometry type when omitted.
    """

    name_changed = Signal(str)
    visibility_changed = Signal(bool)
    opacity_changed = Signal(float)
    style_changed = Signal(object)
    symbology_changed = Signal(object)
    labels_changed = Signal(object)
    scale_range_changed = Signal(object)
    crs_changed = Signal(object)
    data_changed = Signal()
    #: The selected fids changed (re-emits ``selection.changed``).
    selection_changed = Signal(object)
    #: What the map draws changed (re-emits ``display_filter.changed``).
    display_filter_changed = Signal(object)

    def __init__(
        self,
        data: gpd.GeoDataFrame,
        name: str,
        origin: LayerOrigin | None = None,
        style: LayerStyle | None = None,
        warnings: tuple[str, ...] = (),
    ) -> None:
        if not isinstance(data, gpd.GeoDataFrame):
            raise MapdeskError(f"Layer '{name}' needs a GeoDataFrame, got {type(data).__name__}")
        self.id = uuid.uuid4().hex
        self._data = data
        self._name = _valid_name(name)
        self.origin = origin
        self.warnings = warnings
        #: Why the layer's file could not be read when its project opened
        #: (None: it was read); the layer then has no features.
        self.unavailable: str | None = None
        #: The project entry of an unavailable layer, saved back unchanged.
        self.saved_entry: dict[str, Any] | None = None
        #: Fields computed from expressions (name -> expression), kept as columns
        #: of ``data`` but never written back to the file (core.virtual_fields).
        self.virtual_fields: dict[str, str] = {}
        self._visible = True
        self._opacity = 1.0
        # Render workers and the UI thread both ask for projections: the lock
        # makes one thread compute while the others wait, and the data version
        # in the key keeps a projection of old data from being cached as new.
        self._lock = threading.Lock()
        self._version = 0
        self._projected: dict[tuple[int, str], ProjectedGeometry] = {}
        self._geometry_type: tuple[str | None] | None = None
        self._readers: (
            tuple[gpd.GeoDataFrame, list[tuple[str, ColumnReader]], ColumnReader] | None
        ) = None
        self._style = style or default_style(self.geometry_type)
        self._symbology: Symbology = SingleSymbol()
        self._labels: LabelSettings | None = None
        self._scale_range = (0.0, 0.0)
        self._classes: tuple[int, Symbology, ClassRows] | None = None
        #: The selected features (by fid); its ``changed`` signal drives the
        #: attribute table and the canvas highlight.
        self.selection = FeatureSelection()
        self.selection.changed.connect(self.selection_changed.emit)
        #: The features the map draws for now (a time slider's step); never
        #: saved. Its ``changed`` signal makes the canvas redraw.
        self.display_filter = DisplayFilter()
        self.display_filter.changed.connect(self.display_filter_changed.emit)
        #: False until someone chooses a style; the Project then picks the
        #: next palette colour so layers added one by one are told apart.
        self.has_chosen_style = style is not None
        #: Holds personal data (callers, reporters): exports meant for the
        #: public (web maps) leave it out unless the user insists.
        self.sensitive = False

    # --- identity and data -------------------------------------------------
    @property
    def data(self) -> gpd.GeoDataFrame:
        """The features (treat as read-only; edits go through commands)."""
        return self._data

    @property
    def data_version(self) -> int:
        """A number that grows each time the features or the CRS change.

        Analyses that build something costly from ``data`` (a network graph)
        keep it while the version (and the layer's ``id``) is the same.
        """
        return self._version

    def replace_data(self, data: gpd.GeoDataFrame) -> None:
        """Swap in a new frame (a virtual field added); drops cached projections.

        An open edit session adopts it, so its next edit starts from it.
        """
        if self._edit_session is not None:
            self._edit_session.adopt(data)
        self._show_data(data)

    def _show_data(self, data: gpd.GeoDataFrame) -> None:
        self._swap_data(data)
        self.data_changed.emit()

    def _swap_data(self, data: gpd.GeoDataFrame) -> None:
        with self._lock:
            self._data = data
            self._version += 1
            self._projected.clear()
            self._geometry_type = None
        self.selection.keep_only(data.index)

    # --- selection -----------------------------------------------------------
    @property
    def selected_fids(self) -> frozenset[Any]:
        """The fids of the selected features."""
        return frozenset(self.selection.fids.tolist())

    def select_by_expression(
        self, text: str, mode: SelectionMode | str = SelectionMode.REPLACE
    ) -> int:
        """Select the features for which ``text`` is true; the number selected after.

        ``mode`` combines them with the current selection: replace (default),
        add, remove, intersect or toggle.

        Raises
        ------
        ExpressionError
            If ``text`` is not a valid condition on this layer's fields.
        """
        mode = SelectionMode.parse(mode)
        matched = matches(text, self._data)
        return self.selection.apply(self._data.index.to_numpy()[matched], mode)

    def shown_rows(self) -> npt.NDArray[np.intp] | None:
        """Sorted positions of the features the map draws; None: every feature."""
        return self.display_filter.rows(self._data.index)

    @property
    def feature_count(self) -> int:
        return len(self._data)

    @property
    def fields(self) -> list[tuple[str, str]]:
        """(name, dtype) of each attribute column, geometry excluded."""
        geom = self._data.geometry.name
        return [(str(c), str(t)) for c, t in self._data.dtypes.items() if c != geom]

    @property
    def geometry_type(self) -> str | None:
        """The dominant geometry type, e.g. ``"Point"``; None if no geometries.

        Cached: the layer panel asks on every paint, and counting types over
        a million features takes a fifth of a second.
        """
        if self._geometry_type is None:
            self._geometry_type = (dominant_geometry_type(self._data.geometry.array),)
        return self._geometry_type[0]

    @property
    def extent(self) -> Extent | None:
        """(xmin, ymin, xmax, ymax) in the layer's CRS, None when empty."""
        geoms = self._data.geometry
        valid = geoms[~(geoms.isna() | geoms.is_empty)]
        if valid.empty:
            return None
        bounds = tuple(float(v) for v in valid.total_bounds)
        if not all(math.isfinite(v) for v in bounds):
            return None
        return (bounds[0], bounds[1], bounds[2], bounds[3])

    # --- CRS ---------------------------------------------------------------
    @property
    def crs(self) -> CRS | None:
        crs = self._data.crs
        return CRS.from_user_input(crs) if crs is not None else None

    @property
    def crs_missing(self) -> bool:
        """True when the source declared no CRS and the user has not chosen one."""
        return self._data.crs is None

    def set_crs(self, crs: Any) -> None:
        """Declare the layer's CRS (the coordinates are not changed).

        This is what a user does for a file that came without a ``.prj``.
        """
        parsed = parse_crs(crs)
        self._swap_data(self._data.set_crs(parsed, allow_override=True))
        self.crs_changed.emit(parsed)

    @property
    def crs_description(self) -> str:
        return crs_label(self.crs)

    # --- evented display properties ----------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        value = _valid_name(value)
        if value != self._name:
            self._name = value
            self.name_changed.emit(value)

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        value = bool(value)
        if value != self._visible:
            self._visible = value
            self.visibility_changed.emit(value)

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise MapdeskError(f"Opacity of layer '{self._name}' must be 0–1, got {value}")
        if value != self._opacity:
            self._opacity = value
            self.opacity_changed.emit(value)

    @property
    def style(self) -> LayerStyle:
        return self._style

    @style.setter
    def style(self, value: LayerStyle) -> None:
        self.has_chosen_style = True
        if value != self._style:
            self._style = value
            self.style_changed.emit(value)

    @property
    def symbology(self) -> Symbology:
        """How features map to symbols: one symbol (``style``), categories or classes."""
        return self._symbology

    @symbology.setter
    def symbology(self, value: Symbology) -> None:
        field = symbology_field(value)
        if field is not None and field not in self._data.columns:
            raise MapdeskError(f'Layer "{self._name}" has no field "{field}" to style by')
        if isinstance(value, Heatmap):
            check_heatmap(value, self._data, self.geometry_type, self._name)
        self.has_chosen_style = True
        if value != self._symbology:
            self._symbology = value
            self.symbology_changed.emit(value)

    @property
    def labels(self) -> LabelSettings | None:
        """What each feature's label says and how it looks; None: no labels."""
        return self._labels

    @labels.setter
    def labels(self, value: LabelSettings | None) -> None:
        if value is not None:
            label_texts(value, self._data.iloc[:1])  # an unknown field fails here, not in a render
        if value != self._labels:
            self._labels = value
            self.labels_changed.emit(value)

    @property
    def scale_range(self) -> tuple[float, float]:
        """(min_scale, max_scale): shown only from 1:min_scale in to 1:max_scale
        (0 = no limit), QGIS's scale-dependent visibility."""
        return self._scale_range

    @scale_range.setter
    def scale_range(self, value: tuple[float, float]) -> None:
        low, high = (float(v) for v in value)
        if low < 0 or high < 0 or (low and high and high > low):
            raise MapdeskError(
                f"Layer '{self._name}': show from 1:{low:,.0f} in to 1:{high:,.0f}? "
                "The second scale must be larger (more zoomed in) than the first"
            )
        if (low, high) != self._scale_range:
            self._scale_range = (low, high)
            self.scale_range_changed.emit((low, high))

    def symbol_classes(self, symbology: Symbology | None = None) -> ClassRows:
        """Which rows fall in each class of ``symbology`` (the layer's by default).

        Cached per data version and symbology, under the layer's lock: every
        render (in worker threads) asks, and classifying a million rows takes
        tens of milliseconds.
        """
        wanted = symbology if symbology is not None else self._symbology
        with self._lock:
            cached = self._classes
            if cached is not None and cached[0] == self._version and cached[1] is wanted:
                return cached[2]
            data, version = self._data, self._version
        found = class_rows(wanted, data)
        with self._lock:
            if version == self._version:
                self._classes = (version, wanted, found)
        return found

    # --- geometry in another CRS (cached) -----------------------------------
    def projected(self, target: CRS | None) -> ProjectedGeometry:
        """Geometries reprojected to ``target`` with a spatial index, cached.

        A layer with no CRS is drawn where its numbers fall (no reprojection),
        like QGIS's "leave unknown" choice, until the user sets one.
        """
        target_wkt = crs_wkt(target) if target is not None else ""
        with self._lock:
            key = (self._version, target_wkt)
            cached = self._projected.get(key)
            if cached is None:
                cached = project_geometry(self._data.geometry, self.crs, target)
                self._projected[key] = cached
            return cached

    def attributes(self, row: int) -> dict[str, Any]:
        """The attribute values of the feature at position ``row``."""
        return self.attribute_rows(np.asarray([row], dtype=np.intp))[0]

    def attribute_rows(self, rows: npt.NDArray[np.intp]) -> list[dict[str, Any]]:
        """Attribute values of the features at positions ``rows``, plain Python.

        Column by column with ``take`` on the stored arrays: identify reads
        dozens of hits and must stay well under a millisecond on a million
        features, where a per-cell ``frame[column]`` lookup costs ~10 µs.
        """
        readers = self._attribute_readers()
        names = [name for name, _ in readers]
        columns = [read(rows) for _, read in readers]
        if not columns:  # a layer with geometry only
            return [{} for _ in range(len(rows))]
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]

    def fids(self, rows: npt.NDArray[np.intp]) -> list[Any]:
        """The feature ids (the frame's index) at positions ``rows``."""
        return self._attribute_readers_and_fids()[1](rows)

    def _attribute_readers(self) -> list[tuple[str, ColumnReader]]:
        return self._attribute_readers_and_fids()[0]

    def _attribute_readers_and_fids(self) -> tuple[list[tuple[str, ColumnReader]], ColumnReader]:
        cached = self._readers
        if cached is None or cached[0] is not self._data:
            geom = self._data.geometry.name
            readers = [
                (str(c), column_reader(self._data[c])) for c in self._data.columns if c != geom
            ]
            fids = column_reader(self._data.index.to_series())
            cached = (self._data, readers, fids)
            self._readers = cached
        return cached[1], cached[2]

    def __repr__(self) -> str:
        return f"<VectorLayer {self._name!r} {self.feature_count} features, {self.crs_description}>"


def _valid_name(name: str) -> str:
    text = str(name).strip()
    if not text:
        raise MapdeskError("A layer name cannot be empty")
    return text
