"""The delivery pipeline with OIH's dialect, without RabbitMQ: token, credentials, send gate, events, settlement.

A real ``Pipeline`` with ``FerrymanDialect`` over ``StubBroker``; OIH's secret and snapshots services are the
fake orchestrator's (tests/worker/orchestrator.py) on loopback.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pamqp.commands import Basic

from pysailor import Event
from pysailor.broker import Outgoing
from pysailor.delivery import Pipeline
from pysailor.errors import ConfigurationError, Rebound
from pysailor.ferryman.dialect import FerrymanDialect
from pysailor.ferryman.services import PlatformServices
from pysailor.ferryman.settings import REQUIRED, FerrymanSettings
from pysailor.ferryman.token import decode
from pysailor.sending import UNGUARDED, Delivery, Gatekeeper, SendGate
from pysailor.stub import StubBroker
from tests.worker.orchestrator import CREDENTIALS, SECRET_ID, Services, sign

Process = Callable[..., Any]
ENV = {**{f"ELASTICIO_{name}": name.lower() for name in REQUIRED}, "ELASTICIO_AMQP_URI": "amqp://broker",
       "ELASTICIO_REBOUND_LIMIT": "2", "ELASTICIO_SNAPSHOT_ROUTING_KEY": "flow-1.step_2.snapshot"}
CLAIMS = {"flowId": "flow-1", "stepId": "step_2", "userId": "u", "function": "describe", "flowExecId": "e",
          "secretId": SECRET_ID, "fields": {"mode": "a"}, "apiKey": "iam-key", "nodeSettings": {}}


class Recording(Gatekeeper):
    """A gatekeeper that remembers which send each delivery is."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []

    def gate(self, delivery: Delivery) -> SendGate:
        self.deliveries.append(delivery)
        return UNGUARDED


@pytest.fixture
def services() -> Iterator[Services]:
    fake = Services()
    fake.snapshots[("flow-1", "step_2")] = {"count": 1}
    yield fake
    fake.close()


class Run:
    def __init__(self, services: Services, functions: dict[str, Process]) -> None:
        self.broker = StubBroker()
        self.gatekeeper = Recording()
        self.settings = FerrymanSettings.from_env({**ENV, "ELASTICIO_SECRET_SERVICE_BASE_URL": services.url,
                                                   "ELASTICIO_SNAPSHOTS_SERVICE_BASE_URL": services.url})
        self.functions = functions

    def function(self, name: str | None) -> Process:
        if name not in self.functions:
            raise ConfigurationError(f"component.json has no action or trigger {name!r}")
        return self.functions[name]

    def send(self, *deliveries: tuple[bytes, dict[str, Any] | None]) -> None:
        async def main() -> None:
            with ThreadPoolExecutor(max_workers=1) as executor:
                dialect = FerrymanDialect(self.settings, PlatformServices(self.settings.secret_service_url,
                                                                          self.settings.snapshots_service_url))
                pipeline = Pipeline(self.broker, dialect, self.function, {}, self.gatekeeper, executor,
                                    asyncio.get_running_loop())
                for body, headers in deliveries:
                    self.broker.enqueue(body, headers or {}, routing_key="flow-1.step_2.input",
                                        properties=Basic.Properties(headers=headers))
                consuming = asyncio.ensure_future(self.broker.consume(pipeline.deliver))
                await self.broker.join()
                await self.broker.cancel()
                await consuming
        asyncio.run(main())

    def published(self, kind: str) -> list[Outgoing]:
        return [publish for publish in self.broker.published if publish.kind == kind]


def orchestrated(data: Any, **claims: Any) -> tuple[bytes, dict[str, Any]]:
    """An OIH delivery (body bytes, AMQP headers): an input as the orchestrator sends it, with a signed token."""
    body = json.dumps({"attachments": {}, "data": data, "metadata": {}, "passthrough": {}}).encode()
    return body, {"orchestratorToken": sign({**CLAIMS, **claims})}


def describe(msg: dict[str, Any], cfg: dict[str, Any], snapshot: dict[str, Any]) -> dict[str, Any]:
    return {"body": {"msg": msg, "cfg": cfg, "snapshot": snapshot}}


def test_the_function_gets_body_cfg_and_snapshot_and_the_gate_knows_the_send_by_the_token(
        services: Services) -> None:
    run = Run(services, {"describe": describe})
    body, headers = orchestrated({"to": "336"})
    run.send((body, headers))
    out = json.loads(run.published("data")[0].body)["data"]
    token = decode(headers["orchestratorToken"])
    assert out["msg"]["body"] == {"to": "336"}
    assert "data" not in out["msg"]
    assert out["msg"]["id"] == token.message_id
    assert out["cfg"] == {"mode": "a", "nodeSettings": {}, **CREDENTIALS}
    assert out["snapshot"] == {"count": 1}
    [delivery] = run.gatekeeper.deliveries
    assert (delivery.step, delivery.message_id) == ("flow-1/step_2", token.message_id)
    assert run.broker.kinds() == ["data", "state"]
    assert run.broker.settled == {1: "ack"}


