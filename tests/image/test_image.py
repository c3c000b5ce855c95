"""The container image, built from the repository's Dockerfile and run as the platforms run it, each run under
``--memory 256m`` (OIH's default limit): its version, the credentials check (``serve.sh verifyCredentials``), and
the step taking a message and stopping cleanly, started as each platform starts it.

A platform is a ``Step`` in ``STEPS``: how it starts the container (its command, its environment), how a message
reaches the step and how its output comes back. Adding a platform is adding one there.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pytest

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator

from ..worker.platform import Flow, StepApi
from .build import FIGURES, ROOT, Timer, component_version
from .podman import Podman

MEMORY = ["--memory=256m"]
START = 180.0  # s: the longest a container may take to be ready on a loaded 2-core machine (a bound, not a wait)
OUTPUT = 120.0  # s: the longest a message may take through the step
STOP = 60.0  # s: podman stop's grace before SIGKILL
BODY = {"mobileNumbers": "+33 6 12 34 56 78, 0698765432", "senderName": "MyShop", "messageText": "Hello"}
CREDENTIALS = {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}


class Step(Protocol):
    """A platform's way of running the step's container and talking to it. Each class also has a classmethod
    ``open(request)``, a context manager that sets up the platform's side (broker topology, its HTTP services)
    from the fixtures it needs and yields the step."""

    command: ClassVar[tuple[str, ...]]  # the container's command; () runs the image's own CMD
    entrypoint: ClassVar[str | None]  # replaces the image's ENTRYPOINT (tini); None keeps it
    ready_log: ClassVar[str]  # a fragment of the log line that says the step consumes

    def env(self, api_url: str) -> dict[str, str]: ...
    def send(self, body: Mapping[str, Any], message_id: str) -> None: ...
    def output(self, timeout: float) -> dict[str, Any]: ...
    def leftovers(self) -> dict[str, int]: ...


class ElasticIoStep:
    """elastic.io: the command ``sail.sh``, the sailor's ``ELASTICIO_*`` environment, the step's configuration from
    the platform API's step data, encrypted messages through the flow's exchange."""

    command: ClassVar[tuple[str, ...]] = ("sail.sh",)
    entrypoint: ClassVar[str | None] = None
    ready_log = "Fully initialized and waiting for messages"

    def __init__(self, flow: Flow, step_api: StepApi) -> None:
        self.flow = flow
        self.step_api = step_api

    @classmethod
    @contextmanager
    def open(cls, request: pytest.FixtureRequest) -> Iterator[ElasticIoStep]:
        flow = Flow(request.getfixturevalue("amqp_loop"), request.getfixturevalue("amqp_url")).declare()
        step_api = StepApi({"config": CREDENTIALS, "snapshot": {}, "is_passthrough": False})
        try:
            yield cls(flow, step_api)
        finally:
            step_api.close()
            flow.delete()

    def env(self, api_url: str) -> dict[str, str]:
        env = self.flow.env(ELASTICIO_FUNCTION="sendSMS", ELASTICIO_API_URI=self.step_api.url,
                            ALLMYSMS_API_URL=api_url)
        del env["ELASTICIO_COMPONENT_PATH"]  # the image's working folder holds component.json
        return env

    def send(self, body: Mapping[str, Any], message_id: str) -> None:
        self.flow.publish({"id": message_id, "body": dict(body), "headers": {}})

    def output(self, timeout: float) -> dict[str, Any]:
        out: dict[str, Any] = self.flow.get("message", timeout).decrypted()["body"]
        return out

    def leftovers(self) -> dict[str, int]:
        return {kind: self.flow.count(kind) for kind in ("input", "error", "dead")}


class KubernetesCommandStep(ElasticIoStep):
    """elastic.io's step where the platform's command replaces the entrypoint (a Kubernetes ``command:``): no
    tini, the worker is PID 1 and must still stop cleanly on SIGTERM."""

    command = ()
    entrypoint = "sail.sh"


# The Open Integration Hub joins here as pytest.param(OihStep, id="oih"): a Step with command = () (OIH starts the
# image's own CMD), entrypoint = None, and OIH's environment, every variable prefixed ELASTICIO_.
STEPS = [pytest.param(ElasticIoStep, id="elastic.io"), pytest.param(KubernetesCommandStep, id="command")]


@pytest.fixture(params=STEPS)
def step(request: pytest.FixtureRequest) -> Iterator[Step]:
    with request.param.open(request) as opened:
        yield opened


@pytest.fixture
def simulator() -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator() as sim:
        yield sim


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    done = subprocess.run([str(hadolint), str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_says_its_version(podman: Podman, image: str) -> None:
    done = podman.run(image, ["allmysms-component", "--version"], options=MEMORY)
    assert (done.returncode, done.stdout) == (0, f"allmysms-component {component_version()}\n"), done.stderr


def test_the_image_is_what_the_platforms_expect(podman: Podman, image: str) -> None:
    [config] = json.loads(podman("image", "inspect", image).stdout)
    settings = config["Config"]
    assert settings["Entrypoint"] == ["/usr/bin/tini", "-e", "143", "--"]
    assert settings["Cmd"] == ["sail.sh"]
    assert settings["User"] == "10001:10001"
    assert settings["WorkingDir"] == "/app"
    assert settings["Labels"]["org.opencontainers.image.version"] == component_version()
    facts = podman.run(image, ["sh", "-c", "id -u; echo $(ls -A); python -m pip --version 2>&1; "
                                           "find / -xdev -name send_sms.py -not -path '/opt/venv/lib/*'"],
                       options=MEMORY)
    uid, listing, *rest = facts.stdout.splitlines()
    assert uid == "10001"
    assert listing.split() == ["component.json", "logo.png", "sail.sh", "serve.sh"]
    assert rest == ["/opt/venv/bin/python: No module named pip"]  # and no source outside the venv


def test_serve_sh_verify_credentials_posts_its_result(podman: Podman, image: str,
                                                      simulator: AllMySmsSimulator) -> None:
    platform = StepApi()
    try:
        url = platform.url.replace("http://", "http://task-user:s%40cret@") + "/callback/7"
        done = podman.run(image, ["serve.sh", "verifyCredentials"], options=MEMORY, env={
            "ELASTICIO_POST_RESULT_URL": url, "ELASTICIO_CFG": json.dumps(CREDENTIALS),
            "ALLMYSMS_API_URL": simulator.url})
    finally:
        platform.close()
    assert done.returncode == 0, done.stdout + done.stderr
    [(method, path, headers, body)] = platform.requests
    assert (method, path) == ("POST", "/callback/7")
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"task-user:s@cret").decode()
    answer = json.loads(body)
    assert (answer["status"], answer["data"]["verified"]) == ("success", True)
    assert SANDBOX_ACCOUNT.api_key not in done.stdout + done.stderr


def test_the_step_takes_a_message_publishes_its_output_and_stops_cleanly(
        podman: Podman, image: str, step: Step, simulator: AllMySmsSimulator,
        request: pytest.FixtureRequest) -> None:
    with Timer(f"step {request.node.callspec.id}"):  # the container is removed with the session's podman state
        entrypoint = [f"--entrypoint={step.entrypoint}"] if step.entrypoint else []
        container = podman.start(image, step.command, env=step.env(simulator.url), options=[*MEMORY, *entrypoint])
        container.wait_for_log(step.ready_log, START)
        step.send(BODY, "image-msg-1")
        out = step.output(OUTPUT)
        assert out["recipients"] == ["33612345678", "0698765432"]
        assert out["status"] == 100
        assert [sms.phone_number for sms in simulator.received] == ["33612345678", "33698765432"]
        assert {sms.cli_msg_id for sms in simulator.received} == {out["cliMsgId"]}
        peak = container.memory_peak()
        if peak is not None:
            FIGURES[f"peak memory {request.node.callspec.id}"] = f"{peak / 2**20:.0f} MiB"
        assert container.stop(STOP) == 0, container.logs()
    assert step.leftovers() == {"input": 0, "error": 0, "dead": 0}
    assert SANDBOX_ACCOUNT.api_key not in container.logs()
