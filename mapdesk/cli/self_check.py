"""``mapdesk self-check``: is this installation whole? Versions, data paths, five checks.

A frozen or freshly installed mapdesk can start and still be broken: GDAL
without its data, PROJ without ``proj.db`` (every reprojection fails), a
Qt without its platform plugin (no map image), or a reader process that
cannot start from the frozen executable (no file can be added). Each check
below exercises one of those with the app's own code paths, so that a
support person (or the installer's smoke test) sees in one run what is
missing. Runs headless: Qt draws offscreen when there is no display.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mapdesk.io.versions import SoftwareReport, software_report

#: Exit status when any check fails (usage errors use 2).
EXIT_FAILED = 1

#: Portland City Hall, 389 Congress St, in WGS 84 (lon, lat).
CITY_HALL_LONLAT = (-70.2568, 43.6591)
#: Where PROJ 9 puts City Hall, computed once with pyproj 3.7 and kept here:
#: a bundle with broken or different PROJ data moves it.
CITY_HALL_EXPECTED = {
    "EPSG:26919": (398661.642, 4834778.329),  # NAD83 / UTM zone 19N
    "EPSG:26984": (892729.727, 91741.532),  # NAD83 / Maine West (metres)
}
#: 1 mm: the hard-coded values are rounded to it, and grid shifts move points by metres.
TOLERANCE_M = 0.001

#: The demo layer read by the check, and how many features it has (Portland,
#: South Portland, Cape Elizabeth).
DEMO_LAYER = "municipal_boundaries"
DEMO_FEATURES = 3
#: A rendered demo map with less than this share of non-background pixels drew nothing.
MIN_PAINTED_SHARE = 0.01
RENDER_SIZE = (400, 300)


@dataclass(frozen=True)
class CheckResult:
    """One check: its name, what it found when it passed, why it failed otherwise."""

    name: str
    detail: str = ""
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    def line(self) -> str:
        verdict = f"FAILED: {self.problem}" if self.problem else "ok"
        return f"  {self.name}: {verdict}" + (f" ({self.detail})" if self.detail else "")


class CheckFailed(Exception):
    """A check found the installation broken; the message says how."""


#: The name of the main-window check (``self-check --gui``).
WINDOW_CHECK = "Desktop window"
#: Opens, draws and closes the main window on the demo: (detail, problem).
WindowCheck = Callable[[], tuple[str, str]]


def run_self_check(
    out: TextIO,
    as_json: bool = False,
    check_window: WindowCheck | None = None,
) -> int:
    """Print the report and run every check; 0 when all pass, 1 otherwise.

    ``check_window`` (from the launcher, which may import the UI) opens the
    main window too. It runs first: the window needs a widget-capable Qt
    application, which the offscreen render check would otherwise pre-empt with
    a plain one; its result is listed last.
    """
    window = _window_result(check_window) if check_window is not None else None
    report = software_report(_qt_versions())
    results = [_run(name, check, report) for name, check in CHECKS]
    if window is not None:
        results.append(window)
    if as_json:
        document = {**report.as_dict(), "checks": [_result_dict(r) for r in results]}
        json.dump({**document, "ok": all(r.ok for r in results)}, out, indent=2)
        out.write("\n")
    else:
        out.write(_text(report, results))
    return 0 if all(r.ok for r in results) else EXIT_FAILED


def _qt_versions() -> dict[str, str]:
    try:
        from mapdesk.render.diagnostics import qt_versions

        return qt_versions()
    except Exception as exc:  # a broken Qt is a finding, not a crash
        return {"Qt": f"not available ({type(exc).__name__}: {exc})"}


def _run(name: str, check: Callable[[SoftwareReport], str], report: SoftwareReport) -> CheckResult:
    try:
        return CheckResult(name, detail=check(report))
    except CheckFailed as exc:
        return CheckResult(name, problem=str(exc))
    except Exception as exc:  # any other error is this check's failure, named
        return CheckResult(name, problem=f"{type(exc).__name__}: {exc}")


def _window_result(check_window: WindowCheck) -> CheckResult:
    try:
        detail, problem = check_window()
    except Exception as exc:  # the window check's own failure is its finding
        return CheckResult(WINDOW_CHECK, problem=f"{type(exc).__name__}: {exc}")
    return CheckResult(WINDOW_CHECK, detail=detail, problem=problem)


def _result_dict(result: CheckResult) -> dict[str, object]:
    return {
        "name": result.name,
        "ok": result.ok,
        "detail": result.detail or None,
        "problem": result.problem or None,
    }


def _text(report: SoftwareReport, results: list[CheckResult]) -> str:
    failed = [r for r in results if not r.ok]
    verdict = f"{len(failed)} of {len(results)} checks FAILED" if failed else "all checks passed"
    lines = ["mapdesk self-check", "", report.as_text(), "Checks:"]
    lines += [r.line() for r in results]
    return "\n".join([*lines, "", f"Self-check: {verdict}"]) + "\n"


# ---------------------------------------------------------------- the checks


def check_data_paths(report: SoftwareReport) -> str:
    """GDAL's data folder and PROJ's proj.db are where the libraries look."""
    broken = [p for p in report.data_paths if not p.ok and p.name != "Demo data"]
    if broken:
        raise CheckFailed("; ".join(f"{p.name} {p.path or ''}: {p.problem}" for p in broken))
    return "GDAL data and proj.db found"


def check_demo(report: SoftwareReport) -> str:
    """The demo GeoPackage opens through GDAL and holds the known boundaries."""
    demo = next(p for p in report.data_paths if p.name == "Demo data")
    if demo.path is None:
        raise CheckFailed(demo.problem)
    from mapdesk.io.registry import read_layer

    frame = read_layer(demo.path, DEMO_LAYER).frame
    if len(frame) != DEMO_FEATURES:
        raise CheckFailed(
            f"{demo.path}: layer {DEMO_LAYER} has {len(frame)} features, expected {DEMO_FEATURES}"
        )
    return f"{DEMO_LAYER}: {len(frame)} features"


def check_reprojection(_report: SoftwareReport) -> str:
    """Portland City Hall lands where PROJ put it when these values were made."""
    from mapdesk.core.crs import parse_crs, transform_xy

    lon, lat = CITY_HALL_LONLAT
    for code, (want_x, want_y) in CITY_HALL_EXPECTED.items():
        xs, ys = transform_xy([lon], [lat], parse_crs("EPSG:4326"), parse_crs(code))
        off = max(abs(float(xs[0]) - want_x), abs(float(ys[0]) - want_y))
        if not off <= TOLERANCE_M:  # also catches inf/NaN from a PROJ without data
            raise CheckFailed(
                f"PROJ put City Hall at {float(xs[0]):.3f}, {float(ys[0]):.3f} in {code}; "
                f"expected {want_x:.3f}, {want_y:.3f}"
            )
    return "City Hall to " + " and ".join(CITY_HALL_EXPECTED) + " within 1 mm"


def check_render(_report: SoftwareReport) -> str:
    """The demo draws to a PNG offscreen through the app's render path."""
    from mapdesk.io.demo import open_demo_project
    from mapdesk.render.diagnostics import painted_pixels
    from mapdesk.render.image import render_to_png

    project = open_demo_project()
    width, height = RENDER_SIZE
    with tempfile.TemporaryDirectory(prefix="mapdesk-self-check-") as folder:
        png = render_to_png(project, Path(folder) / "demo.png", width=width, height=height)
        painted = painted_pixels(png, project.background)
    if painted < MIN_PAINTED_SHARE * width * height:
        raise CheckFailed(f"the demo map drew {painted} pixels other than the background")
    return f"{width}x{height} PNG, {painted / (width * height):.0%} of pixels drawn"


