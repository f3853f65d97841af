"""The ADF expression subset of `lakehouse adf-run`: each supported form, and refusals that name the expression."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from lakehouse.adf import dotnet_time
from lakehouse.adf.expr_eval import Scope, activity_references, evaluate_string, evaluate_value, unsupported_calls
from lakehouse.adf.expr_parse import ExpressionError
from lakehouse.paths import ADF_DIR

OUTPUTS = {
    "Listed": {"output": {"exists": True, "childItems": [{"name": "a.csv", "type": "File"}]},
               "error": {"errorCode": "", "message": ""}},
    "Missing": {"output": {"exists": False}, "error": {"errorCode": "", "message": ""}},
    "Broke": {"output": {}, "error": {"errorCode": "2", "message": "it's \"broken\""}},
}


def find_activity(name: str) -> dict:
    if name not in OUTPUTS:
        raise KeyError(f"activity {name!r} has not run (yet) in this pipeline run")
    return OUTPUTS[name]


SCOPE = Scope(
    pipeline={"Pipeline": "P", "RunId": "run-1", "TriggerTime": "2026-01-08T02:00:00.0000000Z",
              "parameters": {"lakeRoot": "/lake", "lookbackHours": 26, "forceRun": False, "nothing": None}},
    activity=find_activity,
)


def ev(text: str) -> object:
    return evaluate_string(text, SCOPE)


@pytest.mark.parametrize(("text", "expected"), [
    ("@pipeline().RunId", "run-1"),
    ("@pipeline().parameters.lookbackHours", 26),  # a whole expression keeps its type
    ("@pipeline().parameters.forceRun", False),
    ("@pipeline()['parameters']['lakeRoot']", "/lake"),
    ("@pipeline().parameters?.missing", None),
    ("@pipeline().parameters.nothing?.deeper", None),
    ("@activity('Listed').output.childItems[0].name", "a.csv"),
    ("@activity('Listed').output.childItems[-1]['type']", "File"),
    ("@concat('it''s ', pipeline().Pipeline, '/', pipeline().RunId)", "it's P/run-1"),
    ("@string(activity('Listed').output)", '{"exists":true,"childItems":[{"name":"a.csv","type":"File"}]}'),
    ("@json('[1, 2]')", [1, 2]),
    ("@formatDateTime(pipeline().TriggerTime, 'yyyy-MM-dd')", "2026-01-08"),
    ("@formatDateTime('2026-01-08T03:04:05.1234567+01:00', 'yyyy-MM-ddTHH:mm:ss.fffK')", "2026-01-08T02:04:05.123Z"),
    ("@formatDateTime(pipeline().TriggerTime)", "2026-01-08T02:00:00.0000000Z"),
    ("@subtractFromTime(pipeline().TriggerTime, pipeline().parameters.lookbackHours, 'Hour')",
     "2026-01-07T00:00:00.0000000Z"),
    ("@subtractFromTime(pipeline().TriggerTime, 1, 'Day', 'yyyy-MM-dd')", "2026-01-07"),
    ("@addHours(pipeline().TriggerTime, -3, 's')", "2026-01-07T23:00:00"),
    ("@or(pipeline().parameters.forceRun, greater(length(activity('Listed').output.childItems), 0))", True),
    ("@and(true, not(false))", True),
    ("@equals(length('abc'), 3)", True),
    ("@union(json('[1, 2]'), json('[2, 3]'))", [1, 2, 3]),
    ("@coalesce(activity('Missing').output?.childItems, json('[]'))", []),
    ("@empty(coalesce(activity('Missing').output?.childItems, json('[]')))", True),
    ("@int('26')", 26),  # Terraform deploys every pipeline parameter as String: int() and bool() convert
    ("@bool('False')", False),
    ("@bool(int('1'))", True),
    ("@@pipeline().RunId", "@pipeline().RunId"),  # @@ escapes a leading @
    ("plain text", "plain text"),
    ("mail@example.com", "mail@example.com"),
])
def test_supported_forms(text, expected):
    assert ev(text) == expected


def test_interpolation_writes_values_as_text_and_keeps_escapes():
    text = "run @{pipeline().RunId}: @{pipeline().parameters.lookbackHours}h, force @{pipeline().parameters.forceRun}"
    assert ev(text) == "run run-1: 26h, force False"
    assert ev("@{pipeline().parameters.lookbackHours}") == "26"  # @{...} always gives text
    assert ev("literal @@{pipeline().RunId} and @{concat('a', '}')}") == "literal @{pipeline().RunId} and a}"


def test_expression_wrapper_and_nested_values_are_evaluated():
    value = {"a": {"value": "@pipeline().parameters.lookbackHours", "type": "Expression"},
             "b": ["@pipeline().RunId", 3, {"c": "x @{pipeline().Pipeline}"}], "d": True}
    assert evaluate_value(value, SCOPE) == {"a": 26, "b": ["run-1", 3, {"c": "x P"}], "d": True}


def test_error_object_of_a_failed_activity_is_embedded_as_json():
    body = ev("@concat('{\"error\":', string(activity('Broke').error), '}')")
    assert json.loads(body) == {"error": {"errorCode": "2", "message": 'it\'s "broken"'}}


@pytest.mark.parametrize(("text", "reason"), [
    ("@variables('x')", "function 'variables' is not supported"),
    ("@trigger().scheduledTime", "function 'trigger' is not supported"),
    ("@utcNow()", "function 'utcNow' is not supported"),
    ("@pipeline().Nope", "property 'Nope' doesn't exist, available properties are"),
    ("@activity('Listed').output.childItems[5]", "index 5 is out of range"),
    ("@activity('Ghost').output", "activity 'Ghost' has not run"),
    ("@concat('a', 'b'", "expected ')'"),
    ("@pipeline().RunId extra", "expected the end"),
    ("@pipeline().RunId + 1", "unexpected character '+'"),
    ("@or(1, true)", "or(): 1 is not a boolean"),
    ("@formatDateTime(pipeline().TriggerTime, 'dddd')", "format specifier 'dddd' is not supported"),
    ("@formatDateTime('yesterday')", "'yesterday' is not an ISO 8601 timestamp"),
    ("@subtractFromTime(pipeline().TriggerTime, 1, 'Month')", "time unit 'Month' is not supported"),
    ("@json('{nope')", "json() got text that is not JSON"),
    ("@int('2.5')", "int(): '2.5' is not an integer"),
    ("@bool('yes')", "bool(): 'yes' is not a boolean or its text"),
    ("x @{pipeline().Nope} y", "property 'Nope' doesn't exist"),
])
def test_unsupported_or_wrong_expressions_fail_naming_the_expression(text, reason):
    with pytest.raises(ExpressionError, match=re.escape(repr(text)) + ".*" + re.escape(reason)):
        ev(text)


def test_static_check_finds_unsupported_functions_before_anything_runs():
    assert unsupported_calls({"a": ["@concat(utcNow(), 'x')"], "b": "x @{rand(1, 2)} y @@{nope()}"}) == [
        ("utcNow", "@concat(utcNow(), 'x')"), ("rand", "x @{rand(1, 2)} y @@{nope()}")]
    pipeline = json.loads((ADF_DIR / "pipeline" / "CustomerAnalyticsPipeline.json").read_text())
    assert unsupported_calls(pipeline) == []


def test_dotnet_time_formats_and_time_spans():
    moment = datetime(2026, 1, 8, 14, 5, 9, 120000, tzinfo=UTC)
    assert dotnet_time.format_timestamp(moment, "o") == "2026-01-08T14:05:09.1200000Z"
    assert dotnet_time.format_timestamp(moment, "u") == "2026-01-08 14:05:09Z"
    assert dotnet_time.format_timestamp(moment, "dd/MM/yy h:m tt 'at' \\K") == "08/01/26 2:5 PM at K"
    assert dotnet_time.parse_timestamp("2026-01-08") == datetime(2026, 1, 8, tzinfo=UTC)
    assert dotnet_time.parse_timespan("0.02:00:00") == 7200
    assert dotnet_time.parse_timespan("00:01:30") == 90
    with pytest.raises(dotnet_time.TimeFormatError):
        dotnet_time.parse_timespan("2 hours")


@pytest.mark.parametrize(("text", "evaluated", "calls"), [
    ("@@{utcNow()}", "@{utcNow()}", []),  # an escaped template, at the start: text, not an expression
    ("x @@{utcNow()}", "x @{utcNow()}", []),  # the same anywhere
    ("@@{rand(1, 2)} @{pipeline().RunId}", None, []),  # after a leading @@, a template is still evaluated...
    ("@@ then @{utcNow()}", None, [("utcNow", "@@ then @{utcNow()}")]),  # ...and so still checked
])
def test_double_at_is_one_rule_for_evaluation_and_for_the_static_check(text, evaluated, calls):
    assert [(name, expression) for name, expression in unsupported_calls(text)] == calls
    if evaluated is not None:
        assert ev(text) == evaluated


def test_a_leading_double_at_then_a_template_evaluates_the_template():
    assert ev("@@{rand(1, 2)} @{pipeline().RunId}") == "@{rand(1, 2)} run-1"
    assert ev("@@x @{pipeline().Pipeline}") == "@x P"
    with pytest.raises(ExpressionError, match="function 'utcNow' is not supported"):
        ev("@@ then @{utcNow()}")


def test_activity_references_are_found_wherever_an_expression_is():
    value = {"a": "@activity('One').output", "b": ["x @{string(activity('Two').error)}"],
             "c": "@@{activity('Escaped')}", "d": {"value": "@concat(activity('Three').output.x, 'y')",
                                                   "type": "Expression"}}
    assert [name for name, _ in activity_references(value)] == ["One", "Two", "Three"]
