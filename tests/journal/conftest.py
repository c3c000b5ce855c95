"""Journal fixtures: a fake clock, journals on either store (the session's Redis: tests/conftest.py)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
import redis

from allmysms_component.journal import Journal, JournalSettings, open_journal

from .helpers import START, FakeClock

SETTLED = START - 30 * 86_400  # the shared store has remembered since long before the tests' clock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own in the session's Redis; its keys are deleted afterwards."""
    prefix = f"test:{secrets.token_hex(6)}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        names = list(client.scan_iter(match=prefix + "*"))
        if names:
            client.delete(*names)
    finally:
        client.close()


JournalFactory = Callable[..., Journal]


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_journal(backend: str, request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[JournalFactory]:
    """Journals on the test's backend, sharing one store per test (as replicas share one Redis)."""
    opened: list[Journal] = []
    url = ""
    prefix = "unused:"
    if backend == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("key_prefix")
    first: list[Journal] = []

    def make(*, send_unproven_redeliveries: bool = False) -> Journal:
        settings = JournalSettings(url=url, send_unproven_redeliveries=send_unproven_redeliveries)
        if backend == "memory" and first:  # memory has one store per process: later journals share the first's
            journal = Journal(first[0].store, policy=first[0].policy, clock=clock)
        else:
            journal = open_journal(settings, clock=clock, prefix=prefix)
            if backend == "redis":
                journal.store.date_markers(SETTLED)  # type: ignore[attr-defined]
            first.append(journal)
        opened.append(journal)
        return journal

    yield make
    for journal in opened:
        journal.close()
