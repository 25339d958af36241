"""Fuzz inputs are read the way Add Layer reads a user's file: in the reader sandbox."""

from __future__ import annotations

import pytest

from mapdesk.io.sandbox import ENABLED_ENV, FAULT_ENV, MEMORY_LIMIT_ENV, TIME_LIMIT_ENV
from tests.io.fuzz.harness import SECONDS_PER_INPUT

#: The child's address-space limit: a reader trusting a huge declared size is refused
#: with a message, not allowed to take the CI machine's memory (RELIABILITY.md row 9).
MEMORY_MB = 1536


@pytest.fixture(autouse=True)
def sandboxed_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read in the child, 20 s per input (GDAL's fuzzer budget), 1.5 GB of memory."""
    monkeypatch.setenv(ENABLED_ENV, "1")  # never in process: a segfault would end pytest
    monkeypatch.setenv(TIME_LIMIT_ENV, str(SECONDS_PER_INPUT))
    monkeypatch.setenv(MEMORY_LIMIT_ENV, str(MEMORY_MB))
    monkeypatch.delenv(FAULT_ENV, raising=False)
