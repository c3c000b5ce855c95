"""The platform's side of a worker test: a flow's topology on a real broker, the step-data API, a worker process.

``Flow`` declares what the platform would (the sailor declares nothing): a direct exchange, the step's input
queue (dead-lettering rejects into a ``dead`` queue), one queue per outgoing routing key, and a rebounds queue
that dead-letters back into the input queue, as in ferryman's topology script. It publishes encrypted input
the way a Node step does and reads what the worker published.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import aiormq
from aiormq.abc import AbstractChannel, AbstractConnection
from pamqp.commands import Basic

from pysailor.sailor.cipher import Cipher

ROOT = Path(__file__).resolve().parents[2]
TEST_COMPONENT = Path(__file__).resolve().parent / "component"
NODE = Path(__file__).resolve().parent / "node"  # the real Node sailor, installed by scripts/test-setup
SAILOR = NODE / "node_modules" / "elasticio-sailor-nodejs"
PASSWORD = "testCryptoPassword"
IV = "iv=any16_symbols"
CIPHER = Cipher(PASSWORD, IV)
WAIT = 30.0  # s: the longest any test waits for a message or a process (a bound, not an expected time)
OUTPUTS = ("message", "error", "snapshot", "rebound", "dead", "reply")

T = TypeVar("T")


class Loop:
    """An asyncio loop in a thread, so that synchronous tests can drive aiormq."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="test-amqp", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = WAIT) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@dataclass
class Received:
    body: bytes
    properties: Basic.Properties
    routing_key: str
    redelivered: bool

    @property
    def headers(self) -> dict[str, Any]:
        return dict(self.properties.headers or {})

    def decrypted(self, cipher: Cipher = CIPHER) -> Any:
        version = self.headers.get("protocolVersion", 1)
        return cipher.decode(self.body, 1 if version < 2 else 2)

    def json(self) -> Any:
        return json.loads(self.body)

    def error(self, cipher: Cipher = CIPHER) -> Any:
        """The ``{name, message, stack}`` inside an error event."""
        return cipher.decode(self.json()["error"].encode(), 1)


