"""Writing a NENA validation: report.json, an HTML report, and an error-location layer.

report.json is the interface other tools read:
``{"rules": {rule_id: count}, "errors": [{"rule", "layer", "fid", "nguid",
"message", "x", "y"}]}`` with x/y in EPSG:4326. The HTML report is for a
person; every value in it comes from the data (street names, NGUIDs, agency
names), so all of it is escaped and the page runs no script. The error layer
puts each finding at its place (points in EPSG:4326) for a map.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from mapdesk.core.analysis.nena import RULES, Finding, ValidationResult
from mapdesk.core.serialize import write_text_atomically
from mapdesk.export.formats import ExportError
from mapdesk.export.vector import ExportResult, Progress, export_vector
from mapdesk.export.web_escape import escape_text

#: The layer name of the error layer in a GeoPackage.
ERROR_LAYER = "nena_errors"
#: Rows per rule the HTML report lists (report.json and the error layer hold them all).
HTML_ROWS_PER_RULE = 1000


def report_json(result: ValidationResult) -> str:
    """The report.json text."""
    return json.dumps(result.to_report(), indent=2, ensure_ascii=False) + "\n"


def write_report_json(result: ValidationResult, path: Path) -> None:
    """Write report.json (atomically: a failed write leaves any old file).

    Raises
    ------
    ExportError
        When the file cannot be written, naming it.
    """
    _write_text(path, report_json(result))


def write_report_html(result: ValidationResult, path: Path, source: str = "") -> None:
    """Write the HTML report (see :func:`report_html`).

    Raises
    ------
    ExportError
        When the file cannot be written, naming it.
    """
    _write_text(path, report_html(result, source))


def _write_text(path: Path, text: str) -> None:
    try:
        write_text_atomically(path, text)
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}") from exc


def error_frame(result: ValidationResult) -> gpd.GeoDataFrame:
    """The findings as points in EPSG:4326 (no geometry where a finding has no place)."""
    findings = result.findings
    geometry = [None if f.x is None or f.y is None else shapely.Point(f.x, f.y) for f in findings]
    columns = {
        "rule": pd.Series([f.rule for f in findings], dtype="string"),
        "layer": pd.Series([f.layer for f in findings], dtype="string"),
        # "fid" is a GeoPackage's own feature id: the validated feature's goes beside it.
        "feature_fid": _fids(findings),
        "nguid": pd.Series([f.nguid for f in findings], dtype="string"),
        "message": pd.Series([f.message for f in findings], dtype="string"),
    }
    return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")


def _fids(findings: tuple[Finding, ...]) -> pd.Series:
    """The findings' fids: whole numbers when every fid is one (GeoPackage's), else text."""
    fids = [f.fid for f in findings]
    if all(fid is None or isinstance(fid, int) for fid in fids):
        return pd.Series(fids, dtype="Int64")
    return pd.Series([None if fid is None else str(fid) for fid in fids], dtype="string")


def _fid_text(finding: Finding) -> str | None:
    return None if finding.fid is None else str(finding.fid)


def write_error_layer(
    result: ValidationResult,
    path: Path,
    source: Path | None = None,
    progress: Progress = lambda step: None,
) -> ExportResult:
    """Write the error-location layer (``nena_errors`` in a GeoPackage; any vector format
    mapdesk exports to, by the extension). Refuses to replace ``source``, the data
    validated.

    Raises
    ------
    ExportError
        When the file cannot be written or is the data validated.
    """
    return export_vector(
        error_frame(result), path, layer_name=ERROR_LAYER, source=source, progress=progress
    )


# ---------------------------------------------------------------- HTML

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.n { text-align: right; } tr.none td { color: #888; }
code { font-size: 0.95em; } p.ok { color: #1a7f37; font-weight: bold; }
p.bad { color: #b42318; font-weight: bold; } .note { color: #555; }
"""


def report_html(result: ValidationResult, source: str = "") -> str:
    """The report as one self-contained HTML page: counts per rule, then the findings.

    Every value from the data is escaped; the page has no script, and its
    Content-Security-Policy allows none.
    """
    title = "NENA validation" + (f" of {source}" if source else "")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{escape_text(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape_text(title)}</h1>",
        _verdict(result),
        *_roles_html(result),
        *_notes_html(result),
        *_counts_html(result),
        *(_rule_html(rule, result) for rule in RULES if result.counts[rule]),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _verdict(result: ValidationResult) -> str:
    total = len(result.findings)
    if result.cancelled:
        return f'<p class="bad">Stopped before the end: {total:,} findings so far.</p>'
    if total == 0:
        return '<p class="ok">No errors found.</p>'
    rules = sum(1 for n in result.counts.values() if n)
    return f'<p class="bad">{total:,} errors found by {rules} of {len(RULES)} rules.</p>'


def _roles_html(result: ValidationResult) -> list[str]:
    if not result.roles:
        return []
    rows = [
        f"<tr><td>{escape_text(m.role)}</td><td>{escape_text(m.layer)}</td>"
        f"<td>{escape_text(m.reason)}</td></tr>"
        for m in result.roles.values()
    ]
    return [
        "<h2>Layers validated</h2>",
        "<table><tr><th>NENA layer</th><th>layer</th><th>recognised by</th></tr>",
        *rows,
        "</table>",
    ]


def _notes_html(result: ValidationResult) -> list[str]:
    if not result.notes:
        return []
    items = [f"<li>{escape_text(note)}</li>" for note in result.notes]
    return ["<h2>Notes</h2>", '<ul class="note">', *items, "</ul>"]


def _counts_html(result: ValidationResult) -> list[str]:
    rows = []
    for rule, count in result.counts.items():
        style = "" if count else ' class="none"'
        rows.append(
            f"<tr{style}><td><code>{rule}</code></td><td>{escape_text(RULES[rule])}</td>"
            f'<td class="n">{count:,}</td></tr>'
        )
    return [
        "<h2>Errors per rule</h2>",
        "<table><tr><th>rule</th><th>what it finds</th><th>errors</th></tr>",
        *rows,
        "</table>",
    ]


def _rule_html(rule: str, result: ValidationResult) -> str:
    findings = [f for f in result.findings if f.rule == rule]
    shown = findings[:HTML_ROWS_PER_RULE]
    rows = [
        f"<tr><td>{escape_text(f.layer)}</td><td>{escape_text(_fid_text(f) or '')}</td>"
        f"<td>{escape_text(f.nguid or '')}</td><td>{escape_text(f.message)}</td>"
        f"<td>{_place(f)}</td></tr>"
        for f in shown
    ]
    more = len(findings) - len(shown)
    tail = f'<p class="note">{more:,} more in report.json and the error layer.</p>' if more else ""
    return "\n".join(
        [
            f'<h2 id="{rule}"><code>{rule}</code>: {escape_text(RULES[rule])} '
            f"({len(findings):,})</h2>",
            "<table><tr><th>layer</th><th>fid</th><th>NGUID</th><th>message</th>"
            "<th>lat, lon</th></tr>",
            *rows,
            "</table>",
            tail,
        ]
    )


def _place(finding: Finding) -> str:
    if finding.x is None or finding.y is None:
        return ""
    return f"{finding.y:.6f}, {finding.x:.6f}"


__all__ = [
    "ERROR_LAYER",
    "ExportError",
    "error_frame",
    "report_html",
    "report_json",
    "write_error_layer",
    "write_report_html",
    "write_report_json",
]
