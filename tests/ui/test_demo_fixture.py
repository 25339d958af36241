"""The demo fixture fails loudly when the committed demo GeoPackage is missing."""

from __future__ import annotations

import pytest

from mapdesk.core.errors import DataSourceError
from mapdesk.io import demo


def test_a_missing_demo_fails_the_test_instead_of_skipping_it(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise DataSourceError("The demo data (greater_portland_demo.gpkg) is missing")

    monkeypatch.setattr(demo, "open_demo_project", missing)
    outcome: BaseException | None = None
    try:  # pytest.raises would let a Skipped through and turn this test into a skip
        request.getfixturevalue("demo_project")
    except BaseException as exc:
        outcome = exc
    assert isinstance(outcome, pytest.fail.Exception), type(outcome)
    assert "greater_portland_demo.gpkg" in str(outcome)


def test_the_committed_demo_opens(demo_project: object) -> None:
    assert len(demo_project.layers) > 10  # type: ignore[attr-defined]
