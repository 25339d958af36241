"""Filter expressions compiled to a parameterised SQL ``WHERE`` clause for PostGIS.

A layer loaded with ``&where=`` asks the server for the matching rows only.
The expression is parsed by :mod:`mapdesk.core.expression` (so its syntax and
its errors are the ones Select by Expression gives) and each node of the tree
becomes SQL built with :mod:`psycopg.sql`: field names are
``sql.Identifier``, every value written in the expression is a query
parameter. No text the user wrote is ever pasted into SQL.

Only what PostgreSQL computes *exactly* like mapdesk's in-memory evaluator is
compiled; the rest raises :class:`ServerFilterError` ("cannot be run on the
server"), and the caller loads the table whole and filters in memory. The
rules that keep both sides equal:

* NULL: SQL's three-valued logic is the evaluator's; ``x / 0`` and ``x % 0``
  are NULL (``NULLIF``), and so are infinite or NaN results of arithmetic.
  A float column's ``NaN`` is NULL, as pandas reads it.
* Numbers: integer columns as ``bigint``; ``/`` divides in double precision
  (``7 / 2`` is 3.5, not 3); ``%`` only between integers; ``^`` in double
  precision. Integer results are exact up to 2^53.
* Text: ``=`` and ``LIKE`` are case-sensitive; ``<``/``>`` and ``LIKE``
  compare code points (``COLLATE "C"``) as Python does, whatever the
  database's locale. ``ILIKE``, ``upper``, ``lower`` and ``trim`` agree only
  on ASCII text (Python folds ``ß``, the Kelvin sign, Unicode spaces; a
  server in the C locale does not), so the fields they read are listed in
  :attr:`ServerFilter.ascii_fields` and the caller checks them first.
* Dates: a date written as text is read with pandas, in the field's terms
  (zone or not) as the evaluator does, and sent as a timestamp parameter.
* ``||`` joins text only (numbers would be spelled differently); ``substr``
  with a positive written start; ``year``/``month``/``day`` of date fields
  (in UTC for ``timestamptz``, as mapdesk reads them); ``coalesce``,
  ``abs``, ``length``.

Not compiled: ``$area``/``$length``/``$x``/``$y``, ``now()``, ``age_days``,
``to_datetime``, ``round``, date parts of text, text of numbers, ``char(n)``
fields (PostgreSQL ignores their padding, mapdesk keeps it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from psycopg import sql

from mapdesk.core.errors import ExpressionError, MapdeskError
from mapdesk.core.expression import parse, syntax
from mapdesk.core.expression.functions import FUNCTIONS
from mapdesk.io.postgis.catalog import INTEGER_TYPES, Column

NUMBER, TEXT, BOOL, DATETIME, NULL = "number", "text", "boolean", "date/time", "null"
_COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")
_INT64 = 2**63
#: Characters Python's ``str.strip()`` removes from ASCII text (``trim``).
_ASCII_SPACES = " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"


class ServerFilterError(MapdeskError):
    """A valid expression that PostgreSQL cannot evaluate exactly as mapdesk does."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot be run on the server: {reason}")
        self.reason = reason


def quoted(name: str) -> sql.Composable:
    """An identifier for a query that also has parameters.

    psycopg looks for ``%s`` placeholders in the whole query text, quoted
    names included, so a ``%`` in a name is doubled to stay a ``%``.
    """
    return sql.SQL(sql.Identifier(name).as_string(None).replace("%", "%%"))


@dataclass(frozen=True)
class ServerFilter:
    """A compiled filter: the condition, its parameters, and fields to check for ASCII.

    Attributes
    ----------
    condition : psycopg.sql.Composable
        A boolean SQL expression with ``%s`` placeholders.
    params : tuple
        The values for the placeholders, in order.
    ascii_fields : tuple of str
        Text fields read by ``ILIKE``/``upper``/``lower``/``trim``: the
        condition is exact only when none of their values has a character
        beyond ASCII (see :func:`ascii_check`).
    """

    condition: sql.Composable
    params: tuple[Any, ...]
    ascii_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Sql:
    """A compiled node: its SQL, kind (as the evaluator's) and whether it is an integer."""

    text: sql.Composable
    kind: str
    integer: bool = False
    params: tuple[Any, ...] = ()
    literal: Any = None  # the Python value of a written literal
    is_literal: bool = False


