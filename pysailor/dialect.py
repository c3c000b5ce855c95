"""What a platform's wire protocol must say for the delivery pipeline: one method per event kind.

The pipeline (``delivery``) is the same for every platform; a dialect turns a delivery into the message a
function gets, and each event the function emits into the publishes that platform expects. Two exist:
``sailor.wire.SailorDialect`` (elastic.io, the Node sailor 2.7.8's protocol) and the Open Integration Hub's
(Ferryman's). Every method but ``start`` runs in the thread that runs the function, so CPU work (JSON,
encryption) stays off the event loop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .broker import Incoming, Outgoing


class DecodeError(ValueError):
    """A delivery that cannot be turned into a message: rejected without an event (nothing to reply to)."""


@dataclass(frozen=True)
class StepState:
    """What every delivery of the step shares, from the platform at start: the step's configuration (with the
    credentials) and snapshot."""

    config: Mapping[str, Any] = field(default_factory=dict, repr=False)
    snapshot: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Opened:
    """A decoded delivery: the message for the function, and the dialect's own state for its events."""

    msg: dict[str, Any]
    frame: Any                              # the dialect's, handed back with each event
    step: str                               # which step sends, for the send gate ("flowId/stepId")
    message_id: str | None                  # the platform's id, the same across redeliveries
    config: Mapping[str, Any] | None = None  # this message's configuration, where the platform sends one
    function: str | None = None             # the function to run, where the platform names it per message


@dataclass(frozen=True)
class Rebounded:
    """A rebound's publishes: the copy for the rebounds queue, or (``over_limit``) the error that ends it."""

    publishes: list[Outgoing]
    over_limit: bool = False


class Dialect(ABC):
    @abstractmethod
    def start(self) -> StepState:
        """Fetch what the step needs from the platform (blocking; once per process). Raise to fail the start."""

    @abstractmethod
    def open(self, delivery: Incoming) -> Opened:
        """The message the function gets; DecodeError when the delivery cannot be read."""

    @abstractmethod
    def data(self, frame: Any, message: Mapping[str, Any]) -> list[Outgoing]:
        """The publishes of one output message; OutputError when the platform cannot carry it."""

    @abstractmethod
    def error(self, frame: Any, payload: Mapping[str, Any]) -> list[Outgoing]:
        """The publishes of an error (``{name, message, stack}``)."""

    @abstractmethod
    def rebound(self, frame: Any, payload: Mapping[str, Any]) -> Rebounded:
        """The publishes of a rebound: the message again, later; past the limit, an error instead."""

    @abstractmethod
    def snapshot(self, frame: Any, name: str, value: Any) -> list[Outgoing]:
        """The publishes of a ``snapshot`` (replace) or ``updateSnapshot`` (merge) event."""

    def end(self, frame: Any, failed: bool) -> list[Outgoing]:
        """The publishes when the function is done with a message (none by default)."""
        return []

    @abstractmethod
    def startup_error(self, error: BaseException) -> list[Outgoing]:
        """The publishes of a failure to start (no input to attach it to)."""
