"""The Databricks notebooks of notebooks/: source format, short, and calling only what the package has."""

from __future__ import annotations

import ast
import importlib

import pytest

from tests.deploy.conftest import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.py"))
HEADER = "# Databricks notebook source"
SEPARATOR = "# COMMAND ----------"
MAX_LINES = 30


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
def test_widgets_root_and_run_id_are_read(path):
    text = path.read_text(encoding="utf-8")
    for widget in ("root", "run_id"):
        assert f'dbutils.widgets.text("{widget}"' in text
        assert f'dbutils.widgets.get("{widget}")' in text


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
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    assert any(isinstance(call.func, ast.Attribute) and call.func.attr == "run" for call in calls)