def _sql(template: str, *parts: _Sql, kind: str, integer: bool = False) -> _Sql:
    """``template`` with ``parts`` in its ``{}`` (in order), their parameters joined."""
    params = tuple(p for part in parts for p in part.params)
    text = sql.SQL(template).format(*(part.text for part in parts))
    return _Sql(text, kind, integer, params)


def _param(value: Any, cast: str, kind: str, integer: bool = False) -> _Sql:
    return _Sql(sql.SQL("%s::" + cast), kind, integer, (value,), value, True)


_NULL_BOOL = _Sql(sql.SQL("NULL::boolean"), BOOL)


@dataclass
class _Compiler:
    text: str
    fields: dict[str, Column]
    ascii_fields: set[str] = field(default_factory=set)
    folding: int = 0  # > 0 inside ILIKE/upper/lower/trim

    def fail(self, problem: str, node: syntax.Node) -> ExpressionError:
        return ExpressionError(problem, self.text, node.position)

    def node(self, node: syntax.Node) -> _Sql:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise ServerFilterError(f"{type(node).__name__} has no SQL form")
        return handler(self, node)


def compile_filter(text: str, fields: Sequence[Column]) -> ServerFilter:
    """The SQL condition of filter expression ``text`` over a table with ``fields``.

    Parameters
    ----------
    text
        The expression, as for Select by Expression.
    fields
        The layer's attribute columns (not the key, not the geometry), as
        :func:`mapdesk.io.postgis.reader.plan_read` finds them.

    Raises
    ------
    ExpressionError
        When the expression is not valid for this table (syntax, unknown
        field, text compared with a number...): the evaluator says the same.
    ServerFilterError
        When the expression is valid but uses something PostgreSQL cannot
        compute exactly as mapdesk does.
    """
    compiler = _Compiler(text, {c.name: c for c in fields})
    result = compiler.node(parse(text))
    if result.kind == NULL:
        return ServerFilter(sql.SQL("FALSE"), ())
    if result.kind != BOOL:
        raise ExpressionError(
            "A filter must be a condition (true or false for each feature), "
            f"but this expression gives a {result.kind}",
            text,
        )
    return ServerFilter(
        sql.SQL("({}) IS TRUE").format(result.text),
        result.params,
        tuple(sorted(compiler.ascii_fields)),
    )


def ascii_check(names: Sequence[str]) -> sql.Composable:
    """A condition true for rows where one of the text fields ``names`` is not plain ASCII."""
    return sql.SQL(" OR ").join(
        sql.SQL("octet_length({0}::text) <> char_length({0}::text)").format(quoted(n))
        for n in names
    )


# -- values and fields


def _literal(c: _Compiler, node: syntax.Literal) -> _Sql:
    value = node.value
    if value is None:
        return _Sql(sql.SQL("NULL"), NULL, is_literal=True)
    if isinstance(value, bool):
        return _param(value, "boolean", BOOL)
    if isinstance(value, int):
        if not -_INT64 <= value < _INT64:
            raise ServerFilterError(f"the number {value} is beyond 64-bit integers")
        return _param(value, "int8", NUMBER, integer=True)
    if isinstance(value, float):
        return _param(value, "float8", NUMBER)
    if c.folding and not str(value).isascii():
        raise ServerFilterError(
            f"changing the case of '{value}', whose letters beyond ASCII Python and "
            "PostgreSQL fold differently"
        )
    return _param(str(value), "text", TEXT)