def check_reader_process(_report: SoftwareReport) -> str:
    """A file the user adds is read by a spawned reader process (the sandbox)."""
    from mapdesk.io.loader import load_user_layer
    from mapdesk.io.sandbox import ENABLED_ENV, sandbox_enabled, shared_sandbox

    if not sandbox_enabled():
        raise CheckFailed(f"{ENABLED_ENV}={os.environ[ENABLED_ENV]} turns the reader process off")
    with tempfile.TemporaryDirectory(prefix="mapdesk-self-check-") as folder:
        path = Path(folder) / "self_check_points.geojson"
        path.write_text(json.dumps(_SAMPLE_POINTS), encoding="utf-8")
        layer = load_user_layer(str(path), None)
    names = sorted(str(n) for n in layer.data["name"])
    if names != ["City Hall", "Portland Head Light"]:
        raise CheckFailed(f"the reader process returned {names} from {path.name}")
    children = [pid for pid in shared_sandbox().child_pids() if pid != os.getpid()]
    if not children:
        raise CheckFailed("the file was read, but by no reader process")
    return f"GeoJSON read by reader process {children[0]}"


_SAMPLE_POINTS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": {"type": "Point", "coordinates": list(lonlat)},
        }
        for name, lonlat in (
            ("City Hall", CITY_HALL_LONLAT),
            ("Portland Head Light", (-70.2078, 43.6231)),
        )
    ],
}

CHECKS: tuple[tuple[str, Callable[[SoftwareReport], str]], ...] = (
    ("GDAL and PROJ data", check_data_paths),
    ("Demo data", check_demo),
    ("Reprojection", check_reprojection),
    ("Offscreen render", check_render),
    ("Reader process", check_reader_process),
)
