"""The Databricks wheel-task entry points (jobs/): Databricks ignores return values, so failure must raise (§6)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import pytest

from lakehouse.cli import commands as cli
from lakehouse.databricks import entrypoints
from lakehouse.errors import UserError

SCRIPTS = {
    "lakehouse-bronze-to-silver": entrypoints.bronze_to_silver,
    "lakehouse-silver-to-gold": entrypoints.silver_to_gold,
    "lakehouse-run": entrypoints.run,
    "lakehouse-maintain": entrypoints.maintain,
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_console_script_is_installed_and_loads_the_entry_point(name):
    (script,) = entry_points(group="console_scripts", name=name)
    assert script.load() is SCRIPTS[name]


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_a_failing_command_raises_its_user_error_to_a_caller_in_this_process(name, tmp_path):
    """adf-run and the notebooks get the error itself (errors cross layers as exceptions), not an exit status."""
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(UserError, match="is not a directory"):
        SCRIPTS[name](["--root", str(not_a_dir)])


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_a_bad_parameter_is_a_user_error_too(name, tmp_path):
    with pytest.raises(UserError, match="--root"):
        SCRIPTS[name](["--rot", str(tmp_path)])


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_on_databricks_a_failing_task_raises_system_exit_with_one_line(name, monkeypatch, tmp_path):
    """Called by Databricks (parameters in sys.argv), a user's error fails the task with one line, no traceback."""
    monkeypatch.setattr(sys, "argv", [name, "--root", str(tmp_path / "missing" / "x")])
    with pytest.raises(SystemExit) as raised:
        SCRIPTS[name]()
    message = str(raised.value.code)
    assert message.startswith(f"lakehouse {name.removeprefix('lakehouse-')}: error: ") and "missing" in message
    assert "\n" not in message


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_an_interrupted_command_raises_keyboard_interrupt_not_a_failure(name, monkeypatch, tmp_path):
    """Ctrl-C must stay an interruption, so that a caller in this process (lakehouse adf-run) stops at once instead
    of counting a failed task and retrying it."""
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, name.removeprefix("lakehouse-"), interrupted)
    with pytest.raises(KeyboardInterrupt):
        SCRIPTS[name](["--root", str(tmp_path)])


@pytest.mark.parametrize(("widgets", "argv"), [
    (("/Volumes/lakehouse/prod", "", ""), ["--root", "/Volumes/lakehouse/prod"]),
    (("/Volumes/x", " r-1 ", "0.5"), ["--root", "/Volumes/x", "--run-id", "r-1", "--max-quarantine-ratio", "0.5"]),
])
def test_notebook_widgets_become_arguments_and_empty_ones_are_left_out(widgets, argv):
    assert entrypoints.notebook_arguments(*widgets) == argv


@pytest.mark.parametrize("root", ["", "  "])
def test_an_empty_root_widget_is_refused(root):
    with pytest.raises(UserError, match="the root widget is empty"):
        entrypoints.notebook_arguments(root, "run")
