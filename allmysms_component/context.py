"""The process's one shared state: deployment settings, the AllMySMS client and its pool, component.json.

Built lazily on first use from the environment. A changed environment takes effect for the next message
(settings are re-parsed only when one of their variables changed, and the client is rebuilt only when its URL,
timeouts or pool size did). Tests, the command line and embedding applications replace it with :func:`use`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import requests

from pysailor import Descriptor, component_json_path

from .api import AllMySmsClient
from .errors import InvalidInputError
from .settings import Settings, raw_values

_PACKAGE = Path(__file__).resolve().parent
# A source checkout (how the platform runs it) has the file at the repository root; a wheel carries a copy.
COMPONENT_JSON = (_PACKAGE.parent / "component.json", _PACKAGE / "component.json")


def load_descriptor() -> Descriptor:
    """This component's component.json."""
    return Descriptor.load(component_json_path(COMPONENT_JSON), input_error=InvalidInputError)


class Context:
    """Settings, the API client (one connection pool, shared by threads) and the parsed component.json."""

    def __init__(self, settings: Settings | None = None, *, descriptor: Descriptor | None = None,
                 client: AllMySmsClient | None = None) -> None:
        self.settings = settings or Settings()
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
                        pool_size=self.settings.max_connections,
                        user_agent=f"allmysms-component/{self.descriptor.version} "
                                   f"python-requests/{requests.__version__}")
                client = self._client
        return client

    def with_settings(self, settings: Settings) -> Context:
        """A context for other settings, keeping the client when its URL, timeouts and pool size are the same."""
        same_pool = ((settings.api_url, settings.timeouts, settings.max_connections)
                     == (self.settings.api_url, self.settings.timeouts, self.settings.max_connections))
        return Context(settings, descriptor=self.descriptor, client=self._client if same_pool else None)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __repr__(self) -> str:
        return f"Context({self.settings!r})"


class _State:
    """What :func:`current` answers: the explicit context, or one that follows the environment."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.explicit: Context | None = None
        self.from_env: tuple[tuple[str, ...], Context] | None = None


_state = _State()


def current(env: Mapping[str, str] | None = None) -> Context:
    """The context for the next message: the one set with :func:`use`, else one built from the environment."""
    explicit = _state.explicit
    if explicit is not None:
        return explicit
    raw = raw_values(os.environ if env is None else env)
    cached = _state.from_env
    if cached is not None and cached[0] == raw:
        return cached[1]
    with _state.lock:
        cached = _state.from_env
        if cached is None or cached[0] != raw:
            settings = Settings.parse(raw)  # a refused value raises here, for this message, and is not kept
            context = cached[1].with_settings(settings) if cached else Context(settings)
            _state.from_env = cached = (raw, context)
    return cached[1]


def use(context: Context | None) -> None:
    """Replace the process-wide context; None goes back to following the environment (and closes the pools
    built from it)."""
    with _state.lock:
        _state.explicit = context
        if context is None and _state.from_env is not None:
            _state.from_env[1].close()
            _state.from_env = None


@contextlib.contextmanager
def using(context: Context) -> Iterator[Context]:
    """Use ``context`` while the block runs, then the one before it."""
    with _state.lock:
        previous = _state.explicit
        _state.explicit = context
    try:
        yield context
    finally:
        with _state.lock:
            _state.explicit = previous
