"""The process's one shared state: deployment settings, the AllMySMS client and its pool, component.json.

One context per process, handed in or built once. The platform calls ``process(msg, cfg, snapshot)`` with no
context argument, so an action finds it in one place, :func:`current`: the context handed in with :func:`use`
(or :func:`using`, for a block), else the one built from the environment on first use and kept for the life of
the process. The environment is read that once, never per message; changing a setting means a new process (as
the platform does on redeploy) or a new context handed in. The command line, tests and embedding applications
build their own (:class:`Context`, :func:`from_env`) and hand it in.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path

import requests

from pysailor import Descriptor, component_json_path

from .api import AllMySmsClient
from .errors import InvalidInputError
from .settings import Settings

_PACKAGE = Path(__file__).resolve().parent
# A source checkout (how the platform runs it) has the file at the repository root; a wheel carries a copy.
COMPONENT_JSON = (_PACKAGE.parent / "component.json", _PACKAGE / "component.json")


def load_descriptor() -> Descriptor:
    """This component's component.json."""
    return Descriptor.load(component_json_path(COMPONENT_JSON), input_error=InvalidInputError)


class Context:
    """Settings, the API client (one connection pool, shared by threads) and the parsed component.json."""

    def __init__(self, settings: Settings | None = None, *, descriptor: Descriptor | None = None,
                 client: AllMySmsClient | None = None, concurrency: int = 1,
                 clock: Callable[[], datetime] | None = None) -> None:
        """``concurrency``: how many sends this process may make at once (the worker's prefetch); the client's
        pool follows it unless ALLMYSMS_MAX_CONNECTIONS is set (``Settings.pool_size``). ``clock``: the aware
        current time (Send at, quiet hours), the system's UTC clock unless a test hands in its own."""
        self.settings = settings or Settings()
        self.concurrency = concurrency
        self.clock: Callable[[], datetime] = clock or _utc_now
        self.descriptor = descriptor or load_descriptor()
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> AllMySmsClient:
        """The client for these settings, created on first use."""
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = AllMySmsClient(
                        self.settings.api_url, timeouts=self.settings.timeouts,
                        pool_size=self.settings.pool_size(self.concurrency),
                        user_agent=f"allmysms-component/{self.descriptor.version} "
                                   f"python-requests/{requests.__version__}")
                client = self._client
        return client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __repr__(self) -> str:
        return f"Context({self.settings!r})"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def from_env(env: Mapping[str, str], *, concurrency: int = 1) -> Context:
    """A context for the deployment settings in ``env`` (ALLMYSMS_*); a refused value raises ConfigurationError.
    ``concurrency``: how many sends may run at once (the worker's prefetch), which sizes the connection pool."""
    return Context(Settings.from_env(env), concurrency=concurrency)


_lock = threading.Lock()
_context: Context | None = None
_built_here = False  # built by current() from the environment, so closed here when replaced


def current() -> Context:
    """The process's context: the one handed in with :func:`use`, else the one built from ``os.environ`` on
    first use. A refused setting raises ConfigurationError here, for this message, and nothing is kept."""
    global _context, _built_here
    context = _context
    if context is None:
        with _lock:
            if _context is None:
                _context, _built_here = from_env(os.environ), True
            context = _context
    return context


def use(context: Context | None) -> None:
    """Hand in the process-wide context; None: build it from the environment again on next use. A context
    :func:`current` built is closed when replaced (its pool with it); one handed in is left to its owner."""
    previous, built_here = _swap(context, False)
    if built_here and previous is not None:
        previous.close()


@contextlib.contextmanager
def using(context: Context) -> Iterator[Context]:
    """Use ``context`` while the block runs, then exactly the one before it."""
    previous = _swap(context, False)
    try:
        yield context
    finally:
        _swap(*previous)


def _swap(context: Context | None, built_here: bool) -> tuple[Context | None, bool]:
    global _context, _built_here
    with _lock:
        previous = _context, _built_here
        _context, _built_here = context, built_here
    return previous
