"""The Databricks wheel-task entry points (jobs/): Databricks ignores return values, so failure must raise (§6)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import pytest

from lakehouse.jobs import entrypoints

SCRIPTS = {
    "lakehouse-bronze-to-silver": entrypoints.bronze_to_silver,
    "lakehouse-silver-to-gold": entrypoints.silver_to_gold,
    "lakehouse-run": entrypoints.run,
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_console_script_is_installed_and_loads_the_entry_point(name):
    (script,) = entry_points(group="console_scripts", name=name)
    assert script.load() is SCRIPTS[name]


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_a_failing_command_raises_system_exit_with_its_status(name, tmp_path, capsys):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(SystemExit) as raised:
        SCRIPTS[name](["--root", str(not_a_dir)])
    assert raised.value.code == 1
    assert capsys.readouterr().err.startswith("lakehouse: error: ")


def test_without_argv_the_task_parameters_come_from_sys_argv(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "argv", ["lakehouse-bronze-to-silver", "--root", str(tmp_path / "missing" / "x")])
    with pytest.raises(SystemExit):
        entrypoints.bronze_to_silver()
    assert "missing" in capsys.readouterr().err
