"""Class upper bounds for graduated styles: quantiles, equal interval, natural breaks, std. dev.

mapdesk once asked mapclassify for these, but mapclassify imports scikit-learn
(and with it joblib, threadpoolctl and much of SciPy) the moment it is imported,
which cost the installer about 35 MB for four small schemes. These functions
give the same bounds as the mapclassify classifiers named in each docstring,
to the last bit, so a project styled before the change gets the same classes
after it (tests/core/test_classify.py compares the two on many inputs). That is
also why each keeps the reference's floating-point steps, not a tidier formula:
``np.percentile`` or a float64 natural-breaks table would move a bound by a
rounding error, or pick another break where two are (nearly) equally good.

Each function returns the upper bound of each class, lowest first, as a float
array; the last bound is the maximum except for the standard-deviation scheme,
whose bounds follow the mean and spread rather than the data's ends. Values are
finite numbers (the caller drops NULLs); these functions do not filter them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Values = npt.ArrayLike
Bounds = npt.NDArray[np.float64]

#: Multiples of the standard deviation about the mean (mapclassify.StdMean's default).
STD_MULTIPLES: tuple[float, ...] = (-2.0, -1.0, 1.0, 2.0)


def _flat(values: Values) -> npt.NDArray[np.float64]:
    data = np.asarray(values, dtype=np.float64).ravel()
    if data.size == 0:
        raise ValueError("No values to classify")
    return data


def quantile_bounds(values: Values, classes: int) -> Bounds:
    """Bounds putting about the same number of values in each class (Quantiles).

    The ``classes`` cut points are the percentiles 100/k, 200/k, ..., 100 of the
    values, each linearly interpolated between the two sorted values around it.
    Where ties make two percentiles equal they are one bound, so there can be
    fewer classes than asked for.
    """
    data = np.sort(_flat(values))
    if classes < 1:
        raise ValueError(f"At least one class is needed, not {classes}")
    # The percentiles as an arange of steps of 100/k (as the reference does): the
    # float steps can land one past 100, which is then 100 and merges with the last.
    step = 100.0 / classes
    percents = np.arange(step, 100 + step, step)
    if percents[-1] > 100.0:
        percents[-1] = 100.0
    position = percents / 100.0 * (len(data) - 1)
    below = position.astype(np.intp)
    exact = below == position
    above = np.minimum(below + 1, len(data) - 1)
    # Weighted mean of the two neighbours, divided by the weights' (rounded) sum.
    weight_above = position - below
    weight_below = (below + 1) - position
    mixed = (data[below] * weight_below + data[above] * weight_above) / (
        weight_below + weight_above
    )
    return np.unique(np.where(exact, data[below], mixed))


def equal_interval_bounds(values: Values, classes: int) -> Bounds:
    """Bounds splitting the range into ``classes`` equally wide classes (EqualInterval).

    Raises
    ------
    ValueError
        If every value is the same (there is no range to split).
    """
    data = _flat(values)
    if classes < 1:
        raise ValueError(f"At least one class is needed, not {classes}")
    lowest, highest = data.min(), data.max()
    if lowest == highest:
        raise ValueError("All values are equal: there is no range to split into classes")
    width = (highest - lowest) * 1.0 / classes
    # Stepped as the reference steps (an arange), which may overshoot by one cut
    # through rounding; the last bound is always exactly the maximum.
    cuts = np.arange(lowest + width, highest + width, width)[:classes].astype(np.float64)
    cuts[-1] = highest
    return cuts


def std_mean_bounds(values: Values, multiples: tuple[float, ...] = STD_MULTIPLES) -> Bounds:
    """Bounds at the mean plus each multiple of the standard deviation (StdMean).

    The sample standard deviation (n - 1) is used. When the last of those bounds
    is below the maximum, the maximum is added, so the top class holds the rest.
    The bounds may lie outside the data: callers keep the ones they want.
    """
    data = _flat(values)
    spread = data.std(ddof=1)
    mean = data.mean()
    cuts = [mean + spread * multiple for multiple in multiples]
    highest = data.max()
    if cuts[-1] < highest:
        cuts.append(highest)
    return np.array(cuts, dtype=np.float64)


def natural_breaks(values: Values, classes: int) -> Bounds:
    """Fisher–Jenks natural breaks: the bounds least spread within classes (FisherJenks).

    The exact optimum by Fisher's dynamic programme over the sorted values: for
    every prefix of the values and every number of classes, the cost of the
    cheapest split (the sum of squared deviations from each class's mean) and
    where its last class starts. Quadratic in the number of values, so callers
    sample large columns. Each bound is a data value: the largest in its class.

    The running sums and costs are float32, computed in the reference's order,
    and of equally cheap splits the one with the shortest last class wins: this
    is what makes the breaks the reference's ones even where float32 rounding
    makes several splits cost the same (ties, large values, big offsets).

    Raises
    ------
    ValueError
        If there are fewer values than classes.
    """
    data = np.sort(_flat(values))
    count = len(data)
    if classes < 1 or count < classes:
        raise ValueError(f"Cannot put {count} values into {classes} classes")
    single = data.astype(np.float32)
    squares = single * single
    # cost[end, k]: least cost of splitting data[:end] into k classes; start[end, k]:
    # where (1-based) the last of those classes begins. Rows 0 and 1 are the base
    # cases (no value / one value: cost 0, the class starting at the first value).
    cost = np.zeros((count + 1, classes + 1), dtype=np.float32)
    cost[2:, 1:] = np.inf
    start = np.zeros((count + 1, classes + 1), dtype=np.intp)
    start[1, 1:] = 1
    sizes = np.arange(1, count + 1, dtype=np.float32)
    for end in range(2, count + 1):
        # Cost of a last class of the m values before ``end``, for m = 1 .. end,
        # summing from the end backwards (sequential float32 sums, as the reference).
        total = np.cumsum(single[end - 1 :: -1], dtype=np.float32)
        total_squares = np.cumsum(squares[end - 1 :: -1], dtype=np.float32)
        within = total_squares - (total * total) / sizes[:end]
        if classes > 1:
            # Last class of m = 1 .. end-1 values after the best split of the
            # end-m values before it into k-1 classes (rows end-1 down to 1).
            candidates = within[: end - 1, None] + cost[end - 1 : 0 : -1, 1:classes]
            _keep_cheapest(candidates, cost[end, 2:], start[end, 2:], end)
        cost[end, 1] = within[end - 1]
        start[end, 1] = 1
    bounds = np.zeros(classes + 1, dtype=np.float64)
    bounds[classes] = data[count - 1]
    bounds[0] = data[0]
    end = count
    for k in range(classes, 1, -1):
        first = int(start[end, k])
        bounds[k - 1] = data[first - 2]  # the last value of the class before
        end = first - 1
    return bounds[1:]


def _keep_cheapest(
    candidates: npt.NDArray[np.float32],
    cost: npt.NDArray[np.float32],
    start: npt.NDArray[np.intp],
    end: int,
) -> None:
    """Write each column's cheapest candidate (rows: last-class sizes 1, 2, ...) in place.

    Of equal costs the largest size wins, and NaN costs (float32 overflow on huge
    values) never do; a column of NaNs only keeps its infinite cost and start 0.
    These are the reference's ``>=`` comparisons, made one candidate at a time.
    """
    valid = ~np.isnan(candidates)
    cheapest = np.where(valid, candidates, np.inf).min(axis=0)
    hits = valid & (candidates == cheapest)
    found = hits.any(axis=0)
    size = len(candidates) - np.argmax(hits[::-1], axis=0)  # the largest size that hits
    cost[found] = cheapest[found]
    start[found] = end - size[found] + 1
