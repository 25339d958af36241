"""``domain.value``: each value is of its field's type, fits its length, and is in its domain.

One finding per feature and field, quoting the value. Common legacy forms
get a hint: USPS abbreviations (``St`` for NENA's ``Street``), one-letter
directionals, a code in the wrong case.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from mapdesk.core.analysis.nena.context import Draft, ValidationContext, as_texts
from mapdesk.core.analysis.nena.schema import Domain, FieldSpec

#: USPS Publication 28 street suffix abbreviations -> NENA's spelled-out street name type.
USPS_SUFFIXES = {
    "aly": "Alley", "ave": "Avenue", "av": "Avenue", "blvd": "Boulevard", "brg": "Bridge",
    "byp": "Bypass", "cswy": "Causeway", "ctr": "Center", "cir": "Circle", "ct": "Court",
    "cv": "Cove", "cres": "Crescent", "xing": "Crossing", "dr": "Drive", "expy": "Expressway",
    "ext": "Extension", "fwy": "Freeway", "gdns": "Gardens", "gln": "Glen", "grn": "Green",
    "grv": "Grove", "hbr": "Harbor", "hts": "Heights", "hwy": "Highway", "hl": "Hill",
    "holw": "Hollow", "is": "Island", "jct": "Junction", "lndg": "Landing", "ln": "Lane",
    "mnr": "Manor", "mdws": "Meadows", "ml": "Mill", "mt": "Mount", "orch": "Orchard",
    "pkwy": "Parkway", "pl": "Place", "plz": "Plaza", "pt": "Point", "rdg": "Ridge",
    "rd": "Road", "rte": "Route", "shr": "Shore", "shrs": "Shores", "sq": "Square",
    "sta": "Station", "st": "Street", "smt": "Summit", "ter": "Terrace", "trce": "Trace",
    "trl": "Trail", "tpke": "Turnpike", "vw": "View", "vlg": "Village", "vis": "Vista",
}  # fmt: skip
#: One- and two-letter directionals -> NENA's spelled-out ones.
DIRECTIONALS = {
    "n": "North", "s": "South", "e": "East", "w": "West",
    "ne": "Northeast", "nw": "Northwest", "se": "Southeast", "sw": "Southwest",
}  # fmt: skip
#: How many characters of a value a message quotes.
QUOTE = 60


def domain_values(ctx: ValidationContext) -> list[Draft]:
    """``domain.value`` for every field of every layer validated."""
    out: list[Draft] = []
    for layer in ctx.layers.values():
        for spec in layer.spec.fields:
            values = layer.values(spec.name)
            if values is None:
                continue
            domain = ctx.schema.domain_of(spec)
            rows, problems = field_problems(values, spec, domain, layer.texts(spec.name))
            out += ctx.drafts("domain.value", layer, rows, problems)
    return out


def field_problems(
    values: pd.Series,
    spec: FieldSpec,
    domain: Domain | None,
    texts: npt.NDArray[np.object_] | None = None,
) -> tuple[npt.NDArray[np.intp], list[str]]:
    """Rows of ``values`` that break the field's type, length or domain, and why.

    ``texts`` are the values as text (:func:`as_texts`), when already at hand.
    """
    texts = as_texts(values) if texts is None else texts
    problems = np.full(len(values), None, dtype=object)
    _type_problems(values, texts, spec, problems)
    if domain is not None and domain.checkable:
        _domain_problems(values, texts, spec, domain, problems)
    rows = np.flatnonzero(~_unset(problems))
    return rows, [f"{spec.name} {_quote(texts[r])} {problems[r]}" for r in rows]


def _unset(problems: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    return np.asarray([p is None for p in problems], dtype=bool)


def _quote(text: str) -> str:
    return repr(text if len(text) <= QUOTE else text[: QUOTE - 1] + "…")


def _type_problems(
    values: pd.Series,
    texts: npt.NDArray[np.object_],
    spec: FieldSpec,
    problems: npt.NDArray[np.object_],
) -> None:
    present = texts != ""
    kind = spec.field_type
    if kind == "TEXT":
        if spec.length is not None:
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            long = lengths > spec.length
            problems[long] = [
                f"is {n} characters long; NENA's {spec.name} holds {spec.length}"
                for n in lengths[long]
            ]
        return
    if kind == "DATETIME":
        bad = present & ~_dates(values)
        problems[bad] = "is not a date and time"
        return
    numbers = _numbers(values)
    bad = present & ~np.isfinite(numbers)
    if kind == "INTEGER":
        bad |= present & np.isfinite(numbers) & (numbers != np.round(numbers))
        problems[bad] = "is not a whole number"
    else:
        problems[bad] = "is not a number"


def _numbers(values: pd.Series) -> npt.NDArray[np.float64]:
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(
        values.dtype
    ):
        return np.full(len(values), np.nan)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    coerced = pd.to_numeric(values.astype("string").str.strip(), errors="coerce")
    return coerced.to_numpy(dtype=float, na_value=np.nan)


def _dates(values: pd.Series) -> npt.NDArray[np.bool_]:
    """True where a value is a date-time (or text that reads as an ISO 8601 one)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return np.ones(len(values), dtype=bool)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return np.zeros(len(values), dtype=bool)
    ok = np.zeros(len(values), dtype=bool)
    for row, value in enumerate(values.to_numpy(dtype=object)):
        ok[row] = _is_date(value)
    return ok


def _is_date(value: object) -> bool:
    if isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "isoformat"):
        return True
    try:
        return not pd.isna(pd.Timestamp(str(value).strip()))
    except (ValueError, TypeError, OverflowError):
        return False


def _domain_problems(
    values: pd.Series,
    texts: npt.NDArray[np.object_],
    spec: FieldSpec,
    domain: Domain,
    problems: npt.NDArray[np.object_],
) -> None:
    open_rows = (texts != "") & _unset(problems)
    if domain.is_range:
        numbers = _numbers(values)
        low, high = float(domain.minimum or 0), float(domain.maximum or 0)
        outside = open_rows & ((numbers < low) | (numbers > high))
        problems[outside] = f"is outside {_number(low)}-{_number(high)} ({domain.name})"
        return
    codes = allowed_codes(spec, domain)
    rows = np.flatnonzero(open_rows)
    outside = ~np.isin(texts[rows].astype(str), list(codes))
    folded = {code.casefold(): code for code in codes}
    said: dict[str, str] = {}
    for row in rows[outside]:
        text = str(texts[row])
        if text not in said:
            said[text] = f"is not in NENA's {domain.name} domain{_hint(text, codes, folded)}"
        problems[row] = said[text]


def allowed_codes(spec: FieldSpec, domain: Domain) -> frozenset[str]:
    """The domain's codes, narrowed to the layer's service: a PolicePolygon's ServiceURN
    must be a police URN even though its domain lists every responder."""
    codes = domain.codes
    if spec.name == "ServiceURN" and spec.default:
        narrowed = {c for c in codes if c == spec.default or c.startswith(spec.default + ".")}
        return frozenset(narrowed) or codes
    return codes


def _hint(text: str, codes: frozenset[str], folded: dict[str, str]) -> str:
    lower = text.casefold()
    same = folded.get(lower)
    if same is not None:
        return f" (NENA writes it {same!r})"
    spelled = USPS_SUFFIXES.get(lower.rstrip(".")) or DIRECTIONALS.get(lower.rstrip("."))
    if spelled is not None and spelled in codes:
        return f" (NENA spells it out: {spelled!r})"
    if len(codes) <= 6:
        return f" ({', '.join(sorted(codes))})"
    return ""


def _number(value: float) -> str:
    return f"{value:g}"
