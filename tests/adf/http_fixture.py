"""A local stand-in for Key Vault and the alert webhook: a real HTTP server in a thread.

GET /secrets/<name> answers like Key Vault's Get Secret (`{"value": <the webhook's URL>, ...}`); POST /hook/...
records the JSON it receives. `keyVaultUrl` for the pipeline is `endpoint.url` (ending with `/`, as Key Vault's).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WEBHOOK_VAULT_ENTRY = "alert-webhook-url"


class AlertEndpoint:
    def __init__(self, webhook_status: int = 200) -> None:
        self.webhook_status = webhook_status
        self.received: list[dict[str, Any]] = []  # {"path", "body", "authorization"} of each POST
        self.secret_reads: list[str] = []  # paths of each GET
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> AlertEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                pass

            def _answer(self, status: int, document: object) -> None:
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                endpoint.secret_reads.append(self.path)
                if self.path.split("?")[0] != f"/secrets/{WEBHOOK_VAULT_ENTRY}":
                    self._answer(404, {"error": {"code": "SecretNotFound"}})
                    return
                self._answer(200, {"value": f"{endpoint.url}hook/secret-token", "id": self.path})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                endpoint.received.append({"path": self.path, "body": json.loads(body),
                                          "authorization": self.headers.get("Authorization")})
                self._answer(endpoint.webhook_status, {"ok": endpoint.webhook_status < 300})

        return Handler