def _field(c: _Compiler, node: syntax.Field) -> _Sql:
    column = c.fields.get(node.name)
    if column is None:
        lower = {name.lower(): name for name in c.fields}
        hint = f'; did you mean "{lower[node.name.lower()]}"?' if node.name.lower() in lower else ""
        raise c.fail(f'Unknown field "{node.name}"{hint}', node)
    name, kind = _Sql(quoted(column.name), TEXT), column.type_name
    if c.folding:
        c.ascii_fields.add(column.name)
    if kind in INTEGER_TYPES:
        return _sql("{}::int8", name, kind=NUMBER, integer=True)
    if kind in ("float4", "float8", "numeric"):
        # NaN is a missing value once read into mapdesk.
        return _sql("NULLIF({}::float8, 'NaN'::float8)", name, kind=NUMBER)
    if kind == "bool":
        return _sql("{}", name, kind=BOOL)
    if kind in ("date", "timestamp"):
        return _sql("{}::timestamp", name, kind=DATETIME)
    if kind == "timestamptz":
        return _sql("{}", name, kind=_ZONED)
    if kind == "bpchar":
        raise ServerFilterError(f'"{column.name}" is char(n), whose padding PostgreSQL ignores')
    return _sql("{}::text", name, kind=TEXT)


#: A date/time with a time zone (``timestamptz``): the evaluator's date/time kind.
_ZONED = DATETIME + " tz"


def _kind(value: _Sql) -> str:
    """The evaluator's kind (zoned and plain dates are both date/time)."""
    return DATETIME if value.kind == _ZONED else value.kind


def _geometry_value(c: _Compiler, node: syntax.GeometryValue) -> _Sql:
    raise ServerFilterError(f"${node.name} is measured by mapdesk, not PostGIS")


# -- operators


def _unary(c: _Compiler, node: syntax.Unary) -> _Sql:
    operand = c.node(node.operand)
    if operand.kind == NULL:
        return _null()
    want = BOOL if node.op == "NOT" else NUMBER
    if _kind(operand) != want:
        what = "NOT" if node.op == "NOT" else "a minus sign"
        raise c.fail(f"{what} needs a {want} value, not {_kind(operand)}", node)
    op = "NOT" if node.op == "NOT" else "-"
    return _sql(f"({op} {{}})", operand, kind=want, integer=operand.integer)


def _null() -> _Sql:
    return _Sql(sql.SQL("NULL"), NULL)


def _binary(c: _Compiler, node: syntax.Binary) -> _Sql:
    left, right = c.node(node.left), c.node(node.right)
    if node.op in ("AND", "OR"):
        for side in (left, right):
            if side.kind not in (BOOL, NULL):
                raise c.fail(f"{node.op} needs a {BOOL} value, not {_kind(side)}", node)
        return _sql(f"({{}} {node.op} {{}})", _as_bool(left), _as_bool(right), kind=BOOL)
    if NULL in (left.kind, right.kind):
        return _NULL_BOOL if node.op in _COMPARISONS else _null()
    if node.op in _COMPARISONS:
        return _compare(c, node, left, right, node.op)
    if node.op == "||" or (node.op == "+" and TEXT == left.kind == right.kind):
        return _concatenate(left, right)
    return _arithmetic(c, node, left, right)


def _as_bool(value: _Sql) -> _Sql:
    return _NULL_BOOL if value.kind == NULL else value


def _concatenate(left: _Sql, right: _Sql) -> _Sql:
    if left.kind != TEXT or right.kind != TEXT:
        raise ServerFilterError(
            "joining a number, date or boolean to text spells it differently in SQL"
        )
    return _sql("({} || {})", left, right, kind=TEXT)


def _compare(c: _Compiler, node: syntax.Node, left: _Sql, right: _Sql, op: str) -> _Sql:
    left, right = _comparable(c, node, left, right)
    if left.kind == TEXT and op not in ("=", "<>"):
        # Code-point order, as Python compares strings, whatever the locale.
        return _sql(f'({{}} COLLATE "C" {op} {{}})', left, right, kind=BOOL)
    return _sql(f"({{}} {op} {{}})", left, right, kind=BOOL)


def _comparable(c: _Compiler, node: syntax.Node, left: _Sql, right: _Sql) -> tuple[_Sql, _Sql]:
    kinds = {_kind(left), _kind(right)}
    if len(kinds) == 1:
        if DATETIME in kinds and left.kind != right.kind:
            raise c.fail("Cannot compare dates with and without a time zone", node)
        return left, right
    if kinds == {DATETIME, TEXT}:
        if right.kind == TEXT:
            return left, _as_date(c, node, right, left)
        return _as_date(c, node, left, right), right
    raise c.fail(f"Cannot compare {_kind(left)} with {_kind(right)}", node)


