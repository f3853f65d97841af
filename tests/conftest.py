import os

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def spark():
    from lakehouse.spark import get_spark

    session = get_spark("lakehouse-tests", shuffle_partitions=2)
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
