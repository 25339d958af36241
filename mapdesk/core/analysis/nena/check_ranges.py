"""``road.range_overlap``: address ranges of one street overlap, or odd numbers switch sides.

Geocoding and the ECRF's civic-address validation read an address off the
ranges: a number two segments (or both sides) claim geocodes to either, and
odd numbers switching sides put half a street on the wrong side.

A side's range is ``FromAddr``-``ToAddr`` with its ``Parity`` (O odd, E even,
B both, Z none). Sides are compared within one street (its name parts, case
and spacing ignored) in one municipality (the side's ``A3``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from mapdesk.core.analysis.nena.context import Draft, NenaLayer, ValidationContext
from mapdesk.core.analysis.nena.streets import street_keys

Texts = npt.NDArray[np.object_]
Flags = npt.NDArray[np.bool_]
SIDES = ("L", "R")
SIDE_NAMES = {"L": "left", "R": "right"}
RANGE_FIELDS = ("FromAddr_L", "ToAddr_L", "FromAddr_R", "ToAddr_R")


@dataclass(frozen=True)
class SideRanges:
    """Every centreline's two address ranges, as arrays by row (NaN where unknown)."""

    low: dict[str, npt.NDArray[np.float64]]
    high: dict[str, npt.NDArray[np.float64]]
    start: dict[str, npt.NDArray[np.float64]]
    parity: dict[str, npt.NDArray[np.object_]]


def side_ranges(layer: NenaLayer) -> SideRanges | None:
    """The ranges of a RoadCenterLine layer; None when it lacks a range field."""
    if any(layer.values(name) is None for name in RANGE_FIELDS):
        return None
    low, high, start, parity = {}, {}, {}, {}
    for side in SIDES:
        first = _numbers(layer, f"FromAddr_{side}")
        last = _numbers(layer, f"ToAddr_{side}")
        low[side], high[side], start[side] = np.fmin(first, last), np.fmax(first, last), first
        parity[side] = np.char.upper(layer.texts(f"Parity_{side}").astype(str)).astype(object)
    return SideRanges(low, high, start, parity)


def _numbers(layer: NenaLayer, name: str) -> npt.NDArray[np.float64]:
    values = layer.values(name)
    assert values is not None
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def holds(parity: str, low: float, high: float, number: float) -> bool:
    """True when a side with ``parity`` and range ``low``-``high`` can hold ``number``."""
    if not low <= number <= high or parity == "Z":
        return False
    if parity == "O":
        return number % 2 == 1
    if parity == "E":
        return number % 2 == 0
    return True


def range_overlaps(ctx: ValidationContext) -> list[Draft]:
    """``road.range_overlap``: overlapping ranges, and parity switches along a street."""
    layer = ctx.layer("RoadCenterLine")
    ranges = None if layer is None else side_ranges(layer)
    if layer is None or ranges is None:
        return []
    keys = street_keys(layer.texts)
    excepted = layer.excepted("road.range_overlap")
    rows, problems = _overlaps(layer, ranges, keys, excepted)
    more_rows, more_problems = _parity_switches(layer, ranges, keys, excepted)
    return ctx.drafts("road.range_overlap", layer, rows + more_rows, problems + more_problems)


def _sides_table(layer: NenaLayer, ranges: SideRanges, keys: Texts) -> pd.DataFrame:
    tables = []
    for side in SIDES:
        tables.append(
            pd.DataFrame(
                {
                    "row": np.arange(len(layer)),
                    "side": side,
                    "key": keys,
                    "town": np.char.lower(layer.texts(f"A3_{side}").astype(str)),
                    "low": ranges.low[side],
                    "high": ranges.high[side],
                    "parity": ranges.parity[side],
                }
            )
        )
    table = pd.concat(tables, ignore_index=True)
    usable = (table["key"] != "") & table["low"].notna() & table["high"].notna()
    usable &= (table["parity"] != "Z") & ~((table["low"] == 0) & (table["high"] == 0))
    return table[usable]


def _overlaps(
    layer: NenaLayer, ranges: SideRanges, keys: Texts, excepted: Flags
) -> tuple[list[int], list[str]]:
    table = _sides_table(layer, ranges, keys)
    pairs = table.merge(table, on=["key", "town"], suffixes=("_a", "_b"))
    later = (pairs["row_a"] < pairs["row_b"]) | (
        (pairs["row_a"] == pairs["row_b"]) & (pairs["side_a"] < pairs["side_b"])
    )
    pairs = pairs[later & (pairs["low_a"] <= pairs["high_b"]) & (pairs["low_b"] <= pairs["high_a"])]
    pairs = pairs[~excepted[pairs["row_a"].to_numpy()]]
    pairs = pairs.assign(shared=_shared_numbers(pairs))
    pairs = pairs[pairs["shared"] >= 0]
    rows = pairs["row_b"].astype(int).tolist()
    problems = [_overlap_problem(layer, pair) for pair in pairs.to_dict("records")]
    return rows, problems


