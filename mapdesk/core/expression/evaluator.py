"""Evaluate a syntax tree over a whole table at once (vectorised, never row by row).

Each node kind has one function; nothing else can run. Type mistakes (text
compared with a number, ``upper`` of a date) are errors at the node's
position, raised before any row is computed where the kinds are known.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from mapdesk.core.errors import ExpressionError
from mapdesk.core.expression import functions
from mapdesk.core.expression.syntax import (
    Between,
    Binary,
    Call,
    Case,
    Field,
    GeometryValue,
    InList,
    IsNull,
    Like,
    Literal,
    Node,
    Unary,
)
from mapdesk.core.expression.values import (
    BOOL,
    DATETIME,
    NULL,
    NUMBER,
    TEXT,
    Value,
    column,
    either_null,
    null_value,
    scalar,
    truth,
)


@dataclass
class Context:
    """What an expression is evaluated against: the table and its text."""

    frame: pd.DataFrame
    text: str

    def fail(self, problem: str, node: Node) -> ExpressionError:
        return ExpressionError(problem, self.text, node.position)


def evaluate_node(node: Node, ctx: Context) -> Value:
    """The value of ``node`` for every row of ``ctx.frame``."""
    handler = _HANDLERS.get(type(node))
    if handler is None:  # only syntax-tree nodes ever get here
        raise ctx.fail(f"Cannot evaluate {type(node).__name__}", node)
    return handler(node, ctx)


def _literal(node: Literal, ctx: Context) -> Value:
    return scalar(node.value)


def _field(node: Field, ctx: Context) -> Value:
    frame = ctx.frame
    geometry = getattr(frame, "_geometry_column_name", None)
    if node.name in frame.columns and node.name != geometry:
        return column(frame[node.name])
    names = [str(c) for c in frame.columns if c != geometry]
    matches = {n.lower(): n for n in names}
    if node.name.lower() in matches:
        hint = f'; did you mean "{matches[node.name.lower()]}"?'
    else:
        close = difflib.get_close_matches(node.name, names, n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
    raise ctx.fail(f'Unknown field "{node.name}"{hint}', node)


def _geometry_value(node: GeometryValue, ctx: Context) -> Value:
    return functions.geometry_value(node.name, ctx.frame, lambda p: ctx.fail(p, node))


def _unary(node: Unary, ctx: Context) -> Value:
    operand = evaluate_node(node.operand, ctx)
    if operand.kind == NULL:
        return null_value()
    if node.op == "NOT":
        _require(operand, BOOL, "NOT", node, ctx)
        return _negate(operand)
    _require(operand, NUMBER, "a minus sign", node, ctx)
    return Value(NUMBER, -operand.data, operand.null)


def _require(value: Value, kind: str, what: str, node: Node, ctx: Context) -> None:
    if value.kind not in (kind, NULL):
        raise ctx.fail(f"{what} needs a {kind} value, not {value.kind}", node)


def _binary(node: Binary, ctx: Context) -> Value:
    left, right = evaluate_node(node.left, ctx), evaluate_node(node.right, ctx)
    if node.op in ("AND", "OR"):
        return _logical(node, left, right, ctx)
    if left.kind == NULL or right.kind == NULL:
        kind = BOOL if node.op in ("=", "<>", "<", "<=", ">", ">=") else NULL
        return Value(kind, False, True)
    if node.op == "||":
        return _concatenate(left, right)
    if node.op in ("=", "<>", "<", "<=", ">", ">="):
        return _compare(node, left, right, ctx)
    return _arithmetic(node, left, right, ctx)


def _logical(node: Binary, left: Value, right: Value, ctx: Context) -> Value:
    for side in (left, right):
        _require(side, BOOL, node.op, node, ctx)
    (left_true, left_false), (right_true, right_false) = _truth(left), _truth(right)
    if node.op == "AND":
        known_true, known_false = left_true & right_true, left_false | right_false
    else:
        known_true, known_false = left_true | right_true, left_false & right_false
    return _from_truth(known_true, known_false)


def _truth(value: Value) -> tuple[Any, Any]:
    return (np.bool_(False), np.bool_(False)) if value.kind == NULL else truth(value)


def _from_truth(known_true: Any, known_false: Any) -> Value:
    known_true, known_false = np.asarray(known_true), np.asarray(known_false)
    null = ~(known_true | known_false)
    if known_true.ndim or known_false.ndim:
        rows = max(known_true.size, known_false.size)
        return Value(BOOL, pd.Series(np.broadcast_to(known_true, (rows,)).copy()), null)
    return Value(BOOL, bool(known_true), bool(null))


def _concatenate(left: Value, right: Value) -> Value:
    return Value(TEXT, _as_text(left) + _as_text(right), either_null(left, right))


def _as_text(value: Value) -> Any:
    """Text as it reads in the attribute table: 3, not 3.0, for a whole number."""
    if value.kind == TEXT:
        return value.data
    if value.kind == NUMBER:
        return _number_text(value.data)
    if value.is_column:
        return value.data.astype("string")
    return str(value.data)


def _number_text(data: Any) -> Any:
    if not isinstance(data, pd.Series):
        return str(int(data)) if float(data).is_integer() else repr(float(data))
    whole = np.isfinite(data.to_numpy(dtype=float)) & (data % 1 == 0).to_numpy()
    text = data.astype("string")
    if whole.any():
        text = text.where(~whole, data.where(whole, 0).astype("int64").astype("string"))
    return text


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(node: Node, left: Value, right: Value, ctx: Context, op: str | None = None) -> Value:
    left, right = _comparable(node, left, right, ctx)
    result = _COMPARE[op or str(getattr(node, "op", "="))](left.data, right.data)
    if isinstance(result, pd.Series):
        result = result.astype(bool).reset_index(drop=True)
    else:
        result = bool(result)
    return Value(BOOL, result, either_null(left, right))


def _comparable(node: Node, left: Value, right: Value, ctx: Context) -> tuple[Value, Value]:
    """Bring both sides to one kind; a date compared with text reads the text as a date."""
    if left.kind == right.kind:
        return _same_zone(node, left, right, ctx) if left.kind == DATETIME else (left, right)
    if {left.kind, right.kind} == {DATETIME, TEXT}:
        text_side = right if right.kind == TEXT else left
        parsed = _as_datetime(text_side, node, ctx)
        pair = (left, parsed) if right.kind == TEXT else (parsed, right)
        return _same_zone(node, *pair, ctx)
    raise ctx.fail(f"Cannot compare {left.kind} with {right.kind}", node)


def _same_zone(node: Node, left: Value, right: Value, ctx: Context) -> tuple[Value, Value]:
    """Dates with and without a time zone, made comparable.

    A date written in the expression (or ``now()``) is read in the field's
    terms: without a zone against a zoned field it is taken in that zone;
    with a zone against a field without one it becomes local wall-clock time
    (the time the field's values were written in). Two fields that differ
    cannot be compared.
    """
    if (_zone(left) is None) == (_zone(right) is None):
        return left, right
    if left.is_column and right.is_column:
        raise ctx.fail("Cannot compare dates with and without a time zone", node)
    # Against a field, its zone; two written dates: both in local wall-clock time.
    field = left if left.is_column else right if right.is_column else None
    zone = _zone(field) if field is not None else None
    return _in_terms(left, zone), _in_terms(right, zone)


def _in_terms(value: Value, zone: Any) -> Value:
    """A written date in the terms of a field in ``zone`` (None: no zone)."""
    if value.is_column:
        return value
    stamp = value.data
    if zone is not None:
        stamp = stamp if stamp.tz is not None else stamp.tz_localize(zone)
    elif stamp.tz is not None:
        stamp = stamp.tz_convert(_local_zone()).tz_localize(None)
    return Value(DATETIME, stamp, value.null)


def _local_zone() -> Any:
    return datetime.now().astimezone().tzinfo


def _zone(value: Value) -> Any:
    return getattr(value.data.dt, "tz", None) if value.is_column else value.data.tz


def _as_datetime(value: Value, node: Node, ctx: Context) -> Value:
    if value.is_column:
        raise ctx.fail("Only a date written in the expression can be compared with a date", node)
    try:
        stamp = pd.Timestamp(value.data)
    except (ValueError, TypeError):
        raise ctx.fail(f"'{value.data}' is not a date (write it as 'YYYY-MM-DD')", node) from None
    return Value(DATETIME, stamp, value.null)


def _arithmetic(node: Binary, left: Value, right: Value, ctx: Context) -> Value:
    if node.op == "+" and left.kind == TEXT and right.kind == TEXT:
        return _concatenate(left, right)
    for side in (left, right):
        if side.kind != NUMBER:
            raise ctx.fail(f"'{node.op}' needs numbers, not {side.kind}", node)
    null = either_null(left, right)
    a, b = left.data, right.data
    if node.op in ("/", "%"):
        zero = np.asarray(b == 0)
        null = null | zero  # x / 0 is NULL, as in QGIS
        b = b.where(~zero, 1) if isinstance(b, pd.Series) else (1 if zero else b)
    with np.errstate(all="ignore"):
        data = {
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "/": lambda: a / b,
            "%": lambda: np.fmod(a, b),  # sign of the dividend, as in SQL
            "^": lambda: np.power(np.asarray(a, dtype=float), b),
        }[node.op]()
    if not isinstance(data, pd.Series) and np.ndim(data):
        data = pd.Series(data)
    return _finite(_no_wraparound(node.op, a, b, Value(NUMBER, data, null)))


#: Beyond this, 64-bit integers wrap around silently; such results become NULL.
_INT_LIMIT = 2.0**62


def _no_wraparound(op: str, a: Any, b: Any, value: Value) -> Value:
    """NULL where integer + - * overflowed, instead of a wrapped-around number."""
    if op not in "+-*" or not pd.api.types.is_integer_dtype(np.asarray(value.data).dtype):
        return value
    with np.errstate(all="ignore"):
        exact = {"+": np.add, "-": np.subtract, "*": np.multiply}[op](
            np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        )
    wrapped = np.abs(exact) > _INT_LIMIT
    if not wrapped.any():
        return value
    if isinstance(value.data, pd.Series):
        return Value(NUMBER, value.data.where(~wrapped, 0), value.null | wrapped)
    return Value(NUMBER, 0, True)


def _finite(value: Value) -> Value:
    """Infinities and NaN (overflow, 0 ^ -1) become NULL rather than odd numbers."""
    data = value.data
    bad = ~np.isfinite(np.asarray(data, dtype=float))
    if not bad.any():
        return value
    if isinstance(data, pd.Series):
        return Value(NUMBER, data.where(~bad, 0), value.null | bad)
    return Value(NUMBER, 0, True)


def _in_list(node: InList, ctx: Context) -> Value:
    operand = evaluate_node(node.operand, ctx)
    items = [evaluate_node(item, ctx) for item in node.items]
    if operand.kind == NULL:
        return Value(BOOL, False, True)
    found = _from_truth(np.bool_(False), np.bool_(True))
    for item in items:  # x IN (a, b) is x = a OR x = b, nulls included
        if item.kind == NULL:
            equal = Value(BOOL, False, True)
        else:
            equal = _compare(node, operand, item, ctx, "=")
        found = _logical(Binary("OR", node, node, node.position), found, equal, ctx)
    return _negate(found) if node.negated else found


def _negate(value: Value) -> Value:
    data = ~value.data.astype(bool) if value.is_column else not value.data
    return Value(BOOL, data, value.null)


def _like(node: Like, ctx: Context) -> Value:
    operand = evaluate_node(node.operand, ctx)
    pattern = evaluate_node(node.pattern, ctx)
    if operand.kind == NULL or pattern.kind == NULL:
        return Value(BOOL, False, True)
    if pattern.is_column or pattern.kind != TEXT:
        raise ctx.fail("LIKE needs a text pattern written in the expression", node.pattern)
    text = _as_text(operand)
    flags = re.IGNORECASE | re.DOTALL if node.case_insensitive else re.DOTALL
    matcher = like_matcher(pattern.data, flags)
    if matcher is not None:
        # Many wildcards: a backtracking regex could take minutes on one row.
        matched: Any = (
            text.map(matcher).astype(bool) if isinstance(text, pd.Series) else matcher(text)
        )
    elif isinstance(text, pd.Series):
        regex = like_regex(pattern.data)
        matched = text.str.fullmatch(regex, flags=flags).fillna(False).astype(bool)
    else:
        matched = re.fullmatch(like_regex(pattern.data), text, flags) is not None
    result = Value(BOOL, matched, operand.null)
    return _negate(result) if node.negated else result


def like_regex(pattern: str) -> str:
    """A SQL LIKE pattern (``%`` any run, ``_`` one character, ``\\`` escapes) as a regex."""
    return ".*".join(_like_pieces(pattern))


#: Above this many ``%`` a LIKE pattern is matched piece by piece, not by one regex.
REGEX_WILDCARDS = 3


def like_matcher(pattern: str, flags: int) -> Callable[[str], bool] | None:
    """A linear-time matcher for patterns with many ``%`` (None: a regex will do).

    The pattern is cut at each unescaped ``%`` into fixed-length pieces
    (``_`` matches one character); the first must start the text, the last
    must end it, and the others are found in order, each at its leftmost
    place after the previous one: that greedy search is exact for such
    patterns and never backtracks.
    """
    pieces = _like_pieces(pattern)
    if len(pieces) - 1 <= REGEX_WILDCARDS:
        return None
    compiled = [re.compile(piece, flags) for piece in pieces]
    lengths = [_piece_length(piece) for piece in pieces]

    def matches(text: str) -> bool:
        first, last = compiled[0], compiled[-1]
        if first.match(text) is None:
            return False
        position = lengths[0]
        for piece, length in zip(compiled[1:-1], lengths[1:-1], strict=True):
            found = piece.search(text, position)
            if found is None:
                return False
            position = found.start() + length
        end = len(text) - lengths[-1]
        return end >= position and last.fullmatch(text, end) is not None

    return matches


def _like_pieces(pattern: str) -> list[str]:
    """Regexes of the fixed-length pieces between unescaped ``%`` signs."""
    pieces, current, escaped = [], [], False
    for char in pattern:
        if escaped:
            current.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            pieces.append("".join(current))
            current = []
        else:
            current.append("." if char == "_" else re.escape(char))
    pieces.append("".join(current))
    return pieces


def _piece_length(piece: str) -> int:
    """Characters a piece regex matches (each is one char, '.', or an escape)."""
    return len(re.findall(r"\\.|.", piece))


def _is_null(node: IsNull, ctx: Context) -> Value:
    operand = evaluate_node(node.operand, ctx)
    null = operand.null
    data = pd.Series(np.asarray(null, dtype=bool)) if isinstance(null, np.ndarray) else bool(null)
    result = Value(BOOL, data, False)
    return _negate(result) if node.negated else result


def _between(node: Between, ctx: Context) -> Value:
    operand = evaluate_node(node.operand, ctx)
    low, high = evaluate_node(node.low, ctx), evaluate_node(node.high, ctx)
    # x BETWEEN a AND b is x >= a AND x <= b, NULLs included: 1 NOT BETWEEN 5
    # AND NULL is TRUE, as in SQL (1 >= 5 is already false).
    unknown = Value(BOOL, False, True)
    above = unknown if NULL in (operand.kind, low.kind) else _compare(node, operand, low, ctx, ">=")
    below = (
        unknown if NULL in (operand.kind, high.kind) else _compare(node, operand, high, ctx, "<=")
    )
    inside = _logical(Binary("AND", node, node, node.position), above, below, ctx)
    return _negate(inside) if node.negated else inside


def _compare_or_unknown(node: Node, left: Value, right: Value, ctx: Context, op: str) -> Value:
    if NULL in (left.kind, right.kind):
        return Value(BOOL, False, True)
    return _compare(node, left, right, ctx, op)


def _call(node: Call, ctx: Context) -> Value:
    spec = functions.FUNCTIONS.get(node.name)
    if spec is None:
        close = difflib.get_close_matches(node.name, list(functions.FUNCTIONS), n=1)
        hint = f"; did you mean {close[0]}()?" if close else ""
        raise ctx.fail(f"Unknown function {node.name}(){hint}", node)
    if not spec.min_args <= len(node.args) <= spec.max_args:
        raise ctx.fail(f"{node.name}() takes {spec.arity()}, not {len(node.args)}", node)
    args = [evaluate_node(arg, ctx) for arg in node.args]
    for index, (arg, kinds) in enumerate(zip(args, spec.kinds, strict=False)):
        if arg.kind not in (*kinds, NULL):
            raise ctx.fail(
                f"{node.name}() needs {' or '.join(kinds)} as argument {index + 1}, not {arg.kind}",
                node.args[index],
            )
    return spec.compute(args, len(ctx.frame))


def _case(node: Case, ctx: Context) -> Value:
    rows = len(ctx.frame)
    results = [evaluate_node(value, ctx) for _, value in node.whens]
    default = evaluate_node(node.default, ctx) if node.default is not None else null_value()
    kinds = {v.kind for v in [*results, default]} - {NULL}
    if len(kinds) > 1:
        raise ctx.fail(f"CASE gives values of different kinds: {', '.join(sorted(kinds))}", node)
    kind = kinds.pop() if kinds else NULL
    chosen = np.full(rows, -1)  # which WHEN each row took; -1: none yet
    for index, (condition, _) in enumerate(node.whens):
        test = evaluate_node(condition, ctx)
        _require(test, BOOL, "WHEN", condition, ctx)
        known_true, _ = _truth(test)
        chosen[(chosen == -1) & np.broadcast_to(known_true, (rows,))] = index
    return _pick(kind, [*results, default], np.where(chosen == -1, len(results), chosen), rows)


def _pick(kind: str, options: list[Value], choice: np.ndarray[Any, Any], rows: int) -> Value:
    """Row by row, the value of ``options[choice[row]]`` (vectorised per option)."""
    if kind == NULL:
        return Value(NULL, None, True)
    data: pd.Series | None = None
    null = np.ones(rows, dtype=bool)
    for index, option in enumerate(options):
        where = choice == index
        if option.kind == NULL or not where.any():
            continue
        values = option.data if option.is_column else pd.Series([option.data] * rows)
        data = values.copy() if data is None else data.where(~where, values)
        null[where] = np.broadcast_to(option.null, (rows,))[where]
    if data is None:
        return Value(kind, _filler(kind), True)
    return Value(kind, data.reset_index(drop=True), null)


def _filler(kind: str) -> Any:
    return {NUMBER: 0, TEXT: "", BOOL: False, DATETIME: pd.Timestamp(0)}.get(kind)


_HANDLERS: dict[type, Callable[[Any, Context], Value]] = {
    Literal: _literal,
    Field: _field,
    GeometryValue: _geometry_value,
    Unary: _unary,
    Binary: _binary,
    InList: _in_list,
    Like: _like,
    IsNull: _is_null,
    Between: _between,
    Call: _call,
    Case: _case,
}
