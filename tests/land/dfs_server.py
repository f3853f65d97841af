"""A local stand-in for the ADLS Gen2 DFS endpoint, speaking the calls azure-storage-file-datalake makes when landing.

Azurite 3.37, the Azure Storage emulator, has no DFS (Data Lake Gen2) endpoint, so landing cannot be tested against
it; this server implements just the DFS REST calls the SDK sends for `lakehouse land`, on an in-memory filesystem:
create file or directory (PUT ?resource=...), append (PATCH ?action=append&position=N, checking a Content-MD5),
flush (PATCH ?action=flush&position=N, storing x-ms-content-md5), rename (PUT with x-ms-rename-source, honouring
If-None-Match: * on the destination), properties (HEAD, as the SDK asks the blob view for them), read (GET with a
range), list paths (GET ?resource=filesystem) and delete. Authorization headers are accepted unchecked.

Faults are injected per operation: 503s (plain, with Retry-After, or Azure's `ServerBusy`) and a connection closed
without a response, either before the request is applied or after it.
"""

from __future__ import annotations

import base64
import json
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.land.dfs_state import DfsState, StorageFailure, StoredFile

ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = base64.b64encode(b"lakehouse-land-tests-not-a-secret").decode()


class DfsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    server: DfsHttpServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass

    # --- plumbing ---

    def _key_and_query(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        path = unquote(parts.path).lstrip("/")
        if path.startswith(f"{ACCOUNT}/") or path == ACCOUNT:
            path = path[len(ACCOUNT):].lstrip("/")
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        return path.rstrip("/"), query

    def _headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def _send(self, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        self.send_response(status)
        sent = {"x-ms-request-id": "00000000-0000-0000-0000-000000000000", "x-ms-version": "2025-01-05",
                "Date": formatdate(usegmt=True), **(headers or {})}
        sent.setdefault("Content-Length", str(len(body)))
        for name, value in sent.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_error(self, failure: StorageFailure, retry_after: int | None = None) -> None:
        headers = {"x-ms-error-code": failure.code}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        body = b"" if self.command == "HEAD" else json.dumps(
            {"error": {"code": failure.code, "message": failure.message}}).encode()
        if body:
            headers["Content-Type"] = "application/json;charset=utf-8"
        self._send(failure.status, headers, body)

    def _drop(self) -> None:
        self.close_connection = True
        self.wfile.flush()

    def _operation(self, query: dict[str, str], headers: dict[str, str]) -> str:
        if self.command == "PUT":
            if "x-ms-rename-source" in headers:
                return "rename"
            return "mkdir" if query.get("resource") == "directory" else "create"
        if self.command == "PATCH":
            return "append" if query.get("action") == "append" else "flush"
        if self.command == "GET":
            return "list" if query.get("resource") == "filesystem" else "read"
        return {"HEAD": "properties", "DELETE": "delete"}[self.command]

    def _handle(self) -> None:
        key, query = self._key_and_query()
        headers = self._headers()
        body = self.rfile.read(int(headers.get("content-length", "0") or "0"))
        operation = self._operation(query, headers)
        state = self.server.state
        fault = state.take_fault(operation)
        if fault and fault.kind in ("503", "busy"):
            state.log.append((operation, key, fault.kind))
            code, message = ("ServerBusy", "Ingress is over the account limit.") if fault.kind == "busy" else (
                "ServiceUnavailable", "The server is currently unable to receive requests.")
            self._send_error(StorageFailure(503, code, message), fault.retry_after)
            return
        if fault and fault.kind == "drop":
            state.log.append((operation, key, "drop"))
            self._drop()
            return
        hook = state.before.pop(operation, None)
        if hook:
            hook(state)
        try:
            with state.lock:
                status, response_headers, response_body = self._apply(operation, key, query, headers, body)
                if state.watch:
                    state.watch(state)
        except StorageFailure as failure:
            state.log.append((operation, key, failure.status))
            self._send_error(failure)
            return
        state.log.append((operation, key, "drop_after" if fault else status))
        if fault:
            self._drop()
            return
        self._send(status, response_headers, response_body)

    def _apply(self, operation: str, key: str, query: dict[str, str], headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        state = self.server.state
        if operation in ("create", "mkdir"):
            stored = state.create(key, query.get("resource", "file"), headers)
            return 201, _path_headers(stored), b""
        if operation == "append":
            state.append(key, int(query["position"]), body, headers)
            return 202, {"x-ms-request-server-encrypted": "true"}, b""
        if operation == "flush":
            return 200, _path_headers(state.flush(key, int(query["position"]), headers)), b""
        if operation == "rename":
            return 201, _path_headers(state.rename(key, headers["x-ms-rename-source"], headers)), b""
        if operation == "delete":
            state.delete(key)
            return 200, {}, b""
        if operation == "list":
            filesystem = key.split("/")[0]
            if filesystem not in state.filesystems:
                raise StorageFailure(404, "FilesystemNotFound")
            paths = state.list_paths(filesystem, query.get("directory", ""), query.get("recursive") == "true")
            return 200, {"Content-Type": "application/json;charset=utf-8"}, json.dumps({"paths": paths}).encode()
        if operation == "properties":
            return self._properties(key)
        return self._read(key, headers)

    def _properties(self, key: str) -> tuple[int, dict[str, str], bytes]:
        state = self.server.state
        if key in state.directories:
            return 200, {**_path_headers(None), "x-ms-meta-hdi_isfolder": "true", "Content-Length": "0",
                         "x-ms-blob-type": "BlockBlob"}, b""
        stored = state._file(key, "BlobNotFound")
        return 200, _blob_headers(stored, len(stored.data)), b""

    def _read(self, key: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        stored = self.server.state._file(key, "BlobNotFound")
        wanted = headers.get("x-ms-range") or headers.get("range")
        if not wanted:
            return 200, _blob_headers(stored, len(stored.data)), stored.data
        first_text, _, last_text = wanted.removeprefix("bytes=").partition("-")
        first = int(first_text)
        if first >= len(stored.data):
            raise StorageFailure(416, "InvalidRange")
        last = min(int(last_text) if last_text else len(stored.data) - 1, len(stored.data) - 1)
        chunk = stored.data[first:last + 1]
        response_headers = _blob_headers(stored, len(chunk))
        response_headers["Content-Range"] = f"bytes {first}-{last}/{len(stored.data)}"
        return 206, response_headers, chunk

    def do_PUT(self) -> None:  # noqa: N802 - names required by BaseHTTPRequestHandler
        self._handle()

    do_PATCH = do_HEAD = do_GET = do_DELETE = do_PUT  # noqa: N815


def _path_headers(stored: StoredFile | None) -> dict[str, str]:
    return {"ETag": stored.etag if stored else '"0x8D0"', "Last-Modified": formatdate(usegmt=True)}


def _blob_headers(stored: StoredFile, length: int) -> dict[str, str]:
    headers = {
        **_path_headers(stored), "Content-Length": str(length), "Content-Type": stored.content_type or
        "application/octet-stream", "x-ms-blob-type": "BlockBlob", "x-ms-creation-time": formatdate(usegmt=True),
        "x-ms-lease-status": "unlocked", "x-ms-lease-state": "available", "x-ms-server-encrypted": "true",
        "Accept-Ranges": "bytes", "x-ms-resource-type": "file",
    }
    if stored.content_md5:
        headers["Content-MD5"] = base64.b64encode(stored.content_md5).decode()
    return headers


class DfsHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), DfsHandler)
        self.state = DfsState()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="dfs-test-server", daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        """The SDK takes a DFS endpoint from BlobEndpoint (it maps ".blob." to ".dfs." and IPs to path-style)."""
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
                f"BlobEndpoint={self.endpoint};")

    def __enter__(self) -> DfsHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
