"""Figures for docs/reliability.md, recorded by the tests that measure them.

RELIABILITY.md's matrix asks for figures ("0 crashes in 500 inputs"), not
just green ticks. A test that measures one calls :func:`record` with what it
counted, and then asserts on the same counts, so the figure in the document
and the pass/fail of the test can never disagree. Recording does nothing
unless ``MAPDESK_RELIABILITY_LOG`` names a file; ``scripts/reliability_report.py``
sets it, runs the tests and turns the lines into docs/reliability.md.

Each call appends one JSON line. Lines are short and written with a single
``write`` in append mode, so tests run by several processes can share the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

LOG_ENV = "MAPDESK_RELIABILITY_LOG"

#: The counts a figure may carry, in the order the report shows them.
#: ``inputs`` and ``faults`` are what was tried; the rest are outcomes, and
#: every outcome but ``loaded``, ``refused`` and ``contained`` must be 0.
COUNTS = (
    "inputs",
    "faults",
    "loaded",
    "refused",
    "contained",
    "crashes",
    "hangs",
    "unhandled",
    "source_changes",
    "lost_edits",
)
#: Outcomes that are failures: the acceptance of issue 10 wants each at 0.
FAILURES = ("crashes", "hangs", "unhandled", "source_changes", "lost_edits")


def record(row: int, case: str, **counts: int | float | str) -> None:
    """Append the figures of one measured case of RELIABILITY.md row ``row``.

    Parameters
    ----------
    row
        The row of RELIABILITY.md's test matrix (1-25).
    case
        A short description a reader understands ("GeoJSON byte flips").
    counts
        Names from :data:`COUNTS` with integer values, plus free-form
        measurements (``largest_gap_ms=143``) the report lists as they are.
    """
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    for name in COUNTS:
        value = counts.get(name)
        if value is not None and not isinstance(value, int):
            raise TypeError(f"reliability count {name}={value!r} must be an int")
    line = json.dumps({"row": row, "case": case, **counts}, sort_keys=True) + "\n"
    # One write of one line in append mode: safe to share between processes.
    with Path(path).open("a", encoding="utf-8") as log:
        log.write(line)
