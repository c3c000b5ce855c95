"""The journal in Redis, shared by every replica of a step: compare-and-set in one Lua script, generation markers
that reveal a Redis that forgot, and the pre-send write replicated before the send.

One server, Sentinel or Cluster (``redis_url``). Each entry lives in one of ``BUCKETS`` hash slots (a hash tag
in its name) beside that slot's generation marker, so a script touches one slot only: cluster-safe. The marker
has no expiry and the same durability as the entries: if it is missing, the Redis (or the cluster node holding
that slot) lost its data, and the first write after that dates a new one.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any, cast

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import NoScriptError
from redis.retry import Retry

from ..errors import ConfigurationError
from . import redis_url
from .errors import JournalUnavailableError, NotReplicatedError
from .settings import URL
from .store import Written

# Atomic on the server: no other command runs between the comparison and the write, so two replicas that read
# the same entry cannot both replace it. KEYS: the entry, its slot's generation marker. ARGV: 1 if an entry is
# expected (0: its absence), the expected value, the new value ('' deletes), the time to live in ms, now in ms
# (dates a new marker), the guard in ms ('': none; refuse if the marker is newer). Returns {outcome, marker}:
# outcome 1 written, 0 the entry differs, 2 refused by the guard.
_COMPARE_AND_SET = """
local since = redis.call('GET', KEYS[2])
if not since then
  since = ARGV[5]
  redis.call('SET', KEYS[2], since)
end
if ARGV[6] ~= '' and tonumber(since) > tonumber(ARGV[6]) then return {2, since} end
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return {0, since} end
elseif current then
  return {0, since}
