"""Legacy spellings of coded values written as NENA v3 writes them, when the user asks.

County data abbreviates what NENA v3 spells out (USPS ``St`` for ``Street``,
``N`` for ``North``) and writes codes in another case (``ft`` for ``FT``).
Each such value has exactly one NENA code it can mean, the one the
validator's hint names (check_values), so an import may write that code
instead of refusing the value; it only does when the user asks, and says how
many values it changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

import pandas as pd

from mapdesk.core.analysis.nena.check_values import DIRECTIONALS, USPS_SUFFIXES


def known_code(text: str, codes: Collection[str]) -> str | None:
    """The NENA code ``text`` stands for (``"Ave"`` -> ``"Avenue"``), or None."""
    if text in codes:
        return None
    folded = {code.casefold(): code for code in codes}
    lower = text.strip().casefold()
    same = folded.get(lower)
    if same is not None:
        return same
    spelled = USPS_SUFFIXES.get(lower.rstrip(".")) or DIRECTIONALS.get(lower.rstrip("."))
    return spelled if spelled is not None and spelled in codes else None


def fix_known_codes(values: pd.Series, codes: Collection[str]) -> tuple[pd.Series, Counter[str]]:
    """``values`` with each legacy spelling replaced by its code; how often each was.

    The counter's keys read ``'Ave' -> 'Avenue'``; values that are codes
    already, empty, or mean no single code are left as they are.
    """
    allowed = frozenset(codes)
    fixes: dict[str, str | None] = {}
    changed: Counter[str] = Counter()
    out: list[object] = list(values.to_numpy(dtype=object))
    for row, value in enumerate(out):
        if not isinstance(value, str):
            continue  # a number or a null is no legacy spelling
        text = str(value)
        if text not in fixes:
            fixes[text] = known_code(text, allowed)
        code = fixes[text]
        if code is not None:
            out[row] = code
            changed[f"{text!r} -> {code!r}"] += 1
    return pd.Series(out, index=values.index, dtype="object"), changed