def test_a_global_component_keys_each_flow_s_message_apart(services: Services) -> None:
    run = Run(services, {"describe": describe})
    run.send(orchestrated({"to": "336"}), orchestrated({"to": "336"}, flowId="flow-2"))
    assert [delivery.step for delivery in run.gatekeeper.deliveries] == ["flow-1/step_2", "flow-2/step_2"]
    assert len({delivery.message_id for delivery in run.gatekeeper.deliveries}) == 2


@pytest.mark.parametrize(("headers", "reason"), [
    (None, "no AMQP headers"), ({}, "no orchestratorToken"), ({"orchestratorToken": "x.y"}, "not a JWT")])
def test_a_message_without_a_usable_token_is_an_error_and_a_reject(services: Services,
                                                                   headers: dict[str, Any] | None,
                                                                   reason: str) -> None:
    run = Run(services, {"describe": describe})
    run.send((orchestrated({})[0], headers))
    [error] = run.published("error")
    assert reason in json.loads(json.loads(error.body)["error"])["message"]
    assert "orchestratorToken" not in (error.properties.headers or {})
    assert run.broker.kinds() == ["error"]  # no "function complete": the orchestrator could not place it
    assert run.broker.settled == {1: "reject"}
    assert services.requests == []


def test_an_unknown_function_is_an_error_then_function_complete(services: Services) -> None:
    run = Run(services, {"describe": describe})
    run.send(orchestrated({}, function="nope"))
    assert "'nope'" in json.loads(json.loads(run.published("error")[0].body)["error"])["message"]
    assert run.broker.kinds() == ["error", "state"]
    assert run.broker.settled == {1: "reject"}


def test_a_secret_service_that_may_answer_later_rebounds_the_message(services: Services) -> None:
    services.fail_with = [503] * 3
    run = Run(services, {"describe": describe})
    run.send(orchestrated({}))
    [rebound] = run.published("rebound")
    assert (rebound.exchange, rebound.routing_key) == ("node_exchange", "rebound_routing_key")
    assert run.broker.kinds() == ["rebound", "state"]
    assert run.broker.settled == {1: "ack"}


def test_a_missing_secret_is_an_error_nothing_run(services: Services) -> None:
    ran: list[Any] = []
    run = Run(services, {"describe": lambda msg, cfg, snapshot: ran.append(cfg)})
    run.send(orchestrated({}, secretId="no-such-secret"))
    assert "HTTP 404" in json.loads(json.loads(run.published("error")[0].body)["error"])["message"]
    assert ran == []
    assert run.broker.settled == {1: "reject"}


def test_node_settings_this_worker_does_not_implement_are_refused_by_name(services: Services) -> None:
    run = Run(services, {"describe": describe})
    run.send(orchestrated({}, nodeSettings={"applyPolicy": True, "passthrough": True}))
    text = json.loads(json.loads(run.published("error")[0].body)["error"])["message"]
    assert "applyPolicy" in text
    assert "passthrough" not in text


def test_past_the_rebound_limit_an_unthrottled_error_and_an_ack(services: Services) -> None:
    def later(msg: object, cfg: object, snapshot: object) -> None:
        raise Rebound("not yet")

    run = Run(services, {"describe": later})
    body, headers = orchestrated({})
    run.send((body, {**headers, "reboundIteration": 2}))
    [error] = run.published("error over limit")
    assert json.loads(json.loads(error.body)["error"])["message"] == "Rebound limit exceeded"
    assert (error.properties.headers or {})["reboundReason"] == "not yet"
    assert run.broker.kinds() == ["error over limit", "state"]
    assert run.broker.settled == {1: "ack"}


def test_snapshot_events_go_to_the_collector(services: Services) -> None:
    def snapshots(msg: object, cfg: object, snapshot: dict[str, Any]) -> Iterator[Any]:
        yield Event("updateSnapshot", {"count": snapshot["count"] + 1})
        yield {"body": {}}

    run = Run(services, {"describe": snapshots})
    run.send(orchestrated({}))
    [update] = run.published("updateSnapshot")
    assert (update.exchange, json.loads(update.body)) == ("component-events-collector", {"count": 2})
    assert run.broker.kinds() == ["updateSnapshot", "data", "state"]
