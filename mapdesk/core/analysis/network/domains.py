"""Node and span values outside their coded domain: a type or status the model does not know.

A misspelt status is worse than a blank one: ``Retierd`` keeps a dead span
in service, ``Active`` (capital A) is refused by a GeoPackage that declares
the codes. The check uses the codes the layer's own file declares when it
has them (a city may add its own types), else the asset model's. Blank
values are not reported: a GeoPackage's coded field may be NULL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd

from mapdesk.core.analysis.network.assets import AssetLayer, is_blank
from mapdesk.core.analysis.network.model import NetworkProblem, ProblemKind, location_of
from mapdesk.core.editing.rules import is_code

#: Codes listed in a message before it says "…".
_SHOWN_CODES = 8


def domain_problems(
    frame: gpd.GeoDataFrame,
    layer: AssetLayer,
    ids: list[str],
    rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[NetworkProblem, ...]:
    """The features of ``frame`` whose coded fields hold a value outside their domain.

    Parameters
    ----------
    frame
        The node or span layer, in the network's working CRS.
    layer
        Which asset layer it is (its domains: ``type``, ``status``).
    ids
        The features' asset ids, in row order.
    rules
        The file's field rules (``frame.attrs["field_rules"]``) read before
        any reprojection; their codes win over the model's.
    """
    rules = rules or {}
    problems: list[NetworkProblem] = []
    what = layer.kind.capitalize()
    for name, domain in layer.domains.items():
        if name not in frame.columns:
            continue
        codes = rules.get(name, {}).get("codes") or domain.codes
        for row, value in enumerate(frame[name]):
            if is_blank(value) or is_code(value, codes):
                continue
            asset = f"{what} {ids[row]}" if ids[row] else f"{what} in row {row + 1} (no asset_id)"
            message = f'{asset}: {name} "{value}" is not one of {_listed(codes)}'
            message += _hint(str(value), codes)
            where = location_of(frame.geometry.iloc[row])
            problems.append(NetworkProblem(ProblemKind.OUT_OF_DOMAIN, ids[row], message, where))
    return tuple(problems)


def _listed(codes: Mapping[str, Any]) -> str:
    names = list(codes)
    shown = ", ".join(names[:_SHOWN_CODES])
    return shown + (", …" if len(names) > _SHOWN_CODES else "")


def _hint(value: str, codes: Mapping[str, Any]) -> str:
    """``; did you mean "active"?`` when only case or spaces differ."""
    wanted = value.strip().lower()
    match = next((code for code in codes if code.lower() == wanted), None)
    return f'; did you mean "{match}"?' if match is not None else ""
