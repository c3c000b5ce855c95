"""``allmysms-component service verifyCredentials`` against a local result endpoint and the simulator."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator

from .platform import ROOT, StepApi


@pytest.fixture
def simulator() -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator() as sim:
        yield sim


def run_service(env: dict[str, str], method: str = "verifyCredentials") -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("ELASTICIO_", "ALLMYSMS_"))}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "allmysms_component", "service", method], env=full, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def posted(api: StepApi) -> list[dict[str, object]]:
    return [json.loads(body) for method, _, _, body in api.requests if method == "POST"]


@pytest.mark.parametrize(("cfg", "expected"), [
    ({"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}, True),
    ({"login": SANDBOX_ACCOUNT.login, "apiKey": "wrong-S3cret-key"}, False),
])
def test_the_check_is_posted_once_with_basic_auth_from_the_url(step_api: StepApi, simulator: AllMySmsSimulator,
                                                               cfg: dict[str, str], expected: bool) -> None:
    url = step_api.url.replace("http://", "http://task-user:s%40cret@") + "/callback/42"
    done = run_service({"ELASTICIO_POST_RESULT_URL": url, "ELASTICIO_CFG": json.dumps(cfg),
                        "ALLMYSMS_API_URL": simulator.url})
    assert done.returncode == 0, done.stdout
    [answer] = posted(step_api)
    assert answer["status"] == "success"
    assert answer["data"]["verified"] is expected  # type: ignore[index]
    _, path, headers, _ = step_api.requests[0]
    assert path == "/callback/42"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"task-user:s@cret").decode()
    for secret in (cfg["apiKey"], "s@cret", "s%40cret"):
        assert secret not in done.stdout + done.stderr
    assert all(json.loads(line)["level"] for line in done.stdout.splitlines())


def test_a_cfg_that_is_not_json_posts_an_error(step_api: StepApi) -> None:
    done = run_service({"ELASTICIO_POST_RESULT_URL": step_api.url, "ELASTICIO_CFG": "{not json"})
    assert done.returncode == 0
    assert posted(step_api) == [{"status": "error", "data": {"message": "Unable to parse CFG"}}]


def test_an_unknown_method_posts_an_error(step_api: StepApi) -> None:
    done = run_service({"ELASTICIO_POST_RESULT_URL": step_api.url, "ELASTICIO_CFG": "{}"}, "getMetaModel")
    assert done.returncode == 0
    assert posted(step_api)[0]["status"] == "error"


def test_without_a_result_url_it_exits_1_and_posts_nothing(step_api: StepApi) -> None:
    done = run_service({"ELASTICIO_CFG": "{}"})
    assert done.returncode == 1
    assert step_api.requests == []


@pytest.mark.parametrize(("status", "tries", "code"), [(500, 3, 1), (404, 1, 1), (201, 1, 1)])
def test_only_http_200_is_success_and_5xx_is_retried(step_api: StepApi, status: int, tries: int, code: int) -> None:
    step_api.status = status
    done = run_service({"ELASTICIO_POST_RESULT_URL": step_api.url, "ELASTICIO_CFG": "{}",
                        "ELASTICIO_API_REQUEST_RETRY_DELAY": "1"})
    assert done.returncode == code
    assert len(posted(step_api)) == tries


def test_a_redirect_from_the_result_url_is_not_followed_and_is_not_success(step_api: StepApi) -> None:
    step_api.status, step_api.location = 302, step_api.url + "/elsewhere"
    done = run_service({"ELASTICIO_POST_RESULT_URL": step_api.url + "/result", "ELASTICIO_CFG": "{}"})
    assert done.returncode == 1
    assert [(method, path) for method, path, _, _ in step_api.requests] == [("POST", "/result")]
    assert "Result posted" not in done.stdout
    assert "HTTP 302" in done.stdout


def test_a_cfg_nested_too_deeply_posts_an_error_not_a_traceback(step_api: StepApi) -> None:
    done = run_service({"ELASTICIO_POST_RESULT_URL": step_api.url, "ELASTICIO_CFG": "[" * 5000 + "]" * 5000})
    assert done.returncode == 0
    assert posted(step_api) == [{"status": "error", "data": {"message": "Unable to parse CFG"}}]
    assert "Traceback" not in done.stdout + done.stderr


def test_a_refused_retry_setting_posts_an_error_naming_it(step_api: StepApi) -> None:
    done = run_service({"ELASTICIO_POST_RESULT_URL": step_api.url, "ELASTICIO_CFG": "{}",
                        "ELASTICIO_API_REQUEST_RETRY_DELAY": "-100"})
    assert done.returncode == 0
    [answer] = posted(step_api)
    assert answer["status"] == "error"
    assert "ELASTICIO_API_REQUEST_RETRY_DELAY" in answer["data"]["message"]  # type: ignore[index]
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("url", ["http://[::1", "http://user:pa#ss@127.0.0.1:1/x", "not a url"])
def test_an_unreadable_result_url_is_one_fatal_line_that_never_quotes_it(url: str) -> None:
    done = run_service({"ELASTICIO_POST_RESULT_URL": url, "ELASTICIO_CFG": "{}"})
    assert done.returncode == 1
    [line] = [json.loads(line) for line in done.stdout.splitlines()]
    assert "ELASTICIO_POST_RESULT_URL cannot be read" in line["msg"]
    assert "pa#ss" not in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
