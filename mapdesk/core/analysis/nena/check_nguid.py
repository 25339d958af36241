"""NGUID checks: well formed with the layer's indicator, and unique across all layers.

``nguid.format``, ``nguid.duplicate``. A missing NGUID is ``value.required_null``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mapdesk.core.analysis.nena.context import Draft, ValidationContext
from mapdesk.core.analysis.nena.nguid import NGUID_PATTERN, nguid_problem


def nguid_formats(ctx: ValidationContext) -> list[Draft]:
    """``nguid.format``: each NGUID is ``urn:emergency:uid:gis:{Layer}:{LocalID}:{Agency}``
    with this layer's indicator (``RCL`` in RoadCenterLine...)."""
    out: list[Draft] = []
    for layer in ctx.layers.values():
        texts = layer.texts("NGUID")
        indicator = layer.spec.indicator
        nguids = pd.Series(texts, dtype="string")
        good = nguids.str.fullmatch(NGUID_PATTERN.pattern)
        if indicator is not None:
            good &= nguids.str.startswith(f"urn:emergency:uid:gis:{indicator}:")
        suspects = np.flatnonzero((texts != "") & ~good.to_numpy(dtype=bool))
        problems = [nguid_problem(str(texts[row]), indicator) for row in suspects]
        rows = [int(row) for row, p in zip(suspects, problems, strict=True) if p is not None]
        out += ctx.drafts("nguid.format", layer, rows, [p for p in problems if p is not None])
    return out


def nguid_duplicates(ctx: ValidationContext) -> list[Draft]:
    """``nguid.duplicate``: every feature whose NGUID an earlier feature (of any layer) has.

    NGUIDs must stay unique when the ECRF merges every agency's data, so a
    PSAP and a road sharing one is as wrong as two roads.
    """
    first: dict[str, str] = {}
    out: list[Draft] = []
    for layer in ctx.layers.values():
        rows, problems = [], []
        for row, nguid in enumerate(layer.texts("NGUID")):
            if not nguid:
                continue
            holder = first.get(nguid)
            if holder is None:
                first[nguid] = f"{layer.name} fid {layer.fids[row]}"
            else:
                rows.append(row)
                problems.append(f"NGUID {nguid!r} is already the NGUID of {holder}")
        out += ctx.drafts("nguid.duplicate", layer, rows, problems)
    return out
