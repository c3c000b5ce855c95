"""The simulator's thin HTTP/1.1 server: keep-alive, optional TLS, form and multipart bodies; no API rules."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import sys
import threading
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl, urlsplit

from .backend import Reply


class Application(Protocol):
    """What the server serves: one call per request, and a count of connections."""

    def handle(self, method: str, path: str, params: dict[str, str] | None) -> Reply | None:
        """The answer to a request (``params`` None: its body could not be read); None closes the connection
        without answering."""

    def connection_accepted(self) -> None: ...


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so that tests can see whether a client reuses connections
    server_version = "AllMySMS-simulator"
    timeout = 30  # seconds an idle kept-alive connection may hold its thread
    # Buffered, so that headers and body leave in one segment: two small writes would meet the client's
    # delayed ACK (Nagle) and cost some 40 ms per request. handle_one_request() flushes after each request.
    wbufsize = -1
    server: Server

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            # Handshake in the connection's own thread: a slow or failing client cannot stall accept().
            self.request.settimeout(self.timeout)
            self.request.do_handshake()
        super().setup()

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self.serve()

    def do_POST(self) -> None:
        self.serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the simulator records requests instead of printing them."""

    def serve(self) -> None:
        url = urlsplit(self.path)
        body = self.read_body()
        params = None if body is None else _params(url.query, self.headers.get("Content-Type", ""), body)
        if params is None:
            self.close_connection = True  # the next request's start is unknown
        reply = self.server.app.handle(self.command, url.path, params)
        if reply is None:
            self.close_connection = True  # nothing written: the client sees the connection close
            return
        self.send(reply)

    def read_body(self) -> bytes | None:
        """The request body, or None when its length cannot be known (chunked, bad Content-Length)."""
        if "Transfer-Encoding" in self.headers:
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.close_connection:  # the client asked for it, or we cannot go on
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)


def _params(query: str, content_type: str, body: bytes) -> dict[str, str]:
    """Query and form parameters, the body's winning; undecodable bytes become U+FFFD."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif media_type == "multipart/form-data":
        params.update(_multipart_fields(content_type, body))
    return params


def _multipart_fields(content_type: str, body: bytes) -> dict[str, str]:
    # The email package parses MIME multipart; it only needs the Content-Type header in front.
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload.decode("utf-8", "replace")
    return fields


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The standard library's listen backlog is 5: a burst of clients connecting at once (a bench, many workers)
    # overflows it, and the kernel drops their connection requests, which costs them a second each, or a reset.
    # The kernel caps this at net.core.somaxconn.
    request_queue_size = 1024

    def __init__(self, app: Application, address: tuple[str, int], tls: ssl.SSLContext | None) -> None:
        self.app = app
        self.tls = tls
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can take seconds without a resolver.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = self.socket.accept()
        self.app.connection_accepted()
        if self.tls is not None:
            connection = self.tls.wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        with self._open_lock:
            self._open.add(connection)
        return connection, address

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        with self._open_lock:
            self._open.discard(cast(socket.socket, request))
        super().shutdown_request(request)

    def abort_connections(self) -> None:
        """Shut every open connection down, waking the threads that wait on kept-alive ones."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                # The plain socket's shutdown: SSLSocket.shutdown would drop its TLS state under a reader.
                socket.socket.shutdown(connection, socket.SHUT_RDWR)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        # Clients that hang up, time out or refuse our certificate are routine here, not bugs.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)
