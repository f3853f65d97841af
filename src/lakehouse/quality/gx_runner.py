"""Run the Silver expectations (suites.py) on Spark DataFrames with Great Expectations 1.x (§3, §5).

I/O edge of the quality package: it owns GX, its stores and the Data Docs site. One ephemeral context per call;
data sources, validation definitions and checkpoints live in memory. On disk: validation results and suites (JSON
under `<gx_dir>/validations/` and `<gx_dir>/expectations/`, kept so the Data Docs index keeps listing earlier runs
and tables this run did not touch) and the Data Docs HTML under `docs_dir`. Nothing goes to the working directory.

Great Expectations is imported inside the functions: importing it costs about 3-4 s of Python, paid on the first
call only. `preload` starts that import in a background thread, so a run pays it while Spark works instead of after.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import sys
import threading
import warnings
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.quality.gx_translate import to_expectation_results, to_gx_expectations
from lakehouse.quality.report import ExpectationResult, QualityReport
from lakehouse.quality.suites import SILVER_TABLES, SilverExpectation, silver_expectations

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

SITE_NAME = "lakehouse_silver"
# Validations listed on the index page (newest first). Every listed result is read back on each build, so the
# cap keeps the index cheap as runs accumulate; older result pages stay on disk.
DOCS_RESULTS_LIMIT = 200
# BASIC keeps unexpected_count. No example values: each would be one more `limit` query per column expectation,
# and a limit that finds nothing scans every partition in growing rounds (108 Spark jobs for the four tables
# instead of 38, about 1.5x the wall time). GX would still plan a `limit(0)` query per expectation for them;
# `_answer_no_examples_without_spark` (called by every validation) answers those without Spark.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}
# The metrics GX resolves for a map expectation's example values, whatever the result format asks for.
_EXAMPLE_METRIC_SUFFIX = ".unexpected_values"
_SPARK_ENGINE = "SparkDFExecutionEngine"
_NOISY_LOGGERS = ("great_expectations", "py4j")
# Logger levels are process-wide: a validation and the preload's import silence them in turn, never interleaved.
_LOGGERS_LOCK = threading.Lock()
_REGISTRY_LOCK = threading.Lock()
_preloading: list[threading.Thread] = []


def preload() -> None:
    """Start importing Great Expectations in a daemon thread (once per process), quietly. The import is Python work
    while the driver mostly waits on Spark's executors, so it overlaps them; a validation that begins before it ends
    waits for it (Python's import lock), and an import error is left to that validation to raise."""
    if _preloading or "great_expectations.expectations" in sys.modules:
        return
    thread = threading.Thread(target=_import_quietly, name="gx-preload", daemon=True)
    _preloading.append(thread)
    thread.start()


def _import_quietly() -> None:
    # No warnings.catch_warnings here: it is not thread-safe. The import's own warnings are DeprecationWarnings,
    # which Python's default filters ignore.
    with _quiet_loggers(), contextlib.suppress(Exception):
        import great_expectations  # noqa: F401
        import great_expectations.expectations  # noqa: F401
        from great_expectations.data_context.types import base  # noqa: F401


def validate_silver_batches(
    batches: Mapping[str, DataFrame],
    expected_rows: Mapping[str, int],
    *,
    docs_dir: str,
    run_id: str,
    gx_dir: str | None = None,
    cache: bool = False,
    parallel: bool = True,
) -> QualityReport:
    """Validate each Silver batch against its suite (§3) and write Data Docs under `docs_dir`.

    `expected_rows[table]` is records read minus rows quarantined (§3.4 conservation). Empty batches are validated
    like any other: their suite passes when `expected_rows` is 0. No batches at all gives an empty, successful
    report without touching GX. `gx_dir` (default `<docs_dir>/../gx`) keeps GX's validation results.
    GX runs about ten Spark jobs per table: with `cache`, DataFrames not already cached are cached for the call
    and unpersisted after it (worth it for an expensive plan, not for a Parquet read). With `parallel`, the
    tables are validated in concurrent threads, so their Spark jobs overlap. Not safe to call from two threads.
    """
    _check_tables(batches, expected_rows)
    if not batches:  # nothing landed: no GX import, no Data Docs rebuild
        return QualityReport(success=True, results=(), data_docs_index=None)
    docs_path = Path(docs_dir).resolve()
    gx_path = Path(gx_dir).resolve() if gx_dir else docs_path.parent / "gx"
    cached = [df for df in batches.values() if cache and not df.is_cached]
    for df in cached:
        df.cache()
    try:
        with _quiet_gx():
            return _validate(batches, expected_rows, docs_path, gx_path, run_id, parallel)
    finally:
        for df in cached:
            df.unpersist()


def _check_tables(batches: Mapping[str, DataFrame], expected_rows: Mapping[str, int]) -> None:
    unknown = sorted(set(batches) - set(SILVER_TABLES))
    if unknown:
        raise ValueError(f"no expectations for table(s) {', '.join(unknown)}; known: {', '.join(SILVER_TABLES)}")
    missing = sorted(set(batches) - set(expected_rows))
    if missing:
        raise ValueError(f"expected_rows has no count for {', '.join(missing)}")


def _validate(
    batches: Mapping[str, DataFrame],
    expected_rows: Mapping[str, int],
    docs_path: Path,
    gx_path: Path,
    run_id: str,
    parallel: bool,
) -> QualityReport:
    from great_expectations.core.run_identifier import RunIdentifier

    _answer_no_examples_without_spark()
    context = _build_context(docs_path, gx_path)
    gx_run_id = RunIdentifier(run_name=run_id, run_time=datetime.datetime.now(datetime.UTC))
    # One checkpoint per table: a checkpoint hands the same batch_parameters (the DataFrame) to every validation
    # definition it holds, so four DataFrames need four runs. Each table gets its own data source, hence its own
    # execution engine, so the runs share no mutable GX state and can overlap on the Spark scheduler.
    plans = [_plan_table(context, table, expected_rows[table]) for table in batches]
    run_one = functools.partial(_run_table, batches=batches, run_id=gx_run_id)
    if parallel and len(plans) > 1:
        with ThreadPoolExecutor(max_workers=len(plans), thread_name_prefix="gx-silver") as pool:
            outcomes = list(pool.map(run_one, plans))
    else:
        outcomes = [run_one(plan) for plan in plans]
    docs_keys = [key for keys, _ in outcomes for key in keys]
    results = tuple(result for _, table_results in outcomes for result in table_results)
    index = _build_docs(context, docs_path, docs_keys)
    return QualityReport(success=all(result.success for result in results), results=results, data_docs_index=index)


@dataclass(frozen=True)
class _TablePlan:
    table: str
    specs: list[SilverExpectation]
    checkpoint: Any


def _plan_table(context: Any, table: str, expected_rows: int) -> _TablePlan:
    """Register one table's suite (saved to disk), data source, validation definition and checkpoint."""
    import great_expectations as gx

    specs = silver_expectations(table, expected_rows)
    suite_data = gx.ExpectationSuite(name=f"silver_{table}", expectations=to_gx_expectations(specs))
    suite = context.suites.add_or_update(suite_data)  # the suite carries this run's expected row count
    data_source = context.data_sources.add_spark(name=f"silver_{table}", persist=False)
    batch_definition = data_source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe(table)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"silver_{table}", data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"silver_{table}", validation_definitions=[definition], actions=[], result_format=RESULT_FORMAT
        )
    )
    return _TablePlan(table=table, specs=specs, checkpoint=checkpoint)


