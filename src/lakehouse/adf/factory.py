"""The data factory of `adf/` as files: ADF's Git-integration layout, one `{"name", "properties"}` JSON a resource.

`adf/pipeline/`, `adf/dataset/`, `adf/linkedService/`, `adf/trigger/`, `adf/integrationRuntime/` (each optional); a
file is named after its resource, as ADF requires. Locally every activity runs in this process: an integration
runtime (`connectVia`) only has to exist (checks.check_connect_via). Parameters (of pipelines, datasets and linked
services) are declared `{"type", "defaultValue"?}` and given either as JSON values (by a referencing activity) or as
text (`lakehouse adf-run --param NAME=VALUE`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakehouse.errors import UserError

FOLDERS = ("pipeline", "dataset", "linkedService", "trigger", "integrationRuntime")
Resource = dict[str, Any]  # a resource's "properties"


@dataclass(frozen=True)
class Factory:
    directory: Path
    resources: dict[str, dict[str, Resource]]  # folder -> name -> properties

    def path(self, folder: str, name: object) -> Path:
        return self.directory / folder / f"{name}.json"

    def get(self, folder: str, name: object) -> Resource:
        found = self.resources[folder].get(name) if isinstance(name, str) else None
        if found is None:
            raise UserError(f"{folder} {name!r} is referenced but {self.path(folder, name)} does not exist")
        return found

    def pipeline(self, name: str) -> Resource:
        return self.get("pipeline", name)

    def dataset(self, name: object) -> Resource:
        return self.get("dataset", name)

    def linked_service(self, name: object) -> Resource:
        return self.get("linkedService", name)


def read_resource(path: Path) -> tuple[str, Resource]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UserError(f"{path} is not valid JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(document, dict) or not isinstance(document.get("properties"), dict):
        raise UserError(f"{path} is not an ADF resource: expected {{\"name\": ..., \"properties\": {{...}}}}")
    if document.get("name") != path.stem:
        raise UserError(f"{path} names its resource {document.get('name')!r}: ADF expects the file's name")
    return path.stem, document["properties"]


def load_factory(directory: Path) -> Factory:
    if not directory.is_dir():
        raise UserError(f"ADF folder {directory} does not exist")
    resources: dict[str, dict[str, Resource]] = {}
    for folder in FOLDERS:
        files = sorted((directory / folder).glob("*.json"))
        resources[folder] = dict(read_resource(path) for path in files)
    return Factory(directory, resources)


def parse_parameter(name: str, spec: Mapping[str, Any], text: str) -> object:
    """A parameter given as text, converted to its declared type."""
    kind = str(spec.get("type", "string")).lower()
    if kind in ("string", "securestring"):
        return text
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if kind in ("array", "object"):
            value = json.loads(text)
            if isinstance(value, list if kind == "array" else dict):
                return value
    except ValueError:
        pass
    raise UserError(f"parameter {name} is declared {kind}: {text!r} is not one")


def parameter_values(declared: Mapping[str, Any], given: Mapping[str, object], owner: str) -> dict[str, object]:
    """Declared parameters' defaults overridden by `given`; an undeclared or missing parameter is an error."""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise UserError(f"{owner} has no parameter {', '.join(unknown)} "
                        f"(its parameters: {', '.join(declared) or 'none'})")
    values = {}
    for name, spec in declared.items():
        if name in given:
            values[name] = given[name]
        elif isinstance(spec, Mapping) and "defaultValue" in spec:
            values[name] = spec["defaultValue"]
        else:
            raise UserError(f"{owner} needs a value for its parameter {name}, which has no default")
    return values


def reference_name(reference: object, kind: str, where: str) -> str:
    """The referenceName of an ADF reference object `{"referenceName", "type": kind}`."""
    if not isinstance(reference, Mapping) or reference.get("type") != kind or \
            not isinstance(reference.get("referenceName"), str):
        raise UserError(f"{where}: expected a {kind} {{\"referenceName\": ..., \"type\": \"{kind}\"}}")
    return reference["referenceName"]
