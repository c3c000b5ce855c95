"""Fixtures of the worker tests: a fresh flow topology per test on the session's broker, the step API, workers,
and the AllMySMS simulator for the Send SMS step.

The broker (``amqp_url``) and the loop that drives it (``amqp_loop``) are session fixtures in tests/conftest.py,
shared with the chaos test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator

from .broker import PrivateBroker, available
from .orchestrator import OihFlow, Services
from .platform import ROOT, Flow, Loop, StepApi, WorkerProcess


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


@pytest.fixture
def simulator() -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator() as sim:
        yield sim


@pytest.fixture
def send_sms(step_api: StepApi, simulator: AllMySmsSimulator,
             start_worker: Callable[..., WorkerProcess]) -> Callable[..., WorkerProcess]:
    """Start a worker running Send SMS against the simulator: ``send_sms(ALLMYSMS_JOURNAL_URL=...)``."""
    step_api.step_data = {"config": {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}}

    def start(ready: bool = True, **env: str) -> WorkerProcess:
        return start_worker(ready, ELASTICIO_COMPONENT_PATH=str(ROOT), ELASTICIO_FUNCTION="sendSMS",
                            ALLMYSMS_API_URL=simulator.url, **env)
    return start


@pytest.fixture
def oih(amqp_url: str, amqp_loop: Loop) -> Iterator[OihFlow]:
    """A two-step flow as the Open Integration Hub declares it, on the session's broker."""
    declared = OihFlow(amqp_loop, amqp_url).declare()
    yield declared
    declared.delete()


@pytest.fixture
def oih_services() -> Iterator[Services]:
    services = Services()
    yield services
    services.close()


@pytest.fixture
def start_oih_step(oih: OihFlow, oih_services: Services, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start a step of the OIH flow: ``start_oih_step("step_2")`` runs this worker with OIH's environment,
    ``start_oih_step("step_1", ferryman=True)`` the real Ferryman on its Node test component."""
    started: list[WorkerProcess] = []

    def start(step: str = "step_2", *, ferryman: bool = False, ready: bool = True, **env: Any) -> WorkerProcess:
        full = oih.env(step, oih_services, **{k: str(v) for k, v in env.items()})
        worker = WorkerProcess(full, tmp_path / f"{step}-{len(started)}.log", ferryman=ferryman)
        started.append(worker)
        if ready:
            worker.wait_for_log("Start listening for messages" if ferryman else "Fully initialized")
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    """A broker of the test's own, that it may stop and start."""
    if not available():
        pytest.fail("rabbitmq-server is not installed: run scripts/test-setup")
    broker = PrivateBroker(tmp_path / "rabbitmq")
    try:
        yield broker.start()
    finally:
        broker.stop()
