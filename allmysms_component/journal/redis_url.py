"""The journal's Redis URL: read into where to connect (one server, Sentinel or Cluster), and shown without secrets.

Forms (redis-py's own, plus one each for Sentinel and Cluster, served by redis-py's ``Sentinel`` and
``RedisCluster``):

    redis://[[user]:password@]host[:port][/db][?option=value&...]      rediss:// with TLS
    unix://[[user]:password@]/path/to/socket[?db=N&...]
    redis+sentinel://[[user]:password@]host1:26379,host2:26379/service[/db][?...]   rediss+sentinel:// with TLS
    redis+cluster://[[user]:password@]host1:7000,host2:7001[?...]                   rediss+cluster:// with TLS

The password and username go to the Redis servers; ``sentinel_password`` / ``sentinel_username`` in the query
go to the sentinels. A ``#``, ``/``, ``?`` or ``@`` in a password must be percent-encoded, as in any URL. The
password is never shown, in any form: ``describe`` is the runtime's redaction (``pysailor.urls.redact``), and a
URL that reads more than one way is refused before anything uses it.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from pysailor.urls import redact

SINGLE = ("redis", "rediss", "unix")
SENTINEL = ("redis+sentinel", "rediss+sentinel")
CLUSTER = ("redis+cluster", "rediss+cluster")
SCHEMES = SINGLE + SENTINEL + CLUSTER
SECRET_OPTIONS = frozenset({"password", "username", "sentinel_password", "sentinel_username"})
_HOST = re.compile(r"^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")
_PATH = re.compile(r"^/[A-Za-z0-9._/-]*$")


class UrlError(ValueError):
    """Why a journal URL is refused; its message never holds any part of the URL."""


@dataclass(frozen=True)
class Target:
    """Where the journal's Redis is, read from its URL."""

    scheme: str
    hosts: tuple[tuple[str, int], ...] = ()
    service: str = ""  # Sentinel: the monitored master's name
    db: int = 0
    socket: str = ""  # unix://
    options: dict[str, str] = field(default_factory=dict, repr=False)  # the query, secrets included
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return "sentinel" if self.scheme in SENTINEL else "cluster" if self.scheme in CLUSTER else "single"

    @property
    def tls(self) -> bool:
        return self.scheme.startswith("rediss")


def describe(raw: str) -> str:
    """The URL fit for a log line or an error, without any password: the runtime's one redaction for every URL."""
    return redact(raw)


def _readable(raw: str) -> bool:
    """Whether ``raw`` reads one way only: no fragment, every ``@`` in the userinfo, hosts, a plain path, option
    names redis-py knows or that may be secrets. A password with an unencoded ``#``, ``/``, ``?`` or ``@`` fails."""
    try:
        parts = urlsplit(raw)
        netloc_at = parts.netloc.count("@")
        if "#" in raw or raw.count("@") != netloc_at or netloc_at > 1 or parts.scheme not in SCHEMES:
            return False
        hosts = parts.netloc.rpartition("@")[2]
        if hosts and not all(_HOST.match(h) for h in hosts.split(",")):
            return False
        if not hosts and parts.scheme != "unix":
            return False
        return not parts.path or bool(_PATH.match(parts.path))
    except ValueError:
        return False


def parse(raw: str) -> Target:
    """The target of ``raw``; UrlError (saying what is wrong, quoting nothing of the URL) if it is refused."""
    scheme = raw.partition("://")[0].lower() if "://" in raw else ""
    if scheme not in SCHEMES:
        raise UrlError("it must start with " + ", ".join(f"{s}://" for s in SCHEMES))
    if scheme != "unix" and not raw.partition("://")[2].rpartition("@")[2].split("/")[0].split("?")[0]:
        raise UrlError("it names no host")
    if not _readable(raw):
        raise UrlError("it cannot be read as a URL (a '#', '/', '?' or '@' in a password must be written "
                       "%23, %2F, %3F or %40)")
    parts = urlsplit(raw)
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if scheme == "unix":
        if not parts.path:
            raise UrlError("it names no socket path")
        return Target(scheme, socket=parts.path, db=_db(options.pop("db", "0")), options=options,
                      username=username, password=password)
    hosts = tuple(_host(item) for item in parts.netloc.rpartition("@")[2].split(",") if item)
    if not hosts:
        raise UrlError("it names no host")
    segments = [s for s in parts.path.split("/") if s]
    service, db = "", _db(options.pop("db", "0"))
    if scheme in SENTINEL:
        if not segments or len(segments) > 2:
            raise UrlError("it must name the Sentinel service: redis+sentinel://host:26379,.../service[/db]")
        service = segments[0]
        if len(segments) == 2:
            db = _db(segments[1])
    elif segments:
        if len(segments) > 1 or (scheme in CLUSTER and segments != ["0"]):
            raise UrlError("its path must be a database number" if scheme in SINGLE
                           else "a Redis Cluster has database 0 only")
        db = _db(segments[0])
    if scheme in SINGLE and len(hosts) > 1:
        raise UrlError("it names several hosts: use redis+sentinel:// or redis+cluster://")
    return Target(scheme, hosts, service, db, options=options, username=username, password=password)


def unknown_option(options: dict[str, str], accepted: set[str]) -> str | None:
    """A sentence about the first option redis-py would not accept, without quoting it (it may be the tail of a
    password with an unencoded ``&``); None if all are accepted."""
    for key in options:
        if key not in accepted:
            close = difflib.get_close_matches(key, sorted(accepted), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return f"its query has an option redis-py does not know{hint}"
    return None


def connection_options(connection_class: type) -> set[str]:
    """The options a redis-py connection class takes, read from its signature (and its bases')."""
    names: set[str] = set()
    for klass in inspect.getmro(connection_class):
        init = klass.__dict__.get("__init__")
        if init is not None:
            names |= {p.name for p in inspect.signature(init).parameters.values()
                      if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)} - {"self"}
    return names


def _host(item: str) -> tuple[str, int]:
    host, _, port = item.rpartition(":") if not item.endswith("]") else (item, "", "")
    if not host:
        host, port = item, ""
    number = int(port) if port else 6379
    if not 0 < number < 65536:
        raise UrlError("a port is outside 1-65535")
    return host.strip("[]"), number


def _db(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise UrlError("its database must be a whole number")
    return int(value)


def options_for(target: Target, defaults: dict[str, Any]) -> dict[str, Any]:
    """The client options: the defaults, then the query's (as redis-py reads them from a URL)."""
    from redis.connection import URL_QUERY_ARGUMENT_PARSERS

    merged: dict[str, Any] = dict(defaults)
    for key, value in target.options.items():
        parser = cast("Callable[[str], Any] | None", URL_QUERY_ARGUMENT_PARSERS.get(key))
        try:
            merged[key] = parser(value) if parser else value
        except (TypeError, ValueError):
            raise UrlError(f"the value of its option {key} cannot be read"
                           if key not in SECRET_OPTIONS else "an option's value cannot be read") from None
    return merged
