"""Entry points of the Databricks wheel tasks in jobs/ (and console scripts of the same names).

A Databricks `python_wheel_task` calls the entry point with no arguments and the task's `parameters` in
`sys.argv[1:]`, and it ignores the return value: only an exception fails the task. So each entry point runs the
`lakehouse` command line with its sub-command and raises SystemExit when that exits non-zero. `argv` is for callers
in this process (`lakehouse adf-run`, tests) that pass the parameters directly.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def _run(command: str, argv: Sequence[str] | None) -> None:
    from lakehouse.cli import main

    status = main([command, *(sys.argv[1:] if argv is None else argv)])
    if status != 0:
        raise SystemExit(status)


def bronze_to_silver(argv: Sequence[str] | None = None) -> None:
    """`lakehouse-bronze-to-silver --root DIR [--run-id ID] [--max-quarantine-ratio R]`"""
    _run("bronze-to-silver", argv)


def silver_to_gold(argv: Sequence[str] | None = None) -> None:
    """`lakehouse-silver-to-gold --root DIR [--run-id ID]`"""
    _run("silver-to-gold", argv)


def run(argv: Sequence[str] | None = None) -> None:
    """`lakehouse-run --root DIR [--run-id ID] [--max-quarantine-ratio R]`: both stages under one run id."""
    _run("run", argv)
