"""A local HTTP receiver for the simulator's pushes, standing in for the platform's webhook URL: it records each
request and hands it to the trigger as the platform's webhook would (``as_webhook_message``)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Callback:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: bytes

    def as_webhook_message(self) -> dict[str, Any]:
        """The message the platform's webhook makes of this request: the parsed body (JSON or form; for a GET,
        the query), the query parameters, the headers."""
        if self.content_type.startswith("application/json"):
            body: Any = json.loads(self.body)
        elif self.body:
            body = dict(parse_qsl(self.body.decode(), keep_blank_values=True))
        else:
            body = dict(self.query)
        return {"id": "hook", "body": body, "query": dict(self.query), "method": self.method,
                "headers": {"content-type": self.content_type}, "attachments": {}, "metadata": {}}


class Receiver:
    """Answers every callback ``OK``, as a webhook AllMySMS calls should."""

    def __init__(self) -> None:
        self.callbacks: list[Callback] = []
        received = self.callbacks

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.record()

            def do_POST(self) -> None:
                self.record()

            def record(self) -> None:
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append(Callback(self.command, url.path, dict(parse_qsl(url.query)),
                                         self.headers.get("Content-Type", ""), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, query: str = "") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook{'?' + query if query else ''}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
