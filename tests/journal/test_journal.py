"""The journal over its real stores (this process's memory, and a real Redis): the life of a message's send."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from allmysms_component.journal import Decision, Doubt, Journal, JournalUnavailableError, Policy, SendKey
from allmysms_component.journal.decisions import Entry, State
from allmysms_component.journal.memory_store import MemoryStore
from allmysms_component.journal.store import Written

from .conftest import JournalFactory
from .helpers import FakeClock, delivery, output


def stored_state(make_journal: JournalFactory, key: SendKey) -> State | None:
    raw = make_journal().store.get(key.name)
    return None if raw is None else Entry.decode(raw).state


def test_the_first_delivery_sends_and_the_entry_says_sending_before_the_request(make_journal: JournalFactory) -> None:
    journal = make_journal()
    verdict = journal.begin(delivery(), redelivered=False)
    assert verdict.decision is Decision.SEND
    assert stored_state(make_journal, delivery()) is State.SENDING


def test_a_sent_message_replays_its_outputs_with_their_ids_on_any_replica(make_journal: JournalFactory) -> None:
    first, other = make_journal(), make_journal()
    attempt = first.begin(delivery(), redelivered=False).attempt
    assert attempt is not None
    assert first.complete(delivery(), attempt, [output(output_id="out-7")], withheld=["text"])

    for redelivered in (True, False):
        verdict = other.begin(delivery(), redelivered=redelivered)
        assert verdict.decision is Decision.REPLAY
        assert [o["id"] for o in verdict.outputs] == ["out-7"]
        assert verdict.outputs[0]["body"]["recipients"] == ["33612345678"]
        assert verdict.outputs[0]["body"]["text"] is None  # withheld: the gate puts it back
        assert verdict.withheld == ("text",)


def test_a_released_message_sends_again_when_it_comes_back(make_journal: JournalFactory) -> None:
    journal = make_journal()
    attempt = journal.begin(delivery(), redelivered=False).attempt
    assert attempt is not None
    assert journal.release(delivery(), attempt)
    assert stored_state(make_journal, delivery()) is None
    assert journal.begin(delivery(), redelivered=False).decision is Decision.SEND  # a rebound is a new publish


def test_a_redelivery_without_an_entry(make_journal: JournalFactory, backend: str) -> None:
    verdict = make_journal().begin(delivery(), redelivered=True)
    if backend == "redis":  # every send writes its entry first: no entry in the shared journal, never begun
        assert verdict.decision is Decision.SEND
    else:  # another process may have sent it: this memory cannot tell
        assert (verdict.decision, verdict.doubt) == (Decision.MAY_HAVE_BEEN_SENT, Doubt.UNPROVEN)


def test_the_setting_sends_unproven_redeliveries_from_memory(make_journal: JournalFactory) -> None:
    assert make_journal(send_unproven_redeliveries=True).begin(delivery(), redelivered=True).decision \
        is Decision.SEND


def test_an_interrupted_send_is_in_doubt_then_a_persons_resend_sends(make_journal: JournalFactory,
                                                                     clock: FakeClock) -> None:
    dead, survivor = make_journal(), make_journal()
    assert dead.begin(delivery(), redelivered=False).decision is Decision.SEND  # ... and its process dies

    verdict = survivor.begin(delivery(), redelivered=True)
    assert (verdict.decision, verdict.doubt) == (Decision.MAY_HAVE_BEEN_SENT, Doubt.INTERRUPTED)
    assert stored_state(make_journal, delivery()) is State.IN_DOUBT
    assert survivor.begin(delivery(), redelivered=True).doubt is Doubt.EARLIER_DOUBT

    clock.advance(10)
    assert survivor.begin(delivery(), redelivered=False).doubt is Doubt.TOO_SOON
    clock.advance(survivor.policy.resend_quiet_period)
    assert survivor.begin(delivery(), redelivered=False).decision is Decision.SEND


def test_a_copy_that_arrives_while_the_send_runs_does_not_send(make_journal: JournalFactory,
                                                               clock: FakeClock) -> None:
    running, other = make_journal(), make_journal()
    assert running.begin(delivery(), redelivered=False).decision is Decision.SEND
    verdict = other.begin(delivery(), redelivered=False)
    assert (verdict.decision, verdict.doubt) == (Decision.MAY_HAVE_BEEN_SENT, Doubt.IN_PROGRESS)
    assert stored_state(make_journal, delivery()) is State.SENDING

    clock.advance(other.policy.stale_after)  # nobody sends for that long: the attempt died
    assert other.begin(delivery(), redelivered=False).doubt is Doubt.INTERRUPTED


def test_a_redelivery_to_the_process_still_sending_it_is_not_taken_for_an_interruption(
        make_journal: JournalFactory) -> None:
    journal = make_journal()
    attempt = journal.begin(delivery(), redelivered=False).attempt
    assert attempt is not None
    assert journal.begin(delivery(), redelivered=True).doubt is Doubt.IN_PROGRESS  # a broker reconnect
    assert journal.complete(delivery(), attempt, [output()])
    assert journal.begin(delivery(), redelivered=True).decision is Decision.REPLAY


def test_an_attempt_that_ended_in_doubt_stays_in_doubt(make_journal: JournalFactory) -> None:
    journal = make_journal()
    attempt = journal.begin(delivery(), redelivered=False).attempt
    assert attempt is not None
    assert journal.doubt(delivery(), attempt)  # a read timeout
    assert journal.begin(delivery(), redelivered=True).doubt is Doubt.EARLIER_DOUBT


def test_an_attempt_that_lived_on_records_its_send_over_the_doubt(make_journal: JournalFactory) -> None:
    cut_off, other = make_journal(), make_journal()
    attempt = cut_off.begin(delivery(), redelivered=False).attempt
    assert attempt is not None
    assert other.begin(delivery(), redelivered=True).doubt is Doubt.INTERRUPTED  # it lost its broker connection
    assert cut_off.complete(delivery(), attempt, [output()])  # ... but its send went through: that is the truth
    assert other.begin(delivery(), redelivered=False).decision is Decision.REPLAY


def test_an_attempt_cannot_settle_an_entry_another_attempt_owns(make_journal: JournalFactory,
                                                                clock: FakeClock) -> None:
    journal = make_journal()
    old = journal.begin(delivery(), redelivered=False).attempt
    assert old is not None
    journal.doubt(delivery(), old)
    clock.advance(journal.policy.resend_quiet_period)
    new = journal.begin(delivery(), redelivered=False).attempt  # a person's resend
    assert new is not None
    assert new != old
    assert not journal.complete(delivery(), old, [output()])
    assert not journal.release(delivery(), old)
    assert stored_state(make_journal, delivery()) is State.SENDING


def test_settling_twice_is_harmless(make_journal: JournalFactory) -> None:
    journal = make_journal()
    attempt = journal.begin(delivery(), redelivered=False).attempt
    assert attempt is not None
    assert journal.complete(delivery(), attempt, [output()])
    assert journal.complete(delivery(), attempt, [output()])
    assert journal.release(delivery(), attempt)  # a sent record is never dropped
    assert journal.doubt(delivery(), attempt)
    assert stored_state(make_journal, delivery()) is State.SENT


@pytest.mark.parametrize(("a", "b"), [
    (delivery(step="flow-1/step_2"), delivery(step="flow-1/step_3")),
    (delivery(content=b"first split item"), delivery(content=b"second split item")),
    (delivery(message_id="msg-1"), delivery(message_id="msg-2")),
], ids=["one message fanned out to two SMS steps", "two messages sharing one messageId", "two messages"])
def test_different_sends_do_not_share_an_entry(make_journal: JournalFactory, a: SendKey, b: SendKey) -> None:
    journal = make_journal()
    attempt = journal.begin(a, redelivered=False).attempt
    assert attempt is not None
    journal.complete(a, attempt, [output()])
    assert journal.begin(b, redelivered=False).decision is Decision.SEND


def test_an_odd_message_id_gets_a_safe_entry_name() -> None:
    assert delivery(message_id="a b\n" + "x" * 300).name.split(":")[1].startswith("sha256-")
    assert delivery(message_id="3f1c-42").name.split(":")[1] == "3f1c-42"


def test_an_unreadable_entry_is_in_doubt(make_journal: JournalFactory) -> None:
    journal = make_journal()
    assert journal.store.compare_and_set(delivery().name, None, b"{garbage")
    verdict = journal.begin(delivery(), redelivered=False)
    assert (verdict.decision, verdict.doubt) == (Decision.MAY_HAVE_BEEN_SENT, Doubt.UNREADABLE)


@pytest.mark.parametrize("start", ["no entry", "in doubt"])
def test_many_threads_beginning_one_message_give_exactly_one_send(make_journal: JournalFactory, clock: FakeClock,
                                                                  start: str) -> None:
    replicas = [make_journal() for _ in range(4)]
    if start == "in doubt":  # many copies of a person's resend at once
        attempt = replicas[0].begin(delivery(), redelivered=False).attempt
        assert attempt is not None
        replicas[0].doubt(delivery(), attempt)
        clock.advance(replicas[0].policy.resend_quiet_period)
    threads = 16
    barrier = threading.Barrier(threads)
    decisions: Counter[Decision] = Counter()
    lock = threading.Lock()

    def race(index: int) -> None:
        barrier.wait()
        verdict = replicas[index % len(replicas)].begin(delivery(), redelivered=False)
        with lock:
            decisions[verdict.decision] += 1

    workers = [threading.Thread(target=race, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert decisions == {Decision.SEND: 1, Decision.MAY_HAVE_BEEN_SENT: threads - 1}


class LosesOneAnswer:
    """This process's memory store, but the first write's answer is lost after the write applied."""

    shared = False
    description = "in memory, losing one answer"

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.lost = False

    def get(self, name: str) -> bytes | None:
        return self.store.get(name)

    def compare_and_set(self, name: str, expected: bytes | None, new: bytes | None, **how: Any) -> Written:
        written = self.store.compare_and_set(name, expected, new, **how)
        if not self.lost:
            self.lost = True
            raise JournalUnavailableError("connection reset after the write")
        return written

    def close(self) -> None:
        self.store.close()


def test_a_begin_whose_answer_was_lost_leaves_no_entry_behind(clock: FakeClock) -> None:
    journal = Journal(LosesOneAnswer(MemoryStore(ttl=3600, limit_bytes=1 << 20, clock=clock)),
                      policy=Policy(shared=False), clock=clock)
    with pytest.raises(JournalUnavailableError):
        journal.begin(delivery(), redelivered=False)
    assert journal.store.get(delivery().name) is None  # so the rebounded copy sends, instead of looking in progress
    assert journal.begin(delivery(), redelivered=False).decision is Decision.SEND
