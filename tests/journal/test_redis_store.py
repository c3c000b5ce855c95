"""The Redis store against a real Redis: atomic across processes, entries that expire, and a journal out of reach."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import redis

from allmysms_component.errors import Rebound
from allmysms_component.journal import (
    Decision,
    Doubt,
    JournalGate,
    JournalSettings,
    JournalUnavailableError,
    SendInDoubtError,
    open_journal,
)
from allmysms_component.journal.redis_store import RedisStore
from tests.services import free_port, private_redis

from . import racers
from .helpers import delivery, output

TTL = 7200.0


def test_compare_and_set_writes_only_over_what_was_expected(redis_url: str, key_prefix: str) -> None:
    store = RedisStore(redis_url, ttl=TTL, prefix=key_prefix)
    try:
        assert store.compare_and_set("k", None, b"one")
        assert not store.compare_and_set("k", None, b"two")
        assert not store.compare_and_set("k", b"other", b"two")
        assert store.compare_and_set("k", b"one", b"\x00two\xff")  # bytes as they are
        assert store.get("k") == b"\x00two\xff"
        assert store.compare_and_set("k", b"\x00two\xff", None)
        assert store.get("k") is None
    finally:
        store.close()


def test_every_write_sets_the_time_to_live(redis_url: str, key_prefix: str) -> None:
    journal = open_journal(JournalSettings(url=redis_url, ttl=TTL), prefix=key_prefix)
    client = redis.Redis.from_url(redis_url)
    try:
        attempt = journal.begin(delivery(), redelivered=False).attempt
        assert attempt is not None
        entry = journal.store.key_of(delivery().name)  # type: ignore[attr-defined]
        assert 0 < client.pttl(entry) <= TTL * 1000
        client.persist(entry)
        journal.complete(delivery(), attempt, [output()])
        assert 0 < client.pttl(entry) <= TTL * 1000
    finally:
        client.close()
        journal.close()


def test_entries_live_under_the_journal_prefix_with_a_readable_name(redis_url: str) -> None:
    journal = open_journal(JournalSettings(url=redis_url))
    client = redis.Redis.from_url(redis_url)
    key = delivery(message_id="3f1c-42-journal-name-test")
    try:
        journal.begin(key, redelivered=False)
        found = list(client.scan_iter(match="allmysms:journal:v2:{b??}:flow-1/step_2:3f1c-42-journal-name-test:*"))
        assert found == [journal.store.key_of(key.name).encode()]  # type: ignore[attr-defined]
        assert found[0].decode().endswith(f":{key.content}")
    finally:
        client.delete(journal.store.key_of(key.name))  # type: ignore[attr-defined]
        client.close()
        journal.close()


def test_replicas_in_separate_processes_send_each_message_exactly_once(redis_url: str, key_prefix: str) -> None:
    replicas, messages = 3, [f"race-{i}" for i in range(300)]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(replicas, mp_context=context) as pool:
        barrier = manager.Barrier(replicas)
        runs = [pool.submit(racers.race, redis_url, key_prefix, messages, barrier) for _ in range(replicas)]
        results = [run.result(timeout=120) for run in runs]
    sends = Counter(m for result in results for m, decision in result if decision == Decision.SEND.value)
    assert sends == dict.fromkeys(messages, 1)
    assert sum(len(result) for result in results) == replicas * len(messages)


# --- out of reach ----------------------------------------------------------------------------------------------

def nobody_listens() -> str:
    return f"redis://:pa55-w0rd@127.0.0.1:{free_port()}/0"


def test_an_unreachable_journal_is_a_rebound_and_nothing_is_sent() -> None:
    journal = open_journal(JournalSettings(url=nobody_listens()))
    gate = JournalGate(journal, delivery(), redelivered=False)
    with pytest.raises(JournalUnavailableError, match=r"nothing was sent") as caught:
        gate.before_send()
    assert isinstance(caught.value, Rebound)
    assert caught.value.may_have_been_sent is False
    assert "pa55-w0rd" not in str(caught.value)
    assert "redis://:******@127.0.0.1" in str(caught.value)
    assert not gate.sending
    journal.close()


def test_a_journal_lost_after_the_send_still_lets_the_output_out(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    with private_redis(tmp_path) as url:
        journal = open_journal(JournalSettings(url=url))
        gate = JournalGate(journal, delivery(), redelivered=False)
        assert gate.before_send() is None
    # the Redis is gone now; the SMS was sent: its output must still be published
    gate.after_send([output()])
    assert "was sent but the send journal could not record it" in caplog.text
    assert not gate.sending
    journal.close()


def test_the_password_never_shows_in_the_journal_description() -> None:
    journal = open_journal(JournalSettings(url="redis://user:pa55-w0rd@127.0.0.1:1/0"))
    assert journal.where == "redis://user:******@127.0.0.1:1/0"
    assert "pa55" not in repr(JournalSettings(url="redis://user:pa55-w0rd@127.0.0.1:1/0"))
    journal.close()


def test_a_redelivery_that_cannot_reach_the_journal_ends_in_doubt_instead_of_rebounding() -> None:
    journal = open_journal(JournalSettings(url=nobody_listens()))
    gate = JournalGate(journal, delivery(), redelivered=True)
    # a rebound would come back without the redelivered mark and be taken for a first delivery
    with pytest.raises(SendInDoubtError, match="redelivered it while the send journal could not be reached") as caught:
        gate.before_send()
    assert caught.value.reason is Doubt.UNREACHABLE
    assert "pa55-w0rd" not in str(caught.value)
    assert not gate.sending
    journal.close()
