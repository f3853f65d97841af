"""Every Silver expectation (DATA_CONTRACT.md §3.1-§3.4) maps onto a GX 1.x expectation with the same arguments."""

from __future__ import annotations

import pytest

from lakehouse.quality.gx_translate import to_gx_expectations
from lakehouse.quality.suites import SILVER_TABLES, silver_expectations


@pytest.mark.parametrize("table", SILVER_TABLES)
def test_each_spec_becomes_the_gx_expectation_it_names(table):
    specs = silver_expectations(table, 3)
    expectations = to_gx_expectations(specs)
    assert [expectation.expectation_type for expectation in expectations] == [spec.expectation for spec in specs]
    for spec, expectation in zip(specs, expectations, strict=True):
        kwargs = expectation.configuration.kwargs
        assert kwargs.get("column") == spec.column
        assert tuple(kwargs.get("column_list") or ()) == spec.columns
        if spec.value_set is not None:
            assert tuple(kwargs["value_set"]) == spec.value_set
        for name in ("min_value", "max_value", "regex", "value"):
            assert kwargs.get(name) == getattr(spec, name)
