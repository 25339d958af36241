"""The web map's Content-Security-Policy, its script nonce and the pinned libraries.

The page loads Leaflet (and, for clustered layers, leaflet.markercluster)
from one CDN host, pinned to a version with Subresource Integrity hashes
(measured on the npm packages). Every inline ``<script>`` and ``<style>``
that folium and mapdesk emit gets a fresh per-file nonce *after* the page is
generated; the policy allows scripts only from that nonce and the CDN host.
Data never carries a nonce: the layers' data sits in
``<script type="application/json">`` elements (not run, no nonce) as JSON
whose text holds no ``<``, so it can neither end its element nor open one;
the page's script shows values with ``textContent``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from mapdesk.export.formats import ExportError

CDN = "https://cdn.jsdelivr.net"


@dataclass(frozen=True)
class Asset:
    """One library file the page loads (``name`` is folium's key for it)."""

    name: str
    url: str
    integrity: str


LEAFLET_JS = Asset(
    "leaflet",
    f"{CDN}/npm/leaflet@1.9.4/dist/leaflet.js",
    "sha384-cxOPjt7s7Iz04uaHJceBmS+qpjv2JkIHNVcuOrM+YHwZOmJGBXI00mdUXEq65HTH",
)
LEAFLET_CSS = Asset(
    "leaflet_css",
    f"{CDN}/npm/leaflet@1.9.4/dist/leaflet.css",
    "sha384-sHL9NAb7lN7rfvG5lfHpm643Xkcjzp4jFvuavGOndn6pjVqS6ny56CAt3nsEVT4H",
)
CLUSTER_JS = Asset(
    "markerclusterjs",
    f"{CDN}/npm/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js",
    "sha384-eXVCORTRlv4FUUgS/xmOyr66XBVraen8ATNLMESp92FKXLAMiKkerixTiBvXriZr",
)
CLUSTER_CSS = (
    Asset(
        "markerclustercss",
        f"{CDN}/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.css",
        "sha384-pmjIAcz2bAn0xukfxADbZIb3t8oRT9Sv0rvO+BR5Csr6Dhqq+nZs59P0pPKQJkEV",
    ),
    Asset(
        "markerclusterdefaultcss",
        f"{CDN}/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.Default.css",
        "sha384-wgw+aLYNQ7dlhK47ZPK7FRACiq7ROZwgFNg0m04avm4CaXS+Z9Y7nMu8yNjBKYC+",
    ),
)
ASSETS = (LEAFLET_JS, LEAFLET_CSS, CLUSTER_JS, *CLUSTER_CSS)


@dataclass(frozen=True)
class Basemap:
    """A tile layer under the data: an http(s) URL template and its attribution (HTML,
    from mapdesk's configuration, never from data)."""

    name: str
    url: str
    attribution: str
    max_zoom: int = 19


OPENSTREETMAP = Basemap(
    "OpenStreetMap",
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)

#: Inline scripts and styles to give the nonce: not the layers' data elements
#: (``type="application/json"``), which the browser never runs.
_OPENING_TAG = re.compile(r'<(script|style)\b(?![^<>]*\btype="application/json")', re.IGNORECASE)
_HEAD = re.compile(r"<head>", re.IGNORECASE)
_NONCED_TAG = re.compile(r"<[a-z]+\b[^<>]*\bnonce\s*=", re.IGNORECASE)


def new_nonce() -> str:
    """A fresh nonce for one file (128+ bits, base64url)."""
    return secrets.token_urlsafe(24)


def origin(url: str) -> str:
    """``https://host`` of a URL; a ``{s}`` sub-domain pattern becomes ``*.``."""
    parts = urlsplit(url.replace("{s}.", "a."))
    host = parts.hostname or ""
    if "{s}." in url:
        host = "*." + host.split(".", 1)[1]
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def content_security_policy(nonce: str, image_origins: Iterable[str] = ()) -> str:
    """The policy: nothing by default; scripts and styles from the CDN or the nonce."""
    images = " ".join(sorted({CDN, *image_origins}))
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'nonce-{nonce}' {CDN}",
            f"style-src 'nonce-{nonce}' {CDN}",
            f"img-src {images} data:",
            "connect-src 'none'",
            "font-src 'none'",
            "object-src 'none'",
            "frame-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


def secure_page(page: str, nonce: str, policy: str) -> str:
    """``page`` with the policy as its first ``<head>`` element, the nonce on every
    inline script (but the JSON data elements) and style, and integrity hashes on
    the library files.

    Raises
    ------
    ExportError
        If the generated page is not what mapdesk expects (no ``<head>``, a
        nonce already present, unbalanced script elements): a page that
        cannot be proved safe is not written.
    """
    if _NONCED_TAG.search(page) or len(_HEAD.findall(page)) != 1:
        raise ExportError("The web page folium generated has an unexpected layout")
    opened = len(re.findall(r"<script\b", page, re.IGNORECASE))
    closed = len(re.findall(r"</script\s*>", page, re.IGNORECASE))
    if opened != closed:
        raise ExportError("The web page folium generated has unbalanced script elements")
    page = _OPENING_TAG.sub(lambda m: f'<{m.group(1)} nonce="{nonce}"', page)
    for asset in ASSETS:
        page = _with_integrity(page, asset)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    return _HEAD.sub(lambda m: f"{m.group(0)}\n    {meta}", page, count=1)


def _with_integrity(page: str, asset: Asset) -> str:
    check = f'integrity="{asset.integrity}" crossorigin="anonymous"'
    page = page.replace(f'src="{asset.url}"', f'src="{asset.url}" {check}')
    return page.replace(f'href="{asset.url}"', f'href="{asset.url}" {check}')
