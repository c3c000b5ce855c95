"""The send journal's deployment settings, read from the environment; a bad value names its variable.

ALLMYSMS_JOURNAL_URL                  redis://, rediss:// or unix:// URL of a Redis shared by the step's
                                      replicas; unset: the journal lives in this process's memory
ALLMYSMS_JOURNAL_TTL                  seconds an entry is kept after its last write (default 86400: one day)
ALLMYSMS_SEND_UNPROVEN_REDELIVERIES   true: without a shared journal, send a redelivered message this process
                                      has no entry for (default false: it ends "may have been sent")
ALLMYSMS_JOURNAL_MEMORY_MB            memory the in-memory journal may use, in MiB (default 32)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import ConfigurationError
from ..settings import seconds, whole_number

URL = "ALLMYSMS_JOURNAL_URL"
TTL = "ALLMYSMS_JOURNAL_TTL"
SEND_UNPROVEN = "ALLMYSMS_SEND_UNPROVEN_REDELIVERIES"
MEMORY_MB = "ALLMYSMS_JOURNAL_MEMORY_MB"
NAMES = (URL, TTL, SEND_UNPROVEN, MEMORY_MB)

DEFAULT_TTL = 86_400.0
MIN_TTL = 3600.0  # an entry must outlive every automatic redelivery, including one after a broker outage
MAX_TTL = 30 * 86_400.0
DEFAULT_MEMORY_MB = 32
MAX_MEMORY_MB = 4096
SCHEMES = ("redis", "rediss", "unix")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


@dataclass(frozen=True)
class JournalSettings:
    url: str = field(default="", repr=False)  # may hold the Redis password
    ttl: float = DEFAULT_TTL
    send_unproven_redeliveries: bool = False
    memory_limit_bytes: int = DEFAULT_MEMORY_MB * 1024 * 1024

    @property
    def shared(self) -> bool:
        return bool(self.url)

    @property
    def where(self) -> str:
        """Where the journal lives, fit for a log line: the URL without its password, or "in memory"."""
        return describe_url(self.url) if self.url else "in memory"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> JournalSettings:
        return cls(
            url=_url(env.get(URL, "").strip()),
            ttl=seconds(TTL, env.get(TTL, ""), DEFAULT_TTL, lambda value: MIN_TTL <= value <= MAX_TTL,
                        f"a number of seconds from {MIN_TTL:.0f} (an hour) to {MAX_TTL:.0f} (30 days)"),
            send_unproven_redeliveries=_flag(SEND_UNPROVEN, env.get(SEND_UNPROVEN, "")),
            memory_limit_bytes=whole_number(MEMORY_MB, env.get(MEMORY_MB, ""), DEFAULT_MEMORY_MB, 1, MAX_MEMORY_MB,
                                            f"a whole number of MiB from 1 to {MAX_MEMORY_MB}") * 1024 * 1024,
        )


def describe_url(url: str) -> str:
    """The URL with its password (if any) replaced by ``***``: never log or raise the URL itself."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    return parts._replace(netloc=f"{user}***@{parts.netloc.rpartition('@')[2]}").geturl()


def _url(raw: str) -> str:
    if not raw:
        return ""
    try:
        parts = urlsplit(raw)
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        parts = None
    problem = None
    if parts is None:
        problem = "it is not a URL"
    elif parts.scheme not in SCHEMES:
        problem = "it must start with redis://, rediss:// or unix://"
    elif parts.scheme != "unix" and not parts.hostname:
        problem = "it names no host"
    elif parts.scheme == "unix" and not parts.path:
        problem = "it names no socket path"
    if problem:
        raise ConfigurationError(f"{URL} {describe_url(raw)!r} is refused: {problem}; nothing was sent")
    return raw


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name} {raw!r} is refused: it must be true or false; nothing was sent")
