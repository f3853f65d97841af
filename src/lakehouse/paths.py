"""The repository's folders, one place for each: found beside `src/` in the source tree.

`lakehouse adf-run` reads `adf/` and `jobs/`, `lakehouse deploy` builds the wheel from the tree and deploys `jobs/`,
`lakehouse sql` reads `synapse_sql/`. They are there when the package is installed from a clone (`pip install -e .`);
each command also takes its folder as an option.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]  # src/lakehouse/paths.py -> the repository
ADF_DIR = REPO_ROOT / "adf"
JOBS_DIR = REPO_ROOT / "jobs"
SQL_DIR = REPO_ROOT / "synapse_sql"
