"""Write tests/io/data/corpus_expected.json from what mapdesk.io does today.

Run from the repository root after a deliberate change in how a corpus file
reads::

    .venv/bin/python tests/io/make_corpus_expected.py

then review the diff by hand against ../shared/corpus/MANIFEST.md before
committing it: the file is the record of what each corpus file must give
(feature counts per layer, or the error class and key words of its message).
A crash, a timeout or a raw library exception is never written as expected:
the script stops and says which file to fix.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from corpus_runner import CORPUS, EXPECTED, attempt_all, data_files


def key_phrase(message: str) -> str:
    """The words after the file name, up to the first clause break (max 8 words)."""
    after = message.split(": ", 1)[1] if ": " in message else message
    clause = re.split(r"[;,(]|\. ", after, maxsplit=1)[0]
    return " ".join(clause.split()[:8])


def _error(outcome: dict[str, Any], basename: str) -> dict[str, Any]:
    return {"error": outcome["error"], "contains": [basename, key_phrase(outcome["message"])]}


def _layer(outcome: dict[str, Any], basename: str) -> dict[str, Any]:
    if "error" in outcome:
        return _error(outcome, basename)
    return {"count": outcome["count"], "reader": outcome["reader"]}


def expectation(relative: str, outcome: dict[str, Any]) -> dict[str, Any]:
    """The expected-outcome record for one file."""
    if "crash" in outcome or "raw" in outcome:
        raise SystemExit(f"{relative}: not a clean outcome, fix the reader first: {outcome}")
    basename = Path(relative).name
    if "error" in outcome:
        return _error(outcome, basename)
    layers = outcome["layers"]
    bad = [name for name, o in layers.items() if "raw" in o]
    if bad:
        raise SystemExit(f"{relative}: raw exception in layers {bad}: {layers}")
    return {"layers": {name: _layer(o, basename) for name, o in layers.items()}}


def main() -> None:
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found at {CORPUS}")
    started = time.monotonic()
    outcomes = attempt_all(data_files())
    expected = {rel: expectation(rel, outcome) for rel, outcome in outcomes.items()}
    EXPECTED.parent.mkdir(exist_ok=True)
    EXPECTED.write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    took = time.monotonic() - started
    print(f"{len(expected)} files in {took:.0f} s -> {EXPECTED}")


if __name__ == "__main__":
    main()