def _shared_numbers(pairs: pd.DataFrame) -> npt.NDArray[np.int64]:
    """For each pair of overlapping ranges, the first number both could hold; -1 if none
    (an odd side and an even side share no number)."""
    low = np.fmax(pairs["low_a"].to_numpy(dtype=float), pairs["low_b"].to_numpy(dtype=float))
    high = np.fmin(pairs["high_a"].to_numpy(dtype=float), pairs["high_b"].to_numpy(dtype=float))
    a, b = pairs["parity_a"].to_numpy(), pairs["parity_b"].to_numpy()
    odd = (a == "O") | (b == "O")
    even = (a == "E") | (b == "E")
    first = np.ceil(low)
    wrong = (odd & (first % 2 == 0)) | (even & (first % 2 == 1))
    shared = first + wrong
    return np.where((odd & even) | (shared > high), -1, shared).astype(np.int64)


def _overlap_problem(layer: NenaLayer, pair: dict[str, Any]) -> str:
    shared = pair["shared"]
    mine = _side_text(pair, "b")
    theirs = _side_text(pair, "a")
    if pair["row_a"] == pair["row_b"]:
        return f"its {mine} overlaps its own {theirs}: both sides claim {shared}"
    other = f"fid {layer.fids[pair['row_a']]}"
    return f"its {mine} overlaps the {theirs} of {other} of the same street: both claim {shared}"


def _side_text(pair: dict[str, Any], which: str) -> str:
    span = _span(pair[f"low_{which}"], pair[f"high_{which}"])
    return f"{SIDE_NAMES[pair[f'side_{which}']]} range {span} ({pair[f'parity_{which}']})"


def _span(low: float, high: float) -> str:
    return f"{low:.0f}-{high:.0f}"


def _parity_switches(
    layer: NenaLayer, ranges: SideRanges, keys: Texts, excepted: Flags
) -> tuple[list[int], list[str]]:
    """Segments of one street, meeting end to end as their numbers go up, whose odd
    numbers lie on different sides (seen in the direction the numbers go up)."""
    odd_side, rising = _odd_side_going_up(ranges)
    ends = _end_nodes(layer)
    low_end = np.where(rising, ends[:, 0], ends[:, 1])
    high_end = np.where(rising, ends[:, 1], ends[:, 0])
    usable = (odd_side != "") & (keys != "") & (low_end != "")
    lows = pd.DataFrame(
        {"row": np.flatnonzero(usable), "key": keys[usable], "node": low_end[usable]}
    )
    highs = lows.assign(node=high_end[usable])
    meet = highs.merge(lows, on=["key", "node"], suffixes=("_up", "_next"))
    meet = meet[meet["row_up"] != meet["row_next"]]
    rows, problems = [], []
    for up, nxt in zip(meet["row_up"], meet["row_next"], strict=True):
        if odd_side[up] == odd_side[nxt]:
            continue
        later, earlier = max(up, nxt), min(up, nxt)
        if excepted[earlier]:
            continue
        rows.append(int(later))
        problems.append(
            f"odd numbers switch sides where it meets fid {layer.fids[earlier]} of the same "
            f"street (on the {SIDE_NAMES[odd_side[later]]} here, on the "
            f"{SIDE_NAMES[odd_side[earlier]]} there, going up the numbers)"
        )
    return rows, problems


def _odd_side_going_up(ranges: SideRanges) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """The side holding odd numbers, seen walking the way numbers go up ("" if unclear),
    and whether they go up in the line's own direction."""
    count = len(ranges.low["L"])
    odd = np.full(count, "", dtype=object)
    rising = np.ones(count, dtype=bool)
    for side, other in (("L", "R"), ("R", "L")):
        clear = (ranges.parity[side] == "O") & (ranges.parity[other] == "E")
        up = ranges.start[side] <= ranges.low[side]
        flat = ranges.low[side] == ranges.high[side]
        up = np.where(flat, ranges.start[other] <= ranges.low[other], up)
        odd[clear] = np.where(up[clear], side, other)
        rising[clear] = up[clear]
    return odd, rising


def _end_nodes(layer: NenaLayer) -> npt.NDArray[np.object_]:
    """Each line's start and end as node keys (coordinates on a ``snap_m`` grid)."""
    snap = max(layer.options.snap_m, 1e-6)
    nodes = np.full((len(layer), 2), "", dtype=object)
    lines = layer.present & np.isin(shapely.get_type_id(layer.shapes), [1, 2, 5])
    rows = np.flatnonzero(lines)
    for column, index in ((0, 0), (1, -1)):
        points = shapely.get_point(_single(layer.shapes[rows], index), index)
        xy = np.round(shapely.get_coordinates(points) / snap).astype(np.int64)
        nodes[rows, column] = [f"{x}:{y}" for x, y in xy]
    return nodes


def _single(shapes: npt.NDArray[Any], index: int) -> npt.NDArray[Any]:
    """The first (or last) part of each line, so multi-part roads have two ends too."""
    parts = shapely.get_num_geometries(shapes)
    return np.asarray(shapely.get_geometry(shapes, 0 if index == 0 else parts - 1))
