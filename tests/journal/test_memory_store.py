"""The in-memory store: compare-and-set, entries that expire, and a bound on the memory it takes."""

from __future__ import annotations

import pytest

from allmysms_component.journal import (
    Decision,
    Doubt,
    Journal,
    JournalGate,
    JournalSettings,
    Policy,
    SendInDoubtError,
    open_journal,
)
from allmysms_component.journal.memory_archive import DICT_ENTRY_BYTES, IN_DOUBT, SENT, SLICE, Archive
from allmysms_component.journal.memory_store import ENTRY_OVERHEAD, MemoryStore

from .helpers import FakeClock, delivery, output

TTL = 3600.0


def store(clock: FakeClock, limit_bytes: int = 1 << 20) -> MemoryStore:
    return MemoryStore(ttl=TTL, limit_bytes=limit_bytes, clock=clock)


def test_compare_and_set_writes_only_over_what_was_expected(clock: FakeClock) -> None:
    entries = store(clock)
    assert entries.compare_and_set("k", None, b"one")
    assert not entries.compare_and_set("k", None, b"two")
    assert not entries.compare_and_set("k", b"other", b"two")
    assert entries.compare_and_set("k", b"one", b"two")
    assert entries.get("k") == b"two"
    assert entries.compare_and_set("k", b"two", None)
    assert entries.get("k") is None
    assert entries.size_bytes == 0


def test_an_entry_expires_its_ttl_after_its_last_write(clock: FakeClock) -> None:
    entries = store(clock)
    entries.compare_and_set("k", None, b"one")
    clock.advance(TTL - 1)
    entries.compare_and_set("k", b"one", b"two")  # the write starts its time to live again
    clock.advance(TTL - 1)
    assert entries.get("k") == b"two"
    clock.advance(1)
    assert entries.get("k") is None
    assert entries.compare_and_set("k", None, b"three")  # an expired entry is an absent one


def test_expired_entries_free_their_memory(clock: FakeClock) -> None:
    entries = store(clock)
    for i in range(100):
        entries.compare_and_set(f"k{i}", None, b"x" * 100)
    clock.advance(TTL)
    entries.compare_and_set("fresh", None, b"y")
    assert list(entries.dump()) == ["fresh"]
    assert entries.size_bytes == len("fresh") + 1 + ENTRY_OVERHEAD


def test_past_its_limit_the_store_forgets_the_oldest_entries_first(clock: FakeClock) -> None:
    one_entry = len("k00") + 1000 + ENTRY_OVERHEAD
    entries = store(clock, limit_bytes=10 * one_entry)
    for i in range(25):
        clock.advance(1)
        entries.compare_and_set(f"k{i:02}", None, b"x" * 1000)
        assert entries.size_bytes <= 10 * one_entry
    assert sorted(entries.dump()) == [f"k{i:02}" for i in range(15, 25)]


def test_an_entry_larger_than_the_limit_is_still_kept_while_it_is_the_newest(clock: FakeClock) -> None:
    entries = store(clock, limit_bytes=100)
    entries.compare_and_set("small", None, b"x")
    entries.compare_and_set("big", None, b"x" * 1000)
    assert list(entries.dump()) == ["big"]


def test_a_journal_in_bounded_memory_keeps_the_messages_in_flight(clock: FakeClock) -> None:
    journal = open_journal(JournalSettings(memory_limit_bytes=64 * 1024), clock=clock)
    for i in range(2000):  # far more sent messages than the memory holds
        key = delivery(message_id=f"sent-{i}")
        attempt = journal.begin(key, redelivered=False).attempt
        assert attempt is not None
        journal.complete(key, attempt, [output()])
    in_flight = journal.begin(delivery(message_id="in-flight"), redelivered=False)
    assert in_flight.decision is Decision.SEND
    assert journal.begin(delivery(message_id="sent-1999"), redelivered=True).decision is Decision.REPLAY
    assert journal.begin(delivery(message_id="in-flight"), redelivered=True).decision is not Decision.SEND
    # the oldest were forgotten: their redeliveries cannot be proven unsent, so they do not send either
    assert journal.begin(delivery(message_id="sent-0"), redelivered=True).decision is Decision.MAY_HAVE_BEEN_SENT


