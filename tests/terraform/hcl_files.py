"""Parsed terraform/ (python-hcl2) for the tests of this folder, no Terraform binary needed.

python-hcl2 keeps HCL's quotes on labels and string literals and wraps expressions in `${...}`; `unquote` and
`expr` undo that so tests compare plain values.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TF_DIR = REPO / "terraform"
ENVS_DIR = TF_DIR / "envs"
ENVIRONMENTS = ("dev", "staging", "prod")


def tf_files() -> list[Path]:
    return sorted(TF_DIR.glob("*.tf"))


def _strip_meta(value: Any) -> Any:
    """Drop python-hcl2's bookkeeping keys (`__comments__`, `__is_block__`)."""
    if isinstance(value, dict):
        return {k: _strip_meta(v) for k, v in value.items() if not (k.startswith("__") and k.endswith("__"))}
    if isinstance(value, list):
        return [_strip_meta(v) for v in value]
    return value


@functools.cache
def parse(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return _strip_meta(hcl2.load(handle))


def unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def expr(value: Any) -> str:
    """The expression text of an attribute: `${local.x}` -> `local.x`, `"abc"` -> `abc`."""
    text = str(unquote(value))
    match = re.fullmatch(r"\$\{(.*)\}", text, flags=re.DOTALL)
    return match.group(1) if match else text


def blocks(kind: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every `resource` or `data` block: (type, name) -> body, over all .tf files."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in tf_files():
        for entry in parse(path).get(kind, []):
            for rtype, named in entry.items():
                for name, body in named.items():
                    found[(unquote(rtype), unquote(name))] = body
    return found


def resources(rtype: str) -> dict[str, dict[str, Any]]:
    return {name: body for (kind, name), body in blocks("resource").items() if kind == rtype}


def variables() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in tf_files():
        for entry in parse(path).get("variable", []):
            for name, body in entry.items():
                found[unquote(name)] = body
    return found


def locals_() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in tf_files():
        for entry in parse(path).get("locals", []):
            found.update(entry)
    return found


def string_list(value: Any) -> list[str]:
    """A literal list of strings, e.g. locals.lake_containers."""
    assert isinstance(value, list), f"expected a literal list, got {value!r}"
    return [unquote(item) for item in value]


def source_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in tf_files())