def _as_date(c: _Compiler, node: syntax.Node, text: _Sql, date: _Sql) -> _Sql:
    """A date written as text, read as the evaluator reads it, in ``date``'s terms."""
    if not text.is_literal:
        raise c.fail("Only a date written in the expression can be compared with a date", node)
    try:
        stamp = pd.Timestamp(text.literal)
    except (ValueError, TypeError):
        raise c.fail(f"'{text.literal}' is not a date (write it as 'YYYY-MM-DD')", node) from None
    if stamp.nanosecond:
        raise ServerFilterError(f"'{text.literal}' is more precise than PostgreSQL's microseconds")
    if date.kind == _ZONED:
        stamp = stamp if stamp.tz is not None else stamp.tz_localize("UTC")
        return _param(stamp.to_pydatetime(), "timestamptz", _ZONED)
    if stamp.tz is not None:  # local wall-clock time, as the evaluator reads it
        stamp = stamp.tz_convert(datetime.now().astimezone().tzinfo).tz_localize(None)
    return _param(stamp.to_pydatetime(), "timestamp", DATETIME)


def _arithmetic(c: _Compiler, node: syntax.Binary, left: _Sql, right: _Sql) -> _Sql:
    for side in (left, right):
        if side.kind != NUMBER:
            raise c.fail(f"'{node.op}' needs numbers, not {_kind(side)}", node)
    op = node.op
    if left.integer and right.integer and op in "+-*%":
        template = "mod({}, NULLIF({}, 0))" if op == "%" else f"({{}} {op} {{}})"
        return _sql(template, left, right, kind=NUMBER, integer=True)
    if op == "%":
        raise ServerFilterError("% of numbers with decimals (PostgreSQL has no float remainder)")
    template = {
        "/": "({}::float8 / NULLIF({}::float8, 0))",
        "^": "power({}::float8, {}::float8)",
    }.get(op, f"({{}}::float8 {op} {{}}::float8)")
    # Infinite or NaN results are NULL, as the evaluator gives.
    finite = (
        f"NULLIF(NULLIF(NULLIF({template}, 'Infinity'::float8), "
        "'-Infinity'::float8), 'NaN'::float8)"
    )
    return _sql(finite, left, right, kind=NUMBER)


def _in_list(c: _Compiler, node: syntax.InList) -> _Sql:
    operand = c.node(node.operand)
    items = [c.node(item) for item in node.items]
    if operand.kind == NULL:
        return _NULL_BOOL
    tests = [
        _compare(c, node, operand, item, "=") if item.kind != NULL else _NULL_BOOL for item in items
    ]
    found = _sql("(" + " OR ".join("{}" for _ in tests) + ")", *tests, kind=BOOL)
    return _sql("(NOT {})", found, kind=BOOL) if node.negated else found


def _like(c: _Compiler, node: syntax.Like) -> _Sql:
    c.folding += node.case_insensitive
    try:
        operand = c.node(node.operand)
    finally:
        c.folding -= node.case_insensitive
    pattern = c.node(node.pattern)
    if operand.kind == NULL or pattern.kind == NULL:
        return _NULL_BOOL
    if not pattern.is_literal or pattern.kind != TEXT:
        raise c.fail("LIKE needs a text pattern written in the expression", node.pattern)
    if operand.kind != TEXT:
        raise ServerFilterError("LIKE on a number or date reads it as mapdesk spells it")
    if _ends_with_escape(str(pattern.literal)):
        raise ServerFilterError("a LIKE pattern ending with a lone backslash")
    if node.case_insensitive and not str(pattern.literal).isascii():
        raise ServerFilterError("ILIKE with letters beyond ASCII (Python folds them differently)")
    op = ("NOT " if node.negated else "") + ("ILIKE" if node.case_insensitive else "LIKE")
    return _sql(f'({{}} COLLATE "C" {op} {{}})', operand, pattern, kind=BOOL)


