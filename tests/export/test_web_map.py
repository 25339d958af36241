"""The web map's page: escaping, links, CSP, sensitive data, legend, clusters, size, errors.

These read the generated HTML and each layer's JSON data element (what the
page's script builds popups and tooltips from, with textContent);
tests/browser/test_web_map_xss.py opens it in Chromium.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mapdesk.core.layer import VectorLayer
from mapdesk.core.symbology import categorize, graduate
from mapdesk.export import web as web_module
from mapdesk.export.formats import ExportError
from mapdesk.export.web import WebMapOptions, WebMapResult, export_web_map
from mapdesk.export.web_csp import ASSETS, CDN
from mapdesk.export.web_escape import escape_text, is_web_link, not_a_template, script_json
from mapdesk.export.web_sensitive import is_sensitive_field
from tests.export.web_helpers import (
    DATA_ELEMENT,
    column_values,
    data_texts,
    fixit_frame,
    layer_data,
    legend_html,
    overlay_names,
    parsed,
    popups,
    project_of,
    tooltips,
    without_data,
    zone_frame,
)

REPO = Path(__file__).resolve().parents[2]
#: One of each class of value folium's templates or the browser would act on.
DANGEROUS = {
    "script": "<script>window.__xss(1)</script>",
    "end of script": "</script><script>window.__xss(2)</script>",
    "end of script, odd case": "</ScRiPt ><script>window.__xss(3)</script>",
    "img onerror": '<img src=x onerror="window.__xss(4)">',
    "attribute breakout": '"><svg onload=window.__xss(5)>',
    "single quote breakout": "'><svg onload=window.__xss(6)>",
    "template literal": "${window.__xss(7)}",
    "backticks": "`;window.__xss(8);`",
    "backslash escapes": "\\u003cscript\\u003ewindow.__xss(9)\\x3c/script\\x3e\\",
    "jinja": "{{ 7*7 }}{% if 1 %}x{% endif %}",
    "entity": "&lt;script&gt;window.__xss(10)&lt;/script&gt;",
    "comment": "<!-- <script>window.__xss(11)</script> -->",
    "nonce theft": '<script nonce="abc">window.__xss(12)</script>',
    "unicode line breaks": "\u2028window.__xss(13)\u2029\x85",
}


def _export(tmp_path: Path, *layers: VectorLayer, **options: object) -> tuple[str, WebMapResult]:
    target = tmp_path / "map.html"
    result = export_web_map(project_of(*layers), target, WebMapOptions(**options))
    return target.read_text(encoding="utf-8"), result


#: What the page shows for control characters (one box each), as escape_text does.
CONTROLS = {chr(c): "\ufffd" for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f": "\ufffd"}


def shown(text: str) -> str:
    return "".join(CONTROLS.get(c, c) for c in text)


# --- escaping -----------------------------------------------------------------


@pytest.mark.parametrize("payload", DANGEROUS.values(), ids=DANGEROUS.keys())
def test_values_are_shown_as_text_in_popups_and_tooltips(tmp_path: Path, payload: str) -> None:
    frame = fixit_frame({"description": [payload], "status": [payload]})
    page, _ = _export(tmp_path, VectorLayer(frame, "FixIt"))
    [popup] = popups(page)
    [tooltip] = tooltips(page)
    # The page's script gets the value verbatim (and shows it with textContent).
    assert popup.fields == ["description", "status"]
    assert popup.values == [shown(payload), shown(payload)]
    assert popup.links == [False, False]
    assert tooltip.fields == ["description"] and tooltip.values == [shown(payload)]
    _assert_page_has_only_its_own_scripts(page)


@pytest.mark.parametrize("payload", DANGEROUS.values(), ids=DANGEROUS.keys())
def test_layer_and_field_names_are_escaped(tmp_path: Path, payload: str) -> None:
    layer = VectorLayer(fixit_frame({payload: ["a value"]}), f"Layer {payload}")
    name = layer.name  # as the project keeps it (white space stripped)
    page, _ = _export(tmp_path, layer)
    [popup] = popups(page)
    assert popup.fields == [shown(payload)]
    assert popup.values == ["a value"]
    assert popup.layer == shown(name)  # the popup's heading
    assert html.unescape(overlay_names(page)[0]) == shown(name)
    assert not {tag for tag, _ in parsed(overlay_names(page)[0]).elements}
    legend = parsed(legend_html(page))
    assert shown(name) in legend.texts["div"]
    _assert_page_has_only_its_own_scripts(page)


@pytest.mark.parametrize("payload", DANGEROUS.values(), ids=DANGEROUS.keys())
def test_legend_labels_are_escaped(tmp_path: Path, payload: str) -> None:
    layer = VectorLayer(fixit_frame({"status": [payload, "open"]}), "FixIt")
    layer.symbology = categorize(layer.data, "status", layer.style)
    page, _ = _export(tmp_path, layer)
    legend = parsed(legend_html(page))
    assert sorted(legend.texts["span"][1::2]) == sorted([shown(payload), "open"])
    assert {tag for tag, _ in legend.elements} <= {"div", "span"}
    _assert_page_has_only_its_own_scripts(page)


def _assert_page_has_only_its_own_scripts(page: str) -> None:
    # The data elements hold the payloads as JSON text that cannot end them.
    texts = data_texts(page)
    assert len(texts) == page.count('<script type="application/json"') >= 1
    for text in texts:
        json.loads(text)
        assert not set("<>&\u2028\u2029") & set(text)
    # Outside them the payloads are only escaped text in the legend and layer list.
    code = without_data(page)
    for bad in ("${", "`;", "{{", "{%", "\\u003cscript", "\\x3c"):
        assert bad not in code
    scripts = re.findall(r"<script\b[^>]*>", code, flags=re.IGNORECASE)
    assert len(scripts) == len(re.findall(r"</script\s*>", code, flags=re.IGNORECASE))
    assert len(scripts) == 3  # Leaflet, folium's settings, the map
    # Popups and tooltips are built with DOM calls: the only HTML the page's
    # script inserts is the legend's escaped markup.
    assert code.count("innerHTML") == 1 and "box.innerHTML = " in code
    for never in ("outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert never not in code
    assert "textContent" in code and "document.createElement" in code


@given(st.text())
def test_data_json_is_safe_inside_its_element_and_reads_back(text: str) -> None:
    encoded = script_json({"values": [text]})
    assert not set("<>&\u2028\u2029") & set(encoded)
    assert DATA_ELEMENT.fullmatch(
        f'<script type="application/json" id="mapdesk-data-0">{encoded}</script>'
    )
    assert json.loads(encoded) == {"values": [text]}


@given(st.text())
def test_escaped_text_holds_no_active_character_and_reads_back(text: str) -> None:
    escaped = escape_text(text)
    assert not set("<>\"'`$\\{}") & set(escaped)
    controls = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}
    assert html.unescape(escaped) == "".join("\ufffd" if c in controls else c for c in text)


# --- links --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "https://fixit.portlandmaine.gov/issues/123",
        "http://example.org/photo.jpg?size=large&v=2",
        "HTTPS://EXAMPLE.ORG/",
    ],
)
def test_web_addresses_become_links(tmp_path: Path, value: str) -> None:
    assert is_web_link(value)
    page, _ = _export(tmp_path, VectorLayer(fixit_frame({"media_url": [value]}), "FixIt"))
    [popup] = popups(page)
    assert popup.values == [value] and popup.links == [True]
    # The browser checks the protocol again before making the <a> (rel set too).
    code = without_data(page)
    assert 'url.protocol === "http:" || url.protocol === "https:"' in code
    assert 'link.rel = "noopener noreferrer nofollow"' in code


@pytest.mark.parametrize(
    "value",
    [
        "javascript:window.__xss(1)",
        "JaVaScRiPt:window.__xss(1)",
        " javascript:window.__xss(1)",
        "java\tscript:window.__xss(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        'https://example.org/" onmouseover="window.__xss(1)',
        "https://example.org/`${window.__xss(1)}`",
        "https://exa mple.org/",
        "//example.org/x",
        "see https://example.org/ for details",
        "http://",
    ],
)
def test_other_addresses_are_shown_as_text(tmp_path: Path, value: str) -> None:
    assert not is_web_link(value.strip())
    page, _ = _export(tmp_path, VectorLayer(fixit_frame({"media_url": [value]}), "FixIt"))
    [popup] = popups(page)
    assert popup.values == [value] and popup.links == [False]


def test_links_in_the_page_are_http_only(tmp_path: Path) -> None:
    urls = ["https://example.org/a.jpg", "javascript:alert(1)", None] * 3
    frame = fixit_frame({"media_url": urls, "other": ["javascript:x", "https://b.org/", "x"] * 3})
    page, _ = _export(tmp_path, VectorLayer(frame, "FixIt"))
    [data] = layer_data(page)
    assert "codes" in data["fields"][0]  # repeated text: a dictionary column, links by entry
    hrefs = [
        value
        for popup in popups(page)
        for value, link in zip(popup.values, popup.links, strict=True)
        if link
    ]
    assert hrefs == ["https://example.org/a.jpg", "https://b.org/"] * 3


# --- content security policy --------------------------------------------------


def test_policy_allows_only_nonce_scripts_and_the_cdn(tmp_path: Path) -> None:
    page, _ = _export(tmp_path, VectorLayer(fixit_frame({"status": ["open"]}), "FixIt"))
    head = page[page.index("<head>") : page.index("</head>")]
    first = re.search(r"<(?!title)[a-z]+[^>]*>", head[len("<head>") :])
    assert first is not None and 'http-equiv="Content-Security-Policy"' in first.group(0)
    policy = html.unescape(re.search(r'content="([^"]*)"', first.group(0)).group(1))
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    nonce = re.search(r"'nonce-([A-Za-z0-9_-]+)'", directives["script-src"]).group(1)
    assert len(nonce) >= 22
    assert directives["script-src"] == f"'nonce-{nonce}' {CDN}"
    assert "unsafe" not in policy
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["default-src"] == "'none'"
    code = without_data(page)
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", code, flags=re.IGNORECASE):
        assert f'nonce="{nonce}"' in tag
    assert page.count(nonce) == len(re.findall(r"<(?:script|style)\b", code)) + 2
    # The data elements are never run: no nonce, not a script type.
    [data] = re.findall(r'<script type="application/json"[^>]*>', page)
    assert "nonce" not in data
    for src in re.findall(r'<script[^>]*\bsrc="([^"]*)"', page):
        assert src.startswith(f"{CDN}/npm/") and "integrity=" in page
    # folium's default jQuery, Bootstrap and Font Awesome are not loaded.
    for unwanted in ("jquery", "bootstrap", "fontawesome", "awesome-markers"):
        assert unwanted not in page.lower()


def test_each_file_has_its_own_nonce(tmp_path: Path) -> None:
    layer = VectorLayer(fixit_frame({"status": ["open"]}), "FixIt")
    first, _ = _export(tmp_path, layer)
    second, _ = _export(tmp_path, layer)
    nonce = re.compile(r"'nonce-([^']+)'")
    assert nonce.findall(first) != nonce.findall(second)


def test_pinned_library_hashes_match_the_npm_packages() -> None:
    assets = REPO / ".cache" / "web-assets"
    if not assets.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{assets} is missing: run scripts/test.sh")
        pytest.skip(f"{assets} is missing (scripts/test.sh fetches it)")
    for asset in ASSETS:
        package, rest = asset.url.removeprefix(f"{CDN}/npm/").split("/", 1)
        local = assets / package.split("@")[0] / rest
        digest = base64.b64encode(hashlib.sha384(local.read_bytes()).digest()).decode()
        assert asset.integrity == f"sha384-{digest}", local


# --- sensitive data -----------------------------------------------------------

PERSONAL = {
    "reporter": ["Jane Q. Public"],
    "caller_phone": ["207-555-0134"],
    "Email": ["jane@example.org"],
    "ReporterName": ["Jane"],
    "first_name": ["Jane"],
}


def test_sensitive_fields_are_left_out_by_default(tmp_path: Path) -> None:
    frame = fixit_frame({"description": ["pothole"], **PERSONAL})
    page, result = _export(tmp_path, VectorLayer(frame, "FixIt"))
    for name, [value] in PERSONAL.items():
        assert name not in page
        assert value not in page
    assert {(item.layer, item.field) for item in result.left_out} == {
        ("FixIt", name) for name in PERSONAL
    }
    assert all("sensitive" in item.reason for item in result.left_out)


def test_sensitive_fields_are_kept_when_the_user_insists(tmp_path: Path) -> None:
    frame = fixit_frame({"description": ["pothole"], **PERSONAL})
    fields = {"FixIt": ["description", *PERSONAL]}
    page, result = _export(
        tmp_path, VectorLayer(frame, "FixIt"), include_sensitive=True, popup_fields=fields
    )
    [popup] = popups(page)
    assert popup.fields == ["description", *PERSONAL]
    assert popup.values == ["pothole", *(v for [v] in PERSONAL.values())]
    assert result.left_out == ()


def test_fields_and_layers_marked_sensitive(tmp_path: Path) -> None:
    calls = VectorLayer(fixit_frame({"kind": ["medical"]}), "9-1-1 calls")
    flagged = VectorLayer(fixit_frame({"kind": ["hydrant"]}), "Flagged")
    flagged.sensitive = True  # a project's flag, when it has one
    fixit = VectorLayer(fixit_frame({"status": ["open"], "notes": ["gate code 1234"]}), "FixIt")
    page, result = _export(
        tmp_path,
        calls,
        flagged,
        fixit,
        sensitive_layers=frozenset({"9-1-1 calls"}),
        sensitive_fields={"FixIt": ["notes"]},
    )
    assert "medical" not in page and "hydrant" not in page and "gate code" not in page
    assert result.layers == ("FixIt",)
    left = {(item.layer, item.field) for item in result.left_out}
    assert left == {("9-1-1 calls", None), ("Flagged", None), ("FixIt", "notes")}
    page, result = _export(
        tmp_path, calls, flagged, fixit, sensitive_layers=frozenset({"9-1-1 calls"}),
        include_sensitive=True,
    )  # fmt: skip
    assert "medical" in page and "hydrant" in page and "gate code" in page


def test_a_style_by_a_sensitive_field_is_not_shown(tmp_path: Path) -> None:
    layer = VectorLayer(fixit_frame({"reporter": ["Jane", "Bob"], "status": ["a", "b"]}), "FixIt")
    layer.symbology = categorize(layer.data, "reporter", layer.style)
    page, result = _export(tmp_path, layer)
    assert "Jane" not in page and "Bob" not in page
    assert any("reporter" in w and "one symbol" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [
        ("reporter", True),
        ("caller_name", True),
        ("CallerPhone", True),
        ("phone_number", True),
        ("e_mail", True),
        ("contact", True),
        ("LastName", True),
        ("surname", True),
        ("description", False),
        ("status", False),
        ("address", False),
        ("service_name", False),
        ("St_Name", False),
        ("DsplayName", False),
        ("name", False),
        ("owner", False),
    ],
)
def test_which_field_names_are_personal(name: str, sensitive: bool) -> None:
    assert is_sensitive_field(name) is sensitive


# --- styles, legend, fields, order --------------------------------------------


def test_legend_matches_the_categorized_classes(tmp_path: Path) -> None:
    layer = VectorLayer(fixit_frame({"status": ["open", "closed", "open", None]}), "FixIt")
    layer.symbology = categorize(layer.data, "status", layer.style)
    page, _ = _export(tmp_path, layer)
    classes = layer.symbology.classes()
    legend = parsed(legend_html(page))
    assert legend.texts["span"][1::2] == [c.label for c in classes]
    swatches = [
        a["class"].split()[-1]
        for t, a in legend.elements
        if "mapdesk-swatch" in (a.get("class") or "")
    ]
    for swatch, symbol in zip(swatches, classes, strict=True):
        rule = re.search(rf"\.{swatch} \{{ background: (#[0-9a-f]{{6}})", page)
        assert rule is not None and rule.group(1) == symbol.style.fill_color.lower()
    [data] = layer_data(page)
    assert data["classes"] == [0, 1, 0, 2]
    assert [s["fillColor"] for s in data["styles"]] == [c.style.fill_color.lower() for c in classes]


def test_graduated_classes_and_features_outside_them(tmp_path: Path) -> None:
    layer = VectorLayer(fixit_frame({"days_open": [1, 5, 9, 40, None]}), "FixIt")
    layer.symbology = graduate(layer.data, "days_open", layer.style, classes=2)
    page, result = _export(tmp_path, layer)
    labels = parsed(legend_html(page)).texts["span"][1::2]
    assert labels == [c.label for c in layer.symbology.classes()]
    [data] = layer_data(page)
    assert data["count"] == len(data["xy"]) // 2 == 4  # NULL is in no class: not drawn
    assert result.features == 4
    assert column_values_of(data, "days_open") == [1, 5, 9, 40]


def test_layers_keep_the_project_order_and_only_visible_ones(tmp_path: Path) -> None:
    top = VectorLayer(fixit_frame({"status": ["open"]}), "Top")
    hidden = VectorLayer(fixit_frame({"status": ["x"]}), "Hidden")
    bottom = VectorLayer(zone_frame({"zone": ["A"]}), "Bottom")
    hidden.visible = False
    page, result = _export(tmp_path, top, hidden, bottom)
    assert result.layers == ("Top", "Bottom")
    assert overlay_names(page) == ["Bottom", "Top"]  # Leaflet draws later ones on top


def test_popup_fields_default_and_chosen(tmp_path: Path) -> None:
    values = {f"col{i}x": [i] for i in range(8)}
    layer = VectorLayer(fixit_frame(values), "FixIt")
    page, _ = _export(tmp_path, layer)
    assert popups(page)[0].fields == ["col0x", "col1x", "col2x", "col3x", "col4x"]
    assert tooltips(page)[0].fields == ["col0x"]
    assert "col7x" not in page  # fields not shown are not in the file
    page, result = _export(
        tmp_path, layer, popup_fields={"FixIt": ["col6x", "nope"]}, tooltip_fields={"FixIt": []}
    )
    assert popups(page)[0].fields == ["col6x"] and popups(page)[0].values == [6]
    assert tooltips(page)[0].fields == []
    assert any('"nope"' in w for w in result.warnings)


def test_coordinates_are_wgs84_rounded_to_six_decimals(tmp_path: Path) -> None:
    layer = VectorLayer(fixit_frame({"status": ["open"]}, crs=26984), "FixIt")
    page, _ = _export(tmp_path, layer)
    [data] = layer_data(page)
    x, y = data["xy"]
    assert x == pytest.approx(-70.2568, abs=1e-6) and y == pytest.approx(43.6591, abs=1e-6)
    assert all(len(str(v).split(".")[1]) <= 6 for v in (x, y))


# --- clusters and size --------------------------------------------------------


def _clustered_calls(page: str) -> list[str]:
    return re.findall(r'mapdesk_web\.layer\(\s*"mapdesk-data-[0-9]+", (true|false)\)', page)


def test_big_point_layers_are_clustered(tmp_path: Path) -> None:
    layer = VectorLayer(fixit_frame({"n": list(range(30))}), "FixIt")
    page, result = _export(tmp_path, layer, cluster_threshold=10)
    assert result.clustered == ("FixIt",)
    assert "L.markerClusterGroup({chunkedLoading: true})" in page
    assert "group.addLayers(markers)" in page and "leaflet.markercluster@" in page
    assert _clustered_calls(page) == ["true"]
    page, result = _export(tmp_path, layer, cluster_threshold=30)
    assert result.clustered == ()
    assert "leaflet.markercluster@" not in page and _clustered_calls(page) == ["false"]
    page, result = _export(tmp_path, layer, cluster_threshold=None)
    assert "leaflet.markercluster@" not in page and _clustered_calls(page) == ["false"]


def test_polygons_are_never_clustered(tmp_path: Path) -> None:
    layer = VectorLayer(zone_frame({"zone": list(range(30))}), "Zones")
    _, result = _export(tmp_path, layer, cluster_threshold=10)
    assert result.clustered == ()


def test_size_budget_warns(tmp_path: Path) -> None:
    layer = VectorLayer(fixit_frame({"n": list(range(30))}), "FixIt")
    _, result = _export(tmp_path, layer)
    assert result.warnings == ()
    assert result.size == (tmp_path / "map.html").stat().st_size
    _, result = _export(tmp_path, layer, size_budget=5_000)
    [warning] = result.warnings
    assert "over the 0.0 MB budget" in warning and "MB" in warning


# --- bad input ----------------------------------------------------------------


def test_no_visible_layers(tmp_path: Path) -> None:
    layer = VectorLayer(fixit_frame({"status": ["open"]}), "FixIt")
    layer.visible = False
    with pytest.raises(ExportError, match=r"map\.html: the project has no visible layers"):
        export_web_map(project_of(layer), tmp_path / "map.html")
    assert not (tmp_path / "map.html").exists()


def test_missing_folder_and_folder_as_target(tmp_path: Path) -> None:
    project = project_of(VectorLayer(fixit_frame({"status": ["open"]}), "FixIt"))
    with pytest.raises(ExportError, match=r"the folder .*nowhere does not exist"):
        export_web_map(project, tmp_path / "nowhere" / "map.html")
    with pytest.raises(ExportError, match="is a folder"):
        export_web_map(project, tmp_path)


def test_unwritable_target_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "map.html"
    target.write_text("old", encoding="utf-8")

    def refuse(path: Path, text: str) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(web_module, "write_text_atomically", refuse)
    project = project_of(VectorLayer(fixit_frame({"status": ["open"]}), "FixIt"))
    with pytest.raises(ExportError, match=r"Cannot write .*map\.html: Permission denied"):
        export_web_map(project, target)
    assert target.read_text(encoding="utf-8") == "old"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    project = project_of(VectorLayer(fixit_frame({"status": ["open"]}), "FixIt"))
    try:
        with pytest.raises(ExportError, match="Cannot write"):
            export_web_map(project, folder / "map.html")
    finally:
        folder.chmod(stat.S_IRWXU)


def test_layers_that_cannot_be_placed_are_reported(tmp_path: Path) -> None:
    frame = fixit_frame({"status": ["open"]}).set_crs(None, allow_override=True)
    no_crs = VectorLayer(frame, "No CRS")
    with pytest.raises(ExportError, match=r"no visible layer can be shown.*No CRS: it has no CRS"):
        export_web_map(project_of(no_crs), tmp_path / "map.html")
    good = VectorLayer(fixit_frame({"status": ["open"]}), "FixIt")
    _, result = _export(tmp_path, good, no_crs)
    assert [str(item) for item in result.left_out] == [
        "No CRS: it has no CRS, so it cannot be placed on a web map; set the layer's CRS"
    ]


def test_progress_and_cancel(tmp_path: Path) -> None:
    project = project_of(VectorLayer(fixit_frame({"status": ["open"]}), "FixIt"))
    steps: list[str] = []
    export_web_map(project, tmp_path / "map.html", progress=steps.append)
    assert steps[0] == "choosing layers and fields" and steps[-1] == "writing map.html"
    with pytest.raises(ExportError, match="cancelled"):
        export_web_map(project, tmp_path / "other.html", cancelled=lambda: True)
    assert not (tmp_path / "other.html").exists()


def test_nothing_reaches_folium_as_a_template() -> None:
    # branca compiles each element's rendered script again as a Jinja template.
    for text in ("{{ 7*7 }}", "{% if 1 %}", "{# x #}"):
        with pytest.raises(ExportError, match="template"):
            not_a_template(text)
    assert not_a_template('[{"a":{"b":1}}]') == '[{"a":{"b":1}}]'


def test_folium_is_imported_only_when_exporting() -> None:
    code = "import sys, mapdesk.export.web; print('folium' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_without_a_basemap_the_policy_names_no_tile_server(tmp_path: Path) -> None:
    layer = VectorLayer(fixit_frame({"status": ["open"]}), "FixIt")
    page, _ = _export(tmp_path, layer, basemap="none")
    assert "L.tileLayer(" not in page and "openstreetmap" not in page
    with pytest.raises(ExportError, match="Unknown basemap 'Google'"):
        _export(tmp_path, layer, basemap="Google")


# --- compact data -------------------------------------------------------------


def column_values_of(data: dict[str, object], name: str) -> list[object]:
    from tests.export.web_helpers import column_values

    [field] = [f for f in data["fields"] if f["name"] == name]  # type: ignore[attr-defined]
    return column_values(field)


def test_values_are_columns_of_their_own_type(tmp_path: Path) -> None:
    stamps = pd.to_datetime(
        ["2024-05-01 08:30:00", None, "1969-12-31 23:59:59.250"], format="ISO8601"
    )
    frame = fixit_frame(
        {
            "status": ["open", "open", None],
            "count": [3, -2, 2**60],
            "share": [0.1 + 0.2, float("nan"), 2.5],
            "when": list(stamps),
            "day": [dt.date(2024, 5, 1), None, dt.date(1969, 12, 31)],
            "flag": [True, False, True],
            "note": ["x" * 50, "short", ""],
        }
    )
    frame["when"] = stamps
    fields = {"FixIt": ["status", "count", "share", "when", "day", "flag", "note"]}
    page, _ = _export(tmp_path, VectorLayer(frame, "FixIt"), popup_fields=fields, text_chars=10)
    [data] = layer_data(page)
    columns = {f["name"]: f for f in data["fields"]}
    assert columns["status"] == {"name": "status", "dict": ["open"], "codes": [0, 0, -1]}
    # Beyond 2**53 a JavaScript number would lose digits: sent as text.
    assert columns["count"]["values"] == [3, -2, str(2**60)]
    assert columns["share"]["values"] == [0.3, None, 2.5]
    assert columns["when"]["values"] == [
        "2024-05-01T08:30:00.000",
        None,
        "1969-12-31T23:59:59.250",
    ]
    assert column_values_of(data, "day") == ["2024-05-01", None, "1969-12-31"]
    assert column_values_of(data, "flag") == ["True", "False", "True"]
    assert column_values_of(data, "note") == ["x" * 9 + "…", "short", ""]
    [popup] = popups(page)[:1]
    assert popup.values[:3] == ["open", 3, 0.3]


def test_lines_and_polygons_carry_geometry_without_html(tmp_path: Path) -> None:
    zones = VectorLayer(zone_frame({"zone": ["A", "B"], "url": ["https://a.org/", "x"]}), "Zones")
    page, result = _export(tmp_path, zones)
    [data] = layer_data(page)
    assert "xy" not in data and [s["type"] for s in data["shapes"]] == ["Polygon", "Polygon"]
    assert [p.values for p in popups(page)] == [["A", "https://a.org/"], ["B", "x"]]
    assert [p.links for p in popups(page)] == [[False, True], [False, False]]
    assert result.features == 2


def test_big_point_layers_are_compact(tmp_path: Path) -> None:
    # The size the 100k-point benchmark depends on, per point, without timing anything.
    count = 20_000
    rng = np.random.default_rng(7)
    frame = gpd.GeoDataFrame(
        {
            "id": np.arange(count, dtype=np.int64),
            "category": np.array([f"category {i}" for i in range(12)])[rng.integers(0, 12, count)],
            "status": np.array(["open", "closed", "new", "held"])[rng.integers(0, 4, count)],
            "reported_at": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 63_000_000, count), unit="s"),
            "priority": rng.integers(1, 5, count).astype(np.int32),
        },
        geometry=gpd.points_from_xy(
            rng.uniform(390_000, 405_000, count), rng.uniform(4_828_000, 4_842_000, count)
        ),
        crs=26919,
    )
    page, result = _export(tmp_path, VectorLayer(frame, "points"))
    assert result.clustered == ("points",) and result.features == count
    assert result.size < 75 * count  # 100k points: under 7.5 MB (the target is 10 MB)
    [data] = layer_data(page)
    assert [f["name"] for f in data["fields"]] == list(frame.columns[:5])
    assert {"codes", "dict"} <= set(data["fields"][1]) and len(data["fields"][1]["dict"]) == 12
    assert data["fields"][0]["values"] == list(range(count))
    [popup] = popups(page)[5:6]
    row = frame.iloc[5]
    assert popup.values == [
        5,
        row["category"],
        row["status"],
        row["reported_at"].isoformat(),
        int(row["priority"]),
    ]


# --- second review: dates, mixed columns, unplaceable features, multipoints --------


def test_dates_outside_what_nanoseconds_count_are_shown_as_they_are(tmp_path: Path) -> None:
    """A 1600 deed date wrapped round to 2184 through nanoseconds."""
    stamps = np.array(
        ["1600-05-01T00:00:00", "1632-01-01T12:30:00.250", "2020-01-01T00:00:00"],
        dtype="datetime64[ms]",
    )
    layer = VectorLayer(fixit_frame({"Recorded": pd.Series(stamps)}), "Deeds")
    page, _ = _export(tmp_path, layer)
    (data,) = layer_data(page)
    (field,) = [f for f in data["fields"] if f["name"] == "Recorded"]
    assert column_values(field) == [
        "1600-05-01T00:00:00.000",
        "1632-01-01T12:30:00.250",
        "2020-01-01T00:00:00.000",
    ]


def test_true_is_not_shown_as_1_in_a_mixed_column(tmp_path: Path) -> None:
    values = ["x", 1, 2.5, None, True, 1.0, "x", "x"]
    layer = VectorLayer(fixit_frame({"mixed": pd.Series(values, dtype=object)}), "Mixed")
    page, _ = _export(tmp_path, layer)
    (data,) = layer_data(page)
    (field,) = [f for f in data["fields"] if f["name"] == "mixed"]
    assert column_values(field) == ["x", 1, 2.5, None, "True", 1.0, "x", "x"]


def test_features_that_cannot_be_placed_are_left_out_and_said(tmp_path: Path) -> None:
    """pyproj gives infinity for a vertex it cannot transform: never 0°, 0° or inf bounds."""
    from shapely.geometry import LineString, Point

    frame = gpd.GeoDataFrame(
        {"name": ["ok", "far", "half"]},
        geometry=[
            LineString([(398_000, 4_835_000), (398_500, 4_835_200)]),
            LineString([(1e12, 1e12), (1e12 + 5, 1e12)]),
            LineString([(398_000, 4_835_000), (1e9, 1e9)]),
        ],
        crs="EPSG:26919",
    )
    points = gpd.GeoDataFrame(
        {"name": ["ok", "far"]},
        geometry=[Point(398_000, 4_835_000), Point(1e12, 1e12)],
        crs="EPSG:26919",
    )
    page, result = _export(
        tmp_path, VectorLayer(frame, "Roads"), VectorLayer(points, "Sites"), simplify=0
    )
    assert sorted(result.layers) == ["Roads", "Sites"]  # neither left out whole
    counts = {data["name"]: data["count"] for data in layer_data(page)}
    assert counts == {"Roads": 1, "Sites": 1}
    assert "[null,null]" not in page and "Infinity" not in page
    assert any('2 features of layer "Roads" could not be placed' in w for w in result.warnings)
    assert any('1 feature of layer "Sites" could not be placed' in w for w in result.warnings)


def test_multipoints_are_not_clustered(tmp_path: Path) -> None:
    """markercluster takes single markers: a multipoint's would leave their feature."""
    from shapely.geometry import MultiPoint

    frame = gpd.GeoDataFrame(
        {"name": [f"pair {i}" for i in range(30)]},
        geometry=[MultiPoint([(-70.26 + i / 1000, 43.66), (-70.25, 43.65)]) for i in range(30)],
        crs=4326,
    )
    _, result = _export(tmp_path, VectorLayer(frame, "Pairs"), cluster_threshold=5)
    assert result.clustered == ()
