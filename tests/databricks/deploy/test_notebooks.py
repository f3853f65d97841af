"""The Databricks notebooks of notebooks/: source format, short, the widgets of their job's parameters, and a call
of their job's entry point, through only what the package has."""

from __future__ import annotations

import ast
import importlib
import json
import re

import pytest

from tests.databricks.deploy.conftest import JOBS_DIR, NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.py"))
HEADER = "# Databricks notebook source"
SEPARATOR = "# COMMAND ----------"
MAX_LINES = 30
JOBS = {"bronze_to_silver": "lakehouse_bronze_to_silver", "run_pipeline": "lakehouse_daily",
        "silver_to_gold": "lakehouse_silver_to_gold"}  # notebook -> the job it does by hand


def python_of(text: str) -> str:
    """The notebook as plain Python: magic lines (`%pip ...`) blanked; `# MAGIC` lines are comments already."""
    return "\n".join("" if line.startswith("%") else line for line in text.splitlines())


def imported(module_name: str, name: str) -> object:
    """What `from module_name import name` gives: an attribute, else a submodule (an error when neither exists)."""
    module = importlib.import_module(module_name)
    return getattr(module, name) if hasattr(module, name) else importlib.import_module(f"{module_name}.{name}")


def test_the_three_notebooks_are_there():
    assert [path.stem for path in NOTEBOOKS] == ["bronze_to_silver", "run_pipeline", "silver_to_gold"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_source_format_and_short(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    assert SEPARATOR in lines
    assert len(lines) <= MAX_LINES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_widgets_are_the_job_parameters_of_the_stage(path):
    """root and run_id everywhere; max_quarantine_ratio where the stage has the quality gate, as its job does."""
    text = path.read_text(encoding="utf-8")
    job = json.loads((JOBS_DIR / f"{JOBS[path.stem]}.json").read_text(encoding="utf-8"))
    parameters = [parameter["name"] for parameter in job["parameters"]]
    assert re.findall(r'dbutils\.widgets\.text\("(\w+)"', text) == parameters
    for widget in parameters:
        assert f'dbutils.widgets.get("{widget}")' in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_calls_the_entry_point_of_its_job(path):
    tree = ast.parse(python_of(path.read_text(encoding="utf-8")))
    calls = [node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and isinstance(node.func.value, ast.Name) and node.func.value.id == "entrypoints"]
    job = json.loads((JOBS_DIR / f"{JOBS[path.stem]}.json").read_text(encoding="utf-8"))
    scripts = [task["python_wheel_task"]["entry_point"] for task in job["tasks"]]
    expected = {"lakehouse-bronze-to-silver": "bronze_to_silver", "lakehouse-silver-to-gold": "silver_to_gold"}
    stage = expected[scripts[0]] if len(scripts) == 1 else "run"
    assert calls == ["notebook_arguments", stage]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_lakehouse_name_it_uses_exists(path):
    tree = ast.parse(python_of(path.read_text(encoding="utf-8")))
    modules: dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lakehouse"):
            for alias in node.names:
                modules[alias.asname or alias.name] = imported(node.module, alias.name)
    assert modules, "the notebook imports nothing from lakehouse"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            assert hasattr(modules[node.value.id], node.attr), f"{node.value.id}.{node.attr}"
