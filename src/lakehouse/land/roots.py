"""Which landing target a `--root` names (contract §1): a local directory, or an ADLS Gen2 container.

Apart from `targets` (the local target and what every target shares) and `adls` (the ADLS target, which builds on
`targets`), so that neither of them has to import the other: the choice depends on both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from lakehouse.errors import UserError
from lakehouse.land.targets import LocalTarget, RetrySettings, Target


def open_target(root: str, retry: RetrySettings | None = None,
                environ: Mapping[str, str] | None = None) -> Target:
    """A local root directory, or `abfss://bronze@<account>.dfs.core.windows.net/` (contract §1)."""
    if root.lower().startswith("abfss://"):
        from lakehouse.land.adls import open_adls_target  # the Azure SDK loads only for an ADLS root

        return open_adls_target(root, retry or RetrySettings(), os.environ if environ is None else environ)
    if "://" in root:
        raise UserError(f"--root {root!r}: use a local directory or abfss://bronze@<account>.dfs.core.windows.net/")
    return LocalTarget(Path(root))
