"""What the platform does around ``process``, in Python: events, the ack/reject decision, JSON-line logs.

Modelled on sailor-nodejs (reference: elasticio-platform.md, section 2): a returned message becomes a
``data`` event then ``end``; an exception becomes an ``error`` event ``{name, message, stack}`` then ``end``;
``Rebound`` becomes a ``rebound`` event then ``end``. The message is rejected if an error was emitted,
acknowledged otherwise. Logs are bunyan JSON lines with the message and thread ids. The action modules know
nothing of this file.

Several outputs (the sailor's ``this.emit``): ``process`` may be a generator. Each value it yields is emitted
at once, before the generator resumes: a message is a ``data`` event; ``Event("snapshot", obj)`` replaces the
step's snapshot and ``Event("updateSnapshot", delta)`` merges into it; ``Event("data", msg)`` is also a data
event. What it returns is ignored; raising ends it like any ``process`` (events already emitted stay emitted).
``execute(..., emit=callback)`` hands each event to the callback as it happens (the worker publishes it
there); an exception from the callback becomes the message's error event, as a failed publish does in the
sailor.
"""

from __future__ import annotations

import contextvars
import importlib
import inspect
import json
import logging
import os
import socket
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, TextIO

from . import descriptor
from .errors import Rebound
from .messages import Message, new_id

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


def load_process(action: str) -> Process:
    """The ``process`` function of an action, found through its ``main`` in component.json."""
    module = importlib.import_module(module_name(descriptor.load().data["actions"][action]["main"]))
    process: Process = module.process
    return process


def module_name(main: str) -> str:
    """``./allmysms_component/actions/send_sms.py`` -> ``allmysms_component.actions.send_sms``."""
    path = main.removeprefix("./").removesuffix(".py")
    return path.replace("/", ".")


def new_incoming(body: Any, *, message_id: str | None = None, thread_id: str | None = None) -> Message:
    """A platform message as it reaches a step, with the headers the sailor carries."""
    return {
        "id": message_id or new_id(),
        "body": body,
        "attachments": {},
        "headers": {"threadId": thread_id or new_id()},
        "metadata": {},
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

    token = _context.set(_log_context(msg))
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
    finally:
        _context.reset(token)
    record(Event("end"))
    return execution


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
    try:
        size = len(json.dumps(result).encode())
    except (TypeError, ValueError) as exc:
        return Event("error", error_payload(TypeError(f"the emitted message is not JSON: {exc}")))
    if size > OUTGOING_MESSAGE_SIZE_LIMIT:
        return Event("error", error_payload(ValueError(
            f"the emitted message is {size} bytes, over the platform's limit of {OUTGOING_MESSAGE_SIZE_LIMIT}")))
    return Event("data", result)


def verify(verifier: Callable[[Any], Any], credentials: Any) -> dict[str, Any]:
    """Run a credentials check and normalise its answer the way the sailor does."""
    try:
        result = verifier(credentials)
    except Exception as exc:  # a failed check is an answer, not a crash
        return {"verified": False, "reason": str(exc)}
    if isinstance(result, Mapping) and "verified" in result:
        return dict(result)
    return {"verified": True}


# -- logging as the platform writes it --------------------------------------------------------------------

_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("allmysms_log_context", default=None)
_BUNYAN_LEVELS = {"trace": 10, "debug": 20, "info": 30, "warn": 40, "warning": 40, "error": 50, "fatal": 60}
_PYTHON_LEVELS = {"trace": logging.DEBUG, "debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING,
                  "warning": logging.WARNING, "error": logging.ERROR, "fatal": logging.CRITICAL}


def _log_context(msg: Any) -> dict[str, str]:
    context = {}
    if isinstance(msg, Mapping):
        if isinstance(msg.get("id"), str):
            context["messageId"] = msg["id"]
        headers = msg.get("headers")
        if isinstance(headers, Mapping) and isinstance(headers.get("threadId"), str):
            context["threadId"] = headers["threadId"]
    return context


def bunyan_level(levelno: int) -> int:
    """Python's 10/20/30/40/50 as bunyan's 20/30/40/50/60."""
    return min(60, max(10, levelno + 10))


class BunyanFormatter(logging.Formatter):
    """One JSON object per line: name, hostname, pid, level, msg, time, v, and the message's ids."""

    def __init__(self, name: str = "component") -> None:
        super().__init__()
        self._static = {"name": name, "hostname": socket.gethostname(), "pid": os.getpid()}
        self._platform = {key.removeprefix("ELASTICIO_"): value for key, value in os.environ.items()
                          if key in _PLATFORM_CONTEXT}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            **self._static,
            **self._platform,
            "component": record.name,
            "level": bunyan_level(record.levelno),
            "msg": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "v": 0,
            **(_context.get() or {}),
        }
        return json.dumps(line, ensure_ascii=False)


_PLATFORM_CONTEXT = frozenset(f"ELASTICIO_{name}" for name in (
    "FLOW_ID", "EXEC_ID", "STEP_ID", "CONTAINER_ID", "WORKSPACE_ID", "USER_ID", "COMP_ID", "FUNCTION",
    "COMP_NAME", "CONTRACT_ID", "EXEC_TYPE", "EXECUTION_RESULT_ID", "FLOW_VERSION", "TENANT_ID", "TASK_USER_EMAIL"))


def configure_logging(stream: TextIO | None = None, level: str | None = None) -> logging.Handler:
    """Send the component's logs (and its libraries') as bunyan JSON lines; level from ``LOG_LEVEL``."""
    name = (level or os.environ.get("LOG_LEVEL") or "info").strip().lower()
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(BunyanFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h.formatter, BunyanFormatter)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(_PYTHON_LEVELS.get(name, logging.INFO))
    if name not in _PYTHON_LEVELS:
        logging.getLogger(__name__).warning("LOG_LEVEL %r is not one of %s; using info", name,
                                            ", ".join(sorted(_BUNYAN_LEVELS)))
    return handler
