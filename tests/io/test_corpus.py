"""Every file of the shared corpus gives its recorded outcome, in a child process.

The acceptance rule: each data file loads with the right feature count per
layer, or raises a MapdeskError whose message names the file; none crashes or
hangs. Outcomes are recorded in ``data/corpus_expected.json`` (written by
``make_corpus_expected.py`` and reviewed by hand against the corpus MANIFEST),
so a file that starts failing, a changed count or a changed reader fails here.
Files found in the corpus but not recorded are held to the general rule only.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

# pytest runs with --import-mode=importlib, which puts no test folder on sys.path.
sys.path.insert(0, str(Path(__file__).parent))
from corpus_runner import CORPUS, EXPECTED, attempt_all, data_files

pytestmark = pytest.mark.corpus

if not CORPUS.is_dir() and not os.environ.get("CI"):
    pytest.skip(f"shared corpus not found at {CORPUS}", allow_module_level=True)

FILES = data_files() if CORPUS.is_dir() else []
EXPECTATIONS: dict[str, Any] = json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Any]:
    """Every file attempted once, two at a time, each in a worker process."""
    return attempt_all(FILES)


def test_the_corpus_is_there():
    assert CORPUS.is_dir(), f"the shared corpus is missing: {CORPUS}"
    assert FILES


def test_every_recorded_file_is_still_in_the_corpus():
    assert sorted(set(EXPECTATIONS) - set(FILES)) == []


def _assert_clean(outcome: dict[str, Any], basename: str) -> None:
    """No crash, hang or raw library exception; every message names the file."""
    parts = [outcome, *outcome.get("layers", {}).values()]
    for part in parts:
        assert "crash" not in part, part["crash"]
        assert "raw" not in part, f"a raw exception escaped: {part['raw']}"
        if "error" in part:
            assert basename in part["message"], part["message"]


def _assert_error(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    assert actual.get("error") == expected["error"], actual
    for words in expected["contains"]:
        assert words.lower() in actual["message"].lower(), (words, actual["message"])


def _assert_layer(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    if "error" in expected:
        _assert_error(actual, expected)
    else:
        assert actual == {"count": expected["count"], "reader": expected["reader"]}


@pytest.mark.parametrize("relative", FILES)
def test_corpus_file(relative: str, outcomes: dict[str, Any]) -> None:
    outcome = outcomes[relative]
    _assert_clean(outcome, Path(relative).name)
    expected = EXPECTATIONS.get(relative)
    if expected is None:
        return
    if "error" in expected:
        _assert_error(outcome, expected)
        return
    assert "layers" in outcome, outcome
    assert list(outcome["layers"]) == list(expected["layers"])
    for name, layer in expected["layers"].items():
        _assert_layer(outcome["layers"][name], layer)
