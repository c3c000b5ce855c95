"""Helpers for the journal tests: a fake clock, delivery keys, outputs, and the action's pattern around a send."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from allmysms_component.journal import Journal, JournalGate, SendKey
from pysailor.sending import Output, SendGate

from ..conftest import message

START = 1_700_000_000.0  # a fixed epoch second: the tests read the journal's clock, never the machine's


class FakeClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def delivery(message_id: str = "msg-1", content: bytes = b"encrypted body", step: str = "flow-1/step_2") -> SendKey:
    return SendKey.for_delivery(step=step, message_id=message_id, content=content)


def output(body: dict[str, Any] | None = None, *, output_id: str = "out-1") -> Output:
    """A Send SMS output message, as the journal keeps it for a replay."""
    return message(body=body or {"recipients": ["33612345678"], "text": "Hello", "status": 100},
                   message_id=output_id)


def guarded_send(gate: SendGate, send: Callable[[], Sequence[Output]], *, text: str) -> list[Output]:
    """What Send SMS does around its request, as a test harness: the pattern of actions/send_sms.py."""
    replay = gate.before_send(withheld={"text": text})
    if replay is not None:
        return replay
    try:
        outputs = list(send())
    except BaseException as exc:
        gate.failed(exc)
        raise
    gate.after_send(outputs)
    return outputs


def open_gate(journal: Journal, key: SendKey | None = None, *, redelivered: bool = False) -> JournalGate:
    return JournalGate(journal, delivery() if key is None else key, redelivered=redelivered)
