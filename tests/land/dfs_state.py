"""The in-memory account behind dfs_server.py: file systems, directories, files, and the faults to inject."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

OPERATIONS = ("create", "mkdir", "append", "flush", "rename", "properties", "read", "list", "delete")
FAULT_KINDS = ("503", "busy", "drop", "drop_after")


@dataclass
class Fault:
    """Make `times` requests of `operation` fail, after letting `skip` of them through."""

    operation: str
    kind: str  # "503" | "busy" (503 ServerBusy) | "drop" (closed before applying) | "drop_after" (applied, then closed)
    times: int = 1
    skip: int = 0
    retry_after: int | None = None

    def __post_init__(self) -> None:
        assert self.operation in OPERATIONS and self.kind in FAULT_KINDS, self


@dataclass
class StoredFile:
    data: bytes = b""
    pending: dict[int, bytes] = field(default_factory=dict)  # uncommitted appends by position
    content_md5: bytes | None = None
    content_type: str | None = None
    version: int = 0

    @property
    def etag(self) -> str:
        return f'"0x8D{id(self):X}{self.version:04X}"'


class StorageFailure(Exception):
    def __init__(self, status: int, code: str, message: str = ""):
        super().__init__(code)
        self.status, self.code, self.message = status, code, message or code


class DfsState:
    """The in-memory account: file systems, directories and files, keyed by "filesystem/path"."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.filesystems = {"bronze"}
        self.directories: set[str] = set()
        self.files: dict[str, StoredFile] = {}
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int | str]] = []  # (operation, "filesystem/path", status or fault kind)
        self.exists_status = 409  # what a rename onto an existing destination with If-None-Match: * answers
        self.rename_checks_destination_first = False  # which failure a rename whose source is gone reports
        self.before: dict[str, Callable[[DfsState], None]] = {}  # one-shot hook run before an operation
        self.watch: Callable[[DfsState], None] | None = None  # run after every applied operation, lock held

    def inject(self, operation: str, kind: str, times: int = 1, skip: int = 0, retry_after: int | None = None) -> None:
        with self.lock:
            self.faults.append(Fault(operation, kind, times, skip, retry_after))

    def take_fault(self, operation: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.operation != operation or fault.times == 0:
                    continue
                if fault.skip:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                return fault
        return None

    def file_names(self, filesystem: str = "bronze") -> list[str]:
        """Every file's path in the file system: what a reader would see."""
        prefix = f"{filesystem}/"
        return sorted(key[len(prefix):] for key in self.files if key.startswith(prefix))

    def read(self, path: str, filesystem: str = "bronze") -> bytes:
        return self.files[f"{filesystem}/{path}"].data

    def put(self, path: str, data: bytes, filesystem: str = "bronze", content_md5: bytes | None = None) -> None:
        """Place a file directly, as another tool would have landed it."""
        with self.lock:
            self._make_parents(f"{filesystem}/{path}")
            self.files[f"{filesystem}/{path}"] = StoredFile(data=data, content_md5=content_md5)

    def operations(self) -> list[str]:
        return [operation for operation, _, _ in self.log]

    # --- operations (called with the lock held) ---

    def _make_parents(self, key: str) -> None:
        parts = key.split("/")
        for end in range(2, len(parts)):
            parent = "/".join(parts[:end])
            if parent in self.files:
                raise StorageFailure(409, "ParentNotDirectory")
            self.directories.add(parent)

    def _file(self, key: str, code: str = "PathNotFound") -> StoredFile:
        if key not in self.files:
            raise StorageFailure(404, code)
        return self.files[key]

    def create(self, key: str, resource: str, headers: dict[str, str]) -> StoredFile | None:
        if key.split("/")[0] not in self.filesystems:
            raise StorageFailure(404, "FilesystemNotFound")
        exists = key in self.files or key in self.directories
        if exists and headers.get("if-none-match") == "*":
            raise StorageFailure(409, "PathAlreadyExists")
        self._make_parents(key)
        if resource == "directory":
            self.directories.add(key)
            return None
        if key in self.directories:
            raise StorageFailure(409, "PathConflict")
        self.files[key] = StoredFile(content_type=headers.get("x-ms-content-type"))
        return self.files[key]

    def append(self, key: str, position: int, body: bytes, headers: dict[str, str]) -> None:
        stored = self._file(key)
        expected = headers.get("content-md5")
        if expected and base64.b64decode(expected) != hashlib.md5(body).digest():
            raise StorageFailure(400, "Md5Mismatch")
        if position < len(stored.data):
            raise StorageFailure(400, "InvalidAppendPosition")
        stored.pending[position] = body  # a retried append at the same position replaces the first one

    def flush(self, key: str, position: int, headers: dict[str, str]) -> StoredFile:
        stored = self._file(key)
        buffer = bytearray(stored.data)
        for start in sorted(stored.pending):
            if start > len(buffer):
                break
            buffer[start:start + len(stored.pending[start])] = stored.pending[start]
        if not len(stored.data) <= position <= len(buffer):
            raise StorageFailure(400, "InvalidFlushPosition")
        if position != len(stored.data) or stored.pending:
            stored.version += 1
        stored.data, stored.pending = bytes(buffer[:position]), {}
        md5 = headers.get("x-ms-content-md5")
        stored.content_md5 = base64.b64decode(md5) if md5 else None
        stored.content_type = headers.get("x-ms-content-type", stored.content_type)
        return stored

    def rename(self, key: str, source: str, headers: dict[str, str]) -> StoredFile:
        source_key = unquote(urlsplit(source).path).strip("/")
        if self.rename_checks_destination_first:
            self._refuse_taken(key, headers)
        if source_key not in self.files:
            raise StorageFailure(404, "SourcePathNotFound")
        self._refuse_taken(key, headers)
        self._make_parents(key)
        self.files[key] = self.files.pop(source_key)
        return self.files[key]

    def _refuse_taken(self, key: str, headers: dict[str, str]) -> None:
        if key in self.files and headers.get("if-none-match") == "*":
            code = "PathAlreadyExists" if self.exists_status == 409 else "ConditionNotMet"
            raise StorageFailure(self.exists_status, code)

    def delete(self, key: str) -> None:
        if key in self.files:
            del self.files[key]
        elif key in self.directories:
            self.directories = {d for d in self.directories if d != key and not d.startswith(f"{key}/")}
            self.files = {k: v for k, v in self.files.items() if not k.startswith(f"{key}/")}
        else:
            raise StorageFailure(404, "PathNotFound")

    def list_paths(self, filesystem: str, directory: str, recursive: bool) -> list[dict[str, str]]:
        base = f"{filesystem}/{directory}".rstrip("/")
        if directory and base not in self.directories:
            raise StorageFailure(404, "PathNotFound")
        entries: list[dict[str, str]] = []
        for key in sorted(self.directories | set(self.files)):
            if not key.startswith(f"{base}/"):
                continue
            relative = key[len(base) + 1:]
            if not recursive and "/" in relative:
                continue
            name = key[len(filesystem) + 1:]
            stored = self.files.get(key)
            entries.append({
                "name": name, "isDirectory": "false" if stored else "true",
                "contentLength": str(len(stored.data)) if stored else "0",
                "etag": stored.etag if stored else '"0x8D0"', "lastModified": formatdate(usegmt=True),
                "owner": "$superuser", "group": "$superuser", "permissions": "rw-r-----",
            })
        return entries
