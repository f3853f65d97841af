import os

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# The files that take minutes each (CI's --durations), longest first. They are collected first, and scripts/test.sh
# hands whole files to its two workers in collection order (--dist loadfile --no-loadscope-reorder): the longest start
# at once and the many short files fill in behind them, so the workers finish together. xdist's default order (most
# tests first) left these files, a few tests each, for the end, where one of them ran on alone.
SLOWEST_FILES = (
    "tests/integration/test_maintain.py",
    "tests/integration/test_gold_incremental.py",
    "tests/integration/test_gold_segmentation.py",
    "tests/integration/test_standalone_cluster.py",
    "tests/integration/test_demo.py",
    "tests/integration/test_forget.py",
    "tests/integration/test_rebuild.py",
    "tests/sql/test_data_quality_view.py",
    "tests/integration/test_crash_and_lock.py",
    "tests/gold/test_scd2_snapshot.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest files first, in SLOWEST_FILES order; every other test keeps its place (the sort is stable)."""
    rank = {path: index for index, path in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def tests_session():
    """The tests' Spark session, made on first use with the tests' settings (a session a command made for a small
    root would run the in-process tests without generated code)."""
    from lakehouse.spark import get_spark

    return get_spark("lakehouse-tests", shuffle_partitions=2)


@pytest.fixture(scope="session")
def spark():
    session = tests_session()
    yield session
    session.stop()


@pytest.fixture(scope="session", params=["delta-spark", "delta-rs"])
def engine(request, spark):
    """Each Delta engine in turn, on the tests' session (Delta's JARs are on its classpath: scripts/bootstrap.sh)."""
    from lakehouse.storage.delta_tables import choose_engine

    return choose_engine(spark, request.param)


@pytest.fixture(scope="session")
def spark_engine(spark):
    """The delta-spark engine, the one every job runs on by default."""
    from lakehouse.storage.delta_tables import choose_engine

    return choose_engine(spark, "delta-spark")
