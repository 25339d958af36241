"""Project: the layers, the map CRS and the saved view.

Reading files is the job of ``mapdesk.io``, which sits above core; it
registers itself as the project's layer loader when ``mapdesk`` is imported
(dependency inversion keeps core free of file formats).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from psygnal import Signal
from pyproj import CRS

from mapdesk.core.bookmarks import BookmarkList
from mapdesk.core.crs import parse_crs, same_crs
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.layer_list import LayerList
from mapdesk.core.style import check_hex_color, default_style
from mapdesk.core.view import Extent, ViewState, padded_extent

#: Reads ``path`` (optionally one named sub-layer) into layers.
#: Loaders that can read a shapefile with a chosen text encoding also take
#: ``encoding=`` (a Python codec name).
LayerLoader = Callable[..., list[VectorLayer]]

_registered_loader: LayerLoader | None = None


def register_layer_loader(loader: LayerLoader) -> None:
    """Install the function that turns a path or URI into layers (done by mapdesk.io)."""
    global _registered_loader
    _registered_loader = loader


class Project:
    """A map: an ordered layer list, a map CRS and a view.

    Examples
    --------
    >>> project = Project()
    >>> streets = project.add_layer("streets.gpkg", layer="road_centerlines")
    >>> project.crs.to_epsg()
    26984
    """

    crs_changed = Signal(object)
    background_changed = Signal(str)

    def __init__(self, crs: Any = None, loader: LayerLoader | None = None) -> None:
        self.layers = LayerList()
        #: Named extents (Ctrl+B), saved with the project.
        self.bookmarks = BookmarkList()
        self._crs: CRS | None = parse_crs(crs) if crs is not None else None
        self._loader = loader
        self.view: ViewState | None = None
        self.path: Path | None = None
        self._layers_styled = 0
        self._background = "#ffffff"

    # --- CRS ---------------------------------------------------------------
    @property
    def crs(self) -> CRS | None:
        """The map CRS every layer is reprojected to on the fly."""
        return self._crs

    @crs.setter
    def crs(self, value: Any) -> None:
        parsed = parse_crs(value)
        if self._crs is None or not same_crs(parsed, self._crs):
            self._crs = parsed
            self.crs_changed.emit(parsed)

    @property
    def background(self) -> str:
        """The map background colour (``#rrggbb``): what shows where no layer draws."""
        return self._background

    @background.setter
    def background(self, value: str) -> None:
        check_hex_color(value, "Map background colour")
        if value != self._background:
            self._background = value
            self.background_changed.emit(value)

    # --- layers ------------------------------------------------------------
    def add_layer(
        self,
        source: VectorLayer | str | Path,
        layer: str | None = None,
        encoding: str | None = None,
    ) -> VectorLayer:
        """Add a layer object, or read one from a path or URI and add it.

        ``encoding`` is a shapefile's text encoding when the user chose one
        (a Python codec name, kept on the layer's origin and in projects).

        Raises
        ------
        MapdeskError
            If the file cannot be read, or holds several layers and ``layer``
            does not say which one.
        """
        if isinstance(source, VectorLayer):
            return self._insert(source)
        loaded = self._load(str(source), layer, encoding=encoding)
        if len(loaded) != 1:
            names = ", ".join(found.name for found in loaded)
            raise MapdeskError(f"{source} holds {len(loaded)} layers ({names}): say which one")
        return self._insert(loaded[0])

    def add_layers(self, path: str | Path) -> list[VectorLayer]:
        """Read every layer of a file and add them all (the file's order kept)."""
        loaded = self._load(str(path), None, all_layers=True)
        for found in reversed(loaded):
            self._insert(found)
        return loaded

    def remove_layer(self, layer: VectorLayer) -> None:
        self.layers.remove(layer)

    def _insert(self, layer: VectorLayer) -> VectorLayer:
        layer.name = self.layers.unique_name(layer.name)
        if not layer.has_chosen_style:
            layer.style = default_style(layer.geometry_type, self._layers_styled)
            self._layers_styled += 1
        if self._crs is None and layer.crs is not None:
            self.crs = layer.crs
        self.layers.insert(0, layer)
        return layer

    def read_layers(self, path: str, layer: str | None) -> list[VectorLayer]:
        """Read layers from a file without adding them (``layer``: which one, if several)."""
        return self._load(path, layer)

    def _load(
        self, path: str, layer: str | None, all_layers: bool = False, encoding: str | None = None
    ) -> list[VectorLayer]:
        loader = self._loader or _registered_loader
        if loader is None:
            raise MapdeskError("No file reader is installed: import mapdesk (or mapdesk.io) first")
        wanted = "*" if all_layers and layer is None else layer
        # Only a chosen encoding is passed on: loaders written before it keep working.
        return loader(path, wanted, encoding=encoding) if encoding else loader(path, wanted)

    # --- extents -----------------------------------------------------------
    def layer_extent(self, layer: VectorLayer) -> Extent | None:
        """A layer's extent in the project CRS."""
        return layer.projected(self._crs).extent

    def full_extent(self, visible_only: bool = False) -> Extent | None:
        """The union of all layers' extents in the project CRS."""
        extents = [
            e
            for layer in self.layers
            if layer.visible or not visible_only
            if (e := self.layer_extent(layer)) is not None
        ]
        if not extents:
            return None
        return (
            min(e[0] for e in extents),
            min(e[1] for e in extents),
            max(e[2] for e in extents),
            max(e[3] for e in extents),
        )

    def home_extent(self) -> Extent | None:
        """What "Zoom Full" shows: the visible layers (all if none is visible).

        A lone point has no size; it is padded so the view lands at a street
        scale instead of an absurd 1:0.00001.
        """
        extent = self.full_extent(visible_only=True) or self.full_extent()
        return None if extent is None else padded_extent(extent, self.min_view_span)

    @property
    def min_view_span(self) -> float:
        """About 100 m in the map CRS's units: the smallest area a zoom-to shows."""
        if self._crs is None:
            return 100.0
        if self._crs.is_geographic:
            return 0.001
        factor = self._crs.axis_info[0].unit_conversion_factor if self._crs.axis_info else 1.0
        return 100.0 / (factor or 1.0)

    def replace_contents(self, other: Project) -> None:
        """Take over another project's layers, CRS, background, view and path.

        Opening a project file in the app does this, so every widget that
        watches this Project stays connected.
        """
        self.layers.clear()
        if other.crs is not None:
            self.crs = other.crs
        self.background = other.background
        self.view, self.path = other.view, other.path
        self.bookmarks.clear()
        self.bookmarks.extend(other.bookmarks)
        self._layers_styled = other._layers_styled
        moved = list(other.layers)
        other.layers.clear()
        self.layers.extend(moved)

    # --- files -------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> Project:
        """Open a mapdesk project (``.mapdesk``) or any data file (all its layers)."""
        from mapdesk.core.serialize import PROJECT_SUFFIX, read_project

        target = Path(path)
        if target.suffix.lower() == PROJECT_SUFFIX:
            project = cls()
            read_project(project, target)
            return project
        project = cls()
        project.add_layers(target)
        return project

    def save(self, path: str | Path, leave_out_memory: bool = False) -> None:
        """Write the project file atomically (layers are referenced, not copied).

        ``leave_out_memory``: save without the layers that exist only in memory
        (as QGIS saves a project with temporary scratch layers); otherwise such
        a layer is an error.
        """
        from mapdesk.core.serialize import write_project

        write_project(self, Path(path), leave_out_memory)
        self.path = Path(path)
