"""Deployment settings, read from the environment: where the API is, how long to wait, the trial account.

All optional (see component.json ``envVars``). A bad value is a ConfigurationError that names the variable,
raised before any HTTP request. Every ``ALLMYSMS_*`` setting is also read as ``ELASTICIO_ALLMYSMS_*``, the name
under which the Open Integration Hub passes a component's variables (:func:`deployment_value`, the one place
of that rule).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests
from urllib3.util import parse_url

from pysailor import env, urls

from .errors import ConfigurationError

# The variables read, in the order Settings.parse takes them.
ENV_VARS = ("ALLMYSMS_API_URL", "ALLMYSMS_CONNECT_TIMEOUT", "ALLMYSMS_READ_TIMEOUT", "ALLMYSMS_TRIAL_LOGIN",
            "ALLMYSMS_TRIAL_API_KEY", "ALLMYSMS_MAX_CONNECTIONS")
OIH_PREFIX = "ELASTICIO_"  # the Open Integration Hub prefixes every variable of a component's descriptor
OWN_PREFIX = "ALLMYSMS_"
DEFAULT_API_URL = "https://api.allmysms.com"
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
MAX_TIMEOUT = 300.0
DEFAULT_MAX_CONNECTIONS = 16
MAX_CONNECTIONS = 1024

# What an API base URL may be, strictly: scheme, a host name or IP literal, a numeric port, a plain path. Anything
# else (a backslash, a bare "?" or "#", userinfo, whitespace) is read differently by different URL parsers.
_BASE_URL = re.compile(r"""(?P<scheme>https?)://(?P<host>\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(?P<port>[^/]*))?
                           (?P<path>(?:/(?:[a-z0-9._~!$&'()*+,;=:@-]|%[0-9a-f]{2})*)*)""",
                       re.IGNORECASE | re.ASCII | re.VERBOSE)


class Timeouts(NamedTuple):
    connect: float = DEFAULT_CONNECT_TIMEOUT
    read: float = DEFAULT_READ_TIMEOUT


_DEFAULT_TIMEOUTS = Timeouts()


class Settings:
    """The deployment's settings, read-only; the demo account's key stays out of the repr."""

    # A plain class, not a dataclass: a fresh process creates it on its first message's path, and a dataclass
    # costs millions of instructions to create (bench/README.md, the first message).
    __slots__ = ("api_url", "max_connections", "max_connections_set", "timeouts", "trial_api_key", "trial_login")
    _SHOWN = ("api_url", "timeouts", "trial_login", "max_connections", "max_connections_set")
    api_url: str
    timeouts: Timeouts
    trial_login: str
    trial_api_key: str
    max_connections: int
    max_connections_set: bool  # ALLMYSMS_MAX_CONNECTIONS was given: it wins over the concurrency

    def __init__(self, api_url: str = DEFAULT_API_URL, timeouts: Timeouts = _DEFAULT_TIMEOUTS, trial_login: str = "",
                 trial_api_key: str = "", max_connections: int = DEFAULT_MAX_CONNECTIONS,
                 max_connections_set: bool = False) -> None:
        for name, value in (("api_url", api_url), ("timeouts", timeouts), ("trial_login", trial_login),
                            ("trial_api_key", trial_api_key), ("max_connections", max_connections),
                            ("max_connections_set", max_connections_set)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Settings are read-only: use replace()")

    def replace(self, **changes: Any) -> Settings:
        """These settings with ``changes`` (the CLI points a copy at its simulator)."""
        return Settings(**{**{name: getattr(self, name) for name in self.__slots__}, **changes})

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return "Settings(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self._SHOWN) + ")"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Settings from ``env`` (the process's environment is read once, by ``context.current``)."""
        return cls.parse(raw_values(env))

    @classmethod
    def parse(cls, raw: tuple[str, ...]) -> Settings:
        """Settings from the raw values of ENV_VARS, in that order; a refused value raises ConfigurationError."""
        api_url, connect, read, trial_login, trial_api_key, max_connections = raw
        return cls(
            api_url=check_api_url(api_url.strip() or DEFAULT_API_URL),
            timeouts=Timeouts(
                connect=_timeout("ALLMYSMS_CONNECT_TIMEOUT", connect, DEFAULT_CONNECT_TIMEOUT),
                read=_timeout("ALLMYSMS_READ_TIMEOUT", read, DEFAULT_READ_TIMEOUT),
            ),
            trial_login=trial_login.strip(),
            trial_api_key=trial_api_key.strip(),
            max_connections=whole_number("ALLMYSMS_MAX_CONNECTIONS", max_connections, DEFAULT_MAX_CONNECTIONS,
                                         1, MAX_CONNECTIONS, f"a whole number from 1 to {MAX_CONNECTIONS}"),
            max_connections_set=bool(max_connections.strip()),
        )

    def pool_size(self, concurrency: int = 1) -> int:
        """Connections to the API kept at most when ``concurrency`` sends may run at once (the worker's
        prefetch): ALLMYSMS_MAX_CONNECTIONS when set, else enough for every send in flight, and at least the
        default (a send beyond the pool waits for a free connection)."""
        if self.max_connections_set:
            return self.max_connections
        return min(MAX_CONNECTIONS, max(self.max_connections, concurrency))


def raw_values(env: Mapping[str, str]) -> tuple[str, ...]:
    """The raw values Settings are parsed from, in ENV_VARS' order (an OIH-prefixed name counts too)."""
    return tuple(deployment_value(env, name) for name in ENV_VARS)


def deployment_value(env: Mapping[str, str], name: str) -> str:
    """The raw value of the deployment setting ``name`` (``ALLMYSMS_...``): the variable itself, else as the Open
    Integration Hub passes it, ``ELASTICIO_`` + name. The unprefixed name wins when both are set; a blank value
    counts as unset, as every setting here reads blank as its default."""
    value = env.get(name, "")
    if value.strip() or not name.startswith(OWN_PREFIX):
        return value
    return env.get(OIH_PREFIX + name, value)


def deployment_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with every ``ELASTICIO_ALLMYSMS_*`` variable also under its own name, by :func:`deployment_value`'s
    rule: what the readers of ``ALLMYSMS_*`` settings are handed."""
    resolved = dict(env)
    for prefixed in env:
        name = prefixed.removeprefix(OIH_PREFIX)
        if prefixed.startswith(OIH_PREFIX + OWN_PREFIX):
            resolved[name] = deployment_value(env, name)
    return resolved


def check_api_url(url: str) -> str:
    """The base URL without a trailing slash; https, or http on a loopback host only.

    Judged strictly, then cross-checked with the host and port requests and urllib3 will connect to: a URL they
    would read differently from this check (``http://host:80\\[::1]``) is refused, never guessed at."""
    problem = _url_problem(url)
    if problem:
        raise ConfigurationError(f"ALLMYSMS_API_URL {urls.redact(url)!r} is refused: {problem}; nothing was sent")
    return url.rstrip("/")


def _url_problem(url: str) -> str | None:
    scheme, _, rest = url.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if not url.isascii():
        return "it must be ASCII (write a host name in its xn-- form, escape the path with %XX)"
    if any(not c.isprintable() or c.isspace() for c in url):
        return "it contains a space or a control character"
    if scheme.lower() not in ("https", "http") or not rest:
        return "it must be an absolute https:// URL"
    if "@" in authority:
        return "it must not contain credentials"
    if "?" in url or "#" in url:
        return "it must not have a query or a fragment (not even a bare ? or #)"
    if "\\" in url:
        return "it contains a backslash, which URL parsers read differently"
    match = _BASE_URL.fullmatch(url)
    if match is None:
        return "it is not a URL of the form https://host[:port][/path] (the path with %XX escapes only)"
    host, port = match["host"].strip("[]"), match["port"]
    if port is not None and not (port.isdigit() and len(port) <= 5 and 0 < int(port) <= 65535):
        return "its port must be a number from 1 to 65535"
    if match["host"].startswith("["):
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return "its IPv6 address is not valid"
    if _host_the_library_connects_to(url) != (host.lower(), int(port) if port else None):
        return "the HTTP library reads its host or port differently"
    if scheme.lower() == "http" and not is_loopback(host):
        return ("plain http:// is allowed only for loopback hosts (a local sandbox): credentials would cross the "
                "network in clear text")
    return None


def _host_the_library_connects_to(url: str) -> tuple[str, int | None] | None:
    """Host and port of a request under ``url``, as requests prepares it and urllib3 parses it to connect."""
    try:
        prepared = requests.Request("POST", url.rstrip("/") + "/http/9.0/sendSms/").prepare()
        parsed = parse_url(prepared.url or "")
        split = urlsplit(prepared.url or "")
        if (parsed.host or "").strip("[]").lower() != (split.hostname or "") or parsed.port != split.port:
            return None
    except ValueError:  # requests' InvalidURL and urllib3's LocationParseError included
        return None
    return (split.hostname or ""), split.port


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _timeout(name: str, raw: str, default: float) -> float:
    return seconds(name, raw, default, lambda value: 0 < value <= MAX_TIMEOUT,
                   f"a number of seconds above 0 and at most {MAX_TIMEOUT:g}")


def seconds(name: str, raw: str, default: float, fits: Callable[[float], bool], allowed: str) -> float:
    """A duration setting in seconds (blank: ``default``), parsed by the runtime's ``env.seconds``; refused as a
    ConfigurationError that names the variable and says what is ``allowed``."""
    try:
        return env.seconds(name, raw, default, fits, allowed)
    except env.SettingsError as exc:
        raise ConfigurationError(f"{exc}; nothing was sent") from None


def whole_number(name: str, raw: str, default: int, low: int, high: int, allowed: str) -> int:
    """A count setting (blank: ``default``), parsed by the runtime's ``env.whole_number``: ASCII digits from
    ``low`` to ``high``, else refused like ``seconds``."""
    try:
        return env.whole_number(name, raw, default, low, high, allowed)
    except env.SettingsError as exc:
        raise ConfigurationError(f"{exc}; nothing was sent") from None
