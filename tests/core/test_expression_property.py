"""Generated expressions against a plain-Python reference, row by row.

Hypothesis builds random expressions together with their meaning as a
Python function of one row (SQL NULL semantics written out by hand, not
through mapdesk's parser or evaluator), and random tables with gaps; the
vectorised evaluator must agree with the reference on every row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapdesk.core.expression import evaluate

Row = dict[str, Any]


@dataclass(frozen=True)
class Expr:
    text: str
    meaning: Callable[[Row], Any]


def _null_if_any(*values: Any) -> bool:
    return any(v is None for v in values)


# ------------------------------------------------------------ reference logic


def _and(a: Any, b: Any) -> Any:
    if a is False or b is False:
        return False
    return None if _null_if_any(a, b) else True


def _or(a: Any, b: Any) -> Any:
    if a is True or b is True:
        return True
    return None if _null_if_any(a, b) else False


def _compare(op: str, a: Any, b: Any) -> Any:
    if _null_if_any(a, b):
        return None
    return {
        "=": a == b,
        "<>": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[op]


def _like(value: Any, pattern: str, insensitive: bool) -> Any:
    if value is None:
        return None
    parts, escaped = [], False
    for c in pattern:  # backslash escapes the next character, as in QGIS
        if escaped or c not in "%_\\":
            parts.append(re.escape(c))
            escaped = False
        elif c == "\\":
            escaped = True
        else:
            parts.append(".*" if c == "%" else ".")
    regex = "".join(parts)
    flags = re.IGNORECASE | re.DOTALL if insensitive else re.DOTALL
    return re.fullmatch(regex, value, flags) is not None


def _substr(text: Any, start: int, length: int) -> Any:
    if text is None:
        return None
    begin = start - 1 if start > 0 else start
    end = begin + max(length, 0)
    return text[begin : None if begin < 0 <= end else end]


# ------------------------------------------------------------ generated expressions

WORDS = ["Open", "open", "Closed", "in progress", " pothole ", "", "O'Brien", "50%"]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


numbers_leaf = st.one_of(
    st.integers(-20, 20).map(lambda n: Expr(str(n), lambda r, n=n: n)),
    st.just(Expr("a", lambda r: r["a"])),
    st.just(Expr('"b"', lambda r: r["b"])),
)
texts_leaf = st.one_of(
    st.sampled_from(WORDS).map(lambda w: Expr(_quote(w), lambda r, w=w: w)),
    st.just(Expr("s", lambda r: r["s"])),
)


def _number_ops(numbers: st.SearchStrategy[Expr], texts: st.SearchStrategy[Expr]) -> Any:
    def arith(op: str) -> Callable[[Expr, Expr], Expr]:
        def build(x: Expr, y: Expr) -> Expr:
            def meaning(r: Row) -> Any:
                a, b = x.meaning(r), y.meaning(r)
                if _null_if_any(a, b):
                    return None
                return {"+": a + b, "-": a - b, "*": a * b}[op]

            return Expr(f"({x.text} {op} {y.text})", meaning)

        return build

    return st.one_of(
        *(st.builds(arith(op), numbers, numbers) for op in "+-*"),
        numbers.map(lambda x: Expr(f"(-{x.text})", lambda r: _neg(x.meaning(r)))),
        numbers.map(lambda x: Expr(f"abs({x.text})", lambda r: _abs(x.meaning(r)))),
        texts.map(lambda t: Expr(f"length({t.text})", lambda r: _len(t.meaning(r)))),
    )


def _neg(v: Any) -> Any:
    return None if v is None else -v


def _abs(v: Any) -> Any:
    return None if v is None else abs(v)


def _len(v: Any) -> Any:
    return None if v is None else len(v)


def _text_ops(texts: st.SearchStrategy[Expr]) -> Any:
    def fn(name: str, python: Callable[[str], str]) -> Callable[[Expr], Expr]:
        return lambda t: Expr(
            f"{name}({t.text})", lambda r: None if t.meaning(r) is None else python(t.meaning(r))
        )

    def concat(x: Expr, y: Expr) -> Expr:
        def meaning(r: Row) -> Any:
            a, b = x.meaning(r), y.meaning(r)
            return None if _null_if_any(a, b) else a + b

        return Expr(f"({x.text} || {y.text})", meaning)

    def substr(t: Expr, start: int, length: int) -> Expr:
        return Expr(
            f"substr({t.text}, {start}, {length})",
            lambda r: _substr(t.meaning(r), start, length),
        )

    def coalesce(t: Expr, w: str) -> Expr:
        def meaning(r: Row) -> Any:
            v = t.meaning(r)
            return w if v is None else v

        return Expr(f"coalesce({t.text}, {_quote(w)})", meaning)

    return st.one_of(
        texts.map(fn("upper", str.upper)),
        texts.map(fn("lower", str.lower)),
        texts.map(fn("trim", str.strip)),
        st.builds(concat, texts, texts),
        st.builds(substr, texts, st.integers(-4, 5), st.integers(0, 4)),
        st.builds(coalesce, texts, st.sampled_from(WORDS)),
    )


numbers = st.recursive(numbers_leaf, lambda inner: _number_ops(inner, texts_leaf), max_leaves=6)
texts = st.recursive(texts_leaf, _text_ops, max_leaves=5)


def _conditions_leaf() -> Any:
    comparisons = ["=", "<>", "<", "<=", ">", ">="]

    def compare(op: str, x: Expr, y: Expr) -> Expr:
        return Expr(f"{x.text} {op} {y.text}", lambda r: _compare(op, x.meaning(r), y.meaning(r)))

    def is_null(x: Expr, negated: bool) -> Expr:
        word = "IS NOT NULL" if negated else "IS NULL"
        return Expr(f"{x.text} {word}", lambda r: (x.meaning(r) is None) != negated)

    def between(x: Expr, low: Expr, high: Expr) -> Expr:
        def meaning(r: Row) -> Any:
            v = x.meaning(r)
            return _and(_compare(">=", v, low.meaning(r)), _compare("<=", v, high.meaning(r)))

        return Expr(f"{x.text} BETWEEN {low.text} AND {high.text}", meaning)

    def in_list(x: Expr, items: list[str]) -> Expr:
        def meaning(r: Row) -> Any:
            v = x.meaning(r)
            return None if v is None else v in items

        listed = ", ".join(_quote(i) for i in items)
        return Expr(f"{x.text} IN ({listed})", meaning)

    def like(x: Expr, pattern: str, insensitive: bool) -> Expr:
        word = "ILIKE" if insensitive else "LIKE"
        return Expr(
            f"{x.text} {word} {_quote(pattern)}",
            lambda r: _like(x.meaning(r), pattern, insensitive),
        )

    return st.one_of(
        st.builds(compare, st.sampled_from(comparisons), numbers, numbers),
        st.builds(compare, st.sampled_from(comparisons), texts, texts),
        st.builds(is_null, st.one_of(numbers, texts), st.booleans()),
        st.builds(between, numbers, numbers, numbers),
        st.builds(in_list, texts, st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)),
        st.builds(
            like, texts, st.sampled_from(["o%", "%e%", "_pen", "%", "O'%", "50\\%"]), st.booleans()
        ),
    )


def _logic(inner: st.SearchStrategy[Expr]) -> Any:
    def both(op: str) -> Callable[[Expr, Expr], Expr]:
        combine = _and if op == "AND" else _or
        return lambda x, y: Expr(
            f"({x.text} {op} {y.text})", lambda r: combine(x.meaning(r), y.meaning(r))
        )

    def negate(x: Expr) -> Expr:
        return Expr(f"NOT ({x.text})", lambda r: None if x.meaning(r) is None else not x.meaning(r))

    def case(cond: Expr, yes: Expr, no: Expr) -> Expr:
        return Expr(
            f"(CASE WHEN {cond.text} THEN {yes.text} ELSE {no.text} END)",
            lambda r: yes.meaning(r) if cond.meaning(r) is True else no.meaning(r),
        )

    return st.one_of(
        st.builds(both("AND"), inner, inner),
        st.builds(both("OR"), inner, inner),
        inner.map(negate),
        st.builds(case, inner, inner, inner),
    )


conditions = st.recursive(_conditions_leaf(), _logic, max_leaves=5)

tables = st.integers(1, 12).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "a": st.lists(st.one_of(st.none(), st.integers(-50, 50)), min_size=n, max_size=n),
            "b": st.lists(st.one_of(st.none(), st.integers(-9, 9)), min_size=n, max_size=n),
            "s": st.lists(st.one_of(st.none(), st.sampled_from(WORDS)), min_size=n, max_size=n),
        }
    )
)


def _frame(table: dict[str, list[Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": pd.array(table["a"], dtype="Int64"),
            "b": pd.Series(table["b"], dtype="float64"),  # NaN gaps, as GDAL gives
            "s": pd.Series(table["s"], dtype="object"),
        }
    )


def _rows(table: dict[str, list[Any]]) -> list[Row]:
    count = len(table["a"])
    return [{k: table[k][i] for k in table} for i in range(count)]


def _same(mine: Any, reference: Any) -> bool:
    if reference is None or (mine is not None and pd.isna(mine)):
        return reference is None and (mine is None or pd.isna(mine))
    if isinstance(reference, bool):
        return bool(mine) == reference and mine in (True, False)
    if isinstance(reference, int | float) and not isinstance(reference, bool):
        return math.isclose(float(mine), float(reference), rel_tol=1e-9, abs_tol=1e-9)
    return bool(mine == reference)


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(expr: Expr, table: dict[str, list[Any]]) -> None:
    result = evaluate(expr.text, _frame(table)).tolist()
    for row, mine in zip(_rows(table), result, strict=True):
        expected = expr.meaning(row)
        assert _same(mine, expected), f"{expr.text} on {row}: got {mine!r}, expected {expected!r}"


@FAST
@given(conditions, tables)
def test_conditions_agree_with_the_reference(expr: Expr, table: dict[str, list[Any]]) -> None:
    _check(expr, table)


@FAST
@given(numbers, tables)
def test_arithmetic_agrees_with_the_reference(expr: Expr, table: dict[str, list[Any]]) -> None:
    _check(expr, table)


@FAST
@given(texts, tables)
def test_text_functions_agree_with_the_reference(expr: Expr, table: dict[str, list[Any]]) -> None:
    _check(expr, table)


@FAST
@given(st.text(alphabet="ab%_", max_size=12), st.text(alphabet="ab", max_size=10))
def test_piecewise_like_agrees_with_the_regex(pattern: str, text: str) -> None:
    from mapdesk.core.expression.evaluator import like_matcher, like_regex

    for many in (pattern + "%%%%", "%%%%" + pattern, "a%%" + pattern + "%%b"):
        matcher = like_matcher(many, re.DOTALL)  # enough wildcards for the piecewise path
        assert matcher is not None
        expected = re.fullmatch(like_regex(many), text, re.DOTALL) is not None
        assert matcher(text) == expected, (many, text)
