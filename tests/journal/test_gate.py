"""The send gate: the calls an action makes around its request, on either journal, and the worker's backstop."""

from __future__ import annotations

import threading

import pytest

from allmysms_component.errors import (
    AllMySmsError,
    InsufficientCreditError,
    OutcomeUnknownError,
    RateLimitedError,
)
from allmysms_component.journal import Doubt, JournalGate, SendInDoubtError
from pysailor.sending import UNGUARDED, Output, SendGate, current, use

from .conftest import JournalFactory
from .helpers import FakeClock, delivery, guarded_send, open_gate, output


class Api:
    """Stands in for the request to AllMySMS: counts sends, answers or raises as told."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.sent = 0
        self.error = error

    def send(self) -> list[Output]:
        self.sent += 1
        if self.error is not None:
            raise self.error
        return [output({"recipients": ["33612345678"], "text": "Hello", "status": 100}, output_id=f"out-{self.sent}")]


def test_outside_the_worker_every_send_goes_ahead_unrecorded() -> None:
    api = Api()
    assert current() is UNGUARDED
    assert guarded_send(current(), api.send, text="Hello")[0]["id"] == "out-1"
    assert guarded_send(current(), api.send, text="Hello")[0]["id"] == "out-2"
    UNGUARDED.failed(OutcomeUnknownError("timeout"))  # no journal: nothing to record
    assert api.sent == 2


def test_the_worker_makes_a_gate_current_for_one_message_in_one_thread(make_journal: JournalFactory) -> None:
    gate = open_gate(make_journal())
    seen: list[SendGate] = []
    with use(gate):
        assert current() is gate
        other = threading.Thread(target=lambda: seen.append(current()))  # another message's thread
        other.start()
        other.join()
    assert seen == [UNGUARDED]
    assert current() is UNGUARDED


def test_a_sent_message_replays_the_same_outputs_with_the_text_given_back(make_journal: JournalFactory) -> None:
    journal, api = make_journal(), Api()
    first = guarded_send(open_gate(journal), api.send, text="Hello")
    again = guarded_send(open_gate(journal, redelivered=True), api.send, text="Hello")
    assert again == first  # same output message id, same body, the withheld text put back in its place
    assert list(again[0]["body"]) == ["recipients", "text", "status"]
    assert api.sent == 1


@pytest.mark.parametrize("error", [RateLimitedError("slow down"), InsufficientCreditError(
    "no credit", status=103, status_text="no credit"), AllMySmsError("refused before sending")],
    ids=["rebound", "refused by the API", "refused before sending"])
def test_a_send_that_certainly_did_not_happen_sends_when_the_message_comes_back(
        make_journal: JournalFactory, error: AllMySmsError) -> None:
    journal, api = make_journal(), Api(error)
    with pytest.raises(type(error)):
        guarded_send(open_gate(journal), api.send, text="Hello")
    api.error = None
    assert guarded_send(open_gate(journal), api.send, text="Hello")[0]["id"] == "out-2"
    assert api.sent == 2


@pytest.mark.parametrize("error", [OutcomeUnknownError("read timeout"), KeyError("a bug after the request")],
                         ids=["outcome unknown", "an unexpected exception"])
def test_a_send_that_may_have_happened_is_never_sent_again_automatically(
        make_journal: JournalFactory, clock: FakeClock, error: BaseException) -> None:
    journal, api = make_journal(), Api(error)
    with pytest.raises(type(error)):
        guarded_send(open_gate(journal), api.send, text="Hello")
    api.error = None
    with pytest.raises(SendInDoubtError) as caught:
        guarded_send(open_gate(journal, redelivered=True), api.send, text="Hello")
    assert caught.value.reason is Doubt.EARLIER_DOUBT
    assert caught.value.may_have_been_sent is True
    assert isinstance(caught.value, OutcomeUnknownError)
    assert "may already have been sent" in str(caught.value)
    assert "msg-1" in str(caught.value)
    assert api.sent == 1

    clock.advance(journal.policy.resend_quiet_period)  # a person checked, and retries from the error list
    assert guarded_send(open_gate(journal), api.send, text="Hello")[0]["id"] == "out-2"
    assert api.sent == 2


def test_a_resend_too_soon_after_the_doubt_says_from_when_it_will_be_accepted(make_journal: JournalFactory) -> None:
    journal, api = make_journal(), Api(OutcomeUnknownError("read timeout"))
    with pytest.raises(OutcomeUnknownError):
        guarded_send(open_gate(journal), api.send, text="Hello")
    with pytest.raises(SendInDoubtError, match=r"accepted as your deliberate resend from 2023-11-14 22:14:20 UTC"):
        guarded_send(open_gate(journal), api.send, text="Hello")
    assert api.sent == 1


def test_the_worker_settles_an_attempt_the_action_left_open(make_journal: JournalFactory) -> None:
    journal = make_journal()
    returned_silently = open_gate(journal, delivery("a"))
    assert returned_silently.before_send() is None
    returned_silently.settle(None)
    assert not returned_silently.sending
    with pytest.raises(SendInDoubtError):
        open_gate(journal, delivery("a"), redelivered=True).before_send()

    rebounded = open_gate(journal, delivery("b"))
    assert rebounded.before_send() is None
    rebounded.settle(RateLimitedError("slow down"))
    assert open_gate(journal, delivery("b")).before_send() is None

    recorded = open_gate(journal, delivery("c"))
    assert recorded.before_send(withheld={"text": "Hello"}) is None
    recorded.after_send([output()])
    recorded.settle(KeyError("after the record"))  # already settled: the record stands
    assert open_gate(journal, delivery("c")).before_send(withheld={"text": "Hello"}) == [output()]


def test_a_gate_is_asked_once_per_message(make_journal: JournalFactory) -> None:
    gate = open_gate(make_journal())
    gate.before_send()
    with pytest.raises(RuntimeError, match=r"already called"):
        gate.before_send()


def test_a_replay_needs_the_withheld_fields_back(make_journal: JournalFactory) -> None:
    journal = make_journal()
    guarded_send(open_gate(journal), Api().send, text="Hello")
    with pytest.raises(RuntimeError, match=r"withheld text"):
        open_gate(journal, redelivered=True).before_send()


@pytest.mark.parametrize(("redelivered", "send_unproven", "sends"), [
    (False, False, True), (True, False, False), (True, True, True)])
def test_a_message_without_a_message_id_is_not_journaled(make_journal: JournalFactory, redelivered: bool,
                                                         send_unproven: bool, sends: bool) -> None:
    journal = make_journal(send_unproven_redeliveries=send_unproven)
    gate = JournalGate(journal, None, redelivered=redelivered)
    if sends:
        assert gate.before_send() is None
        gate.after_send([output()])
        assert JournalGate(journal, None, redelivered=False).before_send() is None  # nothing to replay from
    else:
        with pytest.raises(SendInDoubtError, match=r"no messageId header") as caught:
            gate.before_send()
        assert caught.value.reason is Doubt.NO_MESSAGE_ID


def test_recording_a_send_never_keeps_its_output_from_going_out(make_journal: JournalFactory,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    journal = make_journal()
    gate = open_gate(journal)
    assert gate.before_send() is None
    gate.after_send([{"id": "o", "body": {"when": object()}}])  # cannot be recorded (not JSON)
    assert "was sent but the send journal could not record it" in caplog.text
    with pytest.raises(SendInDoubtError):  # the entry stays "sending": a copy does not send again
        open_gate(journal, redelivered=True).before_send()
