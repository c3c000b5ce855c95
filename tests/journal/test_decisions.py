"""The journal's rules, as a table: what a delivery may do given its entry, the broker's flag and the time."""

from __future__ import annotations

import pytest

from allmysms_component.journal import Decision, Doubt, Policy
from allmysms_component.journal.decisions import Entry, State, decide

from .helpers import START

QUIET = 60.0
STALE = 900.0
SHARED = Policy(shared=True, resend_quiet_period=QUIET, stale_after=STALE)
LOCAL = Policy(shared=False, resend_quiet_period=QUIET, stale_after=STALE)
LOCAL_LENIENT = Policy(shared=False, send_unproven_redeliveries=True, resend_quiet_period=QUIET, stale_after=STALE)
OUTPUTS = ({"id": "out-1", "body": {"recipients": ["33612345678"], "text": None}},)


def entry(state: State, age: float) -> Entry:
    return Entry(state, "earlier", START - age, OUTPUTS if state is State.SENT else (), ("text",))


# entry (state, seconds since it took that state) | redelivered | policy | held here -> decision, doubt, new state
TABLE = [
    ("first delivery", None, False, LOCAL, False, Decision.SEND, None, State.SENDING),
    ("redelivery, shared journal, no entry: never begun", None, True, SHARED, False, Decision.SEND, None,
     State.SENDING),
    ("redelivery, memory journal, no entry: unproven", None, True, LOCAL, False, Decision.MAY_HAVE_BEEN_SENT,
     Doubt.UNPROVEN, State.IN_DOUBT),
    ("redelivery, memory journal, setting says send", None, True, LOCAL_LENIENT, False, Decision.SEND, None,
     State.SENDING),
    ("sent: a redelivery replays", (State.SENT, 5), True, SHARED, False, Decision.REPLAY, None, None),
    ("sent: a new copy replays", (State.SENT, 5), False, SHARED, False, Decision.REPLAY, None, None),
    ("sent long ago: still replays", (State.SENT, 80_000), False, LOCAL, False, Decision.REPLAY, None, None),
    ("sending, redelivered: interrupted", (State.SENDING, 1), True, SHARED, False, Decision.MAY_HAVE_BEEN_SENT,
     Doubt.INTERRUPTED, State.IN_DOUBT),
    ("sending, redelivered, attempt alive here", (State.SENDING, 1), True, SHARED, True,
     Decision.MAY_HAVE_BEEN_SENT, Doubt.IN_PROGRESS, None),
    ("sending, a copy while it runs", (State.SENDING, 1), False, SHARED, False, Decision.MAY_HAVE_BEEN_SENT,
     Doubt.IN_PROGRESS, None),
    ("sending for too long, a copy: interrupted", (State.SENDING, STALE), False, SHARED, False,
     Decision.MAY_HAVE_BEEN_SENT, Doubt.INTERRUPTED, State.IN_DOUBT),
    ("in doubt, redelivered", (State.IN_DOUBT, 3600), True, SHARED, False, Decision.MAY_HAVE_BEEN_SENT,
     Doubt.EARLIER_DOUBT, None),
    ("in doubt, a copy right after: a duplicate", (State.IN_DOUBT, QUIET - 1), False, SHARED, False,
     Decision.MAY_HAVE_BEEN_SENT, Doubt.TOO_SOON, None),
    ("in doubt, a copy after the quiet period: a person's resend", (State.IN_DOUBT, QUIET), False, SHARED, False,
     Decision.SEND, None, State.SENDING),
    ("in doubt, a person's resend, memory journal", (State.IN_DOUBT, QUIET), False, LOCAL, False, Decision.SEND,
     None, State.SENDING),
]


@pytest.mark.parametrize(("current", "redelivered", "policy", "held_here", "decision", "doubt", "written"),
                         [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_decision_table(current: tuple[State, float] | None, redelivered: bool, policy: Policy, held_here: bool,
                        decision: Decision, doubt: Doubt | None, written: State | None) -> None:
    existing = None if current is None else entry(*current)
    verdict, new = decide(existing, redelivered=redelivered, now=START, policy=policy, attempt="this-one",
                          held_here=held_here)
    assert (verdict.decision, verdict.doubt) == (decision, doubt)
    assert (new.state if new else None) == written
    if new is not None:
        assert new.at == START
    if decision is Decision.SEND:
        assert verdict.attempt == "this-one"
        assert new is not None
        assert new.attempt == "this-one"


def test_a_replay_hands_back_the_recorded_outputs_and_the_withheld_field_names() -> None:
    verdict, _ = decide(entry(State.SENT, 5), redelivered=True, now=START, policy=SHARED, attempt="x")
    assert verdict.outputs == OUTPUTS
    assert verdict.withheld == ("text",)


def test_an_interrupted_send_stays_owned_by_its_attempt_once_in_doubt() -> None:
    _, new = decide(entry(State.SENDING, 1), redelivered=True, now=START, policy=SHARED, attempt="x")
    assert new is not None
    assert new.attempt == "earlier"  # so the attempt, if it lives on, can still record what really happened


@pytest.mark.parametrize(("current", "redelivered", "resend_from"), [
    (None, True, START + QUIET),
    ((State.SENDING, 1), True, START + QUIET),
    ((State.IN_DOUBT, 10), False, START - 10 + QUIET),
    ((State.IN_DOUBT, 3600), True, START - 3600 + QUIET),
    ((State.SENDING, 1), False, None),
], ids=["unproven", "interrupted", "too soon", "earlier doubt", "in progress"])
def test_a_doubt_says_from_when_a_persons_resend_is_accepted(current: tuple[State, float] | None,
                                                              redelivered: bool, resend_from: float | None) -> None:
    existing = None if current is None else entry(*current)
    verdict, _ = decide(existing, redelivered=redelivered, now=START, policy=LOCAL, attempt="x")
    assert verdict.resend_from == resend_from


# --- entries as stored ---------------------------------------------------------------------------------------

def test_an_entry_survives_encoding() -> None:
    sent = Entry(State.SENT, "a1", START, OUTPUTS, ("text",))
    assert Entry.decode(sent.encode()) == sent


def test_only_a_sent_entry_stores_outputs() -> None:
    assert b"outputs" not in Entry(State.SENDING, "a1", START, OUTPUTS).encode()


@pytest.mark.parametrize("raw", [b"", b"not json", b"[]", b'{"v": 2, "state": "sent"}', b'{"v": 1}',
                                 b'{"v": 1, "state": "lost", "attempt": "a", "at": 1}', b"\xff\xfe",
                                 b'{"v": 1, "state": "sent", "attempt": "a", "at": 1, "outputs": [1]}'])
def test_an_unreadable_entry_is_a_value_error(raw: bytes) -> None:
    with pytest.raises(ValueError, match=r"."):
        Entry.decode(raw)
