"""The folium page: map, basemap, one overlay per layer, layer control and legend.

Imported only when a web map is exported (folium is heavy). folium is used
for the page's frame; the layers are mapdesk's own:

- each layer's data is one ``<script type="application/json">`` element
  (``WebLayer.data``: script-safe JSON, never run, never through Jinja),
  placed in the page after folium has rendered it;
- one mapdesk script (``_RUNTIME``, in the page's nonce-bearing script)
  reads it with ``JSON.parse`` and makes the markers, shapes, popups and
  tooltips in the browser. Popups and tooltips are built with
  ``document.createElement`` and ``textContent`` only, never an HTML string,
  so no value can become markup; a link is an ``<a>`` made only for a value
  Python found to be an http(s) address *and* ``new URL`` agrees;
- each overlay's own script is one call naming its data element.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from jinja2 import Template

from mapdesk.export.formats import ExportError
from mapdesk.export.web_csp import CLUSTER_CSS, CLUSTER_JS, LEAFLET_CSS, LEAFLET_JS, Basemap
from mapdesk.export.web_escape import escape_text
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
.mapdesk-popup td { vertical-align: top; padding: 1px 0; overflow-wrap: break-word;
  white-space: pre-wrap; min-width: 12em; }
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
var mapdesk_web = (function () {
    "use strict";
    var TOOLTIP_CHARS = 200;
    function read(id) {
        return JSON.parse(document.getElementById(id).textContent);
    }
    function valueAt(field, row) {
        if (field.codes) {
            var code = field.codes[row];
            return code < 0 ? null : field.dict[code];
        }
        return field.values[row];
    }
    function linkAt(field, row) {
        if (!field.links) { return false; }
        if (!field.linkSet) { field.linkSet = new Set(field.links); }
        return field.linkSet.has(field.codes ? field.codes[row] : row);
    }
    function asText(value, limit) {
        if (value === null || value === undefined) { return ""; }
        var text = String(value);
        return limit && text.length > limit ? text.slice(0, limit - 1) + "\u2026" : text;
    }
    function webAddress(text) {
        try {
            var url = new URL(text);
            return url.protocol === "http:" || url.protocol === "https:";
        } catch (error) {
            return false;
        }
    }
    function element(tag, className, text) {
        var made = document.createElement(tag);
        if (className) { made.className = className; }
        if (text !== undefined) { made.textContent = text; }
        return made;
    }
    function cell(field, row) {
        var td = element("td");
        var text = asText(valueAt(field, row));
        var address = text.trim();
        if (linkAt(field, row) && webAddress(address)) {
            var link = element("a", "", address);
            link.href = address;
            link.target = "_blank";
            link.rel = "noopener noreferrer nofollow";
            td.appendChild(link);
        } else {
            td.textContent = text;
        }
        return td;
    }
    function popup(data, row) {
        var box = element("div", "mapdesk-popup");
        box.appendChild(element("div", "mapdesk-popup-layer", data.name));
        var table = element("table");
        data.popup.forEach(function (index) {
            var field = data.fields[index];
            var tr = element("tr");
            tr.appendChild(element("th", "", field.name));
            tr.appendChild(cell(field, row));
            table.appendChild(tr);
        });
        box.appendChild(table);
        return box;
    }
    function tooltip(data, row) {
        var box = element("div", "mapdesk-tooltip");
        data.tooltip.forEach(function (index, position) {
            var field = data.fields[index];
            if (position > 0) { box.appendChild(element("br")); }
            box.appendChild(element("b", "", field.name));
            box.appendChild(document.createTextNode(
                ": " + asText(valueAt(field, row), TOOLTIP_CHARS)));
        });
        return box;
    }
    function layer(id, clustered) {
        var data = read(id);
        var styles = data.styles;
        var classes = data.classes;
        function styleOf(row) { return styles[classes ? classes[row] : 0]; }
        // The row is closed over, not read from the clicked layer: a
        // multipoint's click reaches one of its markers, not the feature.
        function dress(made, row) {
            made.mapdeskRow = row;
            if (data.popup.length) {
                made.bindPopup(function () { return popup(data, row); },
                               {minWidth: 240, maxWidth: 420});
            }
            if (data.tooltip.length) {
                made.bindTooltip(function () { return tooltip(data, row); }, {sticky: true});
            }
            return made;
        }
        // Only single points cluster (a multipoint's markers would leave their feature).
        var group = clustered && data.xy ? L.markerClusterGroup({chunkedLoading: true}) : null;
        if (data.xy) {
            var xy = data.xy;
            var markers = new Array(data.count);
            for (var row = 0; row < data.count; row++) {
                var marker = L.circleMarker([xy[2 * row + 1], xy[2 * row]], styleOf(row));
                markers[row] = dress(marker, row);
            }
            if (group) { group.addLayers(markers); return group; }
            return L.featureGroup(markers);
        }
        var collection = {type: "FeatureCollection", features: data.shapes.map(
            function (shape, row) {
                return {type: "Feature", geometry: shape, properties: {row: row}};
            })};
        var shapes = L.geoJSON(collection, {
            style: function (feature) { return styleOf(feature.properties.row); },
            pointToLayer: function (feature, latlng) {
                return L.circleMarker(latlng, styleOf(feature.properties.row));
            },
            onEachFeature: function (feature, made) { dress(made, feature.properties.row); }
        });
        return shapes;
    }
    return {layer: layer};
})();
{% endmacro %}
"""


