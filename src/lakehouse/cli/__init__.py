"""The `lakehouse` command line (contract §6): argument parsing, one call into a stage or tool, console output.

`main` is the command, callable in a process (tests, notebooks); `console` is the console script, which
`python -m lakehouse.cli` runs too: `main`, then the process ends.
"""

from lakehouse.cli.commands import console, main

__all__ = ["console", "main"]
