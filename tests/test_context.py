"""The process's context: built once from the environment on first use and kept (the platform's path), or
handed in (the command line, tests, an embedding application)."""

from __future__ import annotations

from allmysms_component import context
from allmysms_component.settings import Settings, Timeouts

from .conftest import TRIAL_API_KEY, fresh_process

# Run in a process started with a deployment's variables: the settings the context was built with, then the
# same after the environment changed (as a setting changed under a running step would).
BUILT_ONCE = """
import json, os
from allmysms_component import context
first = context.current()
seen = [first.settings.api_url, first.settings.timeouts.read, first.settings.trial_login]
os.environ.update(ALLMYSMS_API_URL="https://other.example", ALLMYSMS_READ_TIMEOUT="7")
again = context.current()
print(json.dumps({"seen": seen, "same": again is first, "then": again.settings.api_url}))
"""

# Two messages in a process whose API URL is refused: each fails with the variable named, nothing is sent.
REFUSED = """
import json, responses
from allmysms_component.actions.check_credits import process
from allmysms_component.errors import ConfigurationError
said = []
with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
    for _ in range(2):
        try:
            process({"body": {}}, {"login": "me", "apiKey": "k"})
        except ConfigurationError as exc:
            said.append(str(exc))
print(json.dumps({"said": said, "calls": len(api.calls)}))
"""


def test_a_process_builds_its_context_from_the_environment_once() -> None:
    result = fresh_process(BUILT_ONCE, {"ALLMYSMS_API_URL": "http://127.0.0.1:8099/",
                                        "ALLMYSMS_READ_TIMEOUT": "12", "ALLMYSMS_TRIAL_LOGIN": "demo",
                                        "ALLMYSMS_TRIAL_API_KEY": TRIAL_API_KEY})
    assert result["seen"] == ["http://127.0.0.1:8099", 12.0, "demo"]
    assert result["same"] is True
    assert result["then"] == "http://127.0.0.1:8099"  # the environment is not read again


def test_a_refused_setting_fails_every_message_and_sends_nothing() -> None:
    result = fresh_process(REFUSED, {"ALLMYSMS_API_URL": "http://api.allmysms.com"})
    assert len(result["said"]) == 2
    assert all("ALLMYSMS_API_URL" in said and "nothing was sent" in said for said in result["said"])
    assert result["calls"] == 0


def test_a_context_handed_in_is_the_one_every_message_gets() -> None:
    handed = context.Context(Settings(api_url="https://sandbox.example"))
    context.use(handed)
    assert context.current() is handed
    assert context.current().client is context.current().client


def test_using_a_context_for_a_block_gives_back_the_one_before() -> None:
    outer = context.Context(Settings(timeouts=Timeouts(read=9)))
    inner = context.Context(Settings(api_url="https://sandbox.example"))
    context.use(outer)
    with context.using(inner) as used:
        assert used is inner
        assert context.current() is inner
    assert context.current() is outer


def test_using_a_context_keeps_the_one_built_from_the_environment_for_after() -> None:
    built = context.current()
    with context.using(context.Context()):
        assert context.current() is not built
    assert context.current() is built


def test_after_use_none_the_next_message_builds_a_fresh_context() -> None:
    built = context.current()
    context.use(None)
    assert context.current() is not built


def test_a_context_from_an_environment_mapping_parses_it_as_a_deployment_would() -> None:
    made = context.from_env({"ALLMYSMS_API_URL": " https://sandbox.example/ ", "ALLMYSMS_MAX_CONNECTIONS": "4"})
    assert (made.settings.api_url, made.settings.max_connections) == ("https://sandbox.example", 4)
