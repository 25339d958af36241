"""The folium page: map, basemap, one overlay per layer, layer control and legend.

Imported only when a web map is exported (folium is heavy). folium is used
for the page's frame; each layer is mapdesk's own element so that what goes
into the page's scripts is known exactly: pre-serialised, script-safe JSON
(``web_escape.script_json``) and escaped HTML, nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from jinja2 import Template

from mapdesk.export.web_csp import CLUSTER_CSS, CLUSTER_JS, LEAFLET_CSS, LEAFLET_JS, Basemap
from mapdesk.export.web_escape import escape_text, not_a_template, script_json
from mapdesk.export.web_layers import WebLayer
from mapdesk.export.web_legend import Legend

_PAGE_STYLE = """
{% macro header(this, kwargs) %}
<style>
.mapdesk-popup { font: 13px/1.35 sans-serif; max-height: 320px; overflow: auto; }
.mapdesk-popup-layer { font-weight: bold; margin-bottom: 4px; }
.mapdesk-popup table { border-collapse: collapse; }
.mapdesk-popup th { text-align: left; vertical-align: top; padding: 1px 8px 1px 0;
  color: #444; font-weight: 600; }
.mapdesk-popup td { vertical-align: top; padding: 1px 0; overflow-wrap: anywhere; }
</style>
{% endmacro %}
"""


class _PageStyle(MacroElement):
    _template = Template(_PAGE_STYLE)


class DataLayer(JSCSSMixin, Layer):
    """A layer's features as a Leaflet GeoJSON overlay, clustered when asked.

    Popups and tooltips are bound from the features' pre-escaped HTML; the
    style of each feature is its class's path options.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
    var styles = {{ this.styles_json }};
    var features = L.geoJSON({{ this.features_json }}, {
        style: function (feature) { return styles[feature.properties.c]; },
        pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, styles[feature.properties.c]);
        },
        onEachFeature: function (feature, layer) {
            if (feature.properties.p) { layer.bindPopup(feature.properties.p, {maxWidth: 420}); }
            if (feature.properties.t) { layer.bindTooltip(feature.properties.t, {sticky: true}); }
        }
    });
{%- if this.clustered %}
    var group = L.markerClusterGroup({chunkedLoading: true});
    group.addLayer(features);
    return group;
{%- else %}
    return features;
{%- endif %}
})();
{% endmacro %}
"""
    )

    def __init__(self, layer: WebLayer, clustered: bool) -> None:
        # The layer control shows the name as HTML: escaped like any data.
        super().__init__(name=escape_text(layer.name), overlay=True, control=True, show=True)
        self._name = "mapdesk_layer"
        self.features_json = not_a_template(layer.features)
        self.styles_json = not_a_template(script_json(list(layer.styles)))
        self.clustered = clustered
        self.default_js = [(CLUSTER_JS.name, CLUSTER_JS.url)] if clustered else []
        self.default_css = [(c.name, c.url) for c in CLUSTER_CSS] if clustered else []


#: Zoom levels offered when there is no basemap (about 0.3 m a pixel at 19).
MAX_ZOOM = 19


def build_page(layers: Sequence[tuple[WebLayer, bool]], basemap: Basemap | None, title: str) -> str:
    """The whole page as HTML (before the security policy is added).

    ``layers`` are bottom-first (drawn in that order), each with whether to
    cluster it.
    """
    figure = Figure(title=escape_text(title))
    # A map needs a zoom range of its own: without a tile layer Leaflet has
    # none, and marker clustering then stops the whole page ("Map has no
    # maxZoom specified"), layer control and legend with it.
    page = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    # (folium passes max_zoom only to the tile layer it makes, so set it on the map.)
    page.options["max_zoom"] = basemap.max_zoom if basemap is not None else MAX_ZOOM
    # Only Leaflet: folium's jQuery, Bootstrap and Font Awesome are not needed.
    page.default_js = [(LEAFLET_JS.name, LEAFLET_JS.url)]
    page.default_css = [(LEAFLET_CSS.name, LEAFLET_CSS.url)]
    figure.add_child(page)
    figure.header.add_child(Element('<meta name="generator" content="mapdesk">'))
    page.add_child(_PageStyle())  # type: ignore[no-untyped-call]
    if basemap is not None:
        folium.TileLayer(
            tiles=basemap.url,
            attr=basemap.attribution,
            name=escape_text(basemap.name),
            max_zoom=basemap.max_zoom,
        ).add_to(page)
    overlays = [DataLayer(layer, clustered) for layer, clustered in layers]
    for overlay in overlays:
        page.add_child(overlay)
    folium.LayerControl(collapsed=False).add_to(page)
    drawn = [layer for layer, _ in layers]
    page.add_child(Legend(list(zip(overlays, drawn, strict=True))))
    west, south, east, north = _bounds(drawn)
    page.fit_bounds([[south, west], [north, east]])
    html: str = figure.render()
    return html


def _bounds(layers: Sequence[WebLayer]) -> tuple[float, float, float, float]:
    return (
        min(layer.bounds[0] for layer in layers),
        min(layer.bounds[1] for layer in layers),
        max(layer.bounds[2] for layer in layers),
        max(layer.bounds[3] for layer in layers),
    )
