"""Shared fixtures and builders, the one home for both: a clean AllMySMS environment per test, the component's
deployment as an explicit context (and one whose clock a test stops), the one message builder (and its Recipients
form), the mocked AllMySMS API and its canned answers, the simulator with a movable clock, and the session's real
services (RabbitMQ, Redis), started once for the worker, journal and chaos tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import responses
from requests import PreparedRequest
from urllib3.exceptions import MaxRetryError, NewConnectionError

from allmysms_component import context
from allmysms_component.rules.schedule import PARIS
from allmysms_component.sandbox import SANDBOX_ACCOUNT, Account, AllMySmsSimulator
from allmysms_component.settings import Settings

from .services import redis_server, trust_since_long_ago
from .worker.broker import PrivateBroker, available
from .worker.platform import Loop

ENV_VARS = ("ALLMYSMS_API_URL", "ALLMYSMS_TRIAL_LOGIN", "ALLMYSMS_TRIAL_API_KEY", "ALLMYSMS_CONNECT_TIMEOUT",
            "ALLMYSMS_READ_TIMEOUT", "ALLMYSMS_MAX_CONNECTIONS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "LOG_LEVEL")

API_KEY = "k3y-Sup3r-S3cret-0123456789"
TRIAL_API_KEY = "tr1al-S3cret-9876543210"

# The AllMySMS HTTPS API v9, where the component posts by default.
BASE = "https://api.allmysms.com"
SEND = f"{BASE}/http/9.0/sendSms/"
SIMULATE = f"{BASE}/http/9.0/simulateCampaign/"
INFO = f"{BASE}/http/9.0/getInfo/"
ACKS = f"{BASE}/http/9.0/getAcks/"
DELETE = f"{BASE}/http/9.0/deleteCampaign/"

ANSWERS = Path(__file__).parent / "data" / "v9"

CFG = {"login": "me", "apiKey": API_KEY}
SANDBOX_CFG = {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}


def message(numbers: object = "33612345678", text: object = "Hello", *, sender: object = "MyShop",
            message_id: str = "msg-1", body: Mapping[str, Any] | None = None, **fields: object) -> dict[str, Any]:
    """A platform message as the sailor hands it to an action's ``process``: a Send SMS body (``numbers``,
    ``text``, ``sender``, and any other input by its key: ``sendAt=...``, ``messageText=None``), or ``body`` as
    given for the other actions (``message(body={"campaignId": "ap_1"})``)."""
    if body is None:
        body = {"mobileNumbers": numbers, "senderName": sender, "messageText": text, **fields}
    return {"id": message_id, "body": dict(body), "attachments": {}, "headers": {}, "metadata": {}}


def answer(scenario: str) -> dict[str, Any]:
    """The canned AllMySMS answer tests/data/v9/<scenario>.json, a fresh copy the test may change."""
    loaded: dict[str, Any] = json.loads((ANSWERS / f"{scenario}.json").read_text(encoding="utf-8"))
    return loaded


def form_of(request: PreparedRequest) -> dict[str, str]:
    """The form fields a request posted, one value each."""
    body = request.body
    raw = body.decode("utf-8") if isinstance(body, bytes) else str(body)
    return {key: values[0] for key, values in parse_qs(raw).items()}


def form(api: responses.RequestsMock, index: int = 0) -> dict[str, str]:
    """The form fields of the ``index``-th request the client made, as AllMySMS receives them."""
    return form_of(api.calls[index].request)


def sms_data(api: responses.RequestsMock, index: int = 0) -> dict[str, Any]:
    """The ``DATA`` of the ``index``-th request's smsData."""
    data: dict[str, Any] = json.loads(form(api, index)["smsData"])["DATA"]
    return data


def endpoints(api: responses.RequestsMock) -> list[str]:
    """The API calls made, by name (``sendSms``...), in order."""
    return [str(call.request.url).rstrip("/").rsplit("/", 1)[-1] for call in api.calls]


