"""The API client's connection pool follows the process's concurrency (the worker's prefetch); an explicit
ALLMYSMS_MAX_CONNECTIONS wins."""

from __future__ import annotations

import pytest

from allmysms_component.context import Context
from allmysms_component.settings import DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS, Settings


def pool_size(context: Context) -> int:
    """How many connections the context's client keeps at most, as urllib3's pool manager was told."""
    adapter = context.client.transport.session.get_adapter("https://api.allmysms.com/")
    size: int = adapter.poolmanager.connection_pool_kw["maxsize"]  # type: ignore[attr-defined]
    return size


@pytest.mark.parametrize(("concurrency", "expected"), [(1, DEFAULT_MAX_CONNECTIONS), (10, DEFAULT_MAX_CONNECTIONS),
                                                       (50, 50), (5000, MAX_CONNECTIONS)])
def test_by_default_the_pool_holds_every_send_in_flight(concurrency: int, expected: int) -> None:
    context = Context(Settings.from_env({}), concurrency=concurrency)
    assert pool_size(context) == expected


@pytest.mark.parametrize("raw", ["8", "16", "64"])
def test_an_explicit_setting_wins_over_the_concurrency(raw: str) -> None:
    context = Context(Settings.from_env({"ALLMYSMS_MAX_CONNECTIONS": raw}), concurrency=50)
    assert pool_size(context) == int(raw)