end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
return {1, since}
"""
_SHA = hashlib.sha1(_COMPARE_AND_SET.encode(), usedforsecurity=False).hexdigest()  # the script cache key

# A journal that does not answer must not hold a message for long: the message rebounds instead. Options in
# the URL's query (socket_timeout=..., socket_connect_timeout=...) override these.
DEFAULT_OPTIONS: dict[str, Any] = {
    "socket_timeout": 5.0,
    "socket_connect_timeout": 2.0,
    "health_check_interval": 30,
}
RETRIES = 2  # on a dropped connection; each write is a compare-and-set, so a repeated one cannot apply twice
BUCKETS = 64  # hash slots the entries spread over (and generation markers): enough for a cluster's masters
AOF_WAIT_VERSION = (7, 2)  # WAITAOF

log = logging.getLogger(__name__)


class RedisStore:
    """Entries under ``prefix`` in the Redis at ``url``; each expires ``ttl`` seconds after its last write.

    ``replicas``: how many replicas must hold the pre-send write before the send (None: decided from what the
    journal finds, see ``durability``); ``replica_timeout``: how long to wait for them, in seconds.
    """

    shared = True

    def __init__(self, url: str, *, ttl: float, prefix: str, replicas: int | None = None,
                 replica_timeout: float = 1.0) -> None:
        self.ttl = ttl
        self.prefix = prefix
        self.description = redis_url.describe(url)
        self.replicas = replicas
        self.replica_timeout = replica_timeout
        self._ttl_ms = max(1, round(ttl * 1000))
        try:
            self.target = redis_url.parse(url)
            self._client = _connect(self.target)
        except TypeError:  # its message would name an option, which may be the tail of a password
            raise ConfigurationError(f"{URL} {self.description!r} is refused: redis-py cannot use one of its "
                                     "options; nothing was sent") from None
        except redis_url.UrlError as exc:
            raise ConfigurationError(f"{URL} {self.description!r} is refused: {exc}; nothing was sent") from None
        self._waits: dict[str, tuple[Any, ...] | None] = {}  # per server: the command that makes a write durable

    def get(self, name: str) -> bytes | None:
        try:
            value = self._client.get(self.key_of(name))
        except redis.RedisError as exc:
            raise self._unavailable(exc) from exc
        return value if isinstance(value, bytes) else None  # bytes, as the client does not decode

    def compare_and_set(self, name: str, expected: bytes | None, new: bytes | None, *, now: float | None = None,
                        guard: float | None = None, durable: bool = False) -> Written:
        """See store.Store: one script on the slot's server, then (``durable``) WAIT or WAITAOF on its connection."""
        entry = self.key_of(name)
        keys = [entry, self._marker(entry)]
        now_ms = round((time.time() if now is None else now) * 1000)
        args = [1 if expected is not None else 0, expected or b"", new or b"", self._ttl_ms, now_ms,
                "" if guard is None else round(guard * 1000)]
        try:
            client = self._server(entry)
            wait = self._durability(client) if durable and new is not None else None
            outcome, since, acked = self._run(client, keys, args, wait)
        except redis.RedisError as exc:
            self._waits.clear()  # a fail-over may have changed what the journal finds
            raise self._unavailable(exc) from exc
        if int(since) == now_ms:  # this write dated a new marker: the server lost its data, or is new
            self._date_lost_markers(now_ms / 1000)
        written = Written(outcome == 1, int(since) / 1000, forgot=outcome == 2)
        if written and wait is not None and not _acknowledged(wait, acked):
            if self.replicas is None:  # auto: the replica may be gone for good (a fail-over); look again next time
                self._waits.clear()
            raise NotReplicatedError(
                f"{self.description}: the entry written before the send was not acknowledged by "
                f"{_wanted(wait)} within {self.replica_timeout:g} s (acknowledged: {acked!r})")
        return written

    def durability(self) -> str:
        """What makes the pre-send write durable on the server the journal finds now, for the start-up log."""
        try:
            wait = self._durability(self._server(self.key_of("")))
        except redis.RedisError as exc:
            raise self._unavailable(exc) from exc
        if wait is None:
            return "no wait: the pre-send write is on the primary only"
        return f"{' '.join(str(part) for part in wait)} before each send"

    def date_markers(self, since: float) -> int:
        """Create every missing generation marker, dated ``since``; how many were created. Only for a Redis known
        to have lost nothing since then, such as a new deployment's empty Redis through which nothing was ever
        sent: the journal then trusts a missing entry at once instead of after its window."""
        created = 0
        try:
            for bucket in range(BUCKETS):
                created += bool(self._client.set(f"{self.prefix}{{b{bucket:02d}}}:generation",
                                                 round(since * 1000), nx=True))
        except redis.RedisError as exc:
            raise self._unavailable(exc) from exc
        return created

    def _date_lost_markers(self, since: float) -> None:
        """A server that lost one marker lost them all (a Cluster node: those of its slots): date every missing
        one now, so that each bucket's window starts at the loss, not when a message first lands in it."""
        log.warning("The send journal's Redis (%s) has lost its records, or never had any: for the next %g s, a "
                    "redelivered message it has no record of ends 'may have been sent' instead of being sent",
                    self.description, self.ttl)
        self.date_markers(since)

    def ping(self) -> None:
        try:
            self._client.ping()
        except redis.RedisError as exc:
            raise self._unavailable(exc) from exc

    def close(self) -> None:
        self._client.close()

    def key_of(self, name: str) -> str:
        """The Redis key of the entry ``name``: under the prefix, in its bucket's hash slot (``{bNN}``)."""
        bucket = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=2).digest()[0] % BUCKETS
        return f"{self.prefix}{{b{bucket:02d}}}:{name}"

    def _marker(self, entry: str) -> str:
        return entry[:entry.index("}") + 1] + ":generation"

    def _server(self, key: str) -> redis.Redis:
        """The client of the one server that holds ``key`` (a Cluster's node), where WAIT has a meaning."""
        if isinstance(self._client, redis.RedisCluster):
            node = self._client.get_node_from_key(key)  # type: ignore[no-untyped-call]
            return self._client.get_redis_connection(node)
        return cast(redis.Redis, self._client)

    def _durability(self, client: redis.Redis) -> tuple[Any, ...] | None:
        """WAIT n (replicas), WAITAOF 1 0 (one node writing an append-only file, Redis 7.2+), or None."""
        where = repr(client.connection_pool)
        if where not in self._waits:
            self._waits[where] = _wait_command(client, self.replicas, round(self.replica_timeout * 1000))
        return self._waits[where]

    def _run(self, client: redis.Redis, keys: list[str], args: list[Any],
             wait: tuple[Any, ...] | None) -> tuple[int, bytes, Any]:
        for loaded in (False, True):
            pipe = client.pipeline(transaction=False)  # one connection: WAIT covers the script's write
            pipe.evalsha(_SHA, len(keys), *keys, *args)
            if wait is not None:
                pipe.execute_command(*wait)  # type: ignore[no-untyped-call]
            try:
                replies = pipe.execute()
            except NoScriptError:
                if loaded:
                    raise
                client.script_load(_COMPARE_AND_SET)  # a new server (a restart, a fail-over) lacks the script
                continue
            outcome, since = replies[0]
            return int(outcome), since, replies[1] if wait is not None else None
        raise AssertionError("unreachable")

    def _unavailable(self, exc: redis.RedisError) -> JournalUnavailableError:
        detail = str(exc)
        for secret in (self.target.password, self.target.username, self.target.options.get("sentinel_password")):
            if secret:  # redis-py's messages hold host and port; make sure they never hold a secret
                detail = detail.replace(secret, "***")
        return JournalUnavailableError(f"{self.description}: {type(exc).__name__}: {detail}")


