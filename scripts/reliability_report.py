"""Run the tests that measure RELIABILITY.md's rows and write docs/reliability.md.

    python scripts/reliability_report.py            # the tests marked "reliability"
    python scripts/reliability_report.py -- -x      # extra arguments go to pytest

The figures are recorded by the tests themselves (tests/support/reliability.py)
and each test asserts on the counts it records, so a run that writes the
document is a run in which every measured case passed. When pytest fails,
the document is left as it was and the command exits non-zero.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.reliability import LOG_ENV, failures, read_figures, render_markdown  # noqa: E402

TARGET = REPO / "docs" / "reliability.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=TARGET, help="where to write the report")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mapdesk-reliability-") as folder:
        log = Path(folder) / "figures.jsonl"
        log.touch()
        started = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-m",
                "reliability",
                "--basetemp",
                str(Path(folder) / "tmp"),
                *options.pytest_args,
            ],
            cwd=REPO,
            env={**os.environ, LOG_ENV: str(log), "QT_QPA_PLATFORM": "offscreen"},
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
        summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        if done.returncode != 0:
            print(done.stdout[-5000:], done.stderr[-3000:], sep="\n")
            print(f"pytest failed ({summary}); {options.output} left unchanged", file=sys.stderr)
            return 1
        figures = read_figures(log)
    if not figures:
        print("the tests recorded no figures; is the reliability marker set?", file=sys.stderr)
        return 1
    failed = failures(figures)
    if failed:  # the tests assert these are 0, so this means a test records without asserting
        print("figures with failures:", *failed, sep="\n  ", file=sys.stderr)
        return 1
    options.output.write_text(render_markdown(figures, _run_info(summary, seconds)), "utf-8")
    print(f"{options.output}: {len(figures)} cases, pytest: {summary}")
    return 0


def _run_info(summary: str, seconds: float) -> dict[str, str]:
    import pyogrio
    import pyproj
    import shapely
    from PySide6 import __version__ as pyside_version

    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "Command": "`python scripts/reliability_report.py`",
        "Run": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit `{commit or 'unknown'}`, "
        f"{seconds / 60:.1f} min on {os.cpu_count()} CPUs",
        "pytest": summary,
        "Versions": f"Python {platform.python_version()}, PySide6 {pyside_version}, "
        f"GDAL {pyogrio.__gdal_version_string__}, PROJ {pyproj.proj_version_str}, "
        f"GEOS {shapely.geos_version_string}",
    }


if __name__ == "__main__":
    sys.exit(main())