def _ends_with_escape(pattern: str) -> bool:
    escaped = False
    for char in pattern:
        escaped = not escaped and char == "\\"
    return escaped


def _is_null(c: _Compiler, node: syntax.IsNull) -> _Sql:
    operand = c.node(node.operand)
    return _sql(f"(({{}}) IS {'NOT ' if node.negated else ''}NULL)", operand, kind=BOOL)


def _between(c: _Compiler, node: syntax.Between) -> _Sql:
    operand, low, high = c.node(node.operand), c.node(node.low), c.node(node.high)
    above = (
        _NULL_BOOL if NULL in (operand.kind, low.kind) else _compare(c, node, operand, low, ">=")
    )
    below = (
        _NULL_BOOL if NULL in (operand.kind, high.kind) else _compare(c, node, operand, high, "<=")
    )
    inside = _sql("({} AND {})", above, below, kind=BOOL)
    return _sql("(NOT {})", inside, kind=BOOL) if node.negated else inside


# -- functions


def _call(c: _Compiler, node: syntax.Call) -> _Sql:
    spec = FUNCTIONS.get(node.name)
    if spec is None:
        raise c.fail(f"Unknown function {node.name}()", node)
    if not spec.min_args <= len(node.args) <= spec.max_args:
        raise c.fail(f"{node.name}() takes {spec.arity()}, not {len(node.args)}", node)
    compile_function = _FUNCTIONS.get(node.name)
    if compile_function is None:
        raise ServerFilterError(f"{node.name}() has no exact PostgreSQL equivalent")
    folding = node.name in ("upper", "lower", "trim")
    c.folding += folding
    try:
        args = [c.node(arg) for arg in node.args]
    finally:
        c.folding -= folding
    for index, (arg, kinds) in enumerate(zip(args, spec.kinds, strict=False)):
        if _kind(arg) not in (*kinds, NULL):
            raise c.fail(
                f"{node.name}() needs {' or '.join(kinds)} as argument {index + 1}, "
                f"not {_kind(arg)}",
                node.args[index],
            )
    return compile_function(args)


def _text_function(template: str) -> Callable[[list[_Sql]], _Sql]:
    def compile_text(args: list[_Sql]) -> _Sql:
        (value,) = args
        return _null() if value.kind == NULL else _sql(template, value, kind=TEXT)

    return compile_text


def _trim(args: list[_Sql]) -> _Sql:
    (value,) = args
    if value.kind == NULL:
        return _null()
    return _sql("btrim({}, {})", value, _param(_ASCII_SPACES, "text", TEXT), kind=TEXT)


def _length(args: list[_Sql]) -> _Sql:
    (value,) = args
    if value.kind == NULL:
        return _Sql(sql.SQL("NULL::int8"), NUMBER, True)
    return _sql("char_length({})::int8", value, kind=NUMBER, integer=True)


def _substr(args: list[_Sql]) -> _Sql:
    if any(a.kind == NULL for a in args):
        return _null()
    bounds = args[1:]
    if not all(a.is_literal and a.integer for a in bounds):
        raise ServerFilterError(
            "substr() with a start or length that is not a written whole number"
        )
    if bounds[0].literal < 1 or (len(bounds) > 1 and bounds[1].literal < 0):
        raise ServerFilterError("substr() from the end or with a negative length")
    if any(a.literal >= 2**31 for a in bounds):
        raise ServerFilterError("substr() beyond PostgreSQL's 32-bit positions")
    template = "substr({}" + ", {}::int4" * len(bounds) + ")"
    return _sql(template, *args, kind=TEXT)


def _coalesce(args: list[_Sql]) -> _Sql:
    kinds = {_kind(a) for a in args} - {NULL}
    if len(kinds) > 1:
        raise ExpressionError(f"coalesce() needs values of one kind, got {', '.join(kinds)}")
    zones = {a.kind for a in args} - {NULL}
    if not zones:
        return _null()
    if len(zones) > 1:
        raise ServerFilterError("coalesce() of dates with and without a time zone")
    present = [a for a in args if a.kind != NULL]
    template = "COALESCE(" + ", ".join("{}" for _ in present) + ")"
    return _sql(template, *present, kind=zones.pop(), integer=all(a.integer for a in present))


