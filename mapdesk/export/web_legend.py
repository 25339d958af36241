"""The web map's legend: a Leaflet control listing each layer's classes.

folium has no categorical legend, so mapdesk builds one: per layer a heading
and a row per class (swatch + label). Labels and layer names are data and are
escaped; swatch colours come from the style model (checked ``#rrggbb``) and
live in a nonce-bearing ``<style>`` element as classes, so the page needs no
inline ``style`` attributes. A layer's section hides when it is switched off.
"""

from __future__ import annotations

from collections.abc import Sequence

from branca.element import MacroElement
from jinja2 import Template

from mapdesk.export.web_escape import escape_text, not_a_template, script_json
from mapdesk.export.web_layers import LegendRow, WebLayer

_TEMPLATE = """
{% macro header(this, kwargs) %}
<style>
.mapdesk-legend { background: rgba(255,255,255,0.92); padding: 6px 8px; max-height: 45vh;
  overflow: auto; font: 12px/1.4 sans-serif; max-width: 260px; }
.mapdesk-legend-layer { font-weight: bold; margin-top: 4px; }
.mapdesk-legend-row { display: flex; align-items: center; gap: 6px; }
.mapdesk-swatch { flex: none; width: 14px; height: 14px; border: 1px solid;
  box-sizing: border-box; }
.mapdesk-swatch-point { border-radius: 50%; }
.mapdesk-swatch-line { height: 0; border-width: 2px 0 0 0; }
{{ this.swatch_css }}
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
    var map = {{ this._parent.get_name() }};
    var legend = L.control({position: "bottomright"});
    legend.onAdd = function () {
        var box = L.DomUtil.create("div", "mapdesk-legend leaflet-control-layers");
        box.innerHTML = {{ this.html_json }};
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
    };
    legend.addTo(map);
    var sections = [
{%- for name, section in this.sections %}
        [{{ name }}, {{ section|tojson }}],
{%- endfor %}
    ];
    map.on("overlayadd overlayremove", function (event) {
        sections.forEach(function (entry) {
            if (entry[0] === event.layer) {
                var found = document.getElementById(entry[1]);
                if (found) { found.hidden = event.type === "overlayremove"; }
            }
        });
    });
})();
{% endmacro %}
"""


class Legend(MacroElement):
    """The legend of ``layers``: (the overlay element, its layer), drawn bottom-first;
    the legend lists them top-first, as the layer panel does."""

    _template = Template(_TEMPLATE)

    def __init__(self, layers: Sequence[tuple[MacroElement, WebLayer]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "mapdesk_legend"
        top_first = list(reversed(layers))
        self.sections = [
            (overlay.get_name(), f"mapdesk-legend-{index}")
            for index, (overlay, _) in enumerate(top_first)
        ]
        css: list[str] = []
        html = [
            legend_section(layer, f"mapdesk-legend-{index}", css)
            for index, (_, layer) in enumerate(top_first)
        ]
        self.html_json = not_a_template(script_json("".join(html)))
        self.swatch_css = not_a_template("\n".join(css))


def legend_section(layer: WebLayer, section: str, css: list[str]) -> str:
    """One layer's heading and class rows as HTML; swatch colour rules go to ``css``."""
    rows = []
    for number, row in enumerate(layer.legend):
        swatch = f"{section}-{number}"
        css.append(_swatch_rule(swatch, row, layer.kind))
        rows.append(
            f'<div class="mapdesk-legend-row"><span class="mapdesk-swatch '
            f'mapdesk-swatch-{layer.kind} {swatch}"></span>'
            f'<span class="mapdesk-legend-label">{escape_text(row.label)}</span></div>'
        )
    heading = f'<div class="mapdesk-legend-layer">{escape_text(layer.name)}</div>'
    return f'<div class="mapdesk-legend-section" id="{section}">{heading}{"".join(rows)}</div>'


def _swatch_rule(swatch: str, row: LegendRow, kind: str) -> str:
    # Colours were checked as #rrggbb by web_layers.split_color: safe in CSS.
    if kind == "line":
        return f".{swatch} {{ border-color: {row.stroke}; }}"
    opacity = max(0.0, min(1.0, row.fill_opacity))
    fill = row.fill + f"{round(opacity * 255):02x}"
    return f".{swatch} {{ background: {fill}; border-color: {row.stroke}; }}"
