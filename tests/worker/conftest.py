"""Fixtures of the worker tests: a real RabbitMQ for the session, a fresh flow topology per test, the step API.

The broker is the one named by ``ALLMYSMS_TEST_AMQP_URL`` when set, otherwise a private ``rabbitmq-server``
started for the session (tests/worker/broker.py) and stopped at its end.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .broker import PrivateBroker, available
from .platform import Flow, Loop, StepApi, WorkerProcess

AMQP_URL_VARIABLE = "ALLMYSMS_TEST_AMQP_URL"


@pytest.fixture(scope="session")
def amqp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get(AMQP_URL_VARIABLE)
    if url:
        yield url
        return
    if not available():
        pytest.fail(f"rabbitmq-server is not installed: run scripts/test-setup, or set {AMQP_URL_VARIABLE}")
    broker = PrivateBroker(tmp_path_factory.mktemp("rabbitmq"))
    try:
        broker.start()
        yield broker.url
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def amqp_loop() -> Iterator[Loop]:
    loop = Loop()
    yield loop
    loop.close()


@pytest.fixture
def flow(amqp_url: str, amqp_loop: Loop) -> Iterator[Flow]:
    declared = Flow(amqp_loop, amqp_url).declare()
    yield declared
    declared.delete()


@pytest.fixture
def step_api() -> Iterator[StepApi]:
    api = StepApi()
    yield api
    api.close()


@pytest.fixture
def start_worker(flow: Flow, step_api: StepApi, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start ``allmysms-component worker`` on the test flow: ``start_worker(ELASTICIO_FUNCTION="fail")``."""
    started: list[WorkerProcess] = []

    def start(ready: bool = True, **env: Any) -> WorkerProcess:
        full = flow.env(ELASTICIO_API_URI=step_api.url, **{k: str(v) for k, v in env.items()})
        worker = WorkerProcess(full, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker.ready() if ready else worker

    yield start
    for worker in started:
        worker.stop()