def test_the_memory_journal_is_not_shared() -> None:
    journal = open_journal(JournalSettings())
    assert isinstance(journal, Journal)
    assert journal.policy == Policy(shared=False)
    assert journal.where == "in memory"


# --- the archive: old entries, 8 bytes each -----------------------------------------------------------------------

def test_an_entry_pushed_out_of_the_recent_part_is_still_known_by_its_state(clock: FakeClock) -> None:
    journal = open_journal(JournalSettings(memory_limit_bytes=1024 * 1024), clock=clock)
    sent = delivery(message_id="sent-long-ago")
    attempt = journal.begin(sent, redelivered=False).attempt
    assert attempt is not None
    journal.complete(sent, attempt, [output()])
    doubted = delivery(message_id="doubted-long-ago")
    attempt = journal.begin(doubted, redelivered=False).attempt
    assert attempt is not None
    journal.doubt(doubted, attempt)
    for i in range(3000):  # far more than the recent part (256 KiB) holds whole
        clock.advance(1)
        key = delivery(message_id=f"later-{i}")
        later = journal.begin(key, redelivered=False).attempt
        assert later is not None
        journal.complete(key, later, [output()])
    store = journal.store
    assert isinstance(store, MemoryStore)
    assert store.archive is not None
    assert sent.name not in store.dump()
    verdict = journal.begin(sent, redelivered=True)
    assert (verdict.decision, verdict.doubt) == (Decision.MAY_HAVE_BEEN_SENT, Doubt.OUTPUT_FORGOTTEN)
    with pytest.raises(SendInDoubtError, match=r"recorded it as sent .* no longer keeps its output"):
        JournalGate(journal, sent, redelivered=True).before_send()
    assert journal.begin(doubted, redelivered=True).doubt is Doubt.EARLIER_DOUBT
    assert store.size_bytes <= 1024 * 1024


def test_the_archive_costs_8_bytes_an_entry_once_its_hour_is_closed() -> None:
    archive = Archive(ttl=86_400, limit_bytes=64 * 1024 * 1024)
    for hour in range(3):
        for i in range(20_000):
            archive.add(f"flow/step:msg-{hour}-{i}:digest", SENT, hour * SLICE + i * 0.1)
    archive.add("flow/step:the-next-hour", SENT, 3 * SLICE)  # closes the third hour
    assert archive.count == 60_001
    assert archive.size_bytes == 60_000 * 8 + DICT_ENTRY_BYTES
    assert archive.find("flow/step:msg-0-17:digest", 3 * SLICE) == (SENT, 0.0)
    assert archive.find("flow/step:msg-2-19999:digest", 3 * SLICE) == (SENT, 2 * SLICE)
    assert archive.find("flow/step:never-seen", 3 * SLICE) is None
    # an hour is forgotten once the TTL has passed since its end, and the oldest first past the byte budget
    assert archive.find("flow/step:msg-0-17:digest", SLICE + 86_400 + 1) is None
    small = Archive(ttl=86_400, limit_bytes=20_000 * 8 + 1000)
    for hour in range(3):
        for i in range(20_000):
            small.add(f"m-{hour}-{i}", IN_DOUBT, hour * SLICE)
    small.add("closing", SENT, 3 * SLICE)
    assert small.find("m-0-1", 3 * SLICE) is None
    assert small.find("m-2-19999", 3 * SLICE) == (IN_DOUBT, 2 * SLICE)


def test_a_busy_hour_is_closed_early_so_the_archive_stays_in_its_budget() -> None:
    archive = Archive(ttl=86_400, limit_bytes=400_000)
    for i in range(50_000):  # 14 a second for an hour: 5 MB as a dict, 400 kB as closed arrays
        archive.add(f"busy-{i}", SENT, i * 0.072)
        assert archive.size_bytes <= 400_000
    found = archive.find("busy-49999", 3600)
    assert found is not None
    assert found[0] == SENT
    assert archive.find("busy-0", 3600) is None  # the oldest went first
