"""A web map full of hostile FixIt text, opened in Chromium: nothing runs, everything shows.

Offline: every request is routed. Leaflet and leaflet.markercluster come from
the npm packages scripts/setup.sh unpacks into .cache/web-assets (with the
integrity hashes the page pins), tiles are a blank PNG, and anything else is
aborted and counted as a failure. Every popup and tooltip is opened through
Leaflet; then no probe may have been called, no dialog opened, no console or
page error logged and no CSP violation reported, and each payload must be
visible as literal text.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from mapdesk.core.layer import VectorLayer
from mapdesk.core.symbology import categorize
from mapdesk.export.web import WebMapOptions, WebMapResult, export_web_map
from mapdesk.export.web_csp import CDN
from tests.browser.payloads import PAYLOADS
from tests.export.web_helpers import fixit_frame, project_of, zone_frame

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / ".cache" / "web-assets"
CHROMIUM = Path("/usr/bin/chromium")
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
LAYER_NAME = "FixIt <img src=x onerror=window.__xss(900)> `${window.__xss(901)}`"
ZONE_NAME = "</script><script>window.__xss(902)</script> zones"
ODD_FIELD = 'desc"><svg onload=window.__xss(903)>'
FIELDS = ("description", "title", "status", "address", ODD_FIELD)
#: What escaping shows for control characters (one box each).
CONTROLS = {chr(c): "\ufffd" for c in range(32) if chr(c) not in "\t\n\r"}
TYPES = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}

#: Collects what the page did; the probe and violation reports come back
#: through exposed functions, so they are counted even from an iframe.
INIT_SCRIPT = """
document.addEventListener("securitypolicyviolation", function (event) {
    window.__cspViolation(event.violatedDirective + " " + event.blockedURI + " "
                          + (event.sample || ""));
}, true);
"""

#: Opens every popup and tooltip of every layer and reads them back.
OPEN_EVERYTHING = """
() => {
    const mapName = Object.keys(window).find((key) => key.startsWith("map_"));
    const map = window[mapName];
    const found = {popups: [], tooltips: []};
    const layers = [];
    map.eachLayer((layer) => layers.push(layer));
    for (const layer of layers) {
        if (layer.getPopup && layer.getPopup()) {
            layer.openPopup();
            const element = layer.getPopup().getElement();
            found.popups.push({
                cells: Array.from(element.querySelectorAll("td"), (td) => td.textContent),
                heads: Array.from(element.querySelectorAll("th"), (th) => th.textContent),
                title: element.querySelector(".mapdesk-popup-layer").textContent,
            });
        }
        if (layer.getTooltip && layer.getTooltip()) {
            layer.openTooltip();
            found.tooltips.push(layer.getTooltip().getElement().textContent);
        }
    }
    found.overlays = Array.from(
        document.querySelectorAll(".leaflet-control-layers-overlays label > span > span"),
        (span) => span.textContent.trim());
    found.legend = Array.from(
        document.querySelectorAll(".mapdesk-legend-label, .mapdesk-legend-layer"),
        (node) => node.textContent);
    return found;
}
"""


def shown(text: str) -> str:
    """How the page shows ``text`` (control characters as boxes)."""
    return "".join(CONTROLS.get(c, c) for c in text)


@dataclass
class Watch:
    """Everything the page did that a safe map never does."""

    probes: list[Any] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    unexpected_requests: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[Any]]:
        return {name: found for name, found in vars(self).items() if found}


def _chromium_path() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing on CI (scripts/test.sh installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (Debian's chromium package)")
    for folder in ("leaflet/dist", "leaflet.markercluster/dist"):
        if not (ASSETS / folder).is_dir():
            pytest.fail(f"{ASSETS / folder} is missing: run scripts/test.sh to fetch it")
    return CHROMIUM


def _serve(route: Any, watch: Watch) -> None:
    url = route.request.url
    parts = urlsplit(url)
    if parts.scheme == "file":
        route.continue_()
        return
    for package in ("leaflet", "leaflet.markercluster"):
        prefix = f"{CDN}/npm/{package}@"
        if url.startswith(prefix):
            rest = url[len(prefix) :].split("/", 1)[1].split("?")[0]
            local = (ASSETS / package / rest).resolve()
            if local.is_file() and (ASSETS / package).resolve() in local.parents:
                route.fulfill(
                    status=200,
                    body=local.read_bytes(),
                    headers={
                        "Content-Type": TYPES.get(local.suffix, "application/octet-stream"),
                        "Access-Control-Allow-Origin": "*",
                    },
                )
                return
    if parts.hostname == "tile.openstreetmap.org":
        route.fulfill(status=200, body=BLANK_PNG, headers={"Content-Type": "image/png"})
        return
    watch.unexpected_requests.append(url)
    route.abort()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = _chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


def _open(browser: Any, page_file: Path, watch: Watch) -> Any:
    context = browser.new_context()
    context.route("**/*", lambda route: _serve(route, watch))
    page = context.new_page()
    page.expose_function("__xss", lambda number: watch.probes.append(number))
    page.expose_function("__cspViolation", lambda text: watch.violations.append(text))
    page.add_init_script(INIT_SCRIPT)

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: m.type == "error" and watch.console_errors.append(m.text))
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    page.goto(page_file.as_uri(), wait_until="load")
    page.wait_for_function("() => document.querySelector('.leaflet-control-layers') !== null")
    return page


def _hostile_project() -> tuple[Any, WebMapOptions]:
    count = len(PAYLOADS)
    rotate = {
        name: [PAYLOADS[(i + shift) % count] for i in range(count)]
        for shift, name in enumerate(FIELDS[:4])
    }
    rotate[ODD_FIELD] = [f"odd field {i}" for i in range(count)]
    points = VectorLayer(fixit_frame(rotate), LAYER_NAME)
    points.symbology = categorize(points.data, "status", points.style)
    zones = VectorLayer(
        zone_frame({"title": list(PAYLOADS[:12]), "status": list(PAYLOADS[-12:])}), ZONE_NAME
    )
    options = WebMapOptions(
        popup_fields={LAYER_NAME: list(FIELDS), ZONE_NAME: ["title", "status"]},
        tooltip_fields={LAYER_NAME: ["title"], ZONE_NAME: ["status"]},
        cluster_threshold=None,  # every marker on the map, to open each popup
    )
    return project_of(points, zones), options


def test_hostile_values_never_run_and_always_show(browser: Any, tmp_path: Path) -> None:
    project, options = _hostile_project()
    target = tmp_path / "fixit.html"
    result = export_web_map(project, target, options)
    assert result.left_out == () and result.warnings == ()
    watch = Watch()
    page = _open(browser, target, watch)
    found = page.evaluate(OPEN_EVERYTHING)
    page.wait_for_timeout(400)  # let any injected onerror/onload fire
    assert watch.problems() == {}
    # Every feature was drawn and has a popup and a tooltip.
    assert len(found["popups"]) == len(found["tooltips"]) == len(PAYLOADS) + 12
    cells = {cell for popup in found["popups"] for cell in popup["cells"]}
    for payload in PAYLOADS:
        assert shown(payload) in cells, payload
        assert any(shown(payload) in tip for tip in found["tooltips"]), payload
    heads = {head for popup in found["popups"] for head in popup["heads"]}
    assert ODD_FIELD in heads
    assert {popup["title"] for popup in found["popups"]} == {LAYER_NAME, ZONE_NAME}
    assert sorted(found["overlays"]) == sorted([LAYER_NAME, ZONE_NAME])
    assert {LAYER_NAME, ZONE_NAME} <= set(found["legend"])
    assert {shown(p) for p in PAYLOADS} <= set(found["legend"])  # the status classes
    page.context.close()


@pytest.mark.parametrize("basemap", ["OpenStreetMap", None])
def test_clustered_layer_loads_under_the_policy(
    browser: Any, tmp_path: Path, basemap: str | None
) -> None:
    """With or without a basemap (without one, Leaflet had no zoom range and
    clustering stopped the page: "Map has no maxZoom specified")."""
    layer = VectorLayer(fixit_frame({"title": [PAYLOADS[i % 10] for i in range(60)]}), "FixIt")
    target = tmp_path / "clustered.html"
    result: WebMapResult = export_web_map(
        project_of(layer), target, WebMapOptions(cluster_threshold=20, basemap=basemap)
    )
    assert result.clustered == ("FixIt",)
    watch = Watch()
    page = _open(browser, target, watch)
    page.wait_for_selector(".marker-cluster")
    opened = page.evaluate(
        """() => new Promise((done) => {
            const map = window[Object.keys(window).find((k) => k.startsWith("map_"))];
            let group = null;
            map.eachLayer((layer) => { if (layer.getVisibleParent) { group = layer; } });
            const marker = group.getLayers()[0];
            group.zoomToShowLayer(marker, () => {
                marker.openPopup();
                done(marker.getPopup().getElement().querySelector("td").textContent);
            });
        })"""
    )
    page.wait_for_timeout(300)
    assert watch.problems() == {}
    assert opened == PAYLOADS[0]
    page.context.close()


def test_popup_values_read_across_not_one_letter_per_line(browser: Any, tmp_path: Path) -> None:
    """A popup built as an element was measured too narrow: each value wrapped
    after every character (seen in the demo's screenshot)."""
    text = "Crew completed repair."
    layer = VectorLayer(fixit_frame({"title": [text]}), "FixIt")
    target = tmp_path / "one.html"
    export_web_map(project_of(layer), target, WebMapOptions(basemap=None))
    watch = Watch()
    page = _open(browser, target, watch)
    shape = page.evaluate(
        """() => {
            const map = window[Object.keys(window).find((k) => k.startsWith("map_"))];
            let marker = null;
            map.eachLayer((layer) => {
                if (layer.getPopup && layer.getPopup()) { marker = layer; }
            });
            marker.openPopup();
            const cell = marker.getPopup().getElement().querySelector("td");
            const box = cell.getBoundingClientRect();
            const line = parseFloat(getComputedStyle(cell).lineHeight) || 18;
            return [cell.textContent, box.width, box.height / line];
        }"""
    )
    assert watch.problems() == {}
    assert shape[0] == text
    assert shape[1] > 120 and shape[2] < 1.5  # one line, not a column of letters
    page.context.close()


def test_a_multipoint_feature_opens_its_own_popup(browser: Any, tmp_path: Path) -> None:
    """A click reaches one marker of the multipoint: the popup must still be its feature's."""
    import geopandas as gpd
    from shapely.geometry import MultiPoint

    names = [f"hydrant pair {i}" for i in range(4)]
    frame = gpd.GeoDataFrame(
        {"name": names},
        geometry=[
            MultiPoint([(-70.26 + i / 100, 43.66), (-70.26 + i / 100, 43.65)]) for i in range(4)
        ],
        crs=4326,
    )
    target = tmp_path / "pairs.html"
    export_web_map(
        project_of(VectorLayer(frame, "Pairs")), target, WebMapOptions(cluster_threshold=2)
    )
    watch = Watch()
    page = _open(browser, target, watch)
    shown_names = page.evaluate(
        """() => {
            const map = window[Object.keys(window).find((k) => k.startsWith("map_"))];
            const found = [];
            map.eachLayer((layer) => {
                if (layer.getLayers && layer.mapdeskRow !== undefined) {
                    const child = layer.getLayers()[1];
                    child.fire("click", {latlng: child.getLatLng()}, true);  // as a click bubbles
                    const cell = map._popup.getElement().querySelector("td");
                    found[layer.mapdeskRow] = cell.textContent;
                    map.closePopup();
                }
            });
            return found;
        }"""
    )
    assert watch.problems() == {}
    assert shown_names == names
    page.context.close()


#: Opens the popup and tooltip of the clustered marker at (lat, lng) and reads them back.
OPEN_CLUSTERED = """
([lat, lng]) => new Promise((done) => {
    const map = window[Object.keys(window).find((k) => k.startsWith("map_"))];
    let group = null;
    map.eachLayer((layer) => { if (layer.getVisibleParent) { group = layer; } });
    const markers = group.getLayers();
    const marker = markers.find((m) =>
        Math.abs(m.getLatLng().lat - lat) < 1e-9 && Math.abs(m.getLatLng().lng - lng) < 1e-9);
    group.zoomToShowLayer(marker, () => {
        marker.openPopup();
        const popup = marker.getPopup().getElement().querySelector(".mapdesk-popup");
        marker.openTooltip();
        done({
            markers: markers.length,
            title: popup.querySelector(".mapdesk-popup-layer").textContent,
            heads: Array.from(popup.querySelectorAll("th"), (th) => th.textContent),
            cells: Array.from(popup.querySelectorAll("td"), (td) => td.textContent),
            links: Array.from(popup.querySelectorAll("a"), (a) => [a.href, a.rel, a.target]),
            elements: Array.from(popup.querySelectorAll("td *"), (e) => e.tagName),
            tooltip: marker.getTooltip().getElement().textContent,
        });
    });
})
"""


def test_a_big_clustered_layer_opens_popups_with_the_right_values(
    browser: Any, tmp_path: Path
) -> None:
    count = 3000
    frame = fixit_frame(
        {
            "request_id": list(range(10_000, 10_000 + count)),
            "title": [PAYLOADS[i % len(PAYLOADS)] for i in range(count)],
            "status": [("open", "closed", "<b>held</b>")[i % 3] for i in range(count)],
            "media_url": [
                f"https://fixit.example.org/{i}" if i % 2 else f"javascript:window.__xss({i})"
                for i in range(count)
            ],
        }
    )
    layer = VectorLayer(frame, "FixIt")
    layer.symbology = categorize(layer.data, "status", layer.style)
    target = tmp_path / "big.html"
    result = export_web_map(project_of(layer), target, WebMapOptions(basemap=None))
    assert result.clustered == ("FixIt",) and result.features == count
    watch = Watch()
    page = _open(browser, target, watch)
    page.wait_for_selector(".marker-cluster")
    for row in (0, 1, 1234, count - 1):
        point = frame.geometry.iloc[row]
        found = page.evaluate(OPEN_CLUSTERED, [round(point.y, 6), round(point.x, 6)])
        assert found["markers"] == count
        assert found["title"] == "FixIt"
        assert found["heads"] == ["request_id", "title", "status", "media_url"]
        expected = frame.iloc[row]
        assert found["cells"] == [
            str(expected["request_id"]),
            shown(expected["title"]),
            expected["status"],
            expected["media_url"],
        ]
        if row % 2:
            assert found["links"] == [
                [expected["media_url"], "noopener noreferrer nofollow", "_blank"]
            ]
            assert found["elements"] == ["A"]
        else:
            assert found["links"] == [] and found["elements"] == []
        assert found["tooltip"] == f"request_id: {expected['request_id']}"
    page.wait_for_timeout(300)
    assert watch.problems() == {}
    page.context.close()
