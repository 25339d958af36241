"""The fuzz harness counts what it must fail on: it is no use if it cannot see a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapdesk.io.sandbox import FAULT_ENV
from tests.io.fuzz import harness
from tests.io.fuzz.harness import FuzzTarget
from tests.io.fuzz.seeds import CSV_SEED
from tests.support.reliability import LOG_ENV

pytestmark = pytest.mark.reliability

MAIN = "fuzz.csv"


def test_a_reader_crash_is_contained_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = FuzzTarget(tmp_path, MAIN)
    monkeypatch.setenv(FAULT_ENV, f"segv:{tmp_path / MAIN}")
    assert target.feed("segfaulting input", {MAIN: CSV_SEED.encode()}) == "contained"
    assert target.tally.notable[0][:2] == ("contained", "segfaulting input")


def test_an_escaping_exception_or_a_nameless_message_is_unhandled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mapdesk.core.errors import DataSourceError

    monkeypatch.delenv(LOG_ENV, raising=False)  # no made-up figure in docs/reliability.md
    target = FuzzTarget(tmp_path, MAIN)
    for error in (KeyError("geometry"), DataSourceError("AttributeError: no dtype")):
        monkeypatch.setattr(harness, "load_user_layer", _raising(error))
        assert target.feed(repr(error), {MAIN: CSV_SEED.encode()}) == "unhandled"
    with pytest.raises(AssertionError, match="unhandled"):
        target.tally.record_and_check("harness check", 2)


def test_a_changed_source_or_a_new_sidecar_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = FuzzTarget(tmp_path, MAIN)

    def writes_beside(path: str, layer: str | None) -> None:
        Path(path).with_suffix(".csvt").write_text("String")

    monkeypatch.setattr(harness, "load_user_layer", writes_beside)
    assert target.feed("sidecar writer", {MAIN: CSV_SEED.encode()}) == "source_changes"


def _raising(error: Exception):  # type: ignore[no-untyped-def]
    def load(path: str, layer: str | None) -> None:
        raise error

    return load