def _run_table(
    plan: _TablePlan, *, batches: Mapping[str, DataFrame], run_id: Any
) -> tuple[list[Any], list[ExpectationResult]]:
    df = batches[plan.table]
    spark_context = df.sparkSession.sparkContext
    spark_context.setJobDescription(f"quality: {plan.table}")  # names the GX jobs in the Spark UI
    try:
        # No _quiet_gx here: logger levels and warning filters are process-wide; the calling thread set them.
        outcome = plan.checkpoint.run(batch_parameters={"dataframe": df}, run_id=run_id)
    finally:
        spark_context.setJobDescription(None)  # type: ignore[arg-type]
    keys = list(outcome.run_results)
    results = [result for key in keys for result in to_expectation_results(plan.specs, outcome.run_results[key])]
    return keys, results


def _answer_no_examples_without_spark() -> None:
    """GX 1.x resolves every map expectation's `<metric>.unexpected_values` for result format BASIC, then keeps the
    first `partial_unexpected_count` of them: with 0, one Spark query per expectation (a filter, a select and a
    `limit(0)`, planned by the JVM; for uniqueness a window over the batch) whose answer is thrown away. That was
    51 queries a run, about 3 s of a cold run's 7 s of validation on tiny batches. Wrap the Spark providers of those
    metrics, once per process, to answer `[]` without a query when the call asks for no example; any other call
    (an example count above 0, SUMMARY, COMPLETE) goes to GX's own provider unchanged."""
    from great_expectations.expectations import registry

    with _REGISTRY_LOCK:  # before any validation thread reads the registry
        for name, definition in list(registry._registered_metrics.items()):
            providers = definition.get("providers", {})
            if not name.endswith(_EXAMPLE_METRIC_SUFFIX) or _SPARK_ENGINE not in providers:
                continue
            metric_class, provider = providers[_SPARK_ENGINE]
            if not getattr(provider, "_lakehouse_no_examples", False):
                providers[_SPARK_ENGINE] = (metric_class, _without_spark_when_none_asked(provider))


