"""How long the UI thread freezes under a million features (RELIABILITY.md row 23).

``python benchmarks/responsiveness.py [--out results.json]``

Runs ``tests/ui/test_ui_responsive.py`` (the real main window, offscreen, on a
generated 1M-point GeoPackage) in a child pytest, any expected failures
included, and collects the figures its tests record: for each phase (``load``,
``render``, ``table``, ``export_gpkg``, ``export_geojson``, ``cancel_load``,
``cancel_export``)
the largest gap between two ticks of a 10 ms heartbeat on the UI thread and the
99th percentile, in ms (and ``cancel_ms`` for Cancel). The targets are a
largest gap <= 200 ms, p99 <= 100 ms and Cancel <= 1 s. The figures depend on
the machine's load: run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEST_MODULE = "tests/ui/test_ui_responsive.py"
#: What each phase's figures are named in the results.
MEASURES = ("largest_gap_ms", "p99_ms", "cancel_ms")


def responsiveness_figures() -> dict[str, dict[str, float]]:
    """Phase -> its figures, measured by the test module in a child pytest."""
    with tempfile.TemporaryDirectory(prefix="mapdesk-responsive-") as folder:
        log = Path(folder) / "figures.jsonl"
        env = {
            **os.environ,
            "MAPDESK_RELIABILITY_LOG": str(log),
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        command = [sys.executable, "-m", "pytest", "-q", "--runxfail", "-m", "", TEST_MODULE]
        # The tests' pass/fail is not the point here: the figures are.
        subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=sys.stderr)
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return figures_by_phase(json.loads(line) for line in lines)


def figures_by_phase(records: Any) -> dict[str, dict[str, float]]:
    """The row-23 records (one per phase) as phase -> {measure: value}."""
    return {
        str(rec["phase"]): {name: rec[name] for name in MEASURES if name in rec}
        for rec in records
        if rec.get("row") == 23 and "phase" in rec
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="where to write the results JSON")
    args = parser.parse_args(argv)
    figures = responsiveness_figures()
    text = json.dumps(figures, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0 if figures else 1


if __name__ == "__main__":
    sys.exit(main())
