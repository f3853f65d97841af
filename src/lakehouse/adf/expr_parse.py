"""Tokenizer and parser of the ADF expression language (the part after `@`, and inside `@{...}`).

Grammar, as ADF accepts it: a literal (`'text'` with `''` for a quote, an integer or decimal, `true`, `false`,
`null`) or a function call `name(arg, ...)`, followed by any number of property accesses `.name`, `?.name`
(null-safe), `[expr]` or `?[expr]`. There are no operators: arithmetic and logic are functions (`add`, `or`, ...).
Which functions exist is the evaluator's business (expr_eval); the parser only builds the tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lakehouse.errors import UserError


class ExpressionError(UserError):
    """An expression that cannot be parsed or evaluated here; the message names the expression."""


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Member:
    target: Node
    name: str
    is_null_safe: bool


@dataclass(frozen=True)
class Index:
    target: Node
    key: Node
    is_null_safe: bool


Node = Literal | Call | Member | Index

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\?\.|\?\[|[(),.\[\]}])
""", re.VERBOSE)
_KEYWORDS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, name, punct, end
    text: str
    position: int


def next_token(text: str, position: int) -> Token:
    """The token at `position` (spaces skipped). Tokens are read one at a time, so that the literal text after
    the `}` closing `@{...}` is never tokenized."""
    while True:
        if position >= len(text):
            return Token("end", "", len(text))
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"ADF expression {text!r}: unexpected character {text[position]!r} "
                                  f"at position {position}")
        if match.lastgroup != "space":
            return Token(match.lastgroup or "", match.group(), position)
        position = match.end()


class _Parser:
    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.position = start
        self.current: Token | None = None  # read when first needed

    def fail(self, reason: str) -> ExpressionError:
        return ExpressionError(f"ADF expression {self.text!r}: {reason}")

    def peek(self) -> Token:
        if self.current is None:
            self.current = next_token(self.text, self.position)
        return self.current

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if text is not None and (token.text != text or (text == "" and token.kind != "end")):
            found = repr(token.text) if token.kind != "end" else "the end"
            expected = repr(text) if text else "the end"
            raise self.fail(f"expected {expected} at position {token.position}, found {found}")
        self.current, self.position = None, token.position + len(token.text)
        return token

    def expression(self) -> Node:
        node = self.primary()
        while self.peek().text in (".", "?.", "[", "?["):
            node = self.postfix(node, self.take().text)
        return node

    def postfix(self, target: Node, opener: str) -> Node:
        is_null_safe = opener.startswith("?")
        if opener.endswith("["):
            key = self.expression()
            self.take("]")
            return Index(target, key, is_null_safe)
        token = self.take()
        if token.kind != "name":
            raise self.fail(f"expected a property name after {opener!r} at position {token.position}")
        return Member(target, token.text, is_null_safe)

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            return Literal(float(token.text) if "." in token.text else int(token.text))
        if token.kind == "name" and self.peek().text == "(":
            return self.call(token.text)
        if token.kind == "name" and token.text.lower() in _KEYWORDS:
            return Literal(_KEYWORDS[token.text.lower()])
        found = repr(token.text) if token.kind != "end" else "the end"
        raise self.fail(f"expected a value or a function call at position {token.position}, found {found}")

    def call(self, name: str) -> Call:
        self.take("(")
        args: list[Node] = []
        if self.peek().text != ")":
            args.append(self.expression())
            while self.peek().text == ",":
                self.take(",")
                args.append(self.expression())
        self.take(")")
        return Call(name, tuple(args))


def parse(text: str, start: int = 0) -> Node:
    """The tree of a whole expression: `text` from `start` (1 to skip a leading `@`) to its end."""
    parser = _Parser(text, start)
    node = parser.expression()
    parser.take("")  # nothing may follow
    return node


def parse_embedded(text: str, start: int) -> tuple[Node, int]:
    """The expression of `@{...}` whose body starts at `start`, and the index just past its closing `}`."""
    parser = _Parser(text, start)
    node = parser.expression()
    closing = parser.take("}")
    return node, closing.position + 1
