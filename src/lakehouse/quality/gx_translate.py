"""Translate between the Silver expectations as data (suites.py) and Great Expectations 1.x objects (§3).

GX is imported lazily; results are read back by each expectation's position in its suite, carried in `meta`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehouse.quality.report import ExpectationResult
from lakehouse.quality.suites import SilverExpectation

_RULE_META_KEY = "lakehouse_rule"


def to_gx_expectations(specs: list[SilverExpectation]) -> list[Any]:
    """GX expectation objects, each tagged with its position in `specs` so results map back exactly."""
    import great_expectations.expectations as gxe

    expectations = []
    for position, spec in enumerate(specs):
        class_name = "".join(part.capitalize() for part in spec.expectation.split("_"))
        kwargs: dict[str, Any] = {"meta": {_RULE_META_KEY: position}}
        if spec.column is not None:
            kwargs["column"] = spec.column
        if spec.columns:
            kwargs["column_list"] = list(spec.columns)
        if spec.value_set is not None:
            kwargs["value_set"] = list(spec.value_set)
        for name in ("min_value", "max_value", "regex", "value"):
            if getattr(spec, name) is not None:
                kwargs[name] = getattr(spec, name)
        expectations.append(getattr(gxe, class_name)(**kwargs))
    return expectations


def to_expectation_results(specs: list[SilverExpectation], suite_result: Any) -> list[ExpectationResult]:
    """One ExpectationResult per GX result of a suite run, in suite order."""
    results = []
    for gx_result in sorted(suite_result.results, key=_rule_position):
        spec = specs[_rule_position(gx_result)]
        observed, unexpected = _observed(spec, gx_result)
        results.append(
            ExpectationResult(
                table=spec.table,
                expectation=spec.expectation,
                column=spec.target(),
                success=bool(gx_result.success),
                observed=observed,
                unexpected_count=unexpected,
            )
        )
    return results


def _rule_position(gx_result: Any) -> int:
    return int(gx_result.expectation_config.meta[_RULE_META_KEY])


def _observed(spec: SilverExpectation, gx_result: Any) -> tuple[str, int | None]:
    """Short text of what GX saw, and the unexpected count for column expectations."""
    error = _exception_message(gx_result.exception_info)
    if error is not None:
        return f"error: {error}", None
    result = gx_result.result or {}
    if "unexpected_count" in result:
        # GX leaves the count None when there were no rows to look at (an empty batch).
        count = int(result["unexpected_count"] or 0)
        text = f"{count} unexpected of {result.get('element_count', '?')} rows"
        examples = result.get("partial_unexpected_list") or []
        if count and examples:
            text += f", e.g. {examples!r}"
        return text, count
    text = f"observed {result.get('observed_value')!r}"
    return (text if spec.value is None else f"{text}, expected {spec.value}"), None


def _exception_message(info: Any) -> str | None:
    """GX 1.x reports exceptions either flat or keyed by metric; return the first message, if any."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("raised_exception"):
            message = str(entry.get("exception_message") or "expectation raised an exception").splitlines()[0]
            return message.removeprefix("Error: ")
    return None
