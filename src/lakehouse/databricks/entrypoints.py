"""Entry points of the Databricks wheel tasks in jobs/ (and console scripts of the same names), and of the notebooks.

A Databricks `python_wheel_task` calls the entry point with no arguments and the task's `parameters` in
`sys.argv[1:]`, and it ignores the return value: only an exception fails the task. So each entry point parses its
parameters as the `lakehouse` command line's sub-command of the same name and runs that command's stage function
(`cli.commands.run_command`); errors stay exceptions. Called by Databricks (no `argv`), a user's error (UserError,
a bad parameter included) becomes SystemExit with its one line, so the task fails with that line and no traceback.
`argv` is for callers in this process (`lakehouse adf-run`, the notebooks of notebooks/, tests) that pass the
parameters directly: they get the UserError itself, and a Ctrl-C stays a KeyboardInterrupt (so `adf-run` stops
instead of counting a failed task and retrying it).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from lakehouse.errors import UserError


def _run(command: str, argv: Sequence[str] | None) -> None:
    from lakehouse.cli.commands import run_command

    try:
        run_command([command, *(sys.argv[1:] if argv is None else argv)])
    except UserError as error:
        if argv is None:
            raise SystemExit(f"lakehouse {command}: error: {error}") from None
        raise


def bronze_to_silver(argv: Sequence[str] | None = None) -> None:
    """`lakehouse-bronze-to-silver --root DIR [--run-id ID] [--max-quarantine-ratio R]`"""
    _run("bronze-to-silver", argv)


def silver_to_gold(argv: Sequence[str] | None = None) -> None:
    """`lakehouse-silver-to-gold --root DIR [--run-id ID]`"""
    _run("silver-to-gold", argv)


def run(argv: Sequence[str] | None = None) -> None:
    """`lakehouse-run --root DIR [--run-id ID] [--max-quarantine-ratio R]`: both stages under one run id."""
    _run("run", argv)


def maintain(argv: Sequence[str] | None = None) -> None:
    """`lakehouse-maintain --root DIR [--run-id ID] [--vacuum-retain-hours H] [--force] [--dry-run]`: compact,
    checkpoint and vacuum every Gold and ops Delta table (the weekly job)."""
    _run("maintain", argv)


def notebook_arguments(root: str, run_id: str = "", max_quarantine_ratio: str = "") -> list[str]:
    """An entry point's arguments from a notebook's widgets. An empty run id or limit is left out (the command line's
    default: a new run id, lakehouse.config's limit); an empty root is refused, as no default root is right on a
    cluster."""
    if not root.strip():
        raise UserError("the root widget is empty: set it to the lake's root, e.g. /Volumes/lakehouse/prod")
    arguments = ["--root", root]
    if run_id.strip():
        arguments += ["--run-id", run_id.strip()]
    if max_quarantine_ratio.strip():
        arguments += ["--max-quarantine-ratio", max_quarantine_ratio.strip()]
    return arguments
