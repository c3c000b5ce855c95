"""The Open Integration Hub's side of a worker test: a fake orchestrator on a real broker, with OIH's services.

``OihFlow`` declares the topology as OIH's QueueCreator does (ferryman-protocol.md section 3): a topic backchannel
exchange with its ``:messages`` (input, step_state, rebound keys) and ``:error`` queues, and per flow a topic
exchange ``flow-<flowId>`` bound into the events collector, each step's input queue (bound to ``.input`` and
``.requeue``, dead-lettering to ``.deadletter``) and rebounds queue (dead-lettering to ``.requeue``), and the
snapshots service's queue on ``#.snapshot``. Every name carries the test's prefix, so tests share one broker.
The rig binds a ``deadletter`` queue (OIH binds none) to see rejects.

It signs tokens as the orchestrator does (HS256 with its default secret ``foo``, ``iat``, no ``exp``), publishes
inputs ``{attachments, data, metadata, passthrough}`` as plain JSON, verifies the token of what comes back, and
forwards a step's output to the next step with a new token, as ``ComponentOrchestrator`` does. ``Services`` is
the secret service and the snapshots service on loopback, recording each request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiormq
from aiormq.abc import AbstractChannel, AbstractConnection
from pamqp.commands import Basic

from .platform import TEST_COMPONENT, WAIT, JsonHandler, Loop, LoopbackServer, Received, take, waiting

TOKEN_SECRET = "foo"  # ORCHESTRATOR_TOKEN_SECRET's default in OIH
API_KEY = "iam-T0ken-of-the-flow"
SECRET_ID = "secret-1"
CREDENTIALS = {"login": "oih-login", "apiKey": "S3cret-from-the-secret-service"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: Mapping[str, Any], secret: str = TOKEN_SECRET) -> str:
    """A JWT as jsonwebtoken 8's ``jwt.sign(payload, secret)`` makes it: HS256, the claims then ``iat``."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps({**claims, "iat": int(time.time())}, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def verify(token: str, secret: str = TOKEN_SECRET) -> dict[str, Any]:
    """The claims, if the signature is the orchestrator's (what ``jwt.verify`` checks on what comes back)."""
    header, payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(_b64(expected), signature), "the token's signature is not the orchestrator's"
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


