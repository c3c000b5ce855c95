"""The delivery pipeline, without RabbitMQ: one delivery in, its events published, settled exactly once.

Each test hands deliveries to a real ``Pipeline`` with the sailor's dialect over ``StubBroker`` (which fails
the test if a delivery is settled twice), and reads what was published and how each delivery was settled.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from pysailor import Event
from pysailor.broker import Incoming, Outgoing, PublishError
from pysailor.delivery import Pipeline
from pysailor.errors import Rebound
from pysailor.platform import PlatformApi
from pysailor.sailor.cipher import Cipher
from pysailor.sailor.settings import WorkerSettings
from pysailor.sailor.wire import SailorDialect
from pysailor.sending import Open
from pysailor.stub import StubBroker

ENV = {f"ELASTICIO_{name}": name.lower() for name in (
    "FLOW_ID", "EXEC_ID", "STEP_ID", "CONTAINER_ID", "WORKSPACE_ID", "USER_ID", "COMP_ID", "FUNCTION", "API_URI",
    "API_USERNAME", "API_KEY", "LISTEN_MESSAGES_ON", "PUBLISH_MESSAGES_TO", "DATA_ROUTING_KEY", "ERROR_ROUTING_KEY",
    "REBOUND_ROUTING_KEY", "SNAPSHOT_ROUTING_KEY", "MESSAGE_CRYPTO_PASSWORD")}
ENV |= {"ELASTICIO_MESSAGE_CRYPTO_IV": "0123456789abcdef", "ELASTICIO_AMQP_URI": "amqp://guest:guest@localhost/",
        "ELASTICIO_REBOUND_LIMIT": "3"}
SETTINGS = WorkerSettings.from_env(ENV)
CIPHER = Cipher(SETTINGS.crypto_password, SETTINGS.crypto_iv)
Process = Callable[..., Any]


def delivery(body: dict[str, Any], **headers: Any) -> tuple[bytes, dict[str, Any]]:
    """The one message builder here: an encrypted message as the sailor publishes it, and its headers."""
    return CIPHER.encode({"body": body, "headers": {}}, 1), {"messageId": "m-1", **headers}


def headers_of(publish: Outgoing) -> dict[str, Any]:
    return dict(publish.properties.headers or {})


class Run:
    """A pipeline over a stub broker: ``send`` deliveries, then read ``broker`` and ``decoded``."""

    def __init__(self, process: Process, *, concurrency: int = 1, settings: WorkerSettings = SETTINGS) -> None:
        self.broker = StubBroker()
        self.settings = settings
        self.process = process
        self.concurrency = concurrency
        self.pipeline: Pipeline | None = None

    def send(self, *messages: tuple[bytes, dict[str, Any]], redelivered: bool = False,
             before_join: Callable[[Pipeline], Any] | None = None) -> list[Incoming]:
        async def main() -> list[Incoming]:
            with ThreadPoolExecutor(max_workers=self.concurrency) as executor:
                dialect = SailorDialect(self.settings, PlatformApi("http://127.0.0.1", "u", "k"))
                self.pipeline = Pipeline(self.broker, dialect, lambda name: self.process, {}, Open(), executor,
                                         asyncio.get_running_loop(), concurrency=self.concurrency)
                sent = [self.broker.enqueue(body, headers, redelivered=redelivered) for body, headers in messages]
                consuming = asyncio.ensure_future(self.broker.consume(self.pipeline.deliver))
                if before_join is not None:
                    await before_join(self.pipeline)
                await self.broker.join()
                await self.broker.cancel()
                await consuming
                return sent
        return asyncio.run(main())

    def published(self, kind: str) -> list[Outgoing]:
        return [publish for publish in self.broker.published if publish.kind == kind]

    def decoded(self, kind: str) -> list[Any]:
        if kind in ("error", "error over limit"):
            return [CIPHER.decode(json.loads(p.body)["error"].encode(), 1) for p in self.published(kind)]
        if kind == "data":
            return [CIPHER.decode(p.body, 1) for p in self.published(kind)]
        return [json.loads(p.body) for p in self.published(kind)]


def test_one_output_is_published_then_the_input_acked() -> None:
    run = Run(lambda msg, cfg, snapshot: {"body": {"echo": msg["body"]["n"]}})
    run.send(delivery({"n": 1}))
    assert [data["body"] for data in run.decoded("data")] == [{"echo": 1}]
    assert run.published("data")[0].routing_key == SETTINGS.data_routing_key
    assert run.broker.settled == {1: "ack"}


def test_an_exception_is_an_error_event_and_a_rejected_input() -> None:
    def fails(msg: object, cfg: object, snapshot: object) -> None:
        raise ValueError("the input is wrong")

    run = Run(fails)
    run.send(delivery({}))
    assert [(e["name"], e["message"]) for e in run.decoded("error")] == [("ValueError", "the input is wrong")]
    assert run.broker.kinds() == ["error"]
    assert run.broker.settled == {1: "reject"}


def test_a_rebound_publishes_the_input_again_later_and_acks_it() -> None:
    def later(msg: object, cfg: object, snapshot: object) -> None:
        raise Rebound("busy, try later")

    run = Run(later)
    body, headers = delivery({"n": 1})
    run.send((body, headers))
    [rebound] = run.published("rebound")
    assert rebound.routing_key == SETTINGS.rebound_routing_key
    assert rebound.body == body
    assert rebound.properties.expiration == str(SETTINGS.rebound_initial_expiration)
    assert headers_of(rebound)["reboundIteration"] == 1
    assert headers_of(rebound)["reboundReason"] == "busy, try later"
    assert run.broker.settled == {1: "ack"}


def test_past_the_rebound_limit_the_sailors_own_error_ends_it_and_the_input_is_acked() -> None:
    def later(msg: object, cfg: object, snapshot: object) -> None:
        raise Rebound("busy")

    run = Run(later)
    run.send(delivery({}, reboundIteration=3))
    assert run.published("rebound") == []
    [error] = run.decoded("error over limit")
    assert (error["name"], error["message"]) == ("Error", "Rebound limit exceeded")
    assert "end" not in headers_of(run.published("error over limit")[0])
    assert run.broker.settled == {1: "ack"}


@pytest.mark.parametrize("iteration", [-2, 1.5, float("nan"), float("inf"), "7", True])
def test_a_rebound_count_no_sailor_writes_starts_again_at_one(iteration: object) -> None:
    def later(msg: object, cfg: object, snapshot: object) -> None:
        raise Rebound("busy")

    run = Run(later)
    run.send(delivery({}, reboundIteration=iteration))
    [rebound] = run.published("rebound")
    assert headers_of(rebound)["reboundIteration"] == 1
    assert rebound.properties.expiration == str(SETTINGS.rebound_initial_expiration)


def test_several_outputs_and_snapshots_go_out_in_order_and_the_snapshot_reaches_the_next_message() -> None:
    seen: list[Any] = []

    def several(msg: dict[str, Any], cfg: object, snapshot: Any) -> Iterator[Any]:
        seen.append(snapshot)
        yield {"body": {"part": 1}}
        yield Event("snapshot", {"cursor": msg["body"]["n"]})
        yield {"body": {"part": 2}}

    run = Run(several)
    run.send(delivery({"n": 1}), delivery({"n": 2}))
    assert run.broker.kinds() == ["data", "snapshot", "data"] * 2
    assert [data["body"] for data in run.decoded("data")] == [{"part": 1}, {"part": 2}] * 2
    assert seen == [{}, {"cursor": 1}]
    assert run.broker.settled == {1: "ack", 2: "ack"}


def test_an_undecodable_delivery_is_rejected_without_an_event() -> None:
    run = Run(lambda msg, cfg, snapshot: {"body": {}})
    run.send((b"not the sailor's ciphertext", {"messageId": "m-1"}))
    assert run.broker.published == []
    assert run.broker.settled == {1: "reject"}


def test_json_nested_too_deeply_is_rejected_not_left_unsettled() -> None:
    run = Run(lambda msg, cfg, snapshot: {"body": {}})
    nested = ("[" * 5000 + "]" * 5000).encode()
    run.send((base64.b64encode(CIPHER.encrypt(nested)), {"messageId": "m-1"}))
    assert run.broker.published == []
    assert run.broker.settled == {1: "reject"}


def test_a_data_publish_the_broker_refuses_becomes_the_messages_error() -> None:
    run = Run(lambda msg, cfg, snapshot: {"body": {"sent": True}})
    run.broker.fail_next(PublishError("the queue is full"))
    run.send(delivery({}))
    assert run.published("data") == []
    assert [e["message"] for e in run.decoded("error")] == ["the queue is full"]
    assert run.broker.settled == {1: "reject"}


def test_an_unexpected_failure_inside_the_pipeline_rejects_the_input_once() -> None:
    run = Run(lambda msg, cfg, snapshot: {"body": {}})

    async def break_the_dialect(pipeline: Pipeline) -> None:
        def broken(delivery: Incoming) -> Any:
            raise RuntimeError("a bug")
        pipeline.dialect.open = broken  # type: ignore[method-assign]

    run.send(delivery({}), before_join=break_the_dialect)
    assert run.broker.settled == {1: "reject"}


def test_a_stop_finishes_the_message_in_flight_and_requeues_the_one_not_started() -> None:
    started, release = threading.Event(), threading.Event()

    def slow(msg: dict[str, Any], cfg: object, snapshot: object) -> dict[str, Any]:
        started.set()
        release.wait(10)
        return {"body": {"done": msg["body"]["n"]}}

    async def stop_while_running(pipeline: Pipeline) -> None:
        await asyncio.to_thread(started.wait, 10)
        pipeline.stopping = True
        release.set()

    run = Run(slow)
    run.send(delivery({"n": 1}), delivery({"n": 2}, messageId="m-2"), before_join=stop_while_running)
    assert [data["body"] for data in run.decoded("data")] == [{"done": 1}]
    assert run.broker.settled == {1: "ack", 2: "requeue"}


def test_a_redelivery_of_a_running_message_is_not_run_again_and_the_run_settles_it() -> None:
    started, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow(msg: dict[str, Any], cfg: object, snapshot: object) -> dict[str, Any]:
        runs.append(1)
        started.set()
        release.wait(10)
        return {"body": {}}

    run = Run(slow, concurrency=2)

    async def redeliver_while_running(pipeline: Pipeline) -> None:
        await asyncio.to_thread(started.wait, 10)
        body, headers = delivery({"n": 1})
        run.broker.enqueue(body, headers, redelivered=True)
        while run.broker.handed_out < 2 or len(pipeline.in_flight) > 1:  # until the redelivery was claimed
            await asyncio.sleep(0.001)
        release.set()

    run.send(delivery({"n": 1}), before_join=redeliver_while_running)
    assert runs == [1]
    assert len(run.published("data")) == 1
    assert run.broker.settled == {2: "ack"}  # the redelivery, not the original of a channel that is gone


def test_an_output_too_large_once_encoded_says_the_work_was_done() -> None:
    small = WorkerSettings.from_env({**ENV, "ELASTICIO_OUTGOING_MESSAGE_SIZE_LIMIT": "100"})
    run = Run(lambda msg, cfg, snapshot: {"body": {"sent": "x" * 100}}, settings=small)
    run.send(delivery({}))
    [error] = run.decoded("error")
    assert error["name"] == "OutputError"
    assert "exceeds limit of 100" in error["message"]
    assert "its work is done" in error["message"]
    assert "do not run this message again" in error["message"]
    assert run.broker.settled == {1: "reject"}
