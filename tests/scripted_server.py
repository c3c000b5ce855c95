"""A tiny loopback TCP server whose every connection runs a script: for tests about sockets, proxies and timing.

``with ScriptedServer(script) as server:`` listens on a free 127.0.0.1 port; each accepted connection runs
``script(connection, index)`` in its own thread. Helpers read one HTTP request head and body, and write answers.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

Script = Callable[[socket.socket, int], None]


class ScriptedServer:
    """Accepts connections on 127.0.0.1 and hands each to ``script``; counts them."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port: int = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
        self.listener.close()
        with self.lock:
            for connection in self.open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
        self.thread.join(5)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                index = self.connections
                self.connections += 1
                self.open.append(connection)
            threading.Thread(target=self._run, args=(connection, index), daemon=True).start()

    def _run(self, connection: socket.socket, index: int) -> None:
        with contextlib.suppress(OSError), connection:
            self.script(connection, index)


def read_request(connection: socket.socket) -> bytes | None:
    """One request (head and Content-Length body); None when the client closed the connection first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


def answer(connection: socket.socket, body: bytes | dict[str, Any], *, status: str = "200 OK",
           headers: dict[str, str] | None = None) -> None:
    """Write one HTTP/1.1 answer that keeps the connection alive."""
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    fields = {"Content-Type": "application/json", "Content-Length": str(len(content)), **(headers or {})}
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    connection.sendall(head.encode("latin-1") + b"\r\n" + content)


def hold(connection: socket.socket) -> None:
    """Say nothing until the client goes away."""
    while connection.recv(65536):
        pass