def _wait_command(client: redis.Redis, replicas: int | None, timeout_ms: int) -> tuple[Any, ...] | None:
    if replicas is not None:
        return ("WAIT", replicas, timeout_ms) if replicas > 0 else None
    info = client.info()
    if int(info.get("connected_slaves", 0)) > 0:
        return ("WAIT", 1, timeout_ms)
    version = tuple(int(p) for p in str(info.get("redis_version", "0.0")).split(".")[:2])
    if int(info.get("aof_enabled", 0)) and version >= AOF_WAIT_VERSION:
        return ("WAITAOF", 1, 0, timeout_ms)
    return None


def _acknowledged(wait: tuple[Any, ...], acked: Any) -> bool:
    if wait[0] == "WAITAOF":
        return isinstance(acked, list) and len(acked) == 2 and int(acked[0]) >= int(wait[1])
    return isinstance(acked, int) and acked >= int(wait[1])


def _wanted(wait: tuple[Any, ...]) -> str:
    return "the append-only file" if wait[0] == "WAITAOF" else f"{wait[1]} replica(s)"


def _connect(target: redis_url.Target) -> Any:
    """redis-py's client for the target; UrlError for an option it cannot use (checked now, not at first use)."""
    retry = Retry(ExponentialWithJitterBackoff(cap=0.5, base=0.05), RETRIES)
    auth: dict[str, Any] = {"username": target.username, "password": target.password}
    options = redis_url.options_for(target, DEFAULT_OPTIONS)
    auth.update({name: options.pop(name) for name in ("username", "password") if name in options})
    sentinel_auth: dict[str, Any] = {"username": options.pop("sentinel_username", None),
                     "password": options.pop("sentinel_password", None)}
    _check_options(options, _connection_class(target))
    if target.kind == "single":
        where: dict[str, Any] = {"unix_socket_path": target.socket} if target.socket else \
            {"host": target.hosts[0][0], "port": target.hosts[0][1], "ssl": target.tls}
        return redis.Redis(**where, db=target.db, retry=retry, **auth, **options)
    if target.kind == "sentinel":
        from redis.sentinel import Sentinel

        timeouts: dict[str, Any] = {k: options[k] for k in ("socket_timeout", "socket_connect_timeout") if k in options}
        sentinel = Sentinel(list(target.hosts), sentinel_kwargs={**timeouts, **sentinel_auth}, **timeouts)
        return sentinel.master_for(target.service, db=target.db, retry=retry, ssl=target.tls, **auth, **options)
    from redis.cluster import ClusterNode, RedisCluster

    nodes = [ClusterNode(host, port) for host, port in target.hosts]  # type: ignore[no-untyped-call]
    return RedisCluster(startup_nodes=nodes, retry=retry, ssl=target.tls, **auth, **options)


def _connection_class(target: redis_url.Target) -> type:
    from redis.connection import Connection, SSLConnection, UnixDomainSocketConnection
    from redis.sentinel import SentinelManagedConnection, SentinelManagedSSLConnection

    if target.socket:
        return UnixDomainSocketConnection
    if target.kind == "sentinel":
        return SentinelManagedSSLConnection if target.tls else SentinelManagedConnection
    return SSLConnection if target.tls else Connection


def _check_options(options: dict[str, Any], klass: type) -> None:
    accepted = redis_url.connection_options(klass) | {"max_connections", "ssl"}
    problem = redis_url.unknown_option(options, accepted)
    if problem:
        raise redis_url.UrlError(problem)
