"""The send journal's deployment settings, read from the environment; a bad value names its variable.

ALLMYSMS_JOURNAL_URL                  URL of a Redis shared by the step's replicas (one server, Sentinel or
                                      Cluster: redis_url.py); unset: the journal lives in this process's memory
ALLMYSMS_JOURNAL_TTL                  seconds an entry is kept after its last write (default 86400: one day)
ALLMYSMS_SEND_UNPROVEN_REDELIVERIES   true: without a shared journal, send a redelivered message this process
                                      has no entry for (default false: it ends "may have been sent")
ALLMYSMS_JOURNAL_MEMORY_MB            memory the in-memory journal may use, in MiB (default 32)
ALLMYSMS_JOURNAL_REPLICAS             replicas that must hold the pre-send write before the send: auto (the
                                      default: 1 if the Redis has replicas) or 0 to 16
ALLMYSMS_JOURNAL_REPLICA_TIMEOUT      seconds to wait for them (default 1); past it the message rebounds
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import ConfigurationError
from ..settings import deployment_env, seconds, whole_number
from . import redis_url

URL = "ALLMYSMS_JOURNAL_URL"
TTL = "ALLMYSMS_JOURNAL_TTL"
SEND_UNPROVEN = "ALLMYSMS_SEND_UNPROVEN_REDELIVERIES"
MEMORY_MB = "ALLMYSMS_JOURNAL_MEMORY_MB"
REPLICAS = "ALLMYSMS_JOURNAL_REPLICAS"
REPLICA_TIMEOUT = "ALLMYSMS_JOURNAL_REPLICA_TIMEOUT"
NAMES = (URL, TTL, SEND_UNPROVEN, MEMORY_MB, REPLICAS, REPLICA_TIMEOUT)

DEFAULT_TTL = 86_400.0
MIN_TTL = 3600.0  # an entry must outlive every automatic redelivery, including one after a broker outage
MAX_TTL = 30 * 86_400.0
DEFAULT_MEMORY_MB = 32
MAX_MEMORY_MB = 4096
MAX_REPLICAS = 16
DEFAULT_REPLICA_TIMEOUT = 1.0  # s: a replica on the same network acknowledges in well under a millisecond
MAX_REPLICA_TIMEOUT = 60.0
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


@dataclass(frozen=True)
class JournalSettings:
    url: str = field(default="", repr=False)  # may hold the Redis password
    ttl: float = DEFAULT_TTL
    send_unproven_redeliveries: bool = False
    memory_limit_bytes: int = DEFAULT_MEMORY_MB * 1024 * 1024
    replicas: int | None = None  # None: auto
    replica_timeout: float = DEFAULT_REPLICA_TIMEOUT

    @property
    def shared(self) -> bool:
        return bool(self.url)

    @property
    def where(self) -> str:
        """Where the journal lives, fit for a log line: the URL without its password, or "in memory"."""
        return redis_url.describe(self.url) if self.url else "in memory"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> JournalSettings:
        env = deployment_env(env)  # each name also as ELASTICIO_ALLMYSMS_* (the Open Integration Hub's)
        return cls(
            url=_url(env.get(URL, "").strip()),
            ttl=seconds(TTL, env.get(TTL, ""), DEFAULT_TTL, lambda value: MIN_TTL <= value <= MAX_TTL,
                        f"a number of seconds from {MIN_TTL:.0f} (an hour) to {MAX_TTL:.0f} (30 days)"),
            send_unproven_redeliveries=_flag(SEND_UNPROVEN, env.get(SEND_UNPROVEN, "")),
            memory_limit_bytes=whole_number(MEMORY_MB, env.get(MEMORY_MB, ""), DEFAULT_MEMORY_MB, 1, MAX_MEMORY_MB,
                                            f"a whole number of MiB from 1 to {MAX_MEMORY_MB}") * 1024 * 1024,
            replicas=_replicas(env.get(REPLICAS, "")),
            replica_timeout=seconds(REPLICA_TIMEOUT, env.get(REPLICA_TIMEOUT, ""), DEFAULT_REPLICA_TIMEOUT,
                                    lambda value: 0.01 <= value <= MAX_REPLICA_TIMEOUT,
                                    f"a number of seconds from 0.01 to {MAX_REPLICA_TIMEOUT:.0f}"),
        )


def _url(raw: str) -> str:
    if raw:
        try:
            redis_url.parse(raw)
        except redis_url.UrlError as exc:
            raise ConfigurationError(f"{URL} {redis_url.describe(raw)!r} is refused: {exc}; nothing was sent") \
                from None
    return raw


def _replicas(raw: str) -> int | None:
    value = raw.strip().lower()
    if value in ("", "auto"):
        return None
    return whole_number(REPLICAS, value, 0, 0, MAX_REPLICAS, f"auto or a whole number from 0 to {MAX_REPLICAS}")


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name} {raw!r} is refused: it must be true or false; nothing was sent")
