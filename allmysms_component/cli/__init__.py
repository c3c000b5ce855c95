"""The command line, ``allmysms-component``: this module only installs the SIGTERM handler, then imports the rest.

A platform may stop a replica at any moment, even while the interpreter is still importing: a SIGTERM that
comes before the command's own handling is recorded here and honoured as soon as the command can (a worker
exits 0 without starting; a send says it was interrupted), instead of killing the process with status 143.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    stopped = threading.Event()
    main_thread = threading.current_thread() is threading.main_thread()  # only it may set signal handlers
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set()) if main_thread else None
    try:
        from .app import run

        return run(argv, stopped)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
