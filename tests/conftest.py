"""Shared fixtures: every test starts with a clean AllMySMS environment and fresh connection pools."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from allmysms_component import context

ENV_VARS = ("ALLMYSMS_API_URL", "ALLMYSMS_TRIAL_LOGIN", "ALLMYSMS_TRIAL_API_KEY", "ALLMYSMS_CONNECT_TIMEOUT",
            "ALLMYSMS_READ_TIMEOUT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "LOG_LEVEL")

API_KEY = "k3y-Sup3r-S3cret-0123456789"
TRIAL_API_KEY = "tr1al-S3cret-9876543210"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    yield
    context.use(None)  # back to following the environment, with fresh connection pools


@pytest.fixture
def trial_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLMYSMS_TRIAL_LOGIN", "demo")
    monkeypatch.setenv("ALLMYSMS_TRIAL_API_KEY", TRIAL_API_KEY)
