"""What the platform does around ``process``, in Python: events and the ack/reject decision.

Modelled on sailor-nodejs (reference: elasticio-platform.md, section 2): a returned message becomes a
``data`` event then ``end``; an exception becomes an ``error`` event ``{name, message, stack}`` then ``end``;
``Rebound`` becomes a ``rebound`` event then ``end``. The message is rejected if an error was emitted,
acknowledged otherwise. The action modules know nothing of this file.

Several outputs (the sailor's ``this.emit``): ``process`` may be a generator. Each value it yields is emitted
at once, before the generator resumes: a message is a ``data`` event; ``Event("snapshot", obj)`` replaces the
step's snapshot and ``Event("updateSnapshot", delta)`` merges into it; ``Event("data", msg)`` is also a data
event. What it returns is ignored; raising ends it like any ``process`` (events already emitted stay emitted).
``execute(..., emit=callback)`` hands each event to the callback as it happens (the worker publishes it
there); an exception from the callback becomes the message's error event, as a failed publish does in the
sailor.
"""

from __future__ import annotations

import inspect
import json
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import OutputError, Rebound
from .logs import message_log_context

OUTGOING_MESSAGE_SIZE_LIMIT = 10_485_760  # bytes, the sailor's limit for one emitted message

Outcome = Literal["acked", "rejected"]
Process = Callable[..., Any]


@dataclass(frozen=True)
class Event:
    name: Literal["data", "error", "rebound", "snapshot", "updateSnapshot", "end"]
    payload: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"event": self.name, "data": self.payload}


@dataclass
class Execution:
    """What one message caused: the events in order and the platform's verdict."""

    events: list[Event] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        return "rejected" if any(e.name == "error" for e in self.events) else "acked"

    def first(self, name: str) -> Event | None:
        return next((e for e in self.events if e.name == name), None)


def error_payload(exc: BaseException) -> dict[str, str]:
    """An exception as the sailor formats it for an ``error`` or ``rebound`` event."""
    return {
        "name": type(exc).__name__,
        "message": str(exc) or "Not Available",
        "stack": "".join(traceback.format_exception(exc)).rstrip() or "Not Available",
    }


def execute(process: Process, msg: Any, cfg: Any, snapshot: Any = None,
            emit: Callable[[Event], None] | None = None) -> Execution:
    """Run one message through ``process`` as the platform would, and record what it emitted.

    ``emit``, when given, receives each event as it happens, ``end`` included, before it is recorded.
    """
    execution = Execution()

    def record(event: Event) -> None:
        if emit is not None:
            emit(event)
        execution.events.append(event)

    with message_log_context(msg):
        _run(process, msg, cfg, snapshot, record)
    record(Event("end"))
    return execution


def _run(process: Process, msg: Any, cfg: Any, snapshot: Any, record: Callable[[Event], None]) -> None:
    try:
        result = process(msg, cfg, snapshot)
        if inspect.isgenerator(result):
            try:
                for item in result:
                    record(_yielded_event(item))
            finally:
                result.close()  # at once, not when collected: a failed publish stops the generator here
        elif result:
            record(_data_event(result))
    except Rebound as exc:
        logging.getLogger(__name__).info("Rebound: %s", exc)
        record(Event("rebound", error_payload(exc)))
    except Exception as exc:  # the platform turns any exception into an error event, and so do we
        logging.getLogger(__name__).error("Error: %s", exc)
        record(Event("error", error_payload(exc)))


def _yielded_event(item: Any) -> Event:
    if isinstance(item, Event):
        if item.name in ("snapshot", "updateSnapshot"):
            return item
        if item.name == "data":
            return _data_event(item.payload)
        raise TypeError(f"process yielded an {item.name!r} event: only data, snapshot and updateSnapshot can be "
                        f"yielded; raise to end with an error or a rebound")
    return _data_event(item)


def _data_event(result: Any) -> Event:
    """The ``data`` event for what ``process`` returned; an error that says the work was done (it cannot be
    undone, and running the message again would do it twice) when the platform could not carry it."""
    try:
        check_output_size(len(json.dumps(result).encode()), OUTGOING_MESSAGE_SIZE_LIMIT)
    except (TypeError, ValueError, RecursionError) as exc:
        return Event("error", error_payload(OutputError(
            f"The function completed, so its work is done, but its output message is not JSON ({exc}); "
            f"{DO_NOT_RUN_AGAIN}")))
    except OutputError as exc:
        return Event("error", error_payload(exc))
    return Event("data", result)


DO_NOT_RUN_AGAIN = "do not run this message again"


def check_output_size(size: int, limit: int) -> None:
    """The one size check of an output message: OutputError, saying the work is done, over ``limit``."""
    if size > limit:
        raise OutputError(
            f"Outgoing message size {size} exceeds limit of {limit}. The function completed, so its work is done, "
            f"but its output cannot be passed on; {DO_NOT_RUN_AGAIN}")


def verify(verifier: Callable[[Any], Any], credentials: Any) -> dict[str, Any]:
    """Run a credentials check and normalise its answer the way the sailor does."""
    try:
        result = verifier(credentials)
    except Exception as exc:  # a failed check is an answer, not a crash
        return {"verified": False, "reason": str(exc)}
    if isinstance(result, Mapping) and "verified" in result:
        return dict(result)
    return {"verified": True}
