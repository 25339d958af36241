"""The expression language of filters, selections and the field calculator.

A QGIS-like subset, parsed into an allowlisted syntax tree (``syntax``) and
evaluated over whole columns at once (``evaluator``). Nothing here uses
``eval``, ``exec``, ``DataFrame.query`` or ``pd.eval``: an expression can
only read fields, compute with the listed operators and functions, and fail
with an ``ExpressionError`` that points at the character concerned.

>>> import pandas as pd
>>> evaluate("upper(status) = 'OPEN' AND priority >= 2",
...          pd.DataFrame({"status": ["open", "closed"], "priority": [3, 1]})).tolist()
[True, False]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from mapdesk.core.errors import ExpressionError
from mapdesk.core.expression.evaluator import Context, evaluate_node
from mapdesk.core.expression.functions import FUNCTIONS
from mapdesk.core.expression.parser import parse
from mapdesk.core.expression.syntax import Node
from mapdesk.core.expression.values import BOOL, NULL, as_series, truth

__all__ = ["FUNCTIONS", "ExpressionError", "Node", "evaluate", "matches", "parse"]


def evaluate(text: str, frame: pd.DataFrame) -> pd.Series:
    """The value of the expression for every row of ``frame``.

    Parameters
    ----------
    text
        The expression, e.g. ``"status" = 'Open' AND age_days("reported_at") > 30``.
    frame
        The table (a GeoDataFrame gives ``$area``, ``$length``, ``$x``, ``$y``).

    Returns
    -------
    pandas.Series
        Indexed like ``frame``; nullable dtypes (``boolean``, ``Int64``,
        ``Float64``, ``string``, datetime), NULL as ``<NA>``/``NaT``.

    Raises
    ------
    ExpressionError
        If the text is not a valid expression or does not fit the table
        (unknown field, text compared with a number, ...).
    """
    value = evaluate_node(parse(text), Context(frame, text))
    return as_series(value, frame.index)


def matches(text: str, frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Rows where a filter expression is true (NULL counts as not matching).

    Raises
    ------
    ExpressionError
        As ``evaluate``, and when the expression is not a condition.
    """
    value = evaluate_node(parse(text), Context(frame, text))
    if value.kind == NULL:
        return np.zeros(len(frame), dtype=bool)
    if value.kind != BOOL:
        raise ExpressionError(
            f"A filter must be a condition (true or false for each feature), "
            f"but this expression gives a {value.kind}",
            text,
        )
    known_true, _ = truth(value)
    return np.broadcast_to(np.asarray(known_true, dtype=bool), (len(frame),)).copy()
