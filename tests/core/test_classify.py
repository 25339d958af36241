"""mapdesk's own class breaks equal mapclassify's, and symbology no longer imports it.

mapclassify (a dev dependency only) is the reference: graduated styles used it
until its import of scikit-learn made the installer 35 MB larger, and a
project styled before the switch must get the same classes after it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mapdesk.core import classify
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import JENKS_SAMPLE, _breaks, _jenks_sample, graduate

mapclassify = pytest.importorskip("mapclassify")

REPO_ROOT = Path(__file__).resolve().parents[2]
Array = npt.NDArray[np.float64]


def _reference(scheme: str, values: Array, classes: int) -> Array:
    """mapclassify's bins (its warnings, e.g. "Numba not installed", silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if scheme == "quantiles":
            result = mapclassify.Quantiles(values, k=classes)
        elif scheme == "equal_interval":
            result = mapclassify.EqualInterval(values, k=classes)
        elif scheme == "natural_breaks":
            result = mapclassify.FisherJenks(values, k=classes)
        else:
            result = mapclassify.StdMean(values)
    return np.asarray(result.bins, dtype=float)


MINE: dict[str, Callable[[Array, int], Array]] = {
    "quantiles": classify.quantile_bounds,
    "equal_interval": classify.equal_interval_bounds,
    "natural_breaks": classify.natural_breaks,
    "std_mean": lambda values, _classes: classify.std_mean_bounds(values),
}


def _assert_same(scheme: str, values: Array, classes: int) -> None:
    mine = MINE[scheme](values, classes)
    theirs = _reference(scheme, values, classes)
    assert mine.shape == theirs.shape, (scheme, classes, mine, theirs)
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=0)


def _applicable(scheme: str, values: Array, classes: int) -> bool:
    """Whether mapclassify classifies these values (it refuses some inputs)."""
    if scheme == "equal_interval":
        return bool(values.min() != values.max())
    if scheme == "natural_breaks":
        return len(np.unique(values)) >= classes
    return True


rng = np.random.default_rng(20260127)
FIXED: dict[str, Array] = {
    "normal": rng.normal(50, 12, 200),
    "ties": np.repeat([1.0, 2.0, 2.5, 7.0, 7.0, 9.0], [30, 5, 12, 40, 1, 8]),
    "few distinct": rng.integers(0, 4, 80).astype(float),
    "negative": -rng.exponential(1000, 150),
    "one outlier": np.append(rng.uniform(0, 10, 120), 1e6),
    "integers": rng.integers(0, 90, 300).astype(float),
    "large offset": 4.0e9 + rng.normal(0, 3, 100),  # float32 sums: the reference's rounding
    "two values": np.array([3.0, 3.0, 8.0]),
}


@pytest.mark.parametrize("scheme", list(MINE))
@pytest.mark.parametrize("data", list(FIXED))
def test_fixed_cases_match_mapclassify(scheme: str, data: str) -> None:
    values = FIXED[data]
    for classes in range(1, 10):
        if _applicable(scheme, values, classes):
            _assert_same(scheme, values, classes)


finite = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)
value_lists = st.one_of(
    st.lists(finite, min_size=2, max_size=60),
    # Few distinct values: many ties, fewer quantiles than classes.
    st.lists(st.sampled_from([-3.0, 0.0, 0.5, 2.0, 1e4]), min_size=2, max_size=60),
    st.lists(st.integers(-50, 50).map(float), min_size=2, max_size=60),
)


@given(values=value_lists, classes=st.integers(1, 9), scheme=st.sampled_from(list(MINE)))
def test_breaks_match_mapclassify(values: list[float], classes: int, scheme: str) -> None:
    data = np.array(values, dtype=float)
    if _applicable(scheme, data, classes):
        _assert_same(scheme, data, classes)


def _old_breaks(values: Array, method: str, classes: int) -> list[float]:
    """``symbology._breaks`` as it was with mapclassify (kept to compare against)."""
    distinct = np.unique(values)
    if len(distinct) <= classes:
        return [float(v) for v in distinct]
    sample = _jenks_sample(values) if method == "natural_breaks" else values
    bins = _reference(method, sample, classes)
    bins = np.unique(bins[(bins > values.min()) & (bins < values.max())])
    return [*(float(b) for b in bins), float(values.max())]


@pytest.mark.parametrize("method", list(MINE))
@pytest.mark.parametrize("size", [40, 2 * JENKS_SAMPLE])
def test_graduated_breaks_are_unchanged(method: str, size: int) -> None:
    values = np.random.default_rng(size).lognormal(3, 1, size)
    for classes in (2, 5, 9):
        assert _breaks(values, method, classes) == _old_breaks(values, method, classes)


def test_errors_for_impossible_classifications() -> None:
    with pytest.raises(ValueError, match="equal"):
        classify.equal_interval_bounds(np.array([2.0, 2.0]), 3)
    with pytest.raises(ValueError, match="3 values into 4"):
        classify.natural_breaks(np.array([1.0, 2.0, 3.0]), 4)
    with pytest.raises(ValueError, match="No values"):
        classify.quantile_bounds(np.array([]), 3)


def test_natural_breaks_with_fewer_distinct_values_than_classes() -> None:
    """Possible in a sample of a skewed column: bounds repeat rather than fail."""
    bounds = classify.natural_breaks(np.array([0.0] * 10 + [1.0, 2.0]), 4)
    assert len(bounds) == 4
    assert bounds[-1] == 2.0
    assert set(bounds) <= {0.0, 1.0, 2.0}


def test_symbology_does_not_import_mapclassify_or_sklearn() -> None:
    """The installer leaves both out: graduating must never need them."""
    code = (
        "import sys\n"
        "import numpy as np, pandas as pd\n"
        "import mapdesk.core.symbology as s\n"
        "from mapdesk.core.style import LayerStyle\n"
        "frame = pd.DataFrame({'v': np.random.default_rng(0).normal(size=700)})\n"
        "for method in s.METHODS:\n"
        "    s.graduate(frame, 'v', LayerStyle(), method, 5)\n"
        "heavy = [m for m in ('mapclassify', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "print(s.__file__)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), *sys.path])}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(REPO_ROOT)


def test_graduate_still_covers_the_values() -> None:
    frame = pd.DataFrame({"v": np.append(np.arange(100.0), [5e3])})
    for method in MINE:
        styled = graduate(frame, "v", LayerStyle(), method, 5)
        assert styled.ranges[0].lower == 0.0
        assert styled.ranges[-1].upper == 5e3
