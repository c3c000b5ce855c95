"""The send gate: what an action calls around its one irrevocable request, so that a journal can keep it to once.

The worker asks its ``Gatekeeper`` for a gate for each delivery and makes it current (``use``) while the action
runs; the action asks ``current()``. Outside the worker (the command line, ``execute``, tests) the current gate is
``UNGUARDED``: every send goes ahead and nothing is recorded. A component hands the worker its gatekeeper (the
SMS component's is its send journal, ``allmysms_component.journal``); the runtime knows only this interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

Output = dict[str, Any]


class SendGate(ABC):
    """The calls an action makes, in this order, around the request that sends."""

    @abstractmethod
    def before_send(self, withheld: Mapping[str, Any] | None = None, *,
                    duplicate: tuple[str, float] | None = None) -> list[Output] | None:
        """None: go ahead and send. A list: the outputs recorded when this message was sent; return them.

        ``duplicate``: (a digest of what the request sends, a window in seconds): a gate that keeps a journal
        treats an earlier message with the same digest, inside the window, as this one (a flow fired twice).

        ``withheld``: output body fields the journal must not store (the message text), given here so that a
        replay can put them back. Raises an error that says the SMS may have been sent, or a Rebound.
        """

    @abstractmethod
    def after_send(self, outputs: Sequence[Output]) -> None:
        """The request succeeded: record the outputs (with their ids) that a redelivery will replay."""

    @abstractmethod
    def not_sent(self) -> None:
        """The request certainly did not send (refused before sending, a rebound): the message may send later."""

    @abstractmethod
    def in_doubt(self) -> None:
        """Nobody knows whether the request sent (a read timeout, an answer that could not be read)."""

    def finish(self) -> None:  # noqa: B027  (optional hook, empty by default)
        """The run is over: a send the action left open must not stay open (a journal records it in doubt)."""

    def failed(self, error: BaseException) -> None:
        """The request raised ``error``: not sent if the error says so (``may_have_been_sent`` false), else in doubt."""
        if getattr(error, "may_have_been_sent", True) is False:
            self.not_sent()
        else:
            self.in_doubt()


class Unguarded(SendGate):
    """No journal: every message sends, nothing is recorded."""

    def before_send(self, withheld: Mapping[str, Any] | None = None, *,
                    duplicate: tuple[str, float] | None = None) -> list[Output] | None:
        return None

    def after_send(self, outputs: Sequence[Output]) -> None:
        return None

    def not_sent(self) -> None:
        return None

    def in_doubt(self) -> None:
        return None


UNGUARDED = Unguarded()
_current: ContextVar[SendGate] = ContextVar("allmysms_send_gate", default=UNGUARDED)


def current() -> SendGate:
    """The gate of the message being processed in this thread (or task), ``UNGUARDED`` if none."""
    return _current.get()


@contextmanager
def use(gate: SendGate) -> Iterator[SendGate]:
    """Make ``gate`` current for the ``process`` call inside the block (in the thread that makes that call)."""
    token = _current.set(gate)
    try:
        yield gate
    finally:
        _current.reset(token)


class Delivery(NamedTuple):
    """Which send a delivery is: what a gatekeeper needs to know it again when the broker redelivers it."""

    step: str                # "flowId/stepId": the step that owns the queue
    message_id: str | None   # the platform's message id, the same across redeliveries and rebounds
    digest: str              # of the delivered bytes (``messages.content_digest``): a split message shares its id
    redelivered: bool        # the broker's flag: handed out before to a consumer that did not settle it


class Gatekeeper(ABC):
    """Hands each delivery its send gate. A component opens one per process and hands it to the worker."""

    @abstractmethod
    def gate(self, delivery: Delivery) -> SendGate:
        """The gate of one delivery."""

    def close(self) -> None:  # noqa: B027  (optional hook, empty by default)
        """The worker stopped: release what the gatekeeper holds."""


class Open(Gatekeeper):
    """No journal: every delivery gets ``UNGUARDED``."""

    def gate(self, delivery: Delivery) -> SendGate:
        return UNGUARDED