@dataclass
class Flow:
    loop: Loop
    url: str
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    connection: AbstractConnection | None = None
    channel: AbstractChannel | None = None

    @property
    def exchange(self) -> str:
        return f"{self.prefix}_exchange"

    @property
    def input_queue(self) -> str:
        return f"{self.prefix}:step_2:messages"

    def key(self, kind: str) -> str:
        return f"{self.prefix}.step_2.{kind}"

    def queue(self, kind: str) -> str:
        return f"{self.prefix}:step_2:{kind}"

    def declare(self, *, durable: bool = False) -> Flow:
        """Declare the topology; ``durable`` makes it (and persistent messages) survive a broker restart."""
        self.loop.run(self._declare(durable))
        return self

    def reconnect(self) -> None:
        """A new connection for the test's side, e.g. after a broker restart."""
        async def connect() -> None:
            self.connection = await aiormq.connect(self.url)
            self.channel = await self.connection.channel()
        self.loop.run(connect())

    async def _declare(self, durable: bool) -> None:
        self.connection = await aiormq.connect(self.url)
        self.channel = await self.connection.channel()
        ch = self.channel
        await ch.exchange_declare(self.exchange, exchange_type="direct", durable=durable)
        await ch.queue_declare(self.input_queue, durable=durable, arguments={
            "x-dead-letter-exchange": self.exchange, "x-dead-letter-routing-key": self.key("dead")})
        await ch.queue_bind(self.input_queue, self.exchange, routing_key=self.key("input"))
        for kind in OUTPUTS:
            arguments: dict[str, Any] = {}
            if kind == "rebound":  # holds each rebound for its expiration, then back to the input queue
                arguments = {"x-dead-letter-exchange": self.exchange, "x-dead-letter-routing-key": self.key("input")}
            await ch.queue_declare(self.queue(kind), durable=durable, arguments=arguments)
            await ch.queue_bind(self.queue(kind), self.exchange, routing_key=self.key(kind))

    def delete(self) -> None:
        async def delete() -> None:
            if self.connection is None:
                return
            ch = await self.connection.channel()
            for name in [self.input_queue, *(self.queue(kind) for kind in OUTPUTS)]:
                try:
                    await ch.queue_delete(name)
                except aiormq.exceptions.AMQPError:
                    ch = await self.connection.channel()
            await ch.exchange_delete(self.exchange)
            await self.connection.close()
        self.loop.run(delete())

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment the platform gives the step's container."""
        env = {
            "ELASTICIO_FLOW_ID": f"{self.prefix}-flow", "ELASTICIO_EXEC_ID": "exec-1", "ELASTICIO_STEP_ID": "step_2",
            "ELASTICIO_CONTAINER_ID": "container-1", "ELASTICIO_WORKSPACE_ID": "workspace-1",
            "ELASTICIO_USER_ID": "user-1", "ELASTICIO_COMP_ID": "comp-1", "ELASTICIO_FUNCTION": "echo",
            "ELASTICIO_API_USERNAME": "platform-user", "ELASTICIO_API_KEY": "platform-S3cret-key",
            "ELASTICIO_AMQP_URI": self.url, "ELASTICIO_LISTEN_MESSAGES_ON": self.input_queue,
            "ELASTICIO_PUBLISH_MESSAGES_TO": self.exchange,
            "ELASTICIO_DATA_ROUTING_KEY": self.key("message"), "ELASTICIO_ERROR_ROUTING_KEY": self.key("error"),
            "ELASTICIO_REBOUND_ROUTING_KEY": self.key("rebound"),
            "ELASTICIO_SNAPSHOT_ROUTING_KEY": self.key("snapshot"),
            "ELASTICIO_MESSAGE_CRYPTO_PASSWORD": PASSWORD, "ELASTICIO_MESSAGE_CRYPTO_IV": IV,
            "ELASTICIO_COMPONENT_PATH": str(TEST_COMPONENT),
        }
        env.update(overrides)
        return env

    def publish(self, message: Any, *, headers: Mapping[str, Any] | None = None, version: int = 1,
                body: bytes | None = None, **properties: Any) -> None:
        """Publish an input as the previous step would: encrypted, with the sailor's headers."""
        table: dict[str, Any] = {"messageId": str(uuid.uuid4()), "threadId": "thread-1", "stepId": "step_1",
                                 "protocolVersion": version}
        table.update(headers or {})
        table = {k: v for k, v in table.items() if v is not None}
        content = CIPHER.encode(message, version) if body is None else body
        props = Basic.Properties(**{"content_type": "application/json", "content_encoding": "utf8",
                                    "delivery_mode": 1, "headers": table, **properties})

        async def publish() -> None:
            assert self.channel is not None
            await self.channel.basic_publish(content, exchange=self.exchange, routing_key=self.key("input"),
                                             properties=props)
        self.loop.run(publish())

    def get(self, kind: str, timeout: float = WAIT) -> Received:
        """The next message in the ``kind`` queue, waiting for it up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.poll(kind)
            if received is not None:
                return received
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing arrived in the {kind} queue within {timeout:g} s")
            time.sleep(0.02)

    def poll(self, kind: str) -> Received | None:
        queue = self.input_queue if kind == "input" else self.queue(kind)

        async def get() -> Received | None:
            assert self.channel is not None
            message = await self.channel.basic_get(queue, no_ack=True)
            if message.delivery is None or isinstance(message.delivery, Basic.GetEmpty):
                return None
            delivery: Any = message.delivery
            return Received(message.body, message.header.properties, delivery.routing_key,
                            bool(delivery.redelivered))
        return self.loop.run(get())

    def count(self, kind: str) -> int:
        queue = self.input_queue if kind == "input" else self.queue(kind)

        async def count() -> int:
            assert self.channel is not None
            ok = await self.channel.queue_declare(queue, passive=True)
            return int(ok.message_count or 0)
        return self.loop.run(count())


class StepApi:
    """The platform API's step-data endpoint, and a result endpoint for the services, on loopback."""

    def __init__(self, step_data: Mapping[str, Any] | None = None) -> None:
        self.step_data: Mapping[str, Any] = step_data or {"config": {}, "snapshot": {}, "is_passthrough": False}
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.status = 200
        self.location: str | None = None  # sent with the status, for a redirect
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append(("GET", self.path, dict(self.headers), b""))
                self._answer(json.dumps(api.step_data).encode())

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                api.requests.append(("POST", self.path, dict(self.headers), body))
                self._answer(b"{}")

            def _answer(self, body: bytes) -> None:
                self.send_response(api.status)
                if api.location:
                    self.send_header("Location", api.location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class WorkerProcess:
    """``allmysms-component worker`` in a child process; its bunyan log lines collected from stdout."""

    def __init__(self, env: Mapping[str, str], log_file: Path, *, node: bool = False) -> None:
        """``node=True`` runs the real Node sailor (``run.js``) instead, on the Node test component."""
        full = {k: v for k, v in os.environ.items() if not k.startswith(("ELASTICIO_", "ALLMYSMS_"))}
        full.update(env)
        command = [sys.executable, "-m", "allmysms_component", "worker"]
        cwd = ROOT
        if node:
            command, cwd = ["node", str(SAILOR / "run.js")], NODE
            full["ELASTICIO_COMPONENT_PATH"] = "component"
        self.log_file = log_file
        self._out = log_file.open("wb")
        self.process = subprocess.Popen(command, env=full, cwd=cwd, stdin=subprocess.DEVNULL, stdout=self._out,
                                        stderr=subprocess.STDOUT)

    def lines(self) -> Iterator[dict[str, Any]]:
        for raw in self.log_file.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                yield json.loads(raw)
            except ValueError:
                yield {"msg": raw, "raw": True}

    def text(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, fragment: str, timeout: float = WAIT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines():
                if fragment in str(line.get("msg", "")):
                    return line
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"the worker did not log {fragment!r} (exit {self.process.poll()}):\n{self.text()}")

    def ready(self) -> WorkerProcess:
        self.wait_for_log("Fully initialized and waiting for messages")
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = WAIT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout: float = WAIT) -> int:
        try:
            code = self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._out.close()
        return code


def b64(text: str) -> bytes:
    return base64.b64encode(text.encode())
