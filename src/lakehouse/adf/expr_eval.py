"""Evaluation of ADF expressions: JSON values whose strings may be `@expression`, `@{...}` templates or `@@` escapes.

Only the subset CustomerAnalyticsPipeline uses is supported; an unknown function or a missing property fails with
an ExpressionError naming the expression, as ADF would. The rules of where expressions appear:
- a string starting with `@` (not `@@`, not `@{`) is one expression and keeps its type (`@pipeline().RunId`);
- elsewhere `@{expr}` is replaced by the value's text, and `@@` stands for a literal `@` (at the start too);
- `{"value": "...", "type": "Expression"}` is ADF's wrapper for dynamic content and evaluates to its value.
Scope functions (`pipeline()`, `activity('X')`, `dataset()`, `linkedService()`) come from a Scope the caller
builds; the pure functions are in expr_functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

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


def _is_whole_expression(text: str) -> bool:
    return text.startswith("@") and not text.startswith(("@@", "@{"))


def _segments(text: str) -> Iterator[str | Node]:
    """A JSON string's parts in order: literal text, and the parsed tree of each expression. A string starting with
    `@` (not `@@`, not `@{`) is one expression; elsewhere `@{...}` is an expression and `@@` a literal `@`, at the
    start as anywhere (`@@{x}` is the text `@{x}`)."""
    if _is_whole_expression(text):
        yield parse(text, 1)
        return
    position = 0
    while (start := text.find("@", position)) >= 0:
        yield text[position:start]
        if text.startswith("@{", start):
            node, position = parse_embedded(text, start + 2)
            yield node
        else:
            yield "@"
            position = start + (2 if text.startswith("@@", start) else 1)
    yield text[position:]


def evaluate_string(text: str, scope: Scope) -> object:
    """A JSON string value: a whole expression keeps its type; a template gives text."""
    evaluator = _Evaluator(text, scope)
    parts = list(_segments(text))
    if _is_whole_expression(text):
        return evaluator.evaluate(cast(Node, parts[0]))
    return "".join(part if isinstance(part, str) else to_text(evaluator.evaluate(part)) for part in parts)


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


def _calls(node: Node) -> Iterator[Call]:
    if isinstance(node, Call):
        yield node
        for arg in node.args:
            yield from _calls(arg)
    elif isinstance(node, Member):
        yield from _calls(node.target)
    elif isinstance(node, Index):
        yield from _calls(node.target)
        yield from _calls(node.key)


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def _called(value: object) -> Iterator[tuple[Call, str]]:
    """(call, the string it is in) for every function call in the expressions of a JSON value. Parsing them also
    reports a malformed expression (ExpressionError)."""
    for text in _strings(value):
        for part in _segments(text):
            if not isinstance(part, str):
                yield from ((call, text) for call in _calls(part))


def unsupported_calls(value: object) -> list[tuple[str, str]]:
    """(function, expression) for every call in a JSON value's expressions that this evaluator does not have."""
    known = set(FUNCTIONS) | set(SCOPE_FUNCTIONS)
    return [(call.name, text) for call, text in _called(value) if call.name.lower() not in known]


def activity_references(value: object) -> list[tuple[str, str]]:
    """(activity name, expression) for every `activity('name')` in a JSON value's expressions."""
    return [(call.args[0].value, text) for call, text in _called(value)
            if call.name.lower() == "activity" and len(call.args) == 1
            and isinstance(call.args[0], Literal) and isinstance(call.args[0].value, str)]
