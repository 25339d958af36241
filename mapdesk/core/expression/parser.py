"""Expression text to a syntax tree: a tokenizer and a precedence-climbing parser.

The grammar is a QGIS-like subset; anything else is a syntax error that
points at the character where the parser gave up. There is no way to name
Python objects: identifiers are field names or listed functions, and ``.``
only appears inside numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mapdesk.core.errors import ExpressionError
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

#: Longer expressions are refused: nobody types them, and they bound the work.
MAX_LENGTH = 10_000
#: Deeper nesting (brackets, NOT, function calls) is refused: it would
#: exhaust Python's recursion instead.
MAX_DEPTH = 50
#: Deeper syntax trees (a chain of 200 operators) are refused for the same
#: reason: the evaluator walks them recursively.
MAX_TREE_DEPTH = 200

KEYWORDS = frozenset(
    (
        *("AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL", "BETWEEN"),
        *("CASE", "WHEN", "THEN", "ELSE", "END", "TRUE", "FALSE"),
    )
)
GEOMETRY_VALUES = ("area", "length", "x", "y")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<geometry>\$[A-Za-z_]+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><>|!=|<=|>=|\|\||[=<>+\-*/%^(),])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, quoted, geometry, name, keyword, op, end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; an unknown character is an error at its position."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(_unexpected_character(text, position), text, position)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_token(kind, match.group(), position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _unexpected_character(text: str, position: int) -> str:
    char = text[position]
    if char in "'\"":
        closer = "'" if char == "'" else '"'
        return f"Unclosed {'text' if char == chr(39) else 'field name'}: missing {closer}"
    return f"Unexpected character {char!r}"


def _token(kind: str, text: str, position: int) -> Token:
    if kind == "name" and text.upper() in KEYWORDS:
        return Token("keyword", text.upper(), position)
    if kind == "op" and text == "!=":
        return Token("op", "<>", position)
    return Token(kind, text, position)


def parse(text: str) -> Node:
    """Parse an expression into its syntax tree.

    Raises
    ------
    ExpressionError
        With the position of the first character that does not fit.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"An expression must be text, not {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("The expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"The expression is longer than {MAX_LENGTH:,} characters")
    tree = _Parser(text, tokenize(text)).parse()
    if _tree_depth(tree) > MAX_TREE_DEPTH:
        raise ExpressionError(f"The expression nests more than {MAX_TREE_DEPTH} operations deep")
    return tree


