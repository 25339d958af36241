"""Shared test set-up: Qt offscreen, and where the shared corpus lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt tests never need a display; set before any test module imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"
DEMO_GPKG = REPO_ROOT / "data" / "greater_portland_demo.gpkg"


def corpus_path() -> Path:
    """The shared corpus; skip when absent except on CI, where it must exist."""
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"The shared corpus is missing on CI: {CORPUS}")
        pytest.skip(f"shared corpus not available at {CORPUS}")
    return CORPUS