class Services(LoopbackServer):
    """OIH's secret service and snapshots service on loopback: ``secrets`` by id, ``snapshots`` by (flow, step)."""

    def __init__(self) -> None:
        self.secrets: dict[str, dict[str, Any]] = {
            SECRET_ID: {"type": "MIXED", "value": {"payload": json.dumps(CREDENTIALS)}}}
        self.snapshots: dict[tuple[str, str], Any] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.fail_with: list[int] = []  # statuses to answer first, one per request
        services = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                services.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, body = services.answer(self.path.strip("/").split("/"))
                self.answer(status, json.dumps(body).encode())

        super().__init__(Handler)

    def answer(self, parts: list[str]) -> tuple[int, Any]:
        if self.fail_with:
            return self.fail_with.pop(0), {"error": "failing as asked"}
        if parts[0] == "secrets" and len(parts) == 2:
            secret = self.secrets.get(parts[1])
            return (200, {"data": secret}) if secret else (404, {"errors": []})
        if parts[:2] == ["snapshots", "flows"] and len(parts) == 5:
            snapshot = self.snapshots.get((parts[2], parts[4]))
            return 200, {"data": snapshot if snapshot is not None else {}}
        return 404, {}

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@dataclass
class OihFlow:
    loop: Loop
    url: str
    steps: tuple[str, ...] = ("step_1", "step_2")
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    flow_exec_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    connection: AbstractConnection | None = None
    channel: AbstractChannel | None = None
    held: dict[str, list[Received]] = field(default_factory=dict)  # read from a queue, not yet asked for

    # -- names, as OIH makes them (with the test's prefix) --------------------------------------------------------

    @property
    def flow_id(self) -> str:
        return f"{self.prefix}flow"

    @property
    def flow_exchange(self) -> str:
        return f"flow-{self.flow_id}"

    @property
    def backchannel(self) -> str:
        return f"{self.prefix}_backchannel"

    @property
    def collector(self) -> str:
        return f"{self.prefix}_events-collector"

    def key(self, step: str, kind: str) -> str:
        return f"flow-{self.flow_id}.{step}.{kind}"

    def queue(self, step: str, kind: str) -> str:
        return f"flow-{self.flow_id}:{step}:{kind}"

    def queues(self) -> list[str]:
        own = [self.queue(step, kind) for step in self.steps for kind in ("messages", "rebounds", "deadletter")]
        return [*own, f"{self.backchannel}:messages", f"{self.backchannel}:error", f"{self.prefix}-snapshots"]

    def env(self, step: str, services: Services, **overrides: str) -> dict[str, str]:
        """The environment OIH's Kubernetes driver gives a flow node's container (ferryman-protocol.md 2)."""
        env = {
            "ELASTICIO_COMP_ID": "comp-1", "ELASTICIO_API_URI": "http://127.0.0.1:9/api-unused",
            "ELASTICIO_AMQP_URI": self.url, "ELASTICIO_LISTEN_MESSAGES_ON": self.queue(step, "messages"),
            "ELASTICIO_NODE_EXCHANGE": self.flow_exchange, "ELASTICIO_BACKCHANNEL_EXCHANGE": self.backchannel,
            "ELASTICIO_OUTPUT_ROUTING_KEY": f"{self.backchannel}.input",
            "ELASTICIO_ERROR_ROUTING_KEY": f"{self.backchannel}.error",
            "ELASTICIO_STATE_ROUTING_KEY": f"{self.backchannel}.step_state",
            "ELASTICIO_REBOUND_ROUTING_KEY": self.key(step, "rebound"),
            "ELASTICIO_SNAPSHOT_ROUTING_KEY": self.key(step, "snapshot"),
            "ELASTICIO_SNAPSHOTS_EXCHANGE": self.collector,
            "ELASTICIO_SECRET_SERVICE_BASE_URL": services.url + "/",
            "ELASTICIO_SNAPSHOTS_SERVICE_BASE_URL": services.url,
            "ELASTICIO_USER_ID": "remove me", "ELASTICIO_COMPONENT_PATH": str(TEST_COMPONENT), "LOG_LEVEL": "info",
        }
        env.update(overrides)
        return env

    # -- topology -----------------------------------------------------------------------------------------------

    def declare(self) -> OihFlow:
        self.loop.run(self._declare())
        return self

    async def _declare(self) -> None:
        self.connection = await aiormq.connect(self.url)
        self.channel = ch = await self.connection.channel()
        bc = self.backchannel
        for exchange in (bc, self.collector, self.flow_exchange):
            await ch.exchange_declare(exchange, exchange_type="topic", durable=True)
        dead: dict[str, Any] = {"x-dead-letter-exchange": bc, "x-dead-letter-routing-key": f"{bc}.deadletter"}
        await ch.queue_declare(f"{bc}:messages", durable=True, arguments=dead)
        await ch.queue_declare(f"{bc}:error", durable=True, arguments=dead)
        for kind in ("input", "step_state", "rebound"):
            await ch.queue_bind(f"{bc}:messages", bc, routing_key=f"{bc}.{kind}")
        await ch.queue_bind(f"{bc}:error", bc, routing_key=f"{bc}.error")
        await ch.exchange_bind(self.collector, self.flow_exchange, routing_key="#")
        await ch.queue_declare(f"{self.prefix}-snapshots", durable=True)
        await ch.queue_bind(f"{self.prefix}-snapshots", self.collector, routing_key="#.snapshot")
        for step in self.steps:
            await ch.queue_declare(self.queue(step, "messages"), durable=True, arguments={
                "x-dead-letter-exchange": self.flow_exchange,
                "x-dead-letter-routing-key": self.key(step, "deadletter")})
            for kind in ("input", "requeue"):
                await ch.queue_bind(self.queue(step, "messages"), self.flow_exchange, routing_key=self.key(step, kind))
            await ch.queue_declare(self.queue(step, "rebounds"), durable=True, arguments={
                "x-message-ttl": 600000, "x-dead-letter-exchange": self.flow_exchange,
                "x-dead-letter-routing-key": self.key(step, "requeue")})
            await ch.queue_bind(self.queue(step, "rebounds"), self.flow_exchange, routing_key=self.key(step, "rebound"))
            await ch.queue_declare(self.queue(step, "deadletter"), durable=True)  # the rig's, to see rejects
            await ch.queue_bind(self.queue(step, "deadletter"), self.flow_exchange,
                                routing_key=self.key(step, "deadletter"))

    def delete(self) -> None:
        async def delete() -> None:
            if self.connection is None:
                return
            ch = await self.connection.channel()
            for name in self.queues():
                await ch.queue_delete(name)
            for exchange in (self.flow_exchange, self.collector, self.backchannel):
                await ch.exchange_delete(exchange)
            await self.connection.close()
        self.loop.run(delete())

    # -- the orchestrator's side --------------------------------------------------------------------------------

    def claims(self, step: str, function: str = "describe", **overrides: Any) -> dict[str, Any]:
        """The token's claims, in the order ``_executeStep`` writes them."""
        claims: dict[str, Any] = {
            "flowId": self.flow_id, "stepId": step, "userId": "user-1", "function": function,
            "flowExecId": self.flow_exec_id, "secretId": SECRET_ID, "fields": {"mode": step},
            "apiKey": API_KEY, "nodeSettings": {}, "specialFlags": {}, "tenant": "tenant-1"}
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def publish(self, step: str, data: Any = None, *, token: str | None = None, headers: Mapping[str, Any] | None
                = None, body: bytes | None = None, no_headers: bool = False, message: Mapping[str, Any] | None = None,
                **claims: Any) -> str | None:
        """An input to ``step`` as the orchestrator sends it; the token it carries (signed here unless given)."""
        if token is None and headers is None and not no_headers:
            token = sign(self.claims(step, **claims))
        table: dict[str, Any] = dict(headers) if headers is not None else {"orchestratorToken": token}
        content = body if body is not None else json.dumps(
            message if message is not None else
            {"attachments": {}, "data": data, "metadata": {"source": "rig"}, "passthrough": {}}).encode()
        props = Basic.Properties(content_type="application/json", delivery_mode=2,
                                 headers=None if no_headers else table)

        async def publish() -> None:
            assert self.channel is not None
            await self.channel.basic_publish(content, exchange=self.flow_exchange, routing_key=self.key(step, "input"),
                                             properties=props)
        self.loop.run(publish())
        return token

    def forward(self, output: Received, to_step: str) -> str:
        """What the orchestrator does with a step's output: verify its token, then hand the payload to the next
        step with a new token (same execution, apiKey and secret); the new token."""
        claims = verify(output.headers["orchestratorToken"])
        body = output.json()
        token = sign(self.claims(to_step, function=claims["function"], flowExecId=claims["flowExecId"]))
        self.publish(to_step, token=token, message={name: body.get(name) or {} for name in
                                                    ("attachments", "data", "metadata", "passthrough")})
        return token

    def get(self, queue: str, *, key: str | None = None, timeout: float = WAIT) -> Received:
        """The next message in ``queue`` (``backchannel:messages``, ``step_2:deadletter``...), skipping those
        whose routing key does not end with ``key``."""
        deadline = time.monotonic() + timeout
        held = self.held.setdefault(queue, [])
        while True:
            for kept in held:
                if key is None or kept.routing_key.endswith(key):
                    held.remove(kept)
                    return kept
            received = self.poll(queue)
            if received is not None:
                held.append(received)  # kept, in order, for the call that asks for its key
            else:
                if time.monotonic() > deadline:
                    raise AssertionError(f"nothing{' ' + key if key else ''} arrived in {queue} within {timeout:g} s")
                time.sleep(0.02)

    def outputs(self, kind: str = "input", timeout: float = WAIT) -> Received:
        """The next message of the backchannel's ``kind`` (input: data, step_state, rebound, error)."""
        queue = f"backchannel:{'error' if kind == 'error' else 'messages'}"
        return self.get(queue, key=f".{kind}", timeout=timeout)

    def poll(self, queue: str) -> Received | None:
        assert self.channel is not None
        return take(self.loop, self.channel, self._name(queue))

    def count(self, queue: str) -> int:
        assert self.channel is not None
        return waiting(self.loop, self.channel, self._name(queue))

    def _name(self, queue: str) -> str:
        """``step_1:messages`` -> the flow's queue; ``backchannel:error`` -> the backchannel's; ``snapshots``."""
        if queue == "snapshots":
            return f"{self.prefix}-snapshots"
        owner, _, kind = queue.partition(":")
        return f"{self.backchannel}:{kind}" if owner == "backchannel" else self.queue(owner, kind)

