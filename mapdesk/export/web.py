"""Exporting a project as a safe, self-contained web map (HTML with Leaflet, via folium).

The page holds the project's visible layers in their order and styles,
reprojected to WGS 84, with a layer control, a legend, popups and tooltips.
It is built to be published:

- each layer's data is one JSON element the page never runs (``web_layers``,
  ``web_columns``); the page's script shows values and field names with
  ``textContent`` (``web_page``), layer names and legend labels are escaped
  (``web_escape``); only http(s) addresses become links;
- a Content-Security-Policy allows scripts only from the CDN host and the
  page's own nonce-bearing inline scripts (``web_csp``);
- personal data is left out unless the user insists (``web_sensitive``),
  and the result says what was left out and why;
- points travel as one coordinate array and fields as columns (repeated text
  as a dictionary), big point layers are clustered, coordinates rounded,
  lines and polygons simplified, and a size budget warns before a page too
  big to open.

The file is written atomically (temporary file beside it, then renamed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mapdesk.core.heatmap import Heatmap
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.serialize import write_text_atomically
from mapdesk.core.symbology import symbology_field
from mapdesk.export.formats import ExportError
from mapdesk.export.web_csp import OPENSTREETMAP, Basemap
from mapdesk.export.web_escape import DEFAULT_TEXT_CHARS
from mapdesk.export.web_sensitive import sensitive_fields

if TYPE_CHECKING:
    from mapdesk.export.web_layers import FieldChoice, WebLayer

Progress = Callable[[str], None]
IsCancelled = Callable[[], bool]
#: Fields a popup shows when the options choose none for a layer.
DEFAULT_POPUP_FIELDS = 5
#: Fields a tooltip shows by default.
DEFAULT_TOOLTIP_FIELDS = 1
#: Point layers with more features than this are clustered.
DEFAULT_CLUSTER_THRESHOLD = 2000
#: A page above this many bytes gets a warning (150k markers gave 135 MB that shows blank).
DEFAULT_SIZE_BUDGET = 25_000_000


@dataclass(frozen=True)
class WebMapOptions:
    """What a web map holds and how.

    Attributes
    ----------
    title
        The page title (the project file's name when empty).
    popup_fields, tooltip_fields
        Layer name -> the fields its popups / tooltips show, in order (an
        empty list: none). Layers not named show their first
        ``DEFAULT_POPUP_FIELDS`` / ``DEFAULT_TOOLTIP_FIELDS`` fields that are
        not sensitive.
    include_sensitive
        Keep sensitive layers and fields (personal data) in the map.
    sensitive_layers, sensitive_fields
        Layers, and fields per layer, to treat as sensitive besides those
        the project flags and those whose names suggest personal data.
    cluster_threshold
        Point layers with more features are clustered (None: never).
    size_budget
        Bytes; a bigger page is still written, with a warning.
    decimals
        Decimal places kept of longitude/latitude (6: about 10 cm).
    simplify
        Tolerance in degrees for lines and polygons (1e-5: about 1 m; 0: none).
    basemap
        The tile layer under the data (None: no basemap, a blank background).
    text_chars
        Longest text a popup shows before cutting it with "…".
    """

    title: str = ""
    popup_fields: Mapping[str, Sequence[str]] = field(default_factory=dict)
    tooltip_fields: Mapping[str, Sequence[str]] = field(default_factory=dict)
    include_sensitive: bool = False
    sensitive_layers: frozenset[str] = frozenset()
    sensitive_fields: Mapping[str, Sequence[str]] = field(default_factory=dict)
    cluster_threshold: int | None = DEFAULT_CLUSTER_THRESHOLD
    size_budget: int = DEFAULT_SIZE_BUDGET
    decimals: int = 6
    simplify: float = 1e-5
    basemap: Basemap | str | None = OPENSTREETMAP
    text_chars: int = DEFAULT_TEXT_CHARS


@dataclass(frozen=True)
class LeftOut:
    """A layer, or one field of it (``field`` set), that is not in the map, and why."""

    layer: str
    field: str | None
    reason: str

    def __str__(self) -> str:
        what = f'field "{self.field}" of layer "{self.layer}"' if self.field else self.layer
        return f"{what}: {self.reason}"


@dataclass(frozen=True)
class WebMapResult:
    """What the export wrote.

    Attributes
    ----------
    path
        The HTML file.
    size
        Its size in bytes.
    layers
        The layers in the map, top first, as the layer panel lists them.
    features
        Features in the map, all layers together.
    clustered
        The point layers shown as clusters.
    left_out
        Layers and fields not in the map, each with the reason.
    warnings
        Plain-English notes for the user (size budget, missing fields ...).
    """

    path: Path
    size: int
    layers: tuple[str, ...]
    features: int
    clustered: tuple[str, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    warnings: tuple[str, ...] = ()


def export_web_map(
    project: Project,
    path: Path,
    options: WebMapOptions | None = None,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> WebMapResult:
    """Write the project's visible layers as a web map (one HTML file).

    Parameters
    ----------
    project
        The map; its visible layers are exported in the layer panel's order.
    path
        The HTML file to write; an existing file is replaced atomically.
    options
        What to include (defaults: see ``WebMapOptions``).
    progress
        Told each step in a few words, for a status line or progress dialog.
    cancelled
        Asked between steps; when it returns True the export stops and
        raises ExportError, leaving any earlier file unchanged.

    Raises
    ------
    ExportError
        For a target that cannot be written (missing folder, a folder, no
        permission), a project with nothing to show, or a cancelled export;
        the message names the file or layer and what is wrong.
    """
    from mapdesk.export.web_csp import content_security_policy, new_nonce, origin, secure_page
    from mapdesk.export.web_page import build_page

    chosen = options or WebMapOptions()
    tell = progress or (lambda step: None)
    stop = cancelled or (lambda: False)
    _check_target(path)
    basemap = _basemap(chosen.basemap)
    tell("choosing layers and fields")
    plan = _Plan(chosen)
    prepared = plan.prepare_all(project, tell, stop, path)
    _stop_if(stop, path)
    tell("building the web page")
    clusters = [(layer, layer.name in plan.clustered) for layer in prepared]
    title = chosen.title or (project.path.stem if project.path else path.stem)
    nonce = new_nonce()
    tiles = [origin(basemap.url)] if basemap is not None else []
    page = secure_page(
        build_page(clusters, basemap, title), nonce, content_security_policy(nonce, tiles)
    )
    _stop_if(stop, path)
    tell(f"writing {path.name}")
    _write(path, page)
    size = len(page.encode("utf-8"))
    if size > chosen.size_budget:
        plan.warnings.append(_over_budget(size, chosen.size_budget))
    return WebMapResult(
        path=path,
        size=size,
        layers=tuple(layer.name for layer in reversed(prepared)),
        features=sum(layer.count for layer in prepared),
        clustered=tuple(plan.clustered),
        left_out=tuple(plan.left_out),
        warnings=tuple(plan.warnings),
    )


class _Plan:
    """Decisions made while preparing the layers: what is left out, clustered, warned."""

    def __init__(self, options: WebMapOptions) -> None:
        self.options = options
        self.left_out: list[LeftOut] = []
        self.warnings: list[str] = []
        self.clustered: list[str] = []

    def prepare_all(
        self, project: Project, tell: Progress, stop: IsCancelled, path: Path
    ) -> list[WebLayer]:
        visible = list(project.layers.visible_bottom_up())
        if not visible:
            raise ExportError(
                f"Cannot export {path.name}: the project has no visible layers; "
                "switch on the layers the web map should show"
            )
        prepared = []
        for layer in visible:
            _stop_if(stop, path)
            tell(f"preparing layer {layer.name}")
            found = self.prepare(layer)
            if found is not None:
                prepared.append(found)
        if not prepared:
            why = "; ".join(str(item) for item in self.left_out)
            raise ExportError(f"Cannot export {path.name}: no visible layer can be shown ({why})")
        return prepared

    def prepare(self, layer: VectorLayer) -> WebLayer | None:
        from mapdesk.export.web_layers import prepare_layer

        reason = self._layer_problem(layer)
        if reason is not None:
            self.left_out.append(LeftOut(layer.name, None, reason))
            return None
        hidden = self._hidden_fields(layer)
        fields = self._fields(layer, hidden)
        style_field = symbology_field(layer.symbology)
        heatmap = isinstance(layer.symbology, Heatmap)
        single = heatmap or style_field in hidden
        if heatmap:
            self.warnings.append(
                f'Layer "{layer.name}" is a heatmap in mapdesk, which web maps cannot draw '
                "(no heatmap library is bundled): its points are drawn with its single symbol"
            )
        elif single:
            self.warnings.append(
                f'Layer "{layer.name}" is styled by "{style_field}", which is left out: '
                "drawn with one symbol and no class legend"
            )
        try:
            opts = self.options
            found = prepare_layer(layer, fields, single, opts.decimals, opts.simplify)
        except Exception as exc:  # pyproj/GEOS name internals, not the layer
            self.left_out.append(LeftOut(layer.name, None, f"cannot be reprojected ({exc})"))
            return None
        if found is None:
            self.left_out.append(LeftOut(layer.name, None, "no feature has a geometry to draw"))
            return None
        threshold = self.options.cluster_threshold
        if found.plain_points and threshold is not None and found.count > threshold:
            self.clustered.append(layer.name)
        if found.unplaced:
            self.warnings.append(
                f"{found.unplaced:,} feature{'s' if found.unplaced != 1 else ''} of layer "
                f'"{layer.name}" could not be placed in longitude/latitude (their coordinates '
                "fall outside what the layer's CRS can reproject) and were left out"
            )
        return found

    def _layer_problem(self, layer: VectorLayer) -> str | None:
        if layer.unavailable is not None:
            return f"its data could not be read ({layer.unavailable})"
        if layer.crs_missing:
            return "it has no CRS, so it cannot be placed on a web map; set the layer's CRS"
        flagged = layer.sensitive
        if (flagged or layer.name in self.options.sensitive_layers) and not (
            self.options.include_sensitive
        ):
            return "marked sensitive (include sensitive data to export it)"
        return None

    def _hidden_fields(self, layer: VectorLayer) -> dict[str, str]:
        if self.options.include_sensitive:
            return {}
        names = [name for name, _ in layer.fields]
        flagged = self.options.sensitive_fields.get(layer.name, ())
        hidden = sensitive_fields(names, flagged)
        for name, why in hidden.items():
            self.left_out.append(LeftOut(layer.name, name, f"{why} (left out as sensitive)"))
        return hidden

    def _fields(self, layer: VectorLayer, hidden: dict[str, str]) -> FieldChoice:
        from mapdesk.export.web_layers import FieldChoice

        shown = [name for name, _ in layer.fields if name not in hidden]
        popup = self._chosen(layer, self.options.popup_fields, shown, DEFAULT_POPUP_FIELDS)
        tooltip = self._chosen(layer, self.options.tooltip_fields, shown, DEFAULT_TOOLTIP_FIELDS)
        return FieldChoice(popup, tooltip, self.options.text_chars)

    def _chosen(
        self, layer: VectorLayer, wanted: Mapping[str, Sequence[str]], shown: list[str], count: int
    ) -> list[str]:
        if layer.name not in wanted:
            return shown[:count]
        chosen = []
        for name in wanted[layer.name]:
            if name in shown:
                chosen.append(name)
            elif name not in layer.data.columns or name == layer.data.geometry.name:
                self.warnings.append(f'Layer "{layer.name}" has no field "{name}" to show')
        return chosen


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise ExportError(f"{path} is a folder: give the name of the HTML file to write")
    if not path.parent.is_dir():
        raise ExportError(f"Cannot export to {path}: the folder {path.parent} does not exist")


def _basemap(chosen: Basemap | str | None) -> Basemap | None:
    if chosen is None or isinstance(chosen, Basemap):
        if chosen is not None and not chosen.url.startswith("https://"):
            raise ExportError(f"The basemap {chosen.name} must be an https:// address")
        return chosen
    if chosen.strip().lower() in ("", "none"):
        return None
    if chosen.lower() != OPENSTREETMAP.name.lower():
        raise ExportError(f"Unknown basemap '{chosen}' (use {OPENSTREETMAP.name} or none)")
    return OPENSTREETMAP


def _stop_if(cancelled: IsCancelled, path: Path) -> None:
    if cancelled():
        raise ExportError(f"Exporting {path.name} was cancelled; nothing was written")


def _write(path: Path, page: str) -> None:
    try:
        write_text_atomically(path, page)
    except OSError as exc:
        raise ExportError(
            f"Cannot write {path}: {exc.strerror or exc}; any earlier file of that name "
            "is unchanged"
        ) from exc


def _over_budget(size: int, budget: int) -> str:
    advice = (
        "hide layers the map does not need, choose fewer popup fields, or lower the "
        "clustering threshold"
    )
    return (
        f"The web map is {size / 1e6:.1f} MB, over the {budget / 1e6:.1f} MB budget: "
        f"browsers may open it slowly or show it blank; {advice}"
    )


__all__ = [
    "DEFAULT_CLUSTER_THRESHOLD",
    "DEFAULT_SIZE_BUDGET",
    "OPENSTREETMAP",
    "Basemap",
    "LeftOut",
    "WebMapOptions",
    "WebMapResult",
    "export_web_map",
]
