"""Child process for the corpus test: attempts files and reports outcomes as JSON.

Run as ``python corpus_worker.py <corpus root>``; it reads one relative path per
line on stdin and answers one JSON line per path. A GDAL crash or hang kills
only this process; the parent (test_corpus.py or make_corpus_expected.py)
records it as that file's outcome and starts a new worker.

The protocol uses a private copy of stdout: the real stdout is pointed at
stderr first, so anything GDAL or a library prints cannot corrupt the answers.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any


def _failure(exc: BaseException) -> dict[str, Any]:
    from mapdesk.core.errors import MapdeskError

    if isinstance(exc, MapdeskError):
        return {"error": type(exc).__name__, "message": str(exc)}
    # Not a MapdeskError: a raw library exception escaped, which is a bug.
    return {"raw": f"{type(exc).__module__}.{type(exc).__name__}: {exc}"}


def _read(path: Path, layer: str) -> dict[str, Any]:
    from mapdesk.io import read_layer

    try:
        result = read_layer(path, layer)
    except Exception as exc:
        return _failure(exc)
    return {"count": len(result.frame), "reader": result.source.reader}


def attempt(path: Path) -> dict[str, Any]:
    """List the layers of ``path`` and read each; every outcome as plain data."""
    from mapdesk.io import list_layers

    try:
        infos = list_layers(path)
    except Exception as exc:
        return _failure(exc)
    return {"layers": {info.name: _read(path, info.name) for info in infos}}


def _self_test(relative: str) -> None:
    # Names no real file has, so the runner's own test can make a worker
    # crash like a GDAL segfault, or hang.
    if relative == "<crash>":
        os.abort()
    if relative == "<hang>":
        time.sleep(3600)


def main() -> None:
    root = Path(sys.argv[1])
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    warnings.simplefilter("ignore")
    import mapdesk.io  # noqa: F401  (imported once, before the first file)

    answers.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        relative = line.rstrip("\n")
        _self_test(relative)
        answers.write(json.dumps({"path": relative, **attempt(root / relative)}) + "\n")


if __name__ == "__main__":
    main()
