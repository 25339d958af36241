"""Source attributes made into a NENA v3 layer's: mapped, typed, checked, identified, stamped.

What ``mapdesk nena import`` and Layer ▸ Import into NENA Layer… do to each
feature before it is written: each NENA field takes its mapped source value,
converted to the field's type; a value that is not of that type, is too long
or is outside the field's domain stops the import with a message naming the
row and the value (the validator's own test, check_values.field_problems, so
an import never writes what validation would reject as ``domain.value``).
Every feature gets an NGUID (its own, when well formed and not already taken;
a new one otherwise), ``DateUpdate`` = now (UTC) and ``DiscrpAgID`` = the
agency doing the import.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from mapdesk.core.analysis.nena.check_values import allowed_codes, field_problems
from mapdesk.core.analysis.nena.code_fixes import fix_known_codes
from mapdesk.core.analysis.nena.context import as_texts
from mapdesk.core.analysis.nena.field_mapping import STAMPED, FieldMapping
from mapdesk.core.analysis.nena.nguid import agency_problem, make_nguid, nguid_problem
from mapdesk.core.analysis.nena.schema import FieldSpec, LayerSpec, NenaSchema


@dataclass(frozen=True)
class ValueProblem:
    """A source value that cannot go into its NENA field.

    ``row`` counts the source's features from 1, in the order they are read.
    """

    layer: str
    row: int
    message: str

    def __str__(self) -> str:
        return f"{self.layer} row {self.row}: {self.message}"


@dataclass(frozen=True)
class Conformed:
    """The NENA attributes of every source feature, or why they could not be made.

    Attributes
    ----------
    frame
        One column per NENA field (the country's), one row per source feature,
        in the source's order and index. Empty of meaning when ``problems``.
    problems
        The values that do not fit; nothing should be written when there are any.
    generated
        How many features got a new NGUID.
    notes
        What the user should know that does not stop the import.
    """

    frame: pd.DataFrame
    problems: tuple[ValueProblem, ...]
    generated: int
    notes: tuple[str, ...] = field(default=())


def conform(
    source: pd.DataFrame,
    spec: LayerSpec,
    schema: NenaSchema,
    mapping: FieldMapping,
    *,
    agency: str,
    now: datetime,
    source_name: str,
    country: str = "US",
    taken_nguids: Collection[str] = (),
    fix_codes: bool = False,
    new_local_id: Callable[[], str] = lambda: uuid.uuid4().hex,
) -> Conformed:
    """The NENA attributes of the features of ``source``, as :class:`Conformed` says.

    Parameters
    ----------
    source
        The source's attributes (its geometry column, if any, is ignored).
    spec, schema
        The NENA layer imported into, and the definition its domains are in.
    mapping
        NENA field -> source field.
    agency
        The DiscrpAgID stamped on every feature, and the agency of new NGUIDs.
    now
        The DateUpdate stamped (timezone-aware, UTC).
    source_name
        How messages name the source layer.
    taken_nguids
        NGUIDs already in the target layer: a source NGUID among them is replaced.
    fix_codes
        Write legacy spellings of coded values as NENA's codes (code_fixes).
    new_local_id
        Makes the local id of a new NGUID (a random UUID; tests pass their own).

    Raises
    ------
    ValueError
        When ``agency`` is not a domain name, or the layer has no NGUID layer
        indicator to make NGUIDs with.
    """
    problem = agency_problem(agency)
    if problem is not None:
        raise ValueError(problem)
    if spec.indicator is None:
        raise ValueError(f"{spec.name} has no NGUID layer indicator: import into a layer that has")
    columns: dict[str, pd.Series] = {}
    problems: list[ValueProblem] = []
    notes: list[str] = []
    for target in spec.fields_for(country):
        values = _mapped(source, mapping.source_of(target.name))
        domain = schema.domain_of(target)
        if fix_codes and domain is not None and domain.values:
            values, changed = fix_known_codes(values, allowed_codes(target, domain))
            if changed:
                notes.append(f"{target.name}: {_changes(changed)}")
        rows, messages = field_problems(values, target, domain)
        problems += [
            ValueProblem(source_name, int(r) + 1, _from(m, mapping, target))
            for r, m in zip(rows, messages, strict=True)
        ]
        columns[target.name] = _typed(values, target)
        missing = int(columns[target.name].isna().sum())
        if target.required and missing and target.name not in ("NGUID", *STAMPED):
            notes.append(f"{missing:,} feature(s) have no {target.name}, which NENA requires")
    frame = pd.DataFrame(columns, index=source.index)
    frame["DiscrpAgID"] = agency
    frame["DateUpdate"] = pd.Timestamp(now).tz_convert("UTC")
    nguids, generated = _nguids(frame["NGUID"], spec.indicator, agency, taken_nguids, new_local_id)
    frame["NGUID"] = nguids
    return Conformed(frame, tuple(problems), generated, tuple(notes))


def _changes(changed: Counter[str]) -> str:
    """``9,680 values written as NENA codes ('Ave' -> 'Avenue' 5,120, ...)``."""
    listed = ", ".join(f"{change} {count:,}" for change, count in changed.most_common(4))
    more = ", ..." if len(changed) > 4 else ""
    return f"{sum(changed.values()):,} values written as NENA codes ({listed}{more})"


def _mapped(source: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series([None] * len(source), index=source.index, dtype=object)
    if column not in source.columns:
        raise ValueError(f"the source has no field {column!r}")
    return source[column]


def _from(message: str, mapping: FieldMapping, target: FieldSpec) -> str:
    source = mapping.source_of(target.name)
    if source is None or source == target.name:
        return message
    return f"{message} (from {source})"


def _typed(values: pd.Series, spec: FieldSpec) -> pd.Series:
    """``values`` as the field's type; empty text and blanks become null."""
    cells: list[object] = [text if text != "" else None for text in as_texts(values)]
    kept = pd.Series(cells, index=values.index, dtype="object")
    if spec.field_type == "TEXT":
        return kept
    if spec.field_type == "DATETIME":
        return pd.Series(pd.to_datetime(kept, errors="coerce", utc=True), index=values.index)
    numbers: pd.Series = pd.Series(pd.to_numeric(kept, errors="coerce"), index=values.index)
    if spec.field_type == "INTEGER":
        return pd.Series(numbers.round().astype("Int64"), index=values.index)
    return pd.Series(numbers.astype("float64"), index=values.index)


def _nguids(
    given: pd.Series,
    indicator: str,
    agency: str,
    taken: Collection[str],
    new_local_id: Callable[[], str],
) -> tuple[pd.Series, int]:
    """Each feature's NGUID: its own when well formed and unique, else a new one."""
    seen = set(taken)
    out: list[str] = []
    generated = 0
    for value in given.to_numpy(dtype=object):
        text = "" if value is None or pd.isna(value) else str(value)
        if text and nguid_problem(text, indicator) is None and text not in seen:
            out.append(text)
        else:
            made = make_nguid(indicator, new_local_id(), agency)
            while made in seen:
                made = make_nguid(indicator, new_local_id(), agency)
            out.append(made)
            generated += 1
        seen.add(out[-1])
    return pd.Series(out, index=given.index, dtype=object), generated