def _without_spark_when_none_asked(provider: Any) -> Any:
    # functools.wraps also copies the attributes GX set on the provider (`metric_fn_type`, read when it decides
    # whether a metric is bundled into one aggregate query or computed on its own).
    @functools.wraps(provider)
    def answer(*args: Any, **kwargs: Any) -> Any:
        result_format = (kwargs.get("metric_value_kwargs") or {}).get("result_format") or {}
        if result_format.get("result_format") == "BASIC" and result_format.get("partial_unexpected_count") == 0:
            return []
        return provider(*args, **kwargs)

    answer._lakehouse_no_examples = True  # type: ignore[attr-defined]
    return answer


def _build_context(docs_path: Path, gx_path: Path) -> Any:
    """Ephemeral context: in-memory stores, except validation results and suites on disk for Data Docs."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    defaults = InMemoryStoreBackendDefaults()
    stores = dict(defaults.stores)
    # The index lists what these two stores hold and deletes pages they no longer know, so both live on disk.
    for name, class_name, folder in (
        (defaults.validation_results_store_name, "ValidationResultsStore", "validations"),
        (defaults.expectations_store_name, "ExpectationsStore", "expectations"),
    ):
        stores[name] = {
            "class_name": class_name,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(gx_path / folder)},
        }
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_path)},
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "validation_results_limit": DOCS_RESULTS_LIMIT,
        },
    }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        stores=stores,
        data_docs_sites={SITE_NAME: site},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _build_docs(context: Any, docs_path: Path, validation_keys: list[Any]) -> str | None:
    """Render this call's validation and suite pages, then the index (listing earlier runs too)."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    suite_keys = [ExpectationSuiteIdentifier(name=key.expectation_suite_identifier.name) for key in validation_keys]
    context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=validation_keys + suite_keys)
    index = docs_path / "index.html"  # GX returns a file:// URL; the path is what the pipeline prints
    return str(index) if index.is_file() else None


@contextlib.contextmanager
def _quiet_gx() -> Iterator[None]:
    """GX logs and warns freely; the CLI owns stdout/stderr, so silence both for the call only."""
    with _quiet_loggers(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def _quiet_loggers() -> Iterator[None]:
    with _LOGGERS_LOCK:
        loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
        levels = [logger.level for logger in loggers]
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)