def sent_to_everyone(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
    """A responses callback: send_sent.json fitted to the numbers actually posted (15 credits per SMS)."""
    numbers = [sms["MOBILEPHONE"] for sms in json.loads(form_of(request)["smsData"])["DATA"]["SMS"]]
    sent = answer("send_sent")
    sent.update(creditsUsed=str(15 * len(numbers)), nbContacts=str(len(numbers)), nbSms=str(len(numbers)),
                smsIds=[{"phoneNumber": number, "smsId": str(uuid.uuid4())} for number in numbers])
    return 200, {"Content-Type": "application/json"}, json.dumps(sent)


def refused_connection() -> requests.exceptions.ConnectionError:
    """What requests raises when nothing listens at the API's address: nothing reached AllMySMS."""
    cause = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/http/9.0/sendSms/", cause))  # type: ignore[arg-type]


@contextmanager
def mocked_api() -> Iterator[responses.RequestsMock]:
    """The AllMySMS API as responses mocks it: nothing leaves the process; unmatched requests fail."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with mocked_api() as mock:
        yield mock


def future(**delta: float) -> datetime:
    """An aware time that far from now, to the second."""
    return (datetime.now(timezone.utc) + timedelta(**delta)).replace(microsecond=0)


class Clock:
    """The simulator's clock, moved by tests: scheduled campaigns go out when it reaches their date."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def paris(local: str) -> datetime:
    """An aware time from a Paris wall-clock time, ``2026-12-06T12:00:00``."""
    return datetime.fromisoformat(local).replace(tzinfo=PARIS)


WEEKDAY_MORNING = "2026-12-08T10:00:00"  # a Tuesday in Paris, no holiday: a marketing SMS may go out
SetClock = Callable[[str], context.Context]


@pytest.fixture
def paris_clock(deployment: Deploy) -> SetClock:
    """``paris_clock("2026-12-06T12:00:00")``: the deployment (as the test deployed it) with its clock stopped at
    that Paris time (quiet hours, Send at); it starts at WEEKDAY_MORNING."""

    def stop_at(local: str) -> context.Context:
        ctx = deployment()
        moment = paris(local)
        ctx.clock = lambda: moment
        return ctx

    stop_at(WEEKDAY_MORNING)
    return stop_at


def personal(text: str, *entries: tuple[str, list[Any]], numbers: str | None = None,
             **fields: Any) -> dict[str, Any]:
    """A Send SMS message with a Recipients list: ``personal("Hi #param_1#", ("33612345678", ["Ann"]))``;
    ``numbers``: a Mobile numbers list too."""
    body: dict[str, Any] = {"senderName": "MyShop", "messageText": text,
                            "recipients": [{"mobile": mobile, "values": values} for mobile, values in entries],
                            **fields}
    if numbers is not None:
        body["mobileNumbers"] = numbers
    return message(body=body)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    yield
    context.use(None)  # the next test starts from a context built afresh (default settings)


Deploy = Callable[..., context.Context]


@pytest.fixture
def deployment() -> Iterator[Deploy]:
    """Deploys the component with settings, the way a deployment's ALLMYSMS_* variables would, as an explicit
    context handed in with ``context.use``: ``deployment(api_url=sim.url)`` (Settings fields) or
    ``deployment(Settings.from_env({...}))``; each call adds to what the test deployed before. The contexts are
    closed and the process's context reset after the test."""
    deployed = Settings()
    made: list[context.Context] = []

    def deploy(settings: Settings | None = None, **fields: Any) -> context.Context:
        nonlocal deployed
        deployed = (settings or deployed).replace(**fields)
        made.append(context.Context(deployed))
        context.use(made[-1])
        return made[-1]

    yield deploy
    context.use(None)
    for made_context in made:
        made_context.close()


def fresh_process(script: str, env: Mapping[str, str]) -> Any:
    """The JSON a Python ``script`` prints last, run in a fresh interpreter started with ``env`` (and none of the
    test's own ALLMYSMS_* variables), as the platform starts a step: how a test reaches the context a process
    builds from its environment, without changing this process's."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ALLMYSMS_")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**inherited, **env}, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture
def trial_env(deployment: Deploy) -> None:
    """A deployment with a trial (demo) account."""
    deployment(trial_login="demo", trial_api_key=TRIAL_API_KEY)


@pytest.fixture
def simulator(deployment: Deploy, clock: Clock) -> Iterator[AllMySmsSimulator]:
    """The AllMySMS simulator over real sockets, with the component pointed at it and a movable clock (test
    modules that need other accounts define their own)."""
    with AllMySmsSimulator(accounts=[Account(SANDBOX_ACCOUNT.login, SANDBOX_ACCOUNT.api_key),
                                     Account("trial", "trial-key")],
                           blacklist=["33600000666"], clock=clock,
                           delivery={"33611111111": "delivered", "33622222222": "failed"}) as sim:
        deployment(api_url=sim.url)
        yield sim


AMQP_URL_VARIABLE = "ALLMYSMS_TEST_AMQP_URL"


@pytest.fixture(scope="session")
def amqp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The broker named by ALLMYSMS_TEST_AMQP_URL, or a private rabbitmq-server for the session."""
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


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Redis named by ALLMYSMS_TEST_REDIS_URL, or a private redis-server for the session, whose journal
    markers say it has lost nothing for a month (as for a new deployment's Redis: docs/journal.md,
    "Running the Redis")."""
    with redis_server(Path(tmp_path_factory.mktemp("redis"))) as url:
        trust_since_long_ago(url)
        yield url
