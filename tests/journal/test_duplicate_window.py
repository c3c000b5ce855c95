"""The duplicate window: the same SMS under another message id (a flow fired twice) is not sent again (both stores)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from allmysms_component.actions.send_sms import process
from allmysms_component.errors import Rebound
from allmysms_component.journal import Decision, Doubt, JournalGate, SendInDoubtError
from allmysms_component.journal.errors import DuplicateInProgressError
from allmysms_component.sandbox import Account, AllMySmsSimulator
from pysailor.sending import use

from .conftest import JournalFactory
from .helpers import FakeClock, delivery, output

WINDOW = 300.0
SAME = ("digest-of-the-sms", WINDOW)


def first_sent(journal: JournalFactory) -> list[dict[str, object]]:
    gate = JournalGate(journal(), delivery(message_id="first"), redelivered=False)
    assert gate.before_send(withheld={"text": "Hello"}, duplicate=SAME) is None
    sent = [output({"recipients": ["33612345678"], "text": "Hello", "status": 100}, output_id="out-first")]
    gate.after_send(sent)
    return sent


def test_the_same_sms_under_another_id_gets_the_first_output_and_is_not_sent(make_journal: JournalFactory) -> None:
    sent = first_sent(make_journal)
    second = JournalGate(make_journal(), delivery(message_id="second"), redelivered=False)
    assert second.before_send(withheld={"text": "Hello"}, duplicate=SAME) == sent
    assert not second.sending
    # recorded as the second message's output too: its redelivery replays without asking the window again
    again = JournalGate(make_journal(), delivery(message_id="second"), redelivered=True)
    assert again.before_send(withheld={"text": "Hello"}) == sent


def test_outside_the_window_or_with_the_window_off_it_is_sent(make_journal: JournalFactory,
                                                              clock: FakeClock) -> None:
    first_sent(make_journal)
    off = JournalGate(make_journal(), delivery(message_id="off"), redelivered=False)
    assert off.before_send(withheld={"text": "Hello"}) is None
    clock.advance(WINDOW)
    later = JournalGate(make_journal(), delivery(message_id="later"), redelivered=False)
    assert later.before_send(withheld={"text": "Hello"}, duplicate=SAME) is None
    assert later.sending


def test_a_duplicate_of_a_send_in_progress_rebounds_and_leaves_no_entry(make_journal: JournalFactory) -> None:
    first = JournalGate(make_journal(), delivery(message_id="first"), redelivered=False)
    assert first.before_send(duplicate=SAME) is None  # sending, not yet answered
    second = JournalGate(make_journal(), delivery(message_id="second"), redelivered=False)
    with pytest.raises(DuplicateInProgressError, match="nothing was sent") as caught:
        second.before_send(duplicate=SAME)
    assert isinstance(caught.value, Rebound)
    assert caught.value.may_have_been_sent is False
    assert not second.sending
    # the first ends without sending: the SMS is free again, and the second copy's rebound sends it
    first.not_sent()
    retry = JournalGate(make_journal(), delivery(message_id="second"), redelivered=False)
    assert retry.before_send(duplicate=SAME) is None


def test_a_duplicate_of_a_send_in_doubt_may_have_been_sent(make_journal: JournalFactory) -> None:
    first = JournalGate(make_journal(), delivery(message_id="first"), redelivered=False)
    assert first.before_send(duplicate=SAME) is None
    first.in_doubt()  # a read timeout: nobody knows whether it went out
    second = JournalGate(make_journal(), delivery(message_id="second"), redelivered=False)
    with pytest.raises(SendInDoubtError, match="same recipients, sender and text") as caught:
        second.before_send(duplicate=SAME)
    assert caught.value.reason is Doubt.DUPLICATE
    assert not second.sending


def test_other_recipients_or_text_are_another_sms(make_journal: JournalFactory) -> None:
    first_sent(make_journal)
    other = JournalGate(make_journal(), delivery(message_id="other"), redelivered=False)
    assert other.before_send(duplicate=("another-digest", WINDOW)) is None


def test_many_copies_at_once_send_once(make_journal: JournalFactory) -> None:
    journals = [make_journal() for _ in range(4)]
    verdicts: list[Decision] = []
    lock = threading.Lock()

    def copy(n: int) -> None:
        gate = JournalGate(journals[n % 4], delivery(message_id=f"copy-{n}"), redelivered=False)
        try:
            decision = Decision.SEND if gate.before_send(duplicate=SAME) is None else Decision.REPLAY
        except (SendInDoubtError, DuplicateInProgressError):
            decision = Decision.MAY_HAVE_BEEN_SENT
        with lock:
            verdicts.append(decision)

    threads = [threading.Thread(target=copy, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(verdicts)[Decision.SEND] == 1


@pytest.fixture
def simulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator(accounts=[Account("dup-test", "dup-S3cret")]) as sim:
        monkeypatch.setenv("ALLMYSMS_API_URL", sim.url)
        yield sim


def test_send_sms_with_a_duplicate_window_sends_a_twice_fired_message_once(
        make_journal: JournalFactory, simulator: AllMySmsSimulator) -> None:
    cfg = {"login": "dup-test", "apiKey": "dup-S3cret", "duplicateWindow": "5"}
    body = {"mobileNumbers": "33612345678, 33698765432", "senderName": "MyShop", "messageText": "Your code: 4711"}
    outputs = []
    for message_id in ("fired-once", "fired-twice"):
        with use(JournalGate(make_journal(), delivery(message_id=message_id), redelivered=False)):
            outputs.append(process({"id": message_id, "body": body}, cfg))
    assert [sms.cli_msg_id for sms in simulator.received] == ["fired-once", "fired-once"]  # one SMS per number
    assert outputs[1] == outputs[0]  # the same output, id included: the next step can drop the copy
    with use(JournalGate(make_journal(), delivery(message_id="reordered"), redelivered=False)):
        reordered = process({"id": "reordered", "body": {**body, "mobileNumbers": "33698765432,33612345678"}}, cfg)
    assert reordered["id"] == outputs[0]["id"]  # the same recipients in another order: the same SMS
    assert len(simulator.received) == 2
