"""The send journal's rules: what a delivery may do, given what the journal holds for its message (pure, no I/O).

An entry is written before the request to AllMySMS (``sending``), then becomes ``sent`` with the output to
replay, or ``in_doubt`` when nobody can say whether the SMS went out. ``decide`` maps (entry, delivery) to a
verdict and the entry to write; the journal applies that write atomically (compare-and-set) or decides again.
The table is in docs/journal.md ("How the journal decides").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

ENTRY_VERSION = 1
DEFAULT_RESEND_QUIET_PERIOD = 60.0  # seconds; see Policy
DEFAULT_STALE_AFTER = 900.0  # seconds; see Policy

Output = dict[str, Any]


class State(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    IN_DOUBT = "in_doubt"


class Decision(StrEnum):
    SEND = "send"
    REPLAY = "replay"
    MAY_HAVE_BEEN_SENT = "may_have_been_sent"


class Doubt(StrEnum):
    """Why a delivery may not send: each has its own explanation for the person who reads the error."""

    INTERRUPTED = "interrupted"  # an attempt began sending and never recorded the answer
    IN_PROGRESS = "in_progress"  # another copy of the message is being sent right now
    UNPROVEN = "unproven"  # a redelivery this process has no entry for, and no shared journal to ask
    EARLIER_DOUBT = "earlier_doubt"  # a redelivery of a message that already ended in doubt
    TOO_SOON = "too_soon"  # a new copy so soon after the doubt that it is taken for an automatic duplicate
    UNREADABLE = "unreadable"  # the journal holds something this version cannot read
    NO_MESSAGE_ID = "no_message_id"  # a redelivery without a messageId header: nothing to look up
    STORE_FORGOT = "store_forgot"  # a redelivery with no entry, in a store that lost its entries not long ago
    OUTPUT_FORGOTTEN = "output_forgotten"  # sent, but the in-memory journal no longer keeps its output
    UNREACHABLE = "unreachable"  # a redelivery while the shared journal is out of reach: nothing can check it
    DUPLICATE = "duplicate"  # the same SMS (recipients, sender, text) under another message id, in its window


@dataclass(frozen=True)
class Policy:
    """How the journal judges what it cannot see.

    ``shared``: every replica of the step writes to this journal (Redis), so a redelivery without an entry was
    provably never sent. ``send_unproven_redeliveries``: without a shared journal, send such a redelivery
    anyway (ALLMYSMS_SEND_UNPROVEN_REDELIVERIES). ``resend_quiet_period``: a copy that arrives this soon after
    its message ended in doubt is an automatic duplicate (an upstream publish retried, a copy running in
    parallel), not a person's resend from the error list. ``stale_after``: a ``sending`` entry this old has
    no live attempt behind it (a send lasts at most the read timeout, 300 s at most, plus a few seconds).
    ``memory_window``: how long after its store lost entries (restarted empty, a replica promoted without the
    last writes) a missing entry proves nothing: the entries' time to live, as a lost entry would have lived
    that long.
    """

    shared: bool
    send_unproven_redeliveries: bool = False
    resend_quiet_period: float = DEFAULT_RESEND_QUIET_PERIOD
    stale_after: float = DEFAULT_STALE_AFTER
    memory_window: float = 86_400.0


@dataclass(frozen=True)
class Entry:
    """What the journal holds for one message: never the API key, never the text (``withheld`` names it)."""

    state: State
    attempt: str
    at: float  # epoch seconds when the entry took this state
    outputs: tuple[Output, ...] = ()
    withheld: tuple[str, ...] = ()

    def encode(self) -> bytes:
        record: dict[str, Any] = {"v": ENTRY_VERSION, "state": self.state.value, "attempt": self.attempt,
                                  "at": round(self.at, 3)}
        if self.state is State.SENT:
            record["outputs"] = list(self.outputs)
            record["withheld"] = list(self.withheld)
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Entry:
        """The entry, or ValueError if ``raw`` is not an entry this version wrote."""
        try:
            record = json.loads(raw)
            if record["v"] != ENTRY_VERSION:
                raise ValueError(f"journal entry version {record['v']!r}")
            outputs = tuple(record.get("outputs", ()))
            withheld = tuple(record.get("withheld", ()))
            if not all(isinstance(o, dict) for o in outputs) or not all(isinstance(w, str) for w in withheld):
                raise ValueError("journal entry outputs")
            return cls(State(record["state"]), str(record["attempt"]), float(record["at"]), outputs, withheld)
        except (KeyError, TypeError, UnicodeDecodeError) as exc:  # json's own errors are ValueErrors
            raise ValueError(f"unreadable journal entry ({type(exc).__name__})") from exc


@dataclass(frozen=True)
class Verdict:
    """What one delivery may do. SEND: ``attempt`` is the attempt it now owns. REPLAY: ``outputs`` as recorded,
    with ``withheld`` naming the body fields to give back. MAY_HAVE_BEEN_SENT: ``doubt`` says why, ``since`` is
    when the entry took its state, ``resend_from`` when a new copy (a person's retry) will be sent.
    """

    decision: Decision
    attempt: str | None = None
    outputs: tuple[Output, ...] = ()
    withheld: tuple[str, ...] = ()
    doubt: Doubt | None = None
    since: float | None = None
    resend_from: float | None = None


def decide(current: Entry | None, *, redelivered: bool, now: float, policy: Policy, attempt: str,
           held_here: bool = False, remembers_since: float | None = None) -> tuple[Verdict, Entry | None]:
    """The verdict for a delivery, and the entry to write for it (None: leave the journal as it is).

    ``redelivered`` is the broker's flag: RabbitMQ sets it on every delivery it hands out again after the
    consumer that had it died, lost its connection or was stopped; a retry from the platform's error list, a
    rebound and an upstream copy are new publishes without it. ``attempt`` is the fresh id this delivery
    would own if it sends. ``held_here``: the current ``sending`` entry belongs to an attempt still running in
    this process (a redelivery after a broker reconnect), so it was not interrupted. ``remembers_since``: when
    the shared store began remembering (its generation marker; None: not known yet, the write checks it).
    """
    send = Verdict(Decision.SEND, attempt=attempt), Entry(State.SENDING, attempt, now)
    if current is None:
        if redelivered and not policy.shared and not policy.send_unproven_redeliveries:
            return _doubt(Doubt.UNPROVEN, now, policy), Entry(State.IN_DOUBT, attempt, now)
        if redelivered and remembers_since is not None and now - remembers_since < policy.memory_window:
            return _doubt(Doubt.STORE_FORGOT, now, policy), Entry(State.IN_DOUBT, attempt, now)
        return send
    if current.state is State.SENT and not current.outputs:  # the in-memory archive keeps the state only
        return Verdict(Decision.MAY_HAVE_BEEN_SENT, doubt=Doubt.OUTPUT_FORGOTTEN, since=current.at), None
    if current.state is State.SENT:
        return Verdict(Decision.REPLAY, outputs=current.outputs, withheld=current.withheld, since=current.at), None
    if current.state is State.SENDING:
        if held_here or not (redelivered or now - current.at >= policy.stale_after):
            return Verdict(Decision.MAY_HAVE_BEEN_SENT, doubt=Doubt.IN_PROGRESS, since=current.at), None
        return _doubt(Doubt.INTERRUPTED, now, policy), Entry(State.IN_DOUBT, current.attempt, now)
    # IN_DOUBT: only a new publish (not a broker redelivery), after the quiet period, is a person's resend.
    if redelivered:
        return _doubt(Doubt.EARLIER_DOUBT, current.at, policy), None
    if now - current.at < policy.resend_quiet_period:
        return _doubt(Doubt.TOO_SOON, current.at, policy), None
    return send


def _doubt(reason: Doubt, in_doubt_since: float, policy: Policy) -> Verdict:
    """The message is (now) in doubt since ``in_doubt_since``: a person's resend is accepted after the quiet period."""
    return Verdict(Decision.MAY_HAVE_BEEN_SENT, doubt=reason, since=in_doubt_since,
                   resend_from=in_doubt_since + policy.resend_quiet_period)
