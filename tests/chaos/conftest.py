"""The chaos tests' fixtures: a flow on the session's RabbitMQ, the step's API, the simulator, worker replicas."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from allmysms_component.sandbox import Account, AllMySmsSimulator
from tests.worker.conftest import flow  # noqa: F401 - the worker tests' fixture: a flow on the session's RabbitMQ
from tests.worker.platform import StepApi

from .harness import Replicas

REPLICAS = 3
ACCOUNT = Account("chaos", "chaos-S3cret-key", credits=10**9)


@pytest.fixture
def step_api() -> Iterator[StepApi]:
    api = StepApi({"config": {"login": ACCOUNT.login, "apiKey": ACCOUNT.api_key}, "snapshot": {}})
    yield api
    api.close()


@pytest.fixture
def simulator() -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator([ACCOUNT]) as sim:
        yield sim


@pytest.fixture
def start_replicas(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Replicas]]:
    started: list[Replicas] = []

    def start(env: dict[str, str]) -> Replicas:
        started.append(Replicas(env, tmp_path, REPLICAS))
        return started[-1]

    yield start
    for replicas in started:
        replicas.close()
