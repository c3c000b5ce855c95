"""The platform's log lines: bunyan JSON, one per line, with the platform's context and the message's ids."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import socket
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, TextIO

from .jsontext import json_text

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
        return json_text(line)


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
