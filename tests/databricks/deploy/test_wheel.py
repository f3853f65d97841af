"""The wheel deploy uploads (lakehouse.databricks.deploy.wheel): reproducible, with the entry points, without Spark."""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from email.parser import Parser

import pytest

from lakehouse.databricks.deploy import wheel as wheel_module
from lakehouse.databricks.deploy.wheel import build_wheel, check_source_tree
from lakehouse.errors import UserError
from lakehouse.paths import REPO_ROOT

SPARK_PACKAGES = {"pyspark", "delta-spark"}
RUNTIME_PACKAGES = {"pandas", "pyarrow", "databricks-sdk", "azure-storage-file-datalake", "azure-identity", "tqdm"}


def metadata(built_wheel):
    with zipfile.ZipFile(built_wheel.path) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(archive.read(name).decode("utf-8"))


def test_the_wheel_is_the_pure_python_lakehouse_package(built_wheel):
    assert built_wheel.filename.startswith("lakehouse-") and built_wheel.filename.endswith("-py3-none-any.whl")
    assert built_wheel.sha256 == hashlib.sha256(built_wheel.path.read_bytes()).hexdigest()
    with zipfile.ZipFile(built_wheel.path) as archive:
        names = set(archive.namelist())
    assert {"lakehouse/databricks/entrypoints.py", "lakehouse/log4j2.properties"} <= names
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)


def test_the_wheel_has_the_entry_points_of_the_jobs(built_wheel):
    scripts = built_wheel.console_scripts()
    assert scripts["lakehouse-bronze-to-silver"] == "lakehouse.databricks.entrypoints:bronze_to_silver"
    assert scripts["lakehouse-silver-to-gold"] == "lakehouse.databricks.entrypoints:silver_to_gold"
    assert scripts["lakehouse-run"] == "lakehouse.databricks.entrypoints:run"


def test_the_wheel_does_not_require_spark_or_delta_the_cluster_provides_them(built_wheel):
    requirements = metadata(built_wheel).get_all("Requires-Dist") or []
    unconditional = [r for r in requirements if "extra ==" not in r]
    names = {r.split(";")[0].split("==")[0].split(">")[0].split("<")[0].strip().lower() for r in unconditional}
    assert names and not names & SPARK_PACKAGES


def test_packages_the_runtime_ships_are_ranges_so_a_cluster_keeps_its_own(built_wheel):
    requirements = metadata(built_wheel).get_all("Requires-Dist") or []
    unconditional = {r.split(";")[0].replace(" ", "") for r in requirements if "extra ==" not in r}
    by_name = {next(n for n in RUNTIME_PACKAGES if r.lower().startswith(n)): r for r in unconditional
               if any(r.lower().startswith(n) for n in RUNTIME_PACKAGES)}
    assert set(by_name) == RUNTIME_PACKAGES
    assert not [r for r in by_name.values() if "==" in r]


def test_building_again_gives_the_same_bytes(built_wheel, tmp_path):
    again = build_wheel(REPO_ROOT, tmp_path)
    assert again.filename == built_wheel.filename
    assert again.sha256 == built_wheel.sha256


def test_without_a_source_tree_deploy_says_where_to_run(tmp_path):
    with pytest.raises(UserError, match="run it from a clone of the repository"):
        check_source_tree(tmp_path)


def test_a_missing_build_backend_is_named(monkeypatch, tmp_path):
    failed = subprocess.CompletedProcess([], 1, stdout="", stderr="error: invalid command 'bdist_wheel'\n")
    monkeypatch.setattr(wheel_module.subprocess, "run", lambda *args, **kwargs: failed)
    with pytest.raises(UserError, match=r"needs setuptools>=70\.1"):
        build_wheel(REPO_ROOT, tmp_path)
