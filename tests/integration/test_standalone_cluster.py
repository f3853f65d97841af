"""`lakehouse run` on a real cluster shape: a Spark standalone master and two workers started here, so executors are
JVMs of their own with Python workers of their own (DATA_CONTRACT.md §5). Nothing may depend on local mode: Bronze
files are parsed by executors, Silver and Gold written by them, and the result must equal the local[2] run's.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import RATIO_LIMIT
from tests.integration.helpers import cli, copy_bronze, gold_state, process_env, root_state

pytestmark = pytest.mark.slow

SPARK_CLASS = Path(sys.executable).parent.parent / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" \
    / "site-packages" / "pyspark" / "bin" / "spark-class"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Spark master exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"Spark master not listening on {port} after {seconds} s")


def spark_daemon(tmp_path: Path, name: str, *args: str) -> subprocess.Popen:
    import pyspark

    env = process_env({"SPARK_HOME": str(Path(pyspark.__file__).parent), "SPARK_LOCAL_IP": "127.0.0.1",
                       "SPARK_WORKER_DIR": str(tmp_path / f"{name}-work"), "PYSPARK_PYTHON": sys.executable})
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (kept open for the daemon's life)
    return subprocess.Popen([str(SPARK_CLASS), *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[str]:
    """A master and two one-core workers on this machine; yields the master URL."""
    tmp_path = tmp_path_factory.mktemp("standalone")
    port = free_port()
    master = spark_daemon(tmp_path, "master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                          "--port", str(port), "--webui-port", str(free_port()))
    daemons = [master]
    try:
        wait_for_port(port, master)
        url = f"spark://127.0.0.1:{port}"
        for index in range(2):
            daemons.append(spark_daemon(tmp_path, f"worker{index}", "org.apache.spark.deploy.worker.Worker", url,
                                        "--cores", "1", "--memory", "2g", "--webui-port", str(free_port())))
        yield url
    finally:
        for daemon in reversed(daemons):
            daemon.terminate()
        for daemon in daemons:
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()


def test_run_on_a_standalone_cluster_equals_the_local_run(cluster, tmp_path, generated, gold_baseline):
    """§5: the same files through `lakehouse run` with executors in other JVMs give the local run's Silver,
    quarantine, manifest and Gold."""
    root = tmp_path / "root"
    copy_bronze(generated.root, root, generated.paths)
    result = cli("run", "--root", str(root), "--max-quarantine-ratio", RATIO_LIMIT, "--run-id", "on-cluster",
                 env={"LAKEHOUSE_SPARK_MASTER": cluster}, timeout=1200)
    assert result.returncode == 0, result.stderr
    assert "silver-to-gold run on-cluster: succeeded" in result.stdout
    assert root_state(root) == root_state(gold_baseline)
    assert gold_state(root) == gold_state(gold_baseline)
