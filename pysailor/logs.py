"""The platform's log lines: bunyan JSON, one per line, with the platform's context and the message's ids."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator, Mapping
from json.encoder import encode_basestring as _quoted
from typing import Any, TextIO

from .jsontext import escape_surrogates, json_text

_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("allmysms_log_context", default=None)
_BUNYAN_LEVELS = {"trace": 10, "debug": 20, "info": 30, "warn": 40, "warning": 40, "error": 50, "fatal": 60}
_PYTHON_LEVELS = {"trace": logging.DEBUG, "debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING,
                  "warning": logging.WARNING, "error": logging.ERROR, "fatal": logging.CRITICAL}


@contextlib.contextmanager
def message_log_context(msg: Any) -> Iterator[None]:
    """Log lines written while the block runs carry the message's id and thread id."""
    token = _context.set(_log_context(msg))
    try:
        yield
    finally:
        _context.reset(token)


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
    return levelno + 10 if 0 <= levelno <= 50 else min(60, max(10, levelno + 10))


class BunyanFormatter(logging.Formatter):
    """One JSON object per line: name, hostname, pid, the platform's context, level, msg, time, v, and the
    message's ids. The fields that never change are serialised once, when the formatter is made."""

    def __init__(self, name: str = "component") -> None:
        super().__init__()
        static = {"name": name, "hostname": socket.gethostname(), "pid": os.getpid(),
                  **{key.removeprefix("ELASTICIO_"): value for key, value in os.environ.items()
                     if key in _PLATFORM_CONTEXT}}
        self._prefix = json_text(static)[:-1] + ", "  # '{"name": ..., "pid": 7, ' : the line goes on from there
        self._second = (-1, "")  # the last whole second formatted, and its text

    def format(self, record: logging.LogRecord) -> str:
        # The line is put together around json's own string quoting (what json.dumps(ensure_ascii=False) does
        # to each string): the same bytes as dumping a dict, without building and walking one per line.
        line = (f'{self._prefix}"component": {_quoted(record.name)}, "level": {bunyan_level(record.levelno)}, '
                f'"msg": {_quoted(record.getMessage())}, "time": "{self._time(record)}", "v": 0')
        context = _context.get()
        if context:
            line += "".join(f", {_quoted(key)}: {_quoted(value)}" for key, value in context.items())
        return escape_surrogates(line + "}")

    def _time(self, record: logging.LogRecord) -> str:
        """ISO 8601 in UTC to the millisecond (``2026-01-31T09:30:00.123Z``); the seconds part is reused while
        it is the same second."""
        second = int(record.created)
        if second != self._second[0]:
            self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        return f"{self._second[1]}.{int(record.msecs):03d}Z"


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
    # What a bunyan line does not carry, each record need not look up: the caller's file and line (a walk up
    # the stack), the thread and process names (the logging HOWTO's "Optimization").
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    if name not in _PYTHON_LEVELS:
        logging.getLogger(__name__).warning("LOG_LEVEL %r is not one of %s; using info", name,
                                            ", ".join(sorted(_BUNYAN_LEVELS)))
    return handler