def _abs(args: list[_Sql]) -> _Sql:
    (value,) = args
    if value.kind == NULL:
        return _Sql(sql.SQL("NULL::int8"), NUMBER, True)
    return _sql("abs({})", value, kind=NUMBER, integer=value.integer)


def _date_part(part: str) -> Callable[[list[_Sql]], _Sql]:
    def compile_part(args: list[_Sql]) -> _Sql:
        (value,) = args
        if value.kind == NULL:
            return _Sql(sql.SQL("NULL::int8"), NUMBER, True)
        if value.kind == TEXT:
            raise ServerFilterError(f"{part}() of text (mapdesk reads the date from the text)")
        # mapdesk reads timestamptz in UTC
        source = "({} AT TIME ZONE 'UTC')" if value.kind == _ZONED else "{}"
        return _sql(f"extract({part} FROM {source})::int8", value, kind=NUMBER, integer=True)

    return compile_part


_FUNCTIONS: dict[str, Callable[[list[_Sql]], _Sql]] = {
    "upper": _text_function('upper({} COLLATE "C")'),
    "lower": _text_function('lower({} COLLATE "C")'),
    "trim": _trim,
    "length": _length,
    "substr": _substr,
    "coalesce": _coalesce,
    "abs": _abs,
    "year": _date_part("year"),
    "month": _date_part("month"),
    "day": _date_part("day"),
}


def _case(c: _Compiler, node: syntax.Case) -> _Sql:
    parts: list[_Sql] = []
    results: list[_Sql] = []
    for condition, value in node.whens:
        test = c.node(condition)
        if test.kind not in (BOOL, NULL):
            raise c.fail(f"WHEN needs a {BOOL} value, not {_kind(test)}", condition)
        result = c.node(value)
        results.append(result)
        parts += [_as_bool(test), result]
    default = c.node(node.default) if node.default is not None else _null()
    results.append(default)
    kinds = {_kind(r) for r in results} - {NULL}
    if len(kinds) > 1:
        raise c.fail(f"CASE gives values of different kinds: {', '.join(sorted(kinds))}", node)
    zones = {r.kind for r in results} - {NULL}
    if not zones:
        return _null()
    if len(zones) > 1:
        raise ServerFilterError("CASE giving dates with and without a time zone")
    integer = all(r.integer for r in results if r.kind != NULL)
    whens = " ".join("WHEN {} THEN {}" for _ in node.whens)
    return _sql(f"(CASE {whens} ELSE {{}} END)", *parts, default, kind=zones.pop(), integer=integer)


_HANDLERS: dict[type, Callable[[_Compiler, Any], _Sql]] = {
    syntax.Literal: _literal,
    syntax.Field: _field,
    syntax.GeometryValue: _geometry_value,
    syntax.Unary: _unary,
    syntax.Binary: _binary,
    syntax.InList: _in_list,
    syntax.Like: _like,
    syntax.IsNull: _is_null,
    syntax.Between: _between,
    syntax.Call: _call,
    syntax.Case: _case,
}


def in_box(geometry_column: str, bounds: Sequence[float], srid: int) -> ServerFilter:
    """Rows whose geometry's bounding box meets ``bounds`` (in the column's ``srid``).

    ``&&`` compares bounding boxes with the column's spatial index (GiST), as
    QGIS does to draw a view: a feature near the box but not in it may come too.
    """
    condition = sql.SQL(
        "{} && ST_MakeEnvelope(%s::float8, %s::float8, %s::float8, %s::float8, %s::int4)"
    ).format(quoted(geometry_column))
    return ServerFilter(condition, (*(float(b) for b in bounds), int(srid)))


def all_of(*filters: ServerFilter) -> ServerFilter:
    """Rows every one of ``filters`` selects."""
    return ServerFilter(
        sql.SQL(" AND ").join(sql.SQL("({})").format(f.condition) for f in filters),
        tuple(p for f in filters for p in f.params),
        tuple(sorted({n for f in filters for n in f.ascii_fields})),
    )
