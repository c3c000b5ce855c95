"""The journal in Redis, shared by every replica of a step: reads, and compare-and-set writes in one Lua script."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from ..errors import ConfigurationError
from .errors import JournalUnavailableError
from .settings import URL, describe_url

# Atomic on the server: no other command runs between the comparison and the write, so two replicas that read
# the same entry cannot both replace it. KEYS[1] the entry; ARGV: 1 if an entry is expected (0: its absence),
# the expected value, the new value ('' deletes), the time to live in ms.
_COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
return 1
"""

# A journal that does not answer must not hold a message for long: the message rebounds instead. Options in
# the URL's query (socket_timeout=..., socket_connect_timeout=...) override these.
DEFAULT_OPTIONS: dict[str, Any] = {
    "socket_timeout": 5.0,
    "socket_connect_timeout": 2.0,
    "health_check_interval": 30,
}
RETRIES = 2  # on a dropped connection; each write is a compare-and-set, so a repeated one cannot apply twice


class RedisStore:
    """Entries under ``prefix`` in the Redis at ``url``; each expires ``ttl`` seconds after its last write."""

    shared = True

    def __init__(self, url: str, *, ttl: float, prefix: str) -> None:
        self.ttl = ttl
        self.prefix = prefix
        self.description = describe_url(url)
        self._password = urlsplit(url).password
        self._ttl_ms = max(1, round(ttl * 1000))
        retry = Retry(ExponentialWithJitterBackoff(cap=0.5, base=0.05), RETRIES)
        try:
            self._client = redis.Redis.from_url(url, retry=retry, **DEFAULT_OPTIONS)
        except ValueError as exc:  # a URL redis-py cannot use; its message never holds the password
            raise ConfigurationError(f"{URL} {self.description!r} is refused: {exc}") from None
        self._cas = self._client.register_script(_COMPARE_AND_SET)

    def get(self, name: str) -> bytes | None:
        try:
            value = self._client.get(self.prefix + name)
        except redis.RedisError as exc:
            raise self._unavailable(exc) from exc
        return value if isinstance(value, bytes) else None  # bytes, as the client does not decode

    def compare_and_set(self, name: str, expected: bytes | None, new: bytes | None) -> bool:
        """Write ``new`` (None: delete) if the entry is ``expected`` (None: absent); say whether it was written."""
        args = [1 if expected is not None else 0, expected or b"", new or b"", self._ttl_ms]
        try:
            written = self._cas(keys=[self.prefix + name], args=args)
        except redis.RedisError as exc:
            raise self._unavailable(exc) from exc
        return bool(written)

    def ping(self) -> None:
        try:
            self._client.ping()
        except redis.RedisError as exc:
            raise self._unavailable(exc) from exc

    def close(self) -> None:
        self._client.close()

    def _unavailable(self, exc: redis.RedisError) -> JournalUnavailableError:
        detail = str(exc)
        if self._password:  # redis-py's messages hold host and port, but make sure they never hold the password
            detail = detail.replace(self._password, "***")
        return JournalUnavailableError(f"{self.description}: {type(exc).__name__}: {detail}")
