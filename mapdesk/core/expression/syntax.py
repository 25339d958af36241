"""The expression syntax tree: plain frozen records, one per construct.

Nothing here can run code: the evaluator walks these nodes and does only
what each kind allows. The same tree can be compiled to parameterised SQL
(PostGIS) later: every node maps onto a SQL construct.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

LiteralValue = None | bool | int | float | str

#: Binary operators, by the text the user writes.
COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")
ARITHMETIC = ("+", "-", "*", "/", "%", "^")
LOGICAL = ("AND", "OR")


@dataclass(frozen=True)
class Literal:
    value: LiteralValue
    position: int


@dataclass(frozen=True)
class Field:
    name: str
    position: int


@dataclass(frozen=True)
class GeometryValue:
    """``$area``, ``$length``, ``$x`` or ``$y`` of each feature."""

    name: str
    position: int


@dataclass(frozen=True)
class Unary:
    op: str  # "NOT" or "-"
    operand: Node
    position: int


@dataclass(frozen=True)
class Binary:
    op: str  # one of COMPARISONS, ARITHMETIC, LOGICAL or "||"
    left: Node
    right: Node
    position: int


@dataclass(frozen=True)
class InList:
    operand: Node
    items: tuple[Node, ...]
    negated: bool
    position: int


@dataclass(frozen=True)
class Like:
    operand: Node
    pattern: Node
    case_insensitive: bool
    negated: bool
    position: int


@dataclass(frozen=True)
class IsNull:
    operand: Node
    negated: bool
    position: int


@dataclass(frozen=True)
class Between:
    operand: Node
    low: Node
    high: Node
    negated: bool
    position: int


@dataclass(frozen=True)
class Call:
    name: str  # lower case, checked against the function table
    args: tuple[Node, ...]
    position: int


@dataclass(frozen=True)
class Case:
    whens: tuple[tuple[Node, Node], ...]
    default: Node | None
    position: int


Node = Union[  # noqa: UP007 (the names are defined above; a string alias would not be)
    Literal, Field, GeometryValue, Unary, Binary, InList, Like, IsNull, Between, Call, Case
]
