"""The `lakehouse` command line (contract §6): argument parsing, one call into a stage or tool, console output.

`main` is the console script; `python -m lakehouse.cli` runs it too.
"""

from lakehouse.cli.commands import main

__all__ = ["main"]
