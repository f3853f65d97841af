"""A local stand-in for a Databricks workspace, serving exactly the REST calls databricks-sdk makes for deploy.

Found by running the SDK against it and recording its requests:
- `GET /.well-known/databricks-config`: the SDK's host-metadata probe when a client is made;
- Workspace API: `GET /api/2.0/workspace/get-status`, `POST /api/2.0/workspace/mkdirs`, `POST
  /api/2.0/workspace/import` (multipart, as `WorkspaceClient.workspace.upload` sends it; JSON with base64 too);
- Jobs API 2.2: `GET /api/2.2/jobs/list` (exact name filter that ignores case, as the real one), `GET
  /api/2.2/jobs/get`, `POST /api/2.2/jobs/create`, `POST /api/2.2/jobs/reset`.

Like the real service it stores a job's settings with defaults of its own added (`format`, tasks' `run_if` and
notifications), leaves out fields at their zero value (`retry_on_timeout: false`), returns tasks sorted by key, and
refuses an import into a folder that does not exist. Every request is recorded (method, path) so tests can assert
that a deploy made no write. A bearer token is required; any other gets 401 UNAUTHENTICATED.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "dapi-local-test-token"
WORKSPACE_ID = "1234567890123456"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _is_zero(value: Any) -> bool:
    return isinstance(value, bool | int) and not value


def _without_zero_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_zero_values(v) for k, v in value.items() if not _is_zero(v)}
    if isinstance(value, list):
        return [_without_zero_values(item) for item in value]
    return value


def stored_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as the service keeps them: its defaults added, zero values left out, tasks sorted by key."""
    stored = _without_zero_values(copy.deepcopy(settings))
    stored.setdefault("format", "MULTI_TASK")
    stored.setdefault("email_notifications", {})
    for task in stored.get("tasks", []):
        task.setdefault("run_if", "ALL_SUCCESS")
        task.setdefault("email_notifications", {})
    stored["tasks"] = sorted(stored.get("tasks", []), key=lambda task: task["task_key"])
    return stored


@dataclass
class WorkspaceState:
    files: dict[str, bytes] = field(default_factory=dict)
    folders: set[str] = field(default_factory=lambda: {"/", "/Workspace", "/Workspace/Shared"})
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    next_job_id: int = 1001
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_job(self, settings: dict[str, Any]) -> int:
        job_id, self.next_job_id = self.next_job_id, self.next_job_id + 1
        self.jobs[job_id] = {"job_id": job_id, "created_time": 1767225600000 + job_id,
                             "creator_user_name": "deployer@example.com", "settings": stored_settings(settings)}
        return job_id

    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.requests if method != "GET"]

    def jobs_named(self, name: str) -> list[dict[str, Any]]:
        return [job for job in self.jobs.values() if job["settings"].get("name", "").lower() == name.lower()]

    # --- Workspace API ---

    def get_status(self, path: str) -> dict[str, Any]:
        if path in self.folders:
            return {"path": path, "object_type": "DIRECTORY", "object_id": abs(hash(path)) % 10**9}
        if path in self.files:
            return {"path": path, "object_type": "FILE", "object_id": abs(hash(path)) % 10**9,
                    "size": len(self.files[path])}
        raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"Path ({path}) doesn't exist.")

    def mkdirs(self, path: str) -> None:
        parts = path.rstrip("/").split("/")
        for end in range(2, len(parts) + 1):
            prefix = "/".join(parts[:end])
            if prefix in self.files:
                raise ApiError(400, "RESOURCE_ALREADY_EXISTS", f"A file exists at {prefix}")
            self.folders.add(prefix)

    def import_file(self, path: str, content: bytes, overwrite: bool) -> None:
        if path.rsplit("/", 1)[0] not in self.folders:
            raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"The parent folder of ({path}) does not exist.")
        if (path in self.files and not overwrite) or path in self.folders:
            raise ApiError(400, "RESOURCE_ALREADY_EXISTS", f"{path} already exists.")
        self.files[path] = content

    # --- Jobs API 2.2 ---

    def list_jobs(self, name: str | None) -> dict[str, Any]:
        jobs = self.jobs_named(name) if name else list(self.jobs.values())
        listed = [{**{k: v for k, v in job.items() if k != "settings"},
                   "settings": {k: v for k, v in job["settings"].items() if k not in ("tasks", "job_clusters")}}
                  for job in sorted(jobs, key=lambda job: job["job_id"])]
        return {"jobs": listed, "has_more": False} if listed else {"has_more": False}

    def get_job(self, job_id: int) -> dict[str, Any]:
        if job_id not in self.jobs:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Job {job_id} does not exist.")
        return copy.deepcopy(self.jobs[job_id])

    def reset_job(self, job_id: int, settings: dict[str, Any]) -> None:
        if job_id not in self.jobs:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Job {job_id} does not exist.")
        self.jobs[job_id]["settings"] = stored_settings(settings)


class WorkspaceHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    server: WorkspaceServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def _form(self, body: bytes) -> dict[str, Any]:
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            fields = json.loads(body or b"{}")
            return {**fields, "content": base64.b64decode(fields.get("content", ""))}
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        form: dict[str, Any] = {}
        for part in message.iter_parts():
            payload = part.get_payload(decode=True)
            name = part.get_param("name", header="content-disposition")
            form[str(name)] = payload if name == "content" else payload.decode()
        return form

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        state = self.server.state
        body = self._body() if method == "POST" else b""
        with state.lock:
            state.requests.append((method, parts.path))
            try:
                if self.headers.get("Authorization") != f"Bearer {self.server.token}":
                    raise ApiError(401, "UNAUTHENTICATED", "Invalid access token.")
                self._reply(200, self._route(method, parts.path, query, body))
            except ApiError as error:
                self._reply(error.status, {"error_code": error.code, "message": error.message})

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> dict[str, Any]:
        state = self.server.state
        route = (method, path)
        if route == ("GET", "/api/2.0/workspace/get-status"):
            return state.get_status(query["path"])
        if route == ("POST", "/api/2.0/workspace/mkdirs"):
            state.mkdirs(json.loads(body)["path"])
            return {}
        if route == ("POST", "/api/2.0/workspace/import"):
            form = self._form(body)
            state.import_file(form["path"], form["content"], str(form.get("overwrite", "")).lower() == "true")
            return {}
        if route == ("GET", "/api/2.2/jobs/list"):
            return state.list_jobs(query.get("name"))
        if route == ("GET", "/api/2.2/jobs/get"):
            return state.get_job(int(query["job_id"]))
        if route == ("POST", "/api/2.2/jobs/create"):
            return {"job_id": state.add_job(json.loads(body))}
        if route == ("POST", "/api/2.2/jobs/reset"):
            request = json.loads(body)
            state.reset_job(int(request["job_id"]), request["new_settings"])
            return {}
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")

    def do_GET(self) -> None:  # noqa: N802 - the base class's naming
        if urlsplit(self.path).path == "/.well-known/databricks-config":
            with self.server.state.lock:
                self.server.state.requests.append(("GET", "/.well-known/databricks-config"))
            self._reply(200, {"workspace_id": WORKSPACE_ID, "cloud": "azure"})
            return
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802 - the base class's naming
        self._handle("POST")


class WorkspaceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: WorkspaceState, token: str = TOKEN) -> None:
        super().__init__(("127.0.0.1", 0), WorkspaceHandler)
        self.state = state
        self.token = token

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"