def _tree_depth(tree: Node) -> int:
    """The depth of the tree, walked without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in _children(node))
    return deepest


def _children(node: Node) -> list[Node]:
    found: list[Node] = []
    for value in vars(node).values():
        if isinstance(value, tuple):
            for item in value:
                found.extend(item if isinstance(item, tuple) else (item,))
        elif hasattr(value, "position"):
            found.append(value)
    return [child for child in found if hasattr(child, "position")]


class _Parser:
    """Recursive descent with one function per precedence level, lowest first."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    # -- token helpers

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def at(self, kind: str, *texts: str) -> bool:
        token = self.current
        return token.kind == kind and (not texts or token.text in texts)

    def accept(self, kind: str, *texts: str) -> Token | None:
        return self.advance() if self.at(kind, *texts) else None

    def expect(self, kind: str, text: str, what: str) -> Token:
        token = self.accept(kind, text)
        if token is None:
            raise self.error(f"Expected {what}")
        return token

    def error(self, problem: str, token: Token | None = None) -> ExpressionError:
        token = token or self.current
        found = "the end of the expression" if token.kind == "end" else repr(token.text)
        return ExpressionError(f"{problem}, found {found}", self.text, token.position)

    # -- grammar

    def parse(self) -> Node:
        node = self.expression()
        if not self.at("end"):
            raise self.error("Expected an operator or the end of the expression")
        return node

    def expression(self) -> Node:
        self.deeper()
        try:
            return self.disjunction()
        finally:
            self.depth -= 1

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"The expression nests more than {MAX_DEPTH} levels deep",
                self.text,
                self.current.position,
            )

    def disjunction(self) -> Node:
        node = self.conjunction()
        while token := self.accept("keyword", "OR"):
            node = Binary("OR", node, self.conjunction(), token.position)
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while token := self.accept("keyword", "AND"):
            node = Binary("AND", node, self.negation(), token.position)
        return node

    def negation(self) -> Node:
        if token := self.accept("keyword", "NOT"):
            self.deeper()
            try:
                return Unary("NOT", self.negation(), token.position)
            finally:
                self.depth -= 1
        return self.predicate()

    def predicate(self) -> Node:
        node = self.concatenation()
        if token := self.accept("op", "=", "<>", "<", "<=", ">", ">="):
            return Binary(token.text, node, self.concatenation(), token.position)
        if token := self.accept("keyword", "IS"):
            negated = self.accept("keyword", "NOT") is not None
            self.expect("keyword", "NULL", "NULL after IS")
            return IsNull(node, negated, token.position)
        start = self.current
        negated = self.accept("keyword", "NOT") is not None
        if token := self.accept("keyword", "IN"):
            return InList(node, self.in_items(), negated, token.position)
        if token := self.accept("keyword", "LIKE", "ILIKE"):
            pattern = self.concatenation()
            return Like(node, pattern, token.text == "ILIKE", negated, token.position)
        if token := self.accept("keyword", "BETWEEN"):
            low = self.concatenation()
            self.expect("keyword", "AND", "AND between the two bounds of BETWEEN")
            return Between(node, low, self.concatenation(), negated, token.position)
        if negated:
            raise self.error("Expected IN, LIKE, ILIKE or BETWEEN after NOT", start)
        return node

    def in_items(self) -> tuple[Node, ...]:
        self.expect("op", "(", "'(' after IN")
        return self.listed("',' or ')' in the IN list")

    def listed(self, what: str) -> tuple[Node, ...]:
        """Comma-separated expressions up to the closing bracket (consumed)."""
        items = [self.expression()]
        while self.accept("op", ","):
            items.append(self.expression())
        self.expect("op", ")", what)
        return tuple(items)

    def concatenation(self) -> Node:
        node = self.additive()
        while token := self.accept("op", "||"):
            node = Binary("||", node, self.additive(), token.position)
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while token := self.accept("op", "+", "-"):
            node = Binary(token.text, node, self.multiplicative(), token.position)
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while token := self.accept("op", "*", "/", "%"):
            node = Binary(token.text, node, self.unary(), token.position)
        return node

    def unary(self) -> Node:
        if token := self.accept("op", "-", "+"):
            self.deeper()
            try:
                operand = self.unary()
            finally:
                self.depth -= 1
            return Unary("-", operand, token.position) if token.text == "-" else operand
        return self.power()

    def power(self) -> Node:
        node = self.primary()
        if token := self.accept("op", "^"):
            return Binary("^", node, self.unary(), token.position)  # right-associative
        return node

    def primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.advance()
            return Literal(_number(token.text), token.position)
        if token.kind == "string":
            self.advance()
            return Literal(token.text[1:-1].replace("''", "'"), token.position)
        if token.kind == "quoted":
            self.advance()
            return Field(token.text[1:-1].replace('""', '"'), token.position)
        if token.kind == "geometry":
            return self.geometry_value()
        if token.kind == "name":
            self.advance()
            if self.at("op", "("):
                return Call(token.text.lower(), self.call_args(), token.position)
            return Field(token.text, token.position)
        if token.kind == "keyword":
            return self.keyword_primary()
        if self.accept("op", "("):
            node = self.expression()
            self.expect("op", ")", "')'")
            return node
        raise self.error("Expected a value, a field or '('")

    def geometry_value(self) -> Node:
        token = self.advance()
        name = token.text[1:].lower()
        if name not in GEOMETRY_VALUES:
            known = ", ".join(f"${n}" for n in GEOMETRY_VALUES)
            raise ExpressionError(
                f"Unknown geometry value {token.text} (known: {known})", self.text, token.position
            )
        return GeometryValue(name, token.position)

    def keyword_primary(self) -> Node:
        token = self.current
        constants = {"NULL": None, "TRUE": True, "FALSE": False}
        if token.text in constants:
            self.advance()
            return Literal(constants[token.text], token.position)
        if token.text == "CASE":
            return self.case()
        raise self.error("Expected a value, a field or '('")

    def call_args(self) -> tuple[Node, ...]:
        self.expect("op", "(", "'('")
        if self.accept("op", ")"):
            return ()
        return self.listed("',' or ')' after a function argument")

    def case(self) -> Node:
        start = self.advance()
        whens = []
        while self.accept("keyword", "WHEN"):
            condition = self.expression()
            self.expect("keyword", "THEN", "THEN after the WHEN condition")
            whens.append((condition, self.expression()))
        if not whens:
            raise self.error("Expected WHEN after CASE")
        default = self.expression() if self.accept("keyword", "ELSE") else None
        self.expect("keyword", "END", "WHEN, ELSE or END in CASE")
        return Case(tuple(whens), default, start.position)


def _number(text: str) -> int | float:
    if re.fullmatch(r"\d+", text):
        return int(text)
    return float(text)