class _PageStyle(MacroElement):
    _template = Template(_PAGE_STYLE)


class DataLayer(JSCSSMixin, Layer):
    """A layer's features as a Leaflet overlay made by ``mapdesk_web.layer`` from the
    page's data element ``data_id``, clustered when asked."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = mapdesk_web.layer(
    {{ this.data_id|tojson }}, {{ this.clustered|tojson }});
{% endmacro %}
"""
    )

    def __init__(self, layer: WebLayer, clustered: bool, data_id: str) -> None:
        # The layer control shows the name as HTML: escaped like any data.
        super().__init__(name=escape_text(layer.name), overlay=True, control=True, show=True)
        self._name = "mapdesk_layer"
        self.data_id = data_id
        self.clustered = clustered
        self.default_js = [(CLUSTER_JS.name, CLUSTER_JS.url)] if clustered else []
        self.default_css = [(c.name, c.url) for c in CLUSTER_CSS] if clustered else []


def data_element(layer: WebLayer, data_id: str) -> str:
    """The layer's data as a ``<script type="application/json">`` element: never run
    (not a script type; and it carries no nonce), read with ``JSON.parse``. Its
    text holds no ``<`` (``script_json``), so nothing in it can end the element."""
    if "<" in layer.data:
        raise ExportError("A web-map layer's data could end its element; nothing was written")
    return f'<script type="application/json" id="{data_id}">{layer.data}</script>'


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
    if basemap is not None:
        folium.TileLayer(
            tiles=basemap.url,
            attr=basemap.attribution,
            name=escape_text(basemap.name),
            max_zoom=basemap.max_zoom,
        ).add_to(page)
    page.add_child(_PageStyle())  # type: ignore[no-untyped-call]
    ids = [f"mapdesk-data-{index}" for index in range(len(layers))]
    overlays = [
        DataLayer(layer, clustered, data_id)
        for (layer, clustered), data_id in zip(layers, ids, strict=True)
    ]
    for overlay in overlays:
        page.add_child(overlay)
    folium.LayerControl(collapsed=False).add_to(page)
    drawn = [layer for layer, _ in layers]
    page.add_child(Legend(list(zip(overlays, drawn, strict=True))))
    west, south, east, north = _bounds(drawn)
    page.fit_bounds([[south, west], [north, east]])
    html: str = figure.render()
    # The data goes in after rendering: never through Jinja, read before the
    # map's script (at the end of the body) runs.
    if html.count("<body>") != 1:
        raise ExportError("The web page folium generated has an unexpected layout")
    blocks = "\n".join(
        data_element(layer, data_id) for (layer, _), data_id in zip(layers, ids, strict=True)
    )
    return html.replace("<body>", f"<body>\n{blocks}", 1)


def _bounds(layers: Sequence[WebLayer]) -> tuple[float, float, float, float]:
    return (
        min(layer.bounds[0] for layer in layers),
        min(layer.bounds[1] for layer in layers),
        max(layer.bounds[2] for layer in layers),
        max(layer.bounds[3] for layer in layers),
    )
