"""Evaluation of ADF expressions: JSON values whose strings may be `@expression`, `@{...}` templates or `@@` escapes.

Only the subset CustomerAnalyticsPipeline uses is supported; an unknown function or a missing property fails with
an ExpressionError naming the expression, as ADF would. The rules of where expressions appear:
- a string starting with `@` (not `@@`, not `@{`) is one expression and keeps its type (`@pipeline().RunId`);
- elsewhere `@{expr}` is replaced by the value's text, and `@@` stands for a literal `@`;
- `{"value": "...", "type": "Expression"}` is ADF's wrapper for dynamic content and evaluates to its value.
Scope functions (`pipeline()`, `activity('X')`, `dataset()`, `linkedService()`) come from a Scope the caller
builds; the pure functions are in expr_functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lakehouse.adf.expr_functions import FUNCTIONS, to_text
from lakehouse.adf.expr_parse import Call, ExpressionError, Index, Literal, Member, Node, parse, parse_embedded

SCOPE_FUNCTIONS = ("pipeline", "activity", "dataset", "linkedservice")


@dataclass(frozen=True)
class Scope:
    """What the scope functions return. `activity` maps a name to the `{"output", "error"}` of a finished run."""

    pipeline: Mapping[str, Any] = field(default_factory=dict)
    activity: Callable[[str], Mapping[str, Any]] | None = None
    dataset: Mapping[str, Any] | None = None
    linked_service: Mapping[str, Any] | None = None


class _Evaluator:
    def __init__(self, text: str, scope: Scope) -> None:
        self.text = text
        self.scope = scope

    def fail(self, reason: str) -> ExpressionError:
        return ExpressionError(f"ADF expression {self.text!r}: {reason}")

    def evaluate(self, node: Node) -> object:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Call):
            return self.call(node)
        target = self.evaluate(node.target)
        key = node.name if isinstance(node, Member) else self.evaluate(node.key)
        if target is None and node.is_null_safe:
            return None
        return self.lookup(target, key, node.is_null_safe)

    def lookup(self, target: object, key: object, is_null_safe: bool) -> object:
        if isinstance(target, Mapping) and isinstance(key, str):
            if key in target:
                return target[key]
            folded = {name.lower(): name for name in target}
            if key.lower() in folded:
                return target[folded[key.lower()]]
            if is_null_safe:
                return None
            raise self.fail(f"property {key!r} doesn't exist, available properties are "
                            f"{', '.join(map(repr, target)) or 'none'}")
        if isinstance(target, list) and isinstance(key, int) and not isinstance(key, bool):
            if -len(target) <= key < len(target):
                return target[key]
            raise self.fail(f"index {key} is out of range (the array has {len(target)} items)")
        raise self.fail(f"cannot read {key!r} of {to_text(target) or 'null'!r}")

    def call(self, node: Call) -> object:
        name = node.name.lower()
        if name in SCOPE_FUNCTIONS:
            return self.scope_call(name, [self.evaluate(arg) for arg in node.args])
        function = FUNCTIONS.get(name)
        if function is None:
            raise self.fail(f"function {node.name!r} is not supported by lakehouse adf-run")
        args = [self.evaluate(arg) for arg in node.args]
        try:
            return function(*args)
        except (ValueError, TypeError) as error:
            raise self.fail(f"{node.name}(): {error}") from None

    def scope_call(self, name: str, args: list[object]) -> object:
        if name == "activity":
            if len(args) != 1 or not isinstance(args[0], str) or self.scope.activity is None:
                raise self.fail("activity() takes the name of an activity of this pipeline")
            try:
                return self.scope.activity(args[0])
            except KeyError as error:
                raise self.fail(str(error.args[0])) from None
        if args:
            raise self.fail(f"{name}() takes no arguments")
        value = {"pipeline": self.scope.pipeline, "dataset": self.scope.dataset,
                 "linkedservice": self.scope.linked_service}[name]
        if value is None:
            raise self.fail(f"{name}() is not available here")
        return value


def evaluate_expression(text: str, scope: Scope) -> object:
    """The value of one expression, written with or without its leading `@`."""
    return _Evaluator(text, scope).evaluate(parse(text, 1 if text.startswith("@") else 0))


def evaluate_string(text: str, scope: Scope) -> object:
    """A JSON string value: a whole expression keeps its type; a template gives text."""
    if text.startswith("@@"):
        return text[1:]
    if text.startswith("@") and not text.startswith("@{"):
        return evaluate_expression(text, scope)
    parts, position = [], 0
    while (start := text.find("@", position)) >= 0:
        parts.append(text[position:start])
        if text.startswith("@@", start):
            parts.append("@")
            position = start + 2
        elif text.startswith("@{", start):
            node, position = parse_embedded(text, start + 2)
            parts.append(to_text(_Evaluator(text, scope).evaluate(node)))
        else:
            parts.append("@")
            position = start + 1
    parts.append(text[position:])
    return "".join(parts)


def evaluate_value(value: object, scope: Scope) -> object:
    """A JSON value with every expression in it evaluated."""
    if isinstance(value, dict):
        if set(value) == {"value", "type"} and value["type"] == "Expression":
            inner = value["value"]
            return evaluate_string(inner, scope) if isinstance(inner, str) else inner
        return {key: evaluate_value(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate_value(item, scope) for item in value]
    if isinstance(value, str):
        return evaluate_string(value, scope)
    return value


def _expressions(text: str) -> list[Node]:
    """The parsed expressions of one JSON string: the whole string, or each `@{...}` of a template."""
    if text.startswith("@") and not text.startswith(("@@", "@{")):
        return [parse(text, 1)]
    nodes, position = [], 0
    while (start := text.find("@", position)) >= 0:
        if text.startswith("@@", start):
            position = start + 2
        elif text.startswith("@{", start):
            node, position = parse_embedded(text, start + 2)
            nodes.append(node)
        else:
            position = start + 1
    return nodes


def _called(node: Node) -> list[str]:
    if isinstance(node, Call):
        return [node.name, *(name for arg in node.args for name in _called(arg))]
    if isinstance(node, Member):
        return _called(node.target)
    if isinstance(node, Index):
        return _called(node.target) + _called(node.key)
    return []


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def unsupported_calls(value: object) -> list[tuple[str, str]]:
    """(function, expression) for every call in a JSON value's expressions that this evaluator does not have.
    Parsing every expression also reports a malformed one (ExpressionError) before anything runs."""
    known = set(FUNCTIONS) | set(SCOPE_FUNCTIONS)
    return [
        (name, text)
        for text in _strings(value)
        for node in _expressions(text)
        for name in _called(node)
        if name.lower() not in known
    ]
