"""Build the package's wheel from the source tree, reproducibly: the same sources give the same bytes and sha256.

`python -m pip wheel --no-deps --no-build-isolation` on a fresh staging copy of what the build reads (pyproject.toml,
README.md, src/), with SOURCE_DATE_EPOCH fixed:
- the wheel's zip entries take their timestamps from SOURCE_DATE_EPOCH, and setuptools writes them in sorted order;
- the staging copy leaves out caches and stale `build/` output, and gives every file mode 0644, so neither an old
  build nor a checkout's file modes (umask, Windows) change the bytes;
- no build isolation: an isolated build fetches the newest setuptools from the package index on every run (network,
  and bytes that change whenever setuptools does); the environment's own setuptools (pinned in the `dev` extra) is
  used instead, offline (`--no-index`).

Deploy needs this source tree, so it runs from a clone of the repository (an editable install), not from an
installed wheel.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lakehouse.errors import UserError

SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01T00:00:00Z, the earliest time a zip entry can record
STAGED_FILES = ("pyproject.toml", "README.md")
STAGED_DIRS = ("src",)
STAGED_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*")
BACKEND_HINT = ("building the wheel needs setuptools>=70.1 in this environment (the `dev` extra pins it): "
                "run pip install -e '.[dev]'")


@dataclass(frozen=True)
class BuiltWheel:
    path: Path
    sha256: str

    @property
    def filename(self) -> str:
        return self.path.name

    def console_scripts(self) -> dict[str, str]:
        """The wheel's `[console_scripts]` entry points (name -> module:function): what a wheel task can call."""
        with zipfile.ZipFile(self.path) as archive:
            names = [name for name in archive.namelist() if name.endswith(".dist-info/entry_points.txt")]
            text = archive.read(names[0]).decode("utf-8") if names else ""
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # entry point names are case-sensitive
        parser.read_string(text)
        return dict(parser["console_scripts"]) if parser.has_section("console_scripts") else {}


def check_source_tree(source_root: Path) -> None:
    missing = [name for name in (*STAGED_FILES, "src/lakehouse") if not (source_root / name).exists()]
    if missing:
        raise UserError(f"deploy builds the wheel from the lakehouse source tree, and {source_root} has no "
                        f"{', '.join(missing)}: run it from a clone of the repository (pip install -e .)")


def stage_sources(source_root: Path, staging: Path) -> None:
    """Copy what the build reads into `staging`, without caches, every file with mode 0644."""
    staging.mkdir(parents=True)
    for name in STAGED_FILES:
        shutil.copyfile(source_root / name, staging / name)
    for name in STAGED_DIRS:
        shutil.copytree(source_root / name, staging / name, ignore=STAGED_IGNORED, copy_function=shutil.copyfile)
    for path in staging.rglob("*"):
        if path.is_file():
            path.chmod(0o644)


def _pip_wheel(staging: Path, out_dir: Path) -> None:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
               "--disable-pip-version-check", "--quiet", "--wheel-dir", str(out_dir), str(staging)]
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return
    output = result.stdout + result.stderr
    if "bdist_wheel" in output or "No module named 'setuptools'" in output or "setuptools.build_meta" in output:
        raise UserError(BACKEND_HINT)
    last = [line.strip() for line in output.splitlines() if line.strip()][-3:]
    raise UserError(f"building the wheel failed (pip wheel exit {result.returncode}): {' | '.join(last)}")


def build_wheel(source_root: Path, out_dir: Path) -> BuiltWheel:
    """Build `lakehouse-<version>-py3-none-any.whl` into `out_dir` (an empty folder the caller owns)."""
    check_source_tree(source_root)
    with tempfile.TemporaryDirectory(prefix="lakehouse-wheel-") as tmp:
        staging = Path(tmp) / "source"
        stage_sources(source_root, staging)
        _pip_wheel(staging, out_dir)
    wheels = sorted(out_dir.glob("lakehouse-*.whl"))
    if len(wheels) != 1:
        raise UserError(f"building the wheel left {len(wheels)} lakehouse wheels in {out_dir}, not one")
    return BuiltWheel(wheels[0], hashlib.sha256(wheels[0].read_bytes()).hexdigest())
